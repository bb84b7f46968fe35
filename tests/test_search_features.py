"""Search features on real Whoosh indexes of small notes written here: compounds, typos,
synonyms, phrase proximity, recency, the query language, facets, highlighting, transcripts."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from eventsearch.backends.whoosh.build import build_index
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

from .conftest import SAMPLE_CORPUS, SHARED

DE_FILLER = ("Wir haben uns am Abend in der Stadt getroffen und lange über die Arbeit gesprochen. "
             "Danach gab es noch Getränke und viele Gespräche in kleiner Runde bis spät.")
EN_FILLER = ("We met in the evening downtown and talked for a long time about our work. "
             "Afterwards there were drinks and many conversations in small groups until late.")

NOTES = {
    "de/datenbanken.md": ("Datenbanksysteme im Vergleich", "2019-05-10", ["Datenbanken"],
                          ["Anna Schmidt"],
                          "Im Vortrag verglich Anna verschiedene Datenbanksysteme für kleine "
                          "Vereine. Vorträge dieser Art sind bei uns sehr beliebt. " + DE_FILLER),
    "de/netzwerk.md": ("Abend zur Netzwerksicherheit", "2020-02-11", ["Sicherheit"],
                       ["Bernd Keller"],
                       "Bernd erklärte, warum Netzwerksicherheit im Verein wichtig ist und wie "
                       "man Router richtig einrichtet. " + DE_FILLER),
    "de/bob.md": ("Eine Konferenz für Entwickler", "2018-03-01", ["Konferenz"], [],
                  "Die Konferenz richtet sich an Entwickler, Architekten und alle, die gerne "
                  "Software und Systeme bauen. Der Eintritt ist frei und alle sind "
                  "willkommen. " + DE_FILLER),
    "de/ki.md": ("Künstliche Intelligenz im Alltag", "2021-06-01", ["KI"], ["Clara Vogel"],
                 "Clara zeigte, wo uns künstliche Intelligenz heute schon begegnet und was "
                 "sie leisten kann und was nicht. " + DE_FILLER),
    "en/ai.md": ("Artificial intelligence for everyone", "2021-07-01", ["AI"], ["Dan Miller"],
                 "Dan showed where artificial intelligence already shapes our daily lives and "
                 "what it cannot do yet. " + EN_FILLER),
    "en/kubernetes.md": ("Running Kubernetes in production", "2020-09-15", ["Cloud"],
                         ["Eve Turner"],
                         "Eve walked us through the Kubernetes clusters her team runs, with "
                         "autoscaling, upgrades and a few outages. Watch out: a < b & c. "
                         + EN_FILLER),
    "en/julien.md": ("Scaling machine learning", "2019-05-16", ["Machine Learning"],
                     ["Julien Simon"],
                     "Julien Simon explained how to scale machine learning from zero to "
                     "millions of users. " + EN_FILLER),
    "en/simon.md": ("A keynote about language models", "2019-05-20", ["Keynote"],
                    ["Simon Willison"],
                    "Simon Willison gave the keynote on language models; Julien asked the "
                    "first question about prompt injection. " + EN_FILLER),
    "en/gdpr.md": ("GDPR office hours at the congress", "2025-12-28", ["Privacy"], [],
                   "We held office hours for everyone with questions about the GDPR and their "
                   "data access requests. " + EN_FILLER),
    "en/release.md": ("Writing good release notes", "2024-06-01", ["Docs"], [],
                      "Release notes tell users what changed and why it matters to them. "
                      + EN_FILLER),
    "en/relase.md": ("Tool names", "2023-01-01", ["Tools"], [],
                     "Our internal deploy tool is called relase, a pun its authors liked. "
                     + EN_FILLER),
    "en/old-meetup.md": ("Monthly gardening meetup", "2015-04-01", ["Gardening"], [],
                         "Tomatoes, compost and raised beds were discussed at length. "
                         + EN_FILLER),
    "en/new-meetup.md": ("Monthly gardening meetup", "2023-04-01", ["Gardening"], [],
                         "Tomatoes, compost and raised beds were discussed at length. "
                         + EN_FILLER),
}


def write_note(root: Path, path: str, title: str, day: str, tags: list[str],
               speakers: list[str], body: str) -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    speaker_lines = "".join(f"  - {s}\n" for s in speakers)
    file.write_text(textwrap.dedent(f"""\
        ---
        title: "{title}"
        date: {day}
        tags: [{", ".join(tags)}]
        speakers:
        """) + (speaker_lines or "  []\n") + "---\n\n" + body + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("notes")
    for path, (title, day, tags, speakers, body) in NOTES.items():
        write_note(root, path, title, day, tags, speakers, body)
    index_dir = tmp_path_factory.mktemp("features-index")
    build_index([root], index_dir, workers=1)
    return index_dir


@pytest.fixture(scope="module")
def index(built: Path) -> SearchIndex:
    return SearchIndex(built)


def search(index: SearchIndex, q: str = "", **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("per_page", 50)
    return index.search(SearchQuery(q=q, **kw))


def paths(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.path for h in result.hits]


def hit(result, path: str):  # type: ignore[no-untyped-def]
    return next(h for h in result.hits if h.path == path)


def test_notes_have_the_languages_the_tests_assume(index):
    langs = {h.path: h.lang for h in search(index, "").hits}
    assert {langs[p] for p in NOTES if p.startswith("de/")} == {"de"}
    assert {langs[p] for p in NOTES if p.startswith("en/")} == {"en"}


# -- compounds -------------------------------------------------------------------------------


def test_a_compound_part_finds_the_compound(index):
    assert paths(search(index, "Datenbank"))[0] == "de/datenbanken.md"
    assert paths(search(index, "Sicherheit"))[0] == "de/netzwerk.md"


def test_a_compound_finds_its_parts_in_a_note(index):
    assert paths(search(index, "Entwicklerkonferenz"))[0] == "de/bob.md"


def test_compound_matches_are_highlighted(index):
    snippet = hit(search(index, "Datenbank"), "de/datenbanken.md").snippet
    assert "<mark>Datenbanksysteme</mark>" in snippet


# -- typos -------------------------------------------------------------------------------------


def test_a_typo_is_corrected_and_suggested(index):
    result = search(index, "Kuberntes upgrades")
    assert paths(result)[0] == "en/kubernetes.md"
    # the correction is searched, so it is said as one, not offered as "did you mean"
    assert result.corrections == [{"from": "Kuberntes", "to": "Kubernetes"}]
    assert result.suggestion is None
    assert "<mark>Kubernetes</mark>" in result.hits[0].snippet
    verbatim = index.search(SearchQuery(q="Kuberntes upgrades", verbatim=True))
    assert verbatim.corrections == [] and verbatim.suggestion == "Kubernetes upgrades"


def test_a_typo_whose_stem_another_word_shares_is_still_corrected(tmp_path):
    # "unifed" is in no note, but its English stem (unif) is that of "unification": the
    # typo must not pass for that word; its fix "unified" is searched and said
    root = tmp_path / "notes"
    for i in range(3):
        write_note(root, f"en/unification{i}.md", f"Type unification part {i}", "2020-01-01",
                   ["Types"], [], "Unification of types, explained again. " + EN_FILLER)
    write_note(root, "en/unified.md", "A grand unified theory of configuration", "2014-07-27",
               ["Config"], [], "One unified theory for every config file. " + EN_FILLER)
    build_index([root], tmp_path / "index", workers=1)
    result = search(SearchIndex(tmp_path / "index"), "grand unifed theory")
    assert paths(result)[0] == "en/unified.md"
    assert result.corrections == [{"from": "unifed", "to": "unified"}]
    # a word found through its stem whose fix shares that stem is said, not searched apart
    assert search(SearchIndex(tmp_path / "index"), "unificatio").corrections == [
        {"from": "unificatio", "to": "unification"}]


def test_two_typed_words_find_the_one_word_a_note_writes_them_as(tmp_path):
    # "Raspberry Pi" typed, "RaspberryPi" written: the note has both words
    root = tmp_path / "notes"
    write_note(root, "en/gadget.md", "USB gadgets", "2023-04-21", ["Hardware"], [],
               "Turning a RaspberryPi Zero into a USB keyboard. " + EN_FILLER)
    write_note(root, "en/pie.md", "Raspberry pie and Pi day", "2020-03-14", ["Food"], [],
               "A raspberry pie for Pi day, and a keyboard cake. " + EN_FILLER)
    write_note(root, "en/other.md", "A Pi cluster", "2019-01-01", ["Hardware"], [],
               "Four Pi boards with a raspberry logo on a USB hub. " + EN_FILLER)
    build_index([root], tmp_path / "index", workers=1)
    result = search(SearchIndex(tmp_path / "index"), "Raspberry Pi Zero USB")
    assert paths(result)[0] == "en/gadget.md"
    assert not result.hits[0].loose


def test_a_derivation_of_a_word_of_the_index_is_no_typo(tmp_path):
    # "unresponsiveness" is in no note, but begins with "unresponsive", which shares its
    # stem: it is no misspelt "responsiveness" (its opposite)
    root = tmp_path / "notes"
    for i in range(3):
        write_note(root, f"en/down{i}.md", f"Outage {i}", "2020-01-01", ["Ops"], [],
                   "The server was unresponsive again for an hour. " + EN_FILLER)
    write_note(root, "en/ui.md", "Fast interfaces", "2021-01-01", ["UI"], [],
               "The responsiveness of the interface matters. " + EN_FILLER)
    build_index([root], tmp_path / "index", workers=1)
    result = search(SearchIndex(tmp_path / "index"), "unresponsiveness")
    assert result.corrections == []
    assert "en/ui.md" not in paths(result)
    assert {p for p in paths(result)} == {f"en/down{i}.md" for i in range(3)}


def test_short_words_are_never_corrected(index):
    result = search(index, "Kubx")
    assert result.total == 0 and result.suggestion is None


def test_exact_matches_rank_above_fuzzy_ones(index):
    # "word~" asks for corrections even of a word that exists; the word as typed wins.
    found = paths(search(index, "relase~"))
    assert found[:2] == ["en/relase.md", "en/release.md"]


def test_correct_queries_get_no_suggestion(index):
    assert search(index, "Kubernetes").suggestion is None


# -- synonyms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("KI", {"de/ki.md", "en/ai.md"}),
    ("AI", {"de/ki.md", "en/ai.md"}),
    ("künstliche Intelligenz", {"de/ki.md", "en/ai.md"}),
    ("DSGVO", {"en/gdpr.md"}),
    ("Sprechstunde", {"en/gdpr.md"}),
])
def test_synonyms_work_in_both_directions(index, query, expected):
    assert expected <= set(paths(search(index, query)))


def test_words_as_typed_rank_above_synonyms(index):
    assert paths(search(index, "KI"))[0] == "de/ki.md"
    assert paths(search(index, "artificial intelligence"))[0] == "en/ai.md"


def test_synonym_matches_are_highlighted(index):
    assert "<mark>GDPR</mark>" in hit(search(index, "DSGVO"), "en/gdpr.md").snippet


def test_users_extend_the_synonyms(built):
    default = SearchIndex(built)
    extended = SearchIndex(built, synonyms=[["Sprechzeit", "office hours"]])
    assert search(default, "Sprechzeit").total == 0
    assert paths(search(extended, "Sprechzeit")) == ["en/gdpr.md"]
    assert "de/ki.md" in paths(search(extended, "AI"))  # the built-in table is kept
    assert search(SearchIndex(built, synonyms=False), "DSGVO").total == 0


# -- relevance ---------------------------------------------------------------------------------


def test_adjacent_names_rank_first(index):
    found = paths(search(index, "Julien Simon"))
    assert found[0] == "en/julien.md" and "en/simon.md" in found


def test_the_proximity_bonus_is_computed_once_per_search(built, monkeypatch):
    # Counting, not mocking: each wrapper records the call and calls the real Scorer
    # method with the same arguments, returning its result, so the search runs exactly as
    # it would and its ranking is checked below.  (rank_scores used to run twice a
    # search, and with it every proximity phrase query.)
    from eventsearch.rank.scorer import Scorer

    calls: dict[str, int] = {}

    def counted(name: str):  # type: ignore[no-untyped-def]
        real = getattr(Scorer, name)

        def call_through(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls[name] = calls.get(name, 0) + 1
            return real(self, *args, **kwargs)
        return call_through

    for name in ("rank_scores", "proximity", "phrase_mask"):
        monkeypatch.setattr(Scorer, name, counted(name))
    index = SearchIndex(built)  # its own result cache: the search really runs
    found = paths(search(index, "Julien Simon"))
    assert found[0] == "en/julien.md" and "en/simon.md" in found
    # one ranking, one proximity pass, one phrase query for the one adjacent pair
    assert calls == {"rank_scores": 1, "proximity": 1, "phrase_mask": 1}


def test_a_quoted_phrase_needs_the_words_together(index):
    assert paths(search(index, '"Julien Simon"')) == ["en/julien.md"]


def test_recency_breaks_ties(index):
    found = paths(search(index, "gardening tomatoes"))
    assert found[:2] == ["en/new-meetup.md", "en/old-meetup.md"]
    # ... only near-ties: the newer note's lift is at most half a percent of its score
    new, old = (hit(search(index, "gardening tomatoes"), p).score
                for p in ("en/new-meetup.md", "en/old-meetup.md"))
    assert 1 < new / old <= 1.005 + 1e-6


def test_sort_by_date(index):
    found = paths(search(index, "gardening", sort="date"))
    assert found == ["en/new-meetup.md", "en/old-meetup.md"]


def test_inflections_and_umlaut_spellings_are_highlighted(index):
    for query in ("Vortraege", "Vorträge", "Vortrag"):
        snippet = hit(search(index, query), "de/datenbanken.md").snippet
        assert "<mark>Vortrag</mark>" in snippet and "<mark>Vorträge</mark>" in snippet


def test_snippets_are_escaped(index):
    snippet = hit(search(index, "outages"), "en/kubernetes.md").snippet
    assert "a &lt; b &amp; c" in snippet


# -- query language ----------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ('speaker:"Julien Simon"', ["en/julien.md"]),
    ("tag:datenbanken", ["de/datenbanken.md"]),
    ("Abend lang:de", None),
    ("meetup date:2015", ["en/old-meetup.md"]),
    ("meetup date:2023-04", ["en/new-meetup.md"]),
    ("gardening date:>2020-01-01", ["en/new-meetup.md"]),
    ("intelligence date:2018..2020", []),
    ("gardening -compost", []),
    ("gardening NOT tomatoes", []),
    ("Kubernetes OR Datenbanksysteme", ["de/datenbanken.md", "en/kubernetes.md"]),
    ("Kubernetes AND Datenbanksysteme", []),
    ("Kuber*", ["en/kubernetes.md"]),
    ("K?bernetes", ["en/kubernetes.md"]),
    ("title:keynote", ["en/simon.md"]),
])
def test_query_language(index, query, expected):
    found = paths(search(index, query))
    if expected is None:  # lang:de: only German notes
        assert found and all(p.startswith("de/") for p in found)
    else:
        assert sorted(found) == sorted(expected)


@pytest.mark.parametrize(("query", "message", "finds"), [
    ('"Julien Simon', "quotation mark", "en/julien.md"),
    ("colour:red Kubernetes", "no field 'colour'", "en/kubernetes.md"),
    ("Kubernetes date:soon", "not a date", "en/kubernetes.md"),
    ("Kubernetes date:2019-13", "not", "en/kubernetes.md"),
])
def test_malformed_queries_are_searched_and_explained(index, query, message, finds):
    result = search(index, query)
    assert finds in paths(result)
    assert any(message in m for m in result.messages)


@pytest.mark.parametrize("query", ["AND", "OR OR", "(((", ")", "NOT", "*", "~", "^", "a:",
                                   '"" ""', "-", "[a TO", "{}", "the", "-gardening"])
def test_operator_soup_never_raises(index, query):
    search(index, query)


# -- facets ------------------------------------------------------------------------------------


def counts(result, facet: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {v.key: v.count for v in result.facets[facet]}


def test_facets_are_disjunctive_within_and_conjunctive_across(index):
    everything = search(index, "")
    assert counts(everything, "lang") == {"de": 4, "en": 9}
    one_lang = search(index, "", langs=("de",))
    # The language facet still counts English: its own selection is ignored ...
    assert counts(one_lang, "lang") == {"de": 4, "en": 9}
    # ... while the other facets count only German notes.
    assert sum(counts(one_lang, "year").values()) == 4
    both = search(index, "", langs=("de", "en"), years=("2019",))
    assert both.total == 3  # OR within lang, AND with the year
    assert counts(both, "lang") == {"de": 1, "en": 2}
    assert counts(both, "year")["2021"] == 2  # year counted as if unselected


def test_facet_values_match_case_insensitively_and_keep_their_display_form(index):
    result = search(index, "", tags=("machine LEARNING",))
    assert paths(result) == ["en/julien.md"]
    value = next(v for v in result.facets["tag"] if v.selected)
    assert value.value == "Machine Learning" and value.key == "machine learning"


def test_month_facet_within_a_selected_year(index):
    result = search(index, "", years=("2019",))
    assert counts(result, "month") == {"2019-05": 3}


# -- transcripts -------------------------------------------------------------------------------


def test_transcript_snippet_carries_its_time_and_video_link(tmp_path):
    seed = SHARED / "corpora" / "seeds" / "youtube-transcript.txt"
    source = seed if seed.is_file() else \
        SAMPLE_CORPUS / "transcripts" / "Writing-Kubernetes-Operators-in-Python.txt"
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(source, corpus / source.name)
    build_index([corpus], tmp_path / "ix", workers=1)
    index = SearchIndex(tmp_path / "ix")
    word = "evangelism" if source == seed else "operators"
    result = search(index, word)
    (found,) = result.hits
    assert found.format == "transcript" and found.snippet_time is not None
    assert f"<mark>{word}</mark>" in found.snippet.lower()
    assert found.snippet_url and found.snippet_url.startswith("https://www.youtube.com/")
    assert f"t={int(found.snippet_time)}s" in found.snippet_url
    if source == seed:
        assert found.snippet_time == pytest.approx(8.94)


def test_result_shape_is_stable(index):
    data = search(index, "Kuberntes").to_dict()
    assert {"query", "total", "page", "per_page", "pages", "took_ms", "suggestion",
            "corrections", "messages", "hits", "facets"} <= set(data)
    assert data["corrections"] == [{"from": "Kuberntes", "to": "Kubernetes"}]
    assert data["suggestion"] is None


# -- facets --------------------------------------------------------------------------------


def test_a_selected_facet_value_beyond_the_top_values_stays_listed(tmp_path: Path):
    # note i carries tags t00..tii: t00 is on every note, t34 on one, ranked last of 35
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(35):
        tags = ", ".join(f"t{j:02d}" for j in range(i + 1))
        (notes / f"n{i:02d}.md").write_text(
            f"---\ntitle: Note {i}\ntags: [{tags}]\n---\nA meetup about gardening.\n",
            encoding="utf-8")
    build_index([notes], tmp_path / "ix", workers=1)
    index = SearchIndex(tmp_path / "ix")
    everything = index.search(SearchQuery(q="gardening"))
    assert "t34" not in [v.key for v in everything.facets["tag"]]  # beyond the top values
    picked = index.search(SearchQuery(q="gardening", tags=("t34",)))
    assert [h.path for h in picked.hits] == ["n34.md"]
    assert [(v.key, v.count) for v in picked.facets["tag"] if v.selected] == [("t34", 1)]
