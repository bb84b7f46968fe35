"""The cost budget of one query (eventsearch.query.budget): each limit takes effect and says so,
settings parse and refuse bad values, and ordinary queries are not touched.

No timing here: the time limit is tested with a budget of 0 ms, which is spent before the
second concept whatever the machine (timings are in benchmarks/hostile_queries.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventsearch.config import load_settings
from eventsearch.errors import ConfigError
from eventsearch.model import SearchQuery
from eventsearch.query.budget import DEFAULT, Limits
from eventsearch.rank.concepts import concepts_of
from eventsearch.search import SearchIndex
from eventsearch.web import create_app


@pytest.fixture(scope="module")
def unlimited(corpus_index):
    return SearchIndex(corpus_index, limits=Limits(
        max_words=1000, max_filters=1000, max_expansions=100_000,
        max_query_expansions=100_000, max_expanded_terms=1000, min_prefix=0,
        leading_wildcards=True, time_budget_ms=10**9))


def limited(index_dir, **limits) -> SearchIndex:
    return SearchIndex(index_dir, limits=replace(DEFAULT, **limits))


def run(index: SearchIndex, q: str, **kw):
    return index.search(SearchQuery(q=q, per_page=100, **kw))


def paths(result) -> list[str]:
    return [h.path for h in result.hits]


def expansions(index: SearchIndex, q: str) -> list[list[str]]:
    """The words each wildcard term of q was expanded to."""
    from eventsearch.query import parse_query
    from eventsearch.query.budget import Budget
    from eventsearch.rank.answer import plan_query

    searcher = index.backend.searcher()
    _, plan = plan_query(index.backend._searchable(searcher), parse_query(q, index.limits),
                         Budget(index.limits))
    return [c.expansions for c, _ in concepts_of(plan) if c.expansions is not None]


def test_a_wildcard_keeps_the_words_in_the_most_notes(corpus_index, unlimited):
    every = expansions(unlimited, "de*")[0]
    assert len(every) > 3
    index = limited(corpus_index, max_expansions=3)
    (kept,) = expansions(index, "de*")
    vocab = index.backend._ranking_data(index.backend.searcher())[1]
    by_notes = sorted(every, key=lambda w: (-vocab.df(w), w))
    assert kept == by_notes[:3]
    result = run(index, "de*")
    assert any(f"de* matches {len(every)} words; only the 3 found in the most notes" in m
               for m in result.messages), result.messages
    assert result.total <= run(unlimited, "de*").total


def test_the_query_wide_expansion_limit_is_shared_and_then_leaves_terms_out(corpus_index):
    index = limited(corpus_index, max_expansions=3, max_query_expansions=4)
    assert [len(e) for e in expansions(index, "de* da*")] == [3, 1]
    result = run(index, "de* da* ku*")
    assert any("ku* was left out" in m and "4 words" in m for m in result.messages)


def test_only_so_many_terms_are_expanded(corpus_index):
    index = limited(corpus_index, max_expanded_terms=1)
    result = run(index, "kube* datenb*")
    assert any("datenb* was left out" in m for m in result.messages)
    assert len(expansions(index, "kube* datenb*")) == 1


def test_a_short_prefix_is_left_out_with_the_reason(corpus_index):
    index = limited(corpus_index, min_prefix=3)
    result = run(index, "ku*")
    assert result.total == 0
    assert any("ku* was left out" in m and "at least 3 letters" in m for m in result.messages)
    assert run(index, "kub*").total > 0
    assert run(index, "K?bernetes").total > 0  # a ? alone never needs the prefix
    # the rest of the query is still searched
    assert paths(run(index, "a* kubernetes")) == paths(run(index, "kubernetes"))


def test_leading_wildcards_are_off_by_default_and_can_be_turned_on(corpus_index, unlimited):
    off = SearchIndex(corpus_index)
    for q in ("*netes", "?ubernetes", "*a*e*i*o*"):
        result = run(off, q)
        assert result.total == 0
        assert any(f"{q} was left out: wildcards at the start of a word are off" in m
                   for m in result.messages), result.messages
    on = limited(corpus_index, leading_wildcards=True)
    kubernetes = set(paths(run(on, "kubernetes")))
    assert kubernetes <= set(paths(run(on, "*netes")))
    assert kubernetes <= set(paths(run(on, "?ubernetes")))
    assert run(on, "*a*e*i*o*").total == run(unlimited, "*a*e*i*o*").total > 0
    # a bare * still means every note, as before
    assert run(off, "*").total == run(off, "").total


def test_a_spent_time_budget_gives_partial_results_and_says_so(corpus_index):
    index = limited(corpus_index, time_budget_ms=0)
    result = run(index, "kubernetes operators python")
    assert any("time limit of 0 ms" in m and "partial" in m for m in result.messages)
    assert result.hits  # the first word is always searched
    full = run(SearchIndex(corpus_index), "kubernetes operators python")
    assert not any("partial" in m for m in full.messages)
    # partial results are not cached: a second request searches again (and says so again)
    assert any("partial" in m for m in run(index, "kubernetes operators python").messages)


def test_too_many_words_and_filters_are_cut_with_a_message(corpus_index):
    index = limited(corpus_index, max_words=2, max_filters=1)
    result = run(index, "kubernetes operators python tag:a tag:b")
    assert "Only the first 2 words were searched." in result.messages
    assert any("Only the first 1 field filters" in m for m in result.messages)


def test_explicit_fuzzy_terms_beyond_the_limit_are_searched_as_typed(corpus_index):
    index = limited(corpus_index, max_expanded_terms=1)
    result = run(index, "relase~ kubernetse~")
    assert any("first 1 wildcard, ~ or unusual words" in m for m in result.messages)


@pytest.mark.parametrize("q", ["kubernetes", "Datenbank", "deployment operators", "Kuber*",
                               "K?bernetes", '"office hours"', "relase~", "python -django",
                               "Kuberntes", "tag:aws"])
def test_ordinary_queries_are_unchanged(unlimited, corpus_index, q):
    ours = run(SearchIndex(corpus_index), q)
    theirs = run(unlimited, q)
    assert [(h.path, round(h.score, 6)) for h in ours.hits] == \
        [(h.path, round(h.score, 6)) for h in theirs.hits]
    assert ours.messages == theirs.messages
    # nothing said about the budget (the looser pass may speak: few notes have both words)
    assert [m for m in ours.messages if "weaker matches follow" not in m] == []


# -- settings --------------------------------------------------------------------------


def test_limits_come_from_the_file_the_environment_and_overrides(tmp_path, monkeypatch):
    config = tmp_path / "eventsearch.toml"
    config.write_text("[search]\nmax_expansions = 7\nleading_wildcards = true\n", "utf-8")
    settings = load_settings(config)
    assert settings.max_expansions == 7 and settings.leading_wildcards is True
    assert settings.time_budget_ms == DEFAULT.time_budget_ms
    monkeypatch.setenv("EVENTSEARCH_TIME_BUDGET_MS", "250")
    monkeypatch.setenv("EVENTSEARCH_LEADING_WILDCARDS", "false")
    settings = load_settings(config)
    assert settings.time_budget_ms == 250 and settings.leading_wildcards is False
    assert Limits.from_settings(settings) == replace(DEFAULT, max_expansions=7,
                                                     time_budget_ms=250)


@pytest.mark.parametrize(("text", "reason"), [
    ("[search]\nmax_expansions = 0\n", "max_expansions must be at least 1"),
    ("[search]\nmax_words = 'many'\n", "max_words must be a whole number"),
    ("[search]\ntime_budget_ms = -1\n", "time_budget_ms must be at least 0"),
    ("[search]\nmin_prefix = 2.5\n", "min_prefix must be a whole number"),
    ("[search]\nleading_wildcards = 'maybe'\n", "leading_wildcards must be true or false"),
    ("[search]\nmax_expansion = 5\n", "Unknown setting 'max_expansion'"),
    ("max_words = true\n", "max_words must be a whole number"),
])
def test_bad_limits_are_refused_with_the_reason(tmp_path, text, reason):
    config = tmp_path / "eventsearch.toml"
    config.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=reason):
        load_settings(config)


def test_a_bad_limit_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("EVENTSEARCH_MAX_QUERY_EXPANSIONS", "lots")
    with pytest.raises(ConfigError, match="max_query_expansions must be a whole number"):
        load_settings(None)


# -- the JSON API ----------------------------------------------------------------------


def test_the_api_answers_hostile_queries_with_200_and_messages(corpus_index):
    app = create_app(load_settings(index_dir=corpus_index, max_expansions=2, time_budget_ms=0),
                     test_config={"TESTING": True})
    client = app.test_client()
    response = client.get("/api/search", query_string={"q": "*ing"})
    assert response.status_code == 200
    assert any("*ing was left out" in m for m in response.get_json()["messages"])
    data = client.get("/api/search", query_string={"q": "de* kubernetes"}).get_json()
    assert any("only the 2 found in the most notes" in m for m in data["messages"])
    assert any("partial" in m for m in data["messages"])
    page = client.get("/search", query_string={"q": "*ing"})
    assert page.status_code == 200 and "was left out" in page.get_data(as_text=True)
