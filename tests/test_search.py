"""Searching the sample corpus: both languages at once, facets, filters, paging, snippets."""

from __future__ import annotations

from datetime import date

import pytest

from eventsearch.errors import IndexMissing, QueryError
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex


@pytest.fixture(scope="module")
def index(corpus_index):
    return SearchIndex(corpus_index)


def paths(result):
    return [h.path for h in result.hits]


def search(index, q="", **kw):
    kw.setdefault("per_page", 100)
    return index.search(SearchQuery(q=q, **kw))


def test_german_inflection_finds_the_base_form(index):
    # "Vortrag" (singular) is in the Markdown note; the query uses the plural.
    found = paths(search(index, "Vorträge"))
    assert "plain/events/2018-03-14.md" in found
    assert found == paths(search(index, "Vortraege")) == paths(search(index, "Vortrage"))


def test_english_inflection(index):
    found = paths(search(index, "deployment"))
    assert "html/artikel/2020/06/03/zero-downtime-deployments/index.html" in found


def test_english_loanword_in_a_german_note_is_found_by_an_english_query(index):
    result = search(index, "deployments", langs=("de",))
    assert "pyvideo/somecon-2019/videos/sichere-deployments-fuer-python-webanwendungen.json" \
        in paths(result)
    assert {h.lang for h in result.hits} == {"de"}


def test_one_query_searches_both_languages(index):
    langs = {h.lang for h in search(index, "kubernetes").hits}
    assert langs == {"en", "de"}


def test_exact_words_rank_above_stemmed_matches(index, tmp_path):
    top = search(index, "Datenbanksysteme").hits[0]
    assert "Datenbanksysteme" in top.title or "Datenbanksysteme" in top.tags


def test_multi_valued_facets_count_each_value(index):
    result = search(index, "")
    speakers = {v.value: v.count for v in result.facets["speaker"]}
    # Several speakers per note: every one of them is counted for that note.
    by_hand = {}
    for hit in result.hits:
        for s in hit.speakers:
            by_hand[s] = by_hand.get(s, 0) + 1
    for name, count in by_hand.items():
        assert speakers.get(name) == count or name not in speakers
    assert sum(speakers.values()) > result.total  # multi-valued: more values than notes


def test_tag_values_merge_case_and_spacing_and_keep_a_display_form(index):
    tags = {v.key: v for v in search(index, "").facets["tag"]}
    assert "aws summit" in tags
    assert tags["aws summit"].value in ("AWS Summit", "aws summit")
    assert tags["aws summit"].count >= 3  # "AWS Summit", "aws summit " and "aws summit"
    assert not any(k != k.strip().casefold() for k in tags)


def test_tag_filter_is_case_insensitive(index):
    lower = search(index, "", tags=("aws summit",))
    upper = search(index, "", tags=("AWS Summit",))
    assert lower.total == upper.total > 0
    for hit in lower.hits:
        assert "aws summit" in {t.casefold().strip() for t in hit.tags}


def test_facets_are_disjunctive_within_and_conjunctive_across(index):
    all_notes = search(index, "")
    rust = search(index, "", tags=("rust",))
    both = search(index, "", tags=("rust", "kubernetes"))
    kube = search(index, "", tags=("kubernetes",))
    assert both.total == len(set(paths(rust)) | set(paths(kube)))  # OR within a facet
    # The tag facet's counts ignore the tag selection itself, so the user can widen it.
    assert {v.key: v.count for v in rust.facets["tag"]} == \
        {v.key: v.count for v in all_notes.facets["tag"]}
    assert [v.key for v in rust.facets["tag"] if v.selected] == ["rust"]
    german_rust = search(index, "", tags=("rust",), langs=("de",))
    assert 0 < german_rust.total < rust.total  # AND across facets
    assert german_rust.hits and all(h.lang == "de" for h in german_rust.hits)


def test_speaker_filter_and_query_syntax_agree(index):
    by_option = search(index, "", speakers=("Markus Höfler",))
    by_syntax = search(index, 'speaker:"markus höfler"')
    assert by_option.total == by_syntax.total > 1
    assert paths(by_option) == paths(by_syntax)


def test_date_filters(index):
    in_2019 = search(index, "", since=date(2019, 1, 1), until=date(2019, 12, 31))
    assert in_2019.total > 0
    assert all(h.date and h.date.year == 2019 for h in in_2019.hits)
    by_year = search(index, "", years=("2019",))
    assert paths(in_2019) == paths(search(index, "date:2019")) == paths(by_year)
    assert search(index, "date:2019-05").total < in_2019.total


def test_month_facet_appears_within_one_selected_year(index):
    result = search(index, "", years=("2019",))
    assert result.facets.get("month")
    assert all(v.key.startswith("2019-") for v in result.facets["month"])
    assert "month" not in search(index, "").facets


def test_browse_without_query_sorts_by_date(index):
    dates = [h.date for h in search(index, "").hits if h.date]
    assert dates == sorted(dates, reverse=True)


def test_sort_by_date(index):
    dates = [h.date for h in search(index, "python", sort="date").hits if h.date]
    assert dates == sorted(dates, reverse=True)


def test_pagination_is_consistent(index):
    everything = paths(search(index, "", per_page=100))
    pages = [paths(search(index, "", per_page=7, page=p)) for p in range(1, 8)]
    assert [p for page in pages for p in page] == everything
    assert search(index, "", per_page=7).pages == -(-len(everything) // 7)


def test_drafts_are_marked_and_can_be_left_out(index):
    drafts = [h for h in search(index, "").hits if h.draft]
    assert drafts
    without = search(index, "", include_drafts=False)
    assert not any(h.draft for h in without.hits)


def test_snippets_highlight_stemmed_and_umlaut_matches_and_escape(index):
    hit = search(index, "Vortraege").hits[0]
    assert "<mark>" in hit.snippet
    assert "Vortr" in hit.snippet.split("<mark>")[1]
    xss = search(index, "XSS test talk").hits[0]
    assert "<script>" not in xss.snippet
    assert "<script" not in xss.title and xss.title.endswith("XSS test talk")  # tags stripped


def test_transcript_snippet_links_to_the_moment_in_the_video(index):
    hit = next(h for h in search(index, "operators").hits if h.format == "transcript")
    assert hit.snippet_time is not None
    assert "t=" in hit.snippet_url and hit.snippet_url.startswith("https://www.youtube.com/")


def test_bad_paging_is_a_query_error(index):
    for bad in ({"page": 0}, {"per_page": 0}, {"per_page": 1000}, {"sort": "random"}):
        with pytest.raises(QueryError):
            index.search(SearchQuery(q="x", **bad))


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexMissing, match="eventsearch index"):
        SearchIndex(tmp_path / "nothing")


def test_get_note_returns_metadata_and_text(index):
    note = index.get_note("pelican/content/report-2020-10.md")
    assert note is not None and note.lang == "de" and note.date == date(2020, 10, 20)
    assert note.text and "Title:" not in note.text
    assert index.get_note("../../etc/passwd") is None


def test_many_threads_searching_at_once_get_what_one_thread_gets(corpus_index):
    """Threads share the per-generation tables but never a Whoosh file position."""
    import sys
    import threading
    from itertools import pairwise

    words = sorted({w.lower() for h in SearchIndex(corpus_index).search(
        SearchQuery(per_page=100)).hits for w in h.title.split() if w.isalpha()})
    queries = words + [f"{a} {b}" for a, b in pairwise(words)]
    expected = {q: paths(search(SearchIndex(corpus_index), q)) for q in queries}
    shared = SearchIndex(corpus_index)
    errors, results = [], {}
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        def work(n: int) -> None:
            try:
                for q in queries[n::8] + queries[(n + 1) % 8::8]:
                    results[q, n] = paths(search(shared, q))
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == []
    assert len(queries) > 30 and len(results) == 2 * len(queries)  # each query, two threads
    assert all(found == expected[q] for (q, _), found in results.items())
