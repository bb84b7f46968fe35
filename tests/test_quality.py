"""Known-item quality on the shared dev queries: a regression guard, not a tuning target.

Builds an index of all of ../shared/corpora once per session (a few minutes), so the
tests are marked slow.  Run them with ``pytest -m slow tests/test_quality.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MRR_FLOOR = 0.95  # measured 0.983 on the 30 dev queries; the plain Whoosh baseline is 0.45
KIND_FLOOR = 0.60

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def queries(shared_index) -> list[dict]:  # shared_index skips (or fails under CI) without shared/
    path = SHARED / "eval" / "known-items-dev.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def index(shared_index) -> SearchIndex:
    index_dir, _ = shared_index
    return SearchIndex(index_dir)


def reciprocal_ranks(index: SearchIndex, queries: list[dict]) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {}
    for q in queries:
        found = [h.path for h in index.search(SearchQuery(q=q["query"], per_page=10)).hits]
        ranks = [i for i, p in enumerate(found, 1) if p in q["targets"]]
        rr = 1 / ranks[0] if ranks else 0.0
        for key in ("all", q["kind"]):
            groups.setdefault(key, []).append(rr)
    return groups


def test_known_item_mrr_stays_above_the_floor(index, queries):
    groups = reciprocal_ranks(index, queries)
    mrr = {k: sum(v) / len(v) for k, v in groups.items()}
    assert mrr["all"] >= MRR_FLOOR, mrr
    weak = {k: round(v, 3) for k, v in mrr.items() if v < KIND_FLOOR}
    assert not weak, f"kinds below {KIND_FLOOR}: {weak}"


# Our own known-item sets (benchmarks/, issue 20) and the MRR@10 each had when it was last
# measured, less a margin of about one query moved from rank 1 to 3: a guard against losing
# what the ranking work bought, not a target.
OWN_SETS = {"known-items-unseen.jsonl": 0.92, "known-items-holdout.jsonl": 0.93,
            "known-items-probe3.jsonl": 0.90, "known-items-probe4.jsonl": 0.92,
            "known-items-probe5.jsonl": 0.97, "known-items-probe6.jsonl": 0.95,
            "known-items-probe7.jsonl": 0.90, "known-items-probe8.jsonl": 0.97,
            "known-items-probe9.jsonl": 0.94, "known-items-probe10.jsonl": 0.96}
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("name", sorted(OWN_SETS))
def test_our_known_item_sets_stay_above_their_floors(index, name):
    queries = [json.loads(line) for line in (BENCHMARKS / name).read_text("utf-8").splitlines()]
    corpora = SHARED / "corpora"
    missing = [t for q in queries for t in q["targets"] if not (corpora / t).is_file()]
    assert not missing, f"targets not in ../shared/corpora: {missing[:5]}"
    mrr = sum(reciprocal_ranks(index, queries)["all"]) / len(queries)
    assert mrr >= OWN_SETS[name], (name, round(mrr, 3))


def test_facet_counts_are_disjunctive_on_the_real_corpus(index):
    """Each facet is counted as if its own selection were removed (OR within, AND across)."""
    def counts(result, facet):  # type: ignore[no-untyped-def]
        return {v.key: v.count for v in result.facets[facet]}

    base = index.search(SearchQuery(q="Vortrag"))
    de = index.search(SearchQuery(q="Vortrag", langs=("de",)))
    assert counts(de, "lang") == counts(base, "lang")  # its own selection is ignored
    assert de.total == counts(base, "lang")["de"]
    assert sum(counts(de, "year").values()) <= de.total * 1  # years: one per dated note
    years = [k for k, _ in sorted(counts(de, "year").items(), key=lambda kv: -kv[1])[:2]]
    both = index.search(SearchQuery(q="Vortrag", langs=("de",), years=tuple(years)))
    assert both.total == sum(counts(de, "year")[y] for y in years)  # OR within the year facet
    assert counts(both, "year") == counts(de, "year")
    assert counts(both, "lang")["de"] == both.total  # AND across facets
    en_too = index.search(SearchQuery(q="Vortrag", langs=("de", "en"), years=tuple(years)))
    assert en_too.total == sum(counts(both, "lang").get(k, 0) for k in ("de", "en"))


def test_facet_display_form_on_the_real_corpus(index):
    result = index.search(SearchQuery(q="", tags=("aws summit",)))
    value = next(v for v in result.facets["tag"] if v.selected)
    assert value.key == "aws summit" and value.value == "AWS Summit"
    assert result.total >= 2
