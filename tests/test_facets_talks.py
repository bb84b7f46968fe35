"""Facets people trust and one hit per talk, on every backend.

Over a corpus of real pyvideo conferences whose talks also have subtitle files in
../shared/corpora (the pyvideo subtitle project), plus a few hand-made notes with tag
spellings and placeholder speakers: event counts equal a direct count, tag spellings
merge, placeholders are no speakers, and a talk record with its subtitles is one hit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eventsearch.model import SearchQuery
from eventsearch.present import facet_values
from eventsearch.search import SearchIndex
from eventsearch.text.facetkeys import facet_key, is_placeholder_speaker

from .conftest import require_shared
from .test_backend_suite import NAMES, direct_event_counts, make_backend

SUBTITLE_EVENTS = ("pybay-2021", "pycon-us-2022", "pycon-us-2023", "pytexas-2019", "pytexas-2024")


def handmade(title: str, tags: str, speakers: str) -> str:
    return (f"---\ntitle: {title}\ndate: 2020-02-0{len(title) % 9 + 1}\ntags: [{tags}]\n"
            f"speakers: [{speakers}]\nevent: Spelling Meetup\n---\n\n"
            "Notes about learning machines and containers, long enough to be read.\n")


@pytest.fixture(scope="module")
def talks_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpora = require_shared() / "corpora"
    root = tmp_path_factory.mktemp("talks")
    for slug in SUBTITLE_EVENTS:
        shutil.copytree(corpora / "pyvideo" / slug, root / "pyvideo" / slug)
    shutil.copytree(corpora / "real-notes" / "pyvideo-subtitles",
                    root / "real-notes" / "pyvideo-subtitles")
    notes = root / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(handmade("Alpha", "Machine-Learning, Docker", "TBA"))
    (notes / "b.md").write_text(handmade("Beta talk", "Machine Learning, Docker",
                                         "Various Speakers, Ada Lovelace"))
    (notes / "c.md").write_text(handmade("Gamma", "machine_learning, docker", "Ada Lovelace"))
    (notes / "d.md").write_text(handmade("Delta", "Machine Learning", "N/A"))
    return root


@pytest.fixture(scope="module", params=NAMES)
def talks(request: pytest.FixtureRequest, talks_corpus: Path,
          tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    backend = make_backend(request.param, tmp_path_factory.mktemp(f"talks-{request.param}"),
                           request)
    backend.build([talks_corpus], workers=1)
    return SearchIndex(Path("unused"), backend=backend)


def search(index: SearchIndex, q: str = "", **kw):
    kw.setdefault("per_page", 10)
    return index.search(SearchQuery(q=q, **kw))


def test_event_counts_equal_a_direct_count_over_real_talks(talks, talks_corpus):
    expected = direct_event_counts(talks_corpus)
    assert len(expected) == len(SUBTITLE_EVENTS) + 1
    events = search(talks, "").facets["event"]
    assert {v.key: v.count for v in events} == expected
    assert {v.value for v in events} >= {"PyBay 2021", "PyCon US 2023", "Spelling Meetup"}
    assert search(talks, "", events=("pybay 2021",)).total == expected["pybay 2021"]


def test_tag_spellings_merge_under_the_most_common_one(talks):
    tags = {v.key: v for v in search(talks, "", events=("Spelling Meetup",)).facets["tag"]}
    assert tags["machine learning"].count == 4 and tags["docker"].count == 3
    assert tags["machine learning"].value == "Machine Learning"  # 2 of 4 notes write it so
    assert tags["docker"].value == "Docker"  # 2 of 3
    for spelling in ("machine-learning", "Machine Learning", "MACHINE_LEARNING"):
        assert search(talks, "", tags=(spelling,), events=("spelling meetup",)).total == 4
        assert search(talks, f'tag:"{spelling}" event:"Spelling Meetup"').total == 4


def test_placeholder_speakers_are_no_speakers(talks):
    everything = search(talks, "")
    speakers = {v.key for v in everything.facets["speaker"]}
    assert not any(is_placeholder_speaker(s) for s in speakers)
    ada = search(talks, "", events=("Spelling Meetup",)).facets["speaker"]
    assert [(v.value, v.count) for v in ada] == [("Ada Lovelace", 2)]
    ignored = search(talks, 'speaker:"Various Speakers"')
    assert ignored.total == everything.total and ignored.messages


def test_a_talk_record_and_its_subtitles_are_one_hit(talks):
    result = search(talks, "Dagster Orchestrate your Data")
    dagster = [h for h in result.hits if "dagster" in h.title.casefold()]
    assert len(dagster) == 1
    (hit,) = dagster
    formats = {hit.format, *(a["format"] for a in hit.also)}
    assert formats == {"pyvideo", "srt"}
    assert all(a["path"] != hit.path for a in hit.also)
    data = hit.to_dict()
    assert data["also"] and {"path", "format", "url", "title"} <= set(data["also"][0])
    assert result.collapsed >= 1 and result.to_dict()["collapsed"] == result.collapsed
    # total counts notes: both the record and its subtitles
    assert result.total == len({h.path for h in result.hits}) + result.collapsed


def test_pages_of_collapsed_hits_do_not_repeat_a_talk(talks):
    seen: list[str] = []
    for page in (1, 2, 3):
        result = search(talks, "python", events=("PyCon US 2023",), page=page, per_page=5)
        for hit in result.hits:
            seen += [hit.path, *(a["path"] for a in hit.also)]
    assert len(seen) == len(set(seen)) and seen


# -- the engine-neutral parts ----------------------------------------------------------

def test_facet_keys_merge_conservatively():
    assert facet_key("tag", "Machine-Learning") == facet_key("tag", "machine  learning") \
        == facet_key("tag", "machine_learning") == "machine learning"
    assert facet_key("tag", "api") != facet_key("tag", "APIs")
    assert facet_key("speaker", "Jean-Luc Picard") == "jean-luc picard"  # names keep hyphens
    for name in ("Various Speakers", "TBA", "t.b.a.", "N/A", "unknown", "Speaker", " tbd "):
        assert is_placeholder_speaker(name) and facet_key("speaker", name) == ""
    assert not is_placeholder_speaker("Tba Smith")


def test_selected_values_are_pinned_first():
    counts = {"python": 9, "rust": 5, "go": 1}
    values = facet_values("tag", counts, {"go", "zig"}, str)
    assert [v.key for v in values] == ["go", "zig", "python", "rust"]
    assert [v.selected for v in values] == [True, True, False, False]
    years = facet_values("year", {"2019": 3, "2021": 1, "2020": 2}, {"2019"}, str)
    assert [v.key for v in years] == ["2019", "2021", "2020"]


def test_two_records_of_one_title_stay_two_hits():
    from datetime import date

    from eventsearch.model import Hit
    from eventsearch.rank.collapse import collapse

    def hit(path: str, fmt: str) -> Hit:
        return Hit(path=path, title="Lightning Talks", date=date(2021, 1, 1), lang="en",
                   tags=(), speakers=(), author=None, event="PyBay 2021", url=None,
                   draft=False, score=1.0, snippet="", format=fmt)

    notes = [hit("a.json", "pyvideo"), hit("b.json", "pyvideo"), hit("a.srt", "srt")]
    page = collapse([(0, 3.0), (1, 2.0), (2, 1.0)], 0, 10, lambda docs: notes)
    assert [d for d, _ in page.page] == [0, 1] and page.folded == 1
    assert [h.path for h in page.partners["a.json"]] == ["a.srt"]
