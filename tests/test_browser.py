"""A real browser (Debian's headless Chromium, driven by Playwright) against a real
`eventsearch serve` on 127.0.0.1.  Screenshots of the main states go to artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import PROJECT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = PROJECT / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return "Chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[test]')"
    return None


if (reason := _missing()) is not None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(corpus_index):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventsearch", "serve", "--index", str(corpus_index),
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.wait()
                pytest.fail(f"server did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def total(page) -> int:
    return int(page.locator(".summary strong").first.inner_text())


def test_search_facet_note_back_and_pages(page, server):
    page.goto(server)
    expect(page.locator("h1")).to_contain_text("Find any talk")
    page.screenshot(path=SHOTS / "01-home.png", full_page=True)

    page.fill("#q", "Vorträge")
    page.press("#q", "Enter")
    expect(page.locator(".hit").first).to_be_visible()
    before = total(page)
    assert before > 3
    assert page.locator(".hit mark").count() > 0
    page.screenshot(path=SHOTS / "02-results.png", full_page=True)

    page.locator(".facet[aria-labelledby=facet-lang] a", has_text="Deutsch").click()
    expect(page.locator(".chip")).to_contain_text("Language: Deutsch")
    after = total(page)
    assert 0 < after <= before
    assert all(lang == "de" for lang in
               page.locator("article.hit").evaluate_all("els => els.map(e => e.lang)"))
    page.screenshot(path=SHOTS / "03-facet-selected.png", full_page=True)

    results_url = page.url
    page.locator(".hit h2 a").first.click()
    expect(page.locator("article.note h1")).to_be_visible()
    assert "/notes/" in page.url
    page.screenshot(path=SHOTS / "04-note.png", full_page=True)
    page.go_back()
    assert page.url == results_url
    assert total(page) == after

    page.goto(f"{server}/search?per_page=5")
    first = page.locator(".hit h2 a").first.inner_text()
    page.locator("a[rel=next]").click()
    expect(page.locator(".pager .current")).to_have_text("2")
    assert page.locator(".hit h2 a").first.inner_text() != first


def test_timeline_bar_filters_to_a_year(page, server):
    page.goto(f"{server}/search")
    page.locator(".timeline a[aria-label^='2019']").click()
    expect(page.locator(".chip")).to_contain_text("Year: 2019")
    expect(page.locator(".timeline figcaption")).to_contain_text("per month in 2019")
    dates = page.locator(".hit time").all_inner_texts()
    assert dates and all(d.startswith("2019") for d in dates)
    page.screenshot(path=SHOTS / "05-timeline-year.png", full_page=True)


def test_suggestions_and_keyboard(page, server):
    page.goto(server)
    page.keyboard.press("/")
    page.keyboard.type("kub")
    expect(page.locator("#suggestions li").first).to_be_visible()
    page.screenshot(path=SHOTS / "06-suggestions.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert total(page) > 0


def test_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                       "height": 900})
    page = context.new_page()
    page.goto(server)
    page.fill("#q", "kubernetes")
    page.click("form.searchbox button")
    expect(page.locator(".hit").first).to_be_visible()
    before = total(page)
    page.locator(".facet[aria-labelledby=facet-tag] a").first.click()
    assert total(page) <= before
    expect(page.locator(".chip").first).to_be_visible()
    page.screenshot(path=SHOTS / "07-no-js.png", full_page=True)
    context.close()


def test_phone_width(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/search?q=datenschutz")
    expect(page.locator(".hit").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling
    page.screenshot(path=SHOTS / "08-phone.png", full_page=True)
    context.close()


def test_hostile_query_is_shown_as_text(page, server):
    page.goto(f"{server}/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    dialogs = []
    page.on("dialog", lambda d: dialogs.append(d))
    expect(page.locator("#q")).to_have_value("<script>alert(1)</script>")
    assert not dialogs
