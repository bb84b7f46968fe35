"""The shared backend suite: the same behaviour tests for every search backend.

Each test takes the ``backend`` fixture, parametrised by backend name, over an index of
corpus/ built through the `Backend` interface (never an engine's own functions), so a
new backend runs the same assertions from day one: add its name to ``NAMES`` (the
conformance test fails until every registered backend is listed).  Searches go through
``SearchIndex`` (request checks, query parsed once above the seam) over that backend.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from eventsearch.backends import BACKENDS, Backend, check_backend, open_backend
from eventsearch.backends.base import METHODS, missing_methods
from eventsearch.config import Settings
from eventsearch.errors import ConfigError, IndexLocked, IndexMissing, QueryError
from eventsearch.model import SearchQuery
from eventsearch.rank import scorer
from eventsearch.search import SearchIndex

from .conftest import SAMPLE_CORPUS

NAMES = ["whoosh", "postgresql"]
_DATABASES: dict[Path, str] = {}  # index folder of a test -> its PostgreSQL database


def make_backend(name: str, index_dir: Path, request: pytest.FixtureRequest) -> Backend:
    """The backend ``name`` over the index ``index_dir`` names: that folder for Whoosh,
    a fresh database of the session's throwaway server (one per folder) for PostgreSQL."""
    if name == "postgresql":
        url = _DATABASES.get(index_dir)
        if url is None:
            url = _DATABASES[index_dir] = request.getfixturevalue("pg_cluster").create_database()
        return open_backend(Settings(backend=name, database_url=url))
    return open_backend(Settings(backend=name, index_dir=index_dir))


@pytest.fixture(scope="module", params=NAMES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(backend, build report) over the sample corpus, built through the interface."""
    backend = make_backend(request.param, tmp_path_factory.mktemp(f"suite-{request.param}"),
                           request)
    report = backend.build([SAMPLE_CORPUS], workers=1)
    return backend, report


@pytest.fixture(scope="module")
def backend(built) -> Backend:
    return built[0]


@pytest.fixture(scope="module")
def index(backend) -> SearchIndex:
    return SearchIndex(Path("unused"), backend=backend)


@pytest.fixture(params=NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return request.param


def paths(result):
    return [h.path for h in result.hits]


def search(index, q="", **kw):
    kw.setdefault("per_page", 100)
    return index.search(SearchQuery(q=q, **kw))


# -- the interface itself -------------------------------------------------------------

def test_every_registered_backend_conforms_and_runs_this_suite(backend):
    assert set(BACKENDS) == set(NAMES)
    assert isinstance(backend, Backend) and missing_methods(type(backend)) == []
    check_backend(type(backend))


def test_a_backend_lacking_a_method_is_refused_loudly(monkeypatch):
    class Partial:  # everything but the suggestions
        name = "partial"
        from_settings = classmethod(lambda cls, settings, **options: cls())

    for method in METHODS:
        if method != "suggest_entries":
            setattr(Partial, method, lambda self, *a, **kw: None)
    assert not isinstance(Partial(), Backend)
    assert missing_methods(Partial) == ["suggest_entries"]
    import sys
    import types

    module = types.ModuleType("fake_backend")
    module.Partial = Partial  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_backend", module)
    monkeypatch.setitem(BACKENDS, "partial", "fake_backend:Partial")
    with pytest.raises(ConfigError, match="suggest_entries"):
        open_backend(Settings(backend="partial"))


def test_unknown_backends_and_missing_settings_are_config_errors():
    with pytest.raises(ConfigError, match="Choices: postgresql, whoosh"):
        open_backend(Settings(backend="solr"))
    with pytest.raises(ConfigError, match="needs database_url"):
        open_backend(Settings(backend="postgresql"))


def test_the_backend_setting_comes_from_the_environment(monkeypatch):
    from eventsearch.config import load_settings

    monkeypatch.setenv("EVENTSEARCH_BACKEND", "PostgreSQL")
    assert load_settings().backend == "postgresql"
    monkeypatch.delenv("EVENTSEARCH_BACKEND")
    assert load_settings().backend == "whoosh"


# -- build, stats, health -------------------------------------------------------------

def test_build_reports_what_it_indexed(built):
    backend, report = built
    assert report.full and report.committed and report.notes > 30
    assert backend.stats()["notes"] == report.notes
    assert {"en", "de"} <= set(backend.stats()["by_lang"])


def test_health_of_a_present_and_a_missing_index(backend, tmp_path, name, request):
    health = backend.health()
    assert health["ok"] and health["status"] == 200 and health["index"] == "present"
    assert health["notes"] == backend.stats()["notes"]
    assert health["last_indexed"] and health["built_at"]
    assert backend.exists()
    nothing = make_backend(name, tmp_path / "nothing", request)
    assert not nothing.exists()
    missing = nothing.health()
    assert not missing["ok"] and missing["status"] == 503 and missing["index"] == "missing"
    with pytest.raises(IndexMissing, match="eventsearch index"):
        nothing.open()


# -- searching ------------------------------------------------------------------------

def test_the_result_shape(index):
    data = search(index, "kubernetes").to_dict()
    assert {"query", "total", "page", "per_page", "hits", "facets", "messages"} <= set(data)
    assert data["hits"] and {"path", "title", "lang", "snippet", "score"} <= set(data["hits"][0])


def test_german_inflection_and_both_languages(index):
    found = paths(search(index, "Vorträge"))
    assert "plain/events/2018-03-14.md" in found
    assert found == paths(search(index, "Vortraege")) == paths(search(index, "Vortrage"))
    assert {h.lang for h in search(index, "kubernetes").hits} == {"en", "de"}


def test_too_few_notes_with_the_words_show_notes_with_some_of_them_after(index):
    # geopandas is remembered, the Hamburg meetup is misremembered: two notes have two of
    # the three words; the geopandas talk (one word) follows them, first of the rest
    result = search(index, "geopandas hamburg meetup")
    found = paths(result)
    strict = ["jekyll/_posts/2018-03-21-rust-meetup-hamburg.markdown",
              "hugo/content/post/020_februarymeetup.md"]
    assert result.strict_total == 2 and result.total == len(found) > 3
    assert found[:3] == [*strict, "pyvideo/somecon-2019/videos/geodaten-mit-geopandas-und-"
                                  "openstreetmap.json"]
    assert "Only 2 notes match (almost) all the words well; weaker matches follow." \
        in result.messages
    data = result.to_dict()
    assert data["strict_total"] == 2 and data["total"] == len(found)
    # the strict hits keep their order; facets count what is shown
    assert [p for p in paths(search(index, "hamburg meetup")) if p in strict] == strict
    assert sum(v.count for v in result.facets["lang"]) == result.total


def test_enough_notes_with_the_words_need_no_looser_pass(index):
    result = search(index, "python talk")
    assert result.total >= 10 and result.strict_total is None
    assert result.to_dict()["strict_total"] == result.total
    assert not any("weaker matches" in m for m in result.messages)
    # one word is never loosened
    assert search(index, "geopandas").strict_total is None


def test_fewer_notes_than_a_page_with_the_words_are_followed_by_notes_with_some(index):
    # 9 notes have 2 of the 3 words: the first page is not left part-empty (it was
    # below 5 only; topical P@10 0.794 -> 0.806 over the shared corpora)
    result = search(index, "datenschutz cluster meetup")
    assert result.strict_total == 9 and result.total > 9
    assert [h.loose for h in result.hits[:10]] == [False] * 9 + [True]
    assert "Only 9 notes match (almost) all the words well; weaker matches follow." \
        in result.messages


def test_facets_are_disjunctive_within_and_conjunctive_across(index):
    all_notes = search(index, "")
    rust = search(index, "", tags=("rust",))
    kube = search(index, "", tags=("kubernetes",))
    both = search(index, "", tags=("rust", "kubernetes"))
    assert both.total == len(set(paths(rust)) | set(paths(kube)))
    assert {v.key: v.count for v in rust.facets["tag"]} == \
        {v.key: v.count for v in all_notes.facets["tag"]}
    assert [v.key for v in rust.facets["tag"] if v.selected] == ["rust"]
    german_rust = search(index, "", tags=("rust",), langs=("de",))
    assert 0 < german_rust.total < rust.total
    assert all(h.lang == "de" for h in german_rust.hits)


def test_facet_values_merge_case_and_filters_ignore_it(index):
    tags = {v.key: v for v in search(index, "").facets["tag"]}
    assert tags["aws summit"].count >= 3
    assert search(index, "", tags=("aws summit",)).total == \
        search(index, "", tags=("AWS Summit",)).total > 0
    assert "month" not in search(index, "").facets
    months = search(index, "", years=("2019",)).facets["month"]
    assert months and all(v.key.startswith("2019-") for v in months)


def test_filters_in_the_query_and_as_options_agree(index):
    assert paths(search(index, "", speakers=("Markus Höfler",))) == \
        paths(search(index, 'speaker:"markus höfler"'))
    in_2019 = search(index, "", since=date(2019, 1, 1), until=date(2019, 12, 31))
    assert in_2019.total and all(h.date and h.date.year == 2019 for h in in_2019.hits)
    assert paths(in_2019) == paths(search(index, "date:2019")) == \
        paths(search(index, "", years=("2019",)))
    assert not any(h.draft for h in search(index, "", include_drafts=False).hits)
    assert any(h.draft for h in search(index, "").hits)


def test_typing_matches_the_last_word_as_a_prefix(index):
    """Search as you type: "kub" finds Kubernetes while typing, not once finished; the
    prefix's cuts are not reported; min_prefix still applies (one letter: no prefix)."""
    assert search(index, "kub").total == 0
    typed = search(index, "kub", typing=True)
    assert typed.total == search(index, "kubernetes").total > 0
    assert all("kub*" not in m for m in typed.messages)
    assert search(index, "datenschutz lang:de dat", typing=True).total > 0
    assert search(index, "k", typing=True).total == search(index, "k").total


def test_sorting_and_paging(index):
    dates = [h.date for h in search(index, "python", sort="date").hits if h.date]
    assert dates == sorted(dates, reverse=True)
    everything = paths(search(index, ""))
    pages = [paths(search(index, "", per_page=7, page=p)) for p in range(1, 8)]
    assert [p for page in pages for p in page] == everything
    with pytest.raises(QueryError):
        index.search(SearchQuery(q="x", page=0))


def test_oldest_first(index):
    oldest = search(index, "python", sort="oldest").hits
    dates = [h.date for h in oldest if h.date]
    assert len(dates) > 3 and dates == sorted(dates)
    assert all(h.date is None for h in oldest[len(dates):])  # undated last
    newest = {h.path for h in search(index, "python", sort="date").hits}
    assert {h.path for h in oldest} == newest
    browse = paths(search(index, "", sort="oldest", per_page=3))
    assert browse[0] == "html/artikel/2016/05/12/datenbank-abend/index.html"


RELATED = "hugo/content/news/2023_11_08_Datenschutz_im_Cluster.md"
SOMECON = "pyvideo/somecon-2019/videos/building-reproducible-ml-pipelines-priya-raman.json"


def test_related_notes(index, backend):
    """The same answer on every backend: related notes are plain searches above the seam."""
    note = backend.get_note(RELATED)
    found = index.related(note)
    assert found.terms[:3] == ["cluster", "anwendertreffen", "dsgvo"]
    assert found.similar[0].path == (
        "transcripts/Datenschutz-by-Design_-Was-die-DSGVO-von-Entwicklern-will.srt")
    assert {h.lang for h in found.similar} == {"de", "en"}  # both languages
    assert all(set(h.speakers) & set(note.speakers) for h in found.speakers)
    dates = [h.date for h in found.speakers]
    assert dates == sorted(dates, reverse=True)
    every = [h.path for h in (*found.speakers, *found.event, *found.similar)]
    assert RELATED not in every and len(found.similar) == 5
    talk = index.related(backend.get_note(SOMECON))
    assert {h.path for h in talk.event} == {
        "pyvideo/somecon-2019/videos/async-database-drivers-in-python.json",
        "pyvideo/somecon-2019/videos/geodaten-mit-geopandas-und-openstreetmap.json",
        "pyvideo/somecon-2019/videos/sichere-deployments-fuer-python-webanwendungen.json"}
    assert found.to_dict()["similar"][0]["id"] == found.similar[0].path


def test_snippets_and_note_highlights(index):
    hit = search(index, "Vortraege").hits[0]
    assert "<mark>" in hit.snippet and "Vortr" in hit.snippet.split("<mark>")[1]
    assert "<script>" not in search(index, "XSS test talk").hits[0].snippet
    assert index.highlight_terms("Vortraege") != index.highlight_terms("")


def test_get_note(backend):
    note = backend.get_note("pelican/content/report-2020-10.md")
    assert note is not None and note.lang == "de" and note.date == date(2020, 10, 20)
    assert note.text and "Title:" not in note.text
    assert backend.get_note("../../etc/passwd") is None


def test_suggest_entries(backend):
    entries = backend.suggest_entries()
    kinds = {kind for _, kind, _, _ in entries}
    assert kinds == {"tag", "speaker", "title"}
    assert any(kind == "tag" and key == "aws summit" and count >= 3
               for _, kind, key, count in entries)


# -- updating -------------------------------------------------------------------------

def note(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2021-03-04\ntags: [suite]\n---\n{body}\n"


def test_update_applies_added_changed_removed_and_moved_notes(tmp_path, name, request):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    backend = make_backend(name, tmp_path / "ix", request)
    backend.build([corpus], workers=1)
    index = SearchIndex(Path("unused"), backend=backend)
    before, version = backend.stats()["notes"], backend.version()

    (corpus / "new.md").write_text(note("Brand new", "Quokkafest in Perth."), encoding="utf-8")
    report = backend.update([corpus], workers=1)
    assert report.added == 1 and report.committed and backend.version() != version
    assert paths(search(index, "quokkafest")) == ["new.md"]

    (corpus / "new.md").write_text(note("Brand new", "Wombatfest instead."), encoding="utf-8")
    assert backend.update([corpus], workers=1).updated == 1
    assert search(index, "quokkafest").total == 0 and search(index, "wombatfest").total == 1

    (corpus / "new.md").rename(corpus / "moved.md")
    assert backend.update([corpus], workers=1).moved == 1
    assert paths(search(index, "wombatfest")) == ["moved.md"]
    assert backend.get_note("new.md") is None and backend.get_note("moved.md") is not None

    (corpus / "moved.md").unlink()
    assert backend.update([corpus], workers=1).removed == 1
    assert search(index, "wombatfest").total == 0 and backend.stats()["notes"] == before
    assert not backend.update([corpus], workers=1).committed  # nothing changed


def test_a_second_writer_gets_index_locked(tmp_path, name, request):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    backend = make_backend(name, tmp_path / "ix", request)
    backend.build([corpus], workers=1)
    (corpus / "new.md").write_text(note("Another", "Platypus."), encoding="utf-8")
    seen: list[BaseException] = []

    def second_writer(done: int, total: int) -> None:  # runs while the first holds the lock
        if not seen:
            try:
                make_backend(name, tmp_path / "ix", request).update([corpus], workers=1)
            except IndexLocked as exc:
                seen.append(exc)
            else:
                seen.append(AssertionError("the second writer was let in"))

    assert backend.update([corpus], workers=1, progress=second_writer).added == 1
    assert len(seen) == 1 and isinstance(seen[0], IndexLocked)


def test_reading_never_imports_the_writer_side(name):
    """A CLI search or a server opens its backend without loading readers or writers."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from eventsearch.backends import open_backend\n"
            "from eventsearch.config import Settings\n"
            "import eventsearch.search\n"
            f"open_backend(Settings(backend={name!r}, database_url='postgresql://u@h/db'))\n"
            "print(sorted(m for m in sys.modules if m.startswith('eventsearch.readers')\n"
            "             or m.endswith(('.build', '.update')) or m == 'langdetect'))\n")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("command", [["index"], ["reindex"], ["search", "x"], ["show", "a.md"],
                                     ["stats"], ["serve"]])
def test_every_command_goes_through_the_configured_backend(command, tmp_path):
    """The CLI (and the reindex job it runs) never picks an engine by itself."""
    from click.testing import CliRunner

    from eventsearch.cli import cli

    result = CliRunner().invoke(cli, [*command], env={"EVENTSEARCH_BACKEND": "postgresql",
                                                      "EVENTSEARCH_INDEX": str(tmp_path)})
    assert result.exit_code == 1  # a PostgreSQL backend without its database_url
    assert "backend = postgresql needs database_url" in result.stderr


def test_quantised_lengths_reproduce_whooshs_length_encoding():
    """rank.index reproduces Whoosh's one-byte field lengths without importing Whoosh,
    so a backend storing exact lengths ranks with the Whoosh backend's length norms."""
    import numpy as np
    from whoosh.util.numeric import byte_to_length, length_to_byte

    from eventsearch.rank.index import BYTE_LENGTHS, length_bytes, quantised_lengths

    assert list(BYTE_LENGTHS) == [byte_to_length(b) for b in range(256)]
    lengths = np.arange(0, 200_001)
    assert list(length_bytes(lengths)) == [length_to_byte(int(v)) for v in lengths]
    expected = [byte_to_length(length_to_byte(int(v))) if v else 0 for v in lengths]
    assert list(quantised_lengths(lengths.astype(np.float32))) == expected


def direct_event_counts(root: Path) -> dict[str, int]:
    """How many notes under ``root`` name each event, counted from the files themselves."""
    from collections import Counter

    from eventsearch.errors import ParseError
    from eventsearch.readers import read_note
    from eventsearch.readers.scan import corpus_files
    from eventsearch.text.facetkeys import facet_key

    counts: Counter[str] = Counter()
    for path in corpus_files([root]).values():
        try:
            note = read_note(path, root)
        except ParseError:
            continue
        if note.event and facet_key("event", note.event):
            counts[facet_key("event", note.event)] += 1
    return dict(counts)


def test_event_facet_counts_equal_a_direct_count(index):
    expected = direct_event_counts(SAMPLE_CORPUS)
    events = search(index, "").facets["event"]
    assert {v.key: v.count for v in events} == expected and expected
    somecon = next(v for v in events if v.key == "somecon 2019")
    assert somecon.value == "SomeCon 2019"
    chosen = search(index, "", events=("SomeCon 2019",))
    assert chosen.total == somecon.count
    assert paths(chosen) == paths(search(index, 'event:"somecon 2019"'))
    assert {v.key: v.count for v in chosen.facets["event"]} == expected  # disjunctive
    assert [v.key for v in chosen.facets["event"]][:1] == ["somecon 2019"]  # pinned


# -- precision under expansion ----------------------------------------------------------

PRECISION_NOTES = {
    "typed.md": ("de", "Netzwerksicherheit im Verein",
                 "Ein Abend über Netzwerksicherheit und Firewalls für den Verein."),
    "side-by-side.md": ("de", "Treffen im Juni",
                        "Wir zeigten Netzwerk Sicherheit mit offenen Werkzeugen und Daten "
                        "aus dem Verein."),
    "apart.md": ("de", "Vereinsabend",
                 "Das Netzwerk des Vereins wächst. Danach sprachen wir lange über die "
                 "Sicherheit der Wohnung und die neue Bank im Garten."),
    "banking.md": ("en", "Online banking in Python",
                   "How online banking apps handle customer data, the daten of the banks, "
                   "and banking APIs in Python for developers who build payment systems."),
}


def test_compound_parts_apart_come_after_and_are_counted_apart(tmp_path, name, request):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for path, (lang, title, body) in PRECISION_NOTES.items():
        (corpus / path).write_text(f"---\ntitle: {title}\ndate: 2021-03-04\nlang: {lang}\n"
                                   f"---\n{body}\n", encoding="utf-8")
    backend = make_backend(name, tmp_path / "ix", request)
    backend.build([corpus], workers=1)
    index = SearchIndex(Path("unused"), backend=backend)

    # the word as typed, then its parts side by side, then its parts apart (weak)
    result = search(index, "Netzwerksicherheit")
    assert paths(result) == ["typed.md", "side-by-side.md", "apart.md"]
    assert [h.expansion_only for h in result.hits] == [False, False, True]
    assert result.total == 3 and result.expanded_total == 1
    assert result.to_dict()["expanded_total"] == 1
    assert result.to_dict()["hits"][2]["expansion_only"] is True
    # the facet counts leave the expansion-only note out
    assert [(v.key, v.count) for v in result.facets["lang"]] == [("de", 2)]

    # a compound's part is not found (nor marked) inside a longer English word:
    # "Datenbank" is daten + bank, and "banking" is not "bank"
    # (before, its parts were stemmed as English words too: banking.md was found, marked)
    assert search(index, "Datenbank").total == 0


# -- related forms Snowball leaves apart ----------------------------------------------

def test_related_forms_match_and_are_marked(tmp_path, name, request):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for file, title, body in [
            ("pr.md", "Merge workflow", "We land each PR after one review."),
            ("contrib.md", "Open source", "Anyone can contribute a patch to the project."),
            ("doku.md", "Playcom", "Jugendliche wollen die Veranstaltung dokumentieren."),
            ("org.md", "NumFOCUS", "NumFOCUS is an organisation that supports science."),
            ("js.md", "Frontend night", "We built the app with Marionette.js and Backbone."),
            ("vue.md", "Vue evening", "Why we moved from Angular to Vue last year."),
            ("other.md", "Gardening", "A talk about roses and tomatoes.")]:
        (corpus / file).write_text(note(title, body), encoding="utf-8")
    backend = make_backend(name, tmp_path / "ix", request)
    backend.build([corpus], workers=1)
    index = SearchIndex(Path("unused"), backend=backend)
    for query, path, marked in [("PRs", "pr.md", "PR"), ("contributor", "contrib.md", "contribute"),
                                ("Dokumentation", "doku.md", "dokumentieren"),
                                ("organization", "org.md", "organisation"),
                                # the tokenizer keeps "marionette.js" one word
                                ("marionette", "js.md", "Marionette.js"),
                                ("vue.js", "vue.md", "Vue")]:
        result = search(index, query)
        assert paths(result) == [path], query
        assert f"<mark>{marked}</mark>" in result.hits[0].snippet, query


# -- a month and a year typed side by side -------------------------------------------

def dated_notes(tmp_path: Path, name: str, request: pytest.FixtureRequest,
                notes: list[tuple[str, str, str, str]]) -> tuple[Path, Backend, SearchIndex]:
    """(file, date, title, body) notes in a folder, indexed on the backend ``name``."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for file, day, title, body in notes:
        (corpus / file).write_text(f"---\ntitle: {title}\ndate: {day}\n---\n{body}\n",
                                   encoding="utf-8")
    backend = make_backend(name, tmp_path / "ix", request)
    backend.build([corpus], workers=1)
    return corpus, backend, SearchIndex(Path("unused"), backend=backend)


def test_a_month_and_year_prefer_the_notes_of_that_month(tmp_path, name, request):
    corpus, backend, index = dated_notes(tmp_path, name, request, [
            ("oct-2019.md", "2019-10-05", "Monthly newsletter", "Talks, meetups and jobs."),
            ("oct-2020.md", "2020-10-05", "Monthly newsletter",
             "Talks in October, meetups and jobs, and a look back at 2019."),
            ("minutes.md", "2019-11-07", "2019-10-31 triage minutes", "Five issues closed."),
            ("other.md", "2019-11-14", "2019-11-14 triage minutes", "Three issues closed."),
            ("april.md", "2026-05-13", "Program management update — April 2026",
             "What the program management team did in the month, goal by goal, with links "
             "to every tracking issue, the meetings held and the blog posts written."),
            ("june.md", "2026-07-14", "Program update — June 2026",
             "The program update: since April 2026 the program team meets weekly.")])
    # dated in the month beats another year's issue that says October and 2019
    assert paths(search(index, "newsletter October 2019"))[0] == "oct-2019.md"
    # a date of the month in the text counts as well (the minutes of 31 October)
    assert paths(search(index, "triage minutes Oktober 2019"))[0] == "minutes.md"
    # among the month's notes the one that says it loudest: the April update, not the
    # June update that mentions April in its text (both are notes of April 2026)
    found = paths(search(index, "program update April 2026"))
    assert found.index("april.md") < found.index("june.md")
    # the month's notes are kept with the index state: a reindex brings in the new one
    (corpus / "oct-2019-b.md").write_text(
        "---\ntitle: Special issue\ndate: 2019-10-20\n---\nA newsletter on jobs.\n",
        encoding="utf-8")
    backend.update([corpus], workers=1)
    assert "oct-2019-b.md" in paths(search(index, "newsletter October 2019"))[:2]


def test_a_note_with_only_a_year_is_found_by_it_and_counted_in_it(tmp_path, name, request):
    # DENOG's meeting pages say `year: 2022` and no date: the year is a word of the note,
    # a value of the year facet and filter, and shown on the hit
    corpus, backend, index = dated_notes(tmp_path, name, request, [
        ("start.md", "2022-11-13", "DENOG14 start", "The meeting in Hamburg.")])
    for folder, year in (("denog14", 2022), ("denog15", 2023)):
        (corpus / f"{folder}-venue.md").write_text(
            f"---\ntitle: Remote venue\nyear: {year}\n---\nJoin online with your browser.\n",
            encoding="utf-8")
    backend.update([corpus], workers=1)
    result = search(index, "remote venue 2022")
    assert paths(result)[0] == "denog14-venue.md"
    assert (result.hits[0].date, result.hits[0].year) == (None, 2022)
    assert result.hits[0].to_dict()["year"] == 2022
    years = {v.key: v.count for v in search(index).facets["year"]}
    assert years == {"2022": 2, "2023": 1}
    assert sorted(paths(search(index, years=("2022",)))) == ["denog14-venue.md", "start.md"]
    # a date range holding all of its year holds it too; one holding part of it does not
    for spec in ("2022", "2021..2022", ">=2022"):
        found = paths(search(index, f"venue date:{spec}"))
        assert "denog14-venue.md" in found
        assert ("denog15-venue.md" in found) == spec.startswith(">")
    assert "denog14-venue.md" not in paths(search(index, "venue date:2022-11"))
    from_to = search(index, "venue", since=date(2022, 1, 1), until=date(2022, 12, 31))
    assert paths(from_to) == ["denog14-venue.md"]


def test_a_month_and_year_find_a_german_numeric_date_in_the_text(tmp_path, name, request):
    # a meetup page dated when it was posted (March) names its day as 19.04.2026, which
    # the tokenizer keeps one word: it is a note of April 2026 all the same
    _, _, index = dated_notes(tmp_path, name, request, [
            ("meetup.md", "2026-03-19", "Meetup 2026-03",
             "Wann: 19.04.2026 18:30 Uhr. Wo: Globalways, Stuttgart."),
            ("yearly.md", "2025-04-10", "Stuttgart im April",
             "Das Treffen in Stuttgart im April, wie jedes Jahr."),
            ("other.md", "2026-02-20", "Meetup 2026-02", "Wann: 2.3.2026. Wo: Berlin."),
            ("berlin.md", "2025-03-05", "Berlin im März",
             "Das Treffen in Berlin im März, wie jedes Jahr.")])
    assert paths(search(index, "Stuttgart April 2026"))[0] == "meetup.md"
    # written without leading zeros too: 2.3.2026 is a day of March 2026
    assert paths(search(index, "Berlin März 2026"))[0] == "other.md"



def test_a_title_holding_the_words_typed_gains_a_share(tmp_path, name, request, monkeypatch):
    # the talk remembered by its title (every word in another form: securing/security,
    # browsers/browser, header/headers) against one whose title holds two of the four
    _, _, index = dated_notes(tmp_path, name, request, [
            ("browser.md", "2019-08-16", "Browser security with HTTP headers",
             "How a few response headers make a site safer in browsers."),
            ("django.md", "2019-04-20", "Web security headers in Django",
             "Browsers enforce what HTTP headers ask, and Django sets them.")])

    def gains(query: str) -> dict[str, float]:
        with_share = {h.path: h.score for h in search(index, query).hits}
        monkeypatch.setattr(scorer, "TITLE_SHARE", 0.0)
        # another request (results are kept per request and index state)
        plain = {h.path: h.score for h in search(index, query, per_page=5).hits}
        monkeypatch.undo()
        return {path: round(with_share[path] / plain[path], 4) for path in plain}

    # (the share of the words in the title) squared, times TITLE_SHARE (0.1)
    assert gains("securing browsers HTTP header") == {"browser.md": 1.1, "django.md": 1.025}
    # a wildcard counts by its words; a phrase only where the note has it
    assert gains("brows* security") == {"browser.md": 1.1, "django.md": 1.025}
    assert gains('"security headers" browsers') == {"browser.md": 1.025, "django.md": 1.025}
