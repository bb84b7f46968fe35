"""Search-as-you-type suggestions: time per lookup over 30,000 labels, against a linear scan.

The timing that used to sit in a unit test (< 10 ms a lookup) lives here, where a loaded
machine cannot make a test flaky.  The baseline, measured in the same run, is the obvious
implementation: every label's words checked with ``startswith`` on each keystroke.

    python benchmarks/suggest_latency.py
"""

from __future__ import annotations

import statistics
import time

from eventsearch.web.suggest import Suggester, Suggestion, words_of

QUERIES = ("py", "pyth", "talk num", "about py", "ta", "guido", "number 2999")
ROUNDS = 20


def entries() -> list[Suggestion]:
    out = [Suggestion(f"Talk number {i} about python", "title", f"t{i}.md", 1)
           for i in range(30_000)]
    out += [Suggestion("python", "tag", "python", 500), Suggestion("Pycon", "tag", "pycon", 90),
            Suggestion("Guido van Rossum", "speaker", "guido van rossum", 12)]
    return out


def linear(labels: list[tuple[Suggestion, list[str]]], text: str, limit: int = 8) -> list[str]:
    *complete, last = words_of(text)
    found = [s.label for s, words in labels
             if all(w in words for w in complete) and any(w.startswith(last) for w in words)]
    return found[:limit]


def timed(fn, q: str) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    items = entries()
    table = Suggester(items)
    labels = [(s, words_of(s.label)) for s in items]
    print(f"{len(items):,} labels, median of {ROUNDS} lookups each")
    print(f"{'typed':<14}{'suggester ms':>14}{'linear ms':>12}{'ratio':>9}")
    for q in QUERIES:
        ours = timed(table.suggest, q)
        base = timed(lambda text: linear(labels, text), q)
        print(f"{q:<14}{ours:>14.3f}{base:>12.2f}{base / ours:>8.0f}x")


if __name__ == "__main__":
    main()
