"""Results as you type: keystroke to updated results, measured in the browser.

A real ``eventsearch serve`` over an index of all of ``../shared/corpora`` (built under
benchmarks/.cache/corpora-index when missing, as quality.py does) on 127.0.0.1, and
Debian's headless Chromium driven by Playwright typing queries into the search box
at a brisk human pace (one key every ``--delay`` ms).  In the page, each ``input``
event's time and value are recorded, and a MutationObserver records when the results
part (#layout) is swapped in and for which query; a keystroke's latency is the time
from its input event to the first swap showing its text.  That includes app.js's
60 ms debounce, the request over loopback, the search, the rendering and the swap.
Keystrokes overtaken by the next one before their answer came are counted apart.

    python benchmarks/typing_latency.py [--index DIR] [--delay 150] [--rounds 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import (
    CACHE,
    CORPORA,
    PROJECT,
    machine,
    median,
    percentile,
    print_table,
    require_shared,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# what people type: English and German topics, a name, a filter, a typo
QUERIES = ("kubernetes security", "machine learning", "Datenschutz", "python async",
           "Vorträge Datenbank", "rust lang:en", "kuberntes", "serverless aws",
           "web performance", "Barrierefreiheit")

OBSERVE = """() => {
  window.typed = []; window.swaps = [];
  const box = document.getElementById("q");
  box.addEventListener("input", () => window.typed.push([performance.now(), box.value]));
  new MutationObserver(() => {
    const l = document.getElementById("layout");
    if (!l || l === window.lastLayout) return;
    window.lastLayout = l;
    const q = l.querySelector(".summary q");
    window.swaps.push([performance.now(), q ? q.textContent : ""]);
  }).observe(document.getElementById("main"), { childList: true });
}"""


def ensure_index(index: Path) -> None:
    if (index / "current").exists():
        return
    require_shared()
    from eventsearch.backends.whoosh.build import build_index

    started = time.perf_counter()
    report = build_index([CORPORA], index)
    print(f"built {report.notes} notes in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def serve(index: Path, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "serve", "--index", str(index),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("the server did not come up: "
                                 f"{proc.communicate()[1][-2000:]!r}") from None
            time.sleep(0.3)


def measure(base: str, delay: int, rounds: int) -> tuple[list[float], int]:
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    overtaken = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for n in range(rounds + 1):  # round 0 warms the server's caches
            for text in QUERIES:
                page.goto(f"{base}/search?q=x")
                page.evaluate(OBSERVE)
                page.locator("#q").fill("")
                page.wait_for_timeout(300)
                page.evaluate("() => { window.typed = []; window.swaps = []; }")
                page.keyboard.type(text, delay=delay)
                page.wait_for_function(
                    "t => window.swaps.some(s => s[1] === t)", arg=text.strip(), timeout=10_000)
                typed = page.evaluate("window.typed")
                swaps = page.evaluate("window.swaps")
                if n == 0:
                    continue
                for i, (at, value) in enumerate(typed):
                    if not value.strip():
                        continue
                    shown = [t for t, q in swaps if t >= at and q == value.strip()]
                    following = typed[i + 1][0] if i + 1 < len(typed) else float("inf")
                    if shown and (shown[0] <= following or value.endswith(" ")):
                        latencies.append(shown[0] - at)
                    else:
                        overtaken += 1
        browser.close()
    return latencies, overtaken


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=CACHE / "corpora-index")
    ap.add_argument("--delay", type=int, default=150, help="ms between keys (default 150)")
    ap.add_argument("--rounds", type=int, default=2, help="times each query is typed")
    args = ap.parse_args()
    ensure_index(args.index)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = serve(args.index, port)
    try:
        latencies, overtaken = measure(f"http://127.0.0.1:{port}", args.delay, args.rounds)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"typing latency over loopback, {machine()}, index {args.index}, "
          f"one key every {args.delay} ms, {args.rounds} rounds of {len(QUERIES)} queries")
    print_table(["keystrokes", "median ms", "p95 ms", "max ms", "overtaken"],
                [[len(latencies), median(latencies), percentile(latencies, 95),
                  max(latencies, default=float("nan")), overtaken]])


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT / "src"))
    main()
