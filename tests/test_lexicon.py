"""The bilingual lexicon: FreeDict's dictd files read, senses kept by the index, and a German
query word finding an English note through its translation on every backend.

Most tests read a small dictionary in dictd format written here (our own entries, so the
assertions know what it holds); the last ones read the system's FreeDict packages."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from eventsearch.backends import open_backend
from eventsearch.config import Settings
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex
from eventsearch.text import lexicon as lx

from .conftest import skip_or_fail

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

DEU_ENG = [
    ("Gründer", "Gründer /gryndr/ <masc, n, sg>\nfounder <n>\n   Synonym: {Begründer}\n"),
    ("Gründer", "Gründer /gryndr/ <masc, n, sg>\nfloater <n>\n"),
    ("Speicher", "Speicher /shpaicher/ <masc, n, sg>\nattic <n>, loft <n> [Br.]\n"),
    ("Speicher", "Speicher /shpaicher/ <masc, n, sg>\n [comp.] memory <n>, storage <n>\n"),
    ("Vortrag", "Vortrag <masc, n, sg>\nrecitation <n>\n"),
    ("Vortrag", "Vortrag <masc, n, sg>\nlecture <n>\n"),
    ("Reise", "Reise <fem>\ntravel <n>, journey <n>\n"),
    ("biometrisch", "biometrisch <adj>\nbiometric <adj>\n"),
    ("Verkauf", "Verkauf <masc>\nsale <n>\n"),
    ("rings", "rings <adv>\nall around\n"),
    ("Sprache", "Sprache <fem, n, sg>\n [ling.] language <n>lang.,  /laN/\n"),
    ("vorhersagen", "vorhersagen <v>\npredict sth. <v>, presage sth. <v> [archaic]\n"),
    ("etw. annehmen", "etw. annehmen <v>\naccept sth. <v>\n"),
    ("avisieren", "avisieren <v>\nadvise sb./sth. <v>\n"),
    ("Berater", "Berater <masc>\nconsultant <n>, consultants <pl>, consulter <n>, advisor <n>\n"),
]
ENG_DEU = [
    ("maintenance", "maintenance /meintenens/\nWartung <fem>, Instandhaltung <fem> [techn.]\n"),
    ("aircraft", "aircraft\nFlugzeug <neut>, Luftfahrzeug <neut>\n"),
    ("ticket", "ticket\nKarte <fem>, Fahrkarte <fem>\n"),
    ("time zone", "time zone\nZeitzone <fem>\n"),
    ("appeal", "appeal\nAufruf <masc>, Berufung <fem>, Reiz <masc>, Beschwerde <fem>\n"),
    ("court", "court\nGericht <neut>\n"),
    ("rings", "rings\nRinge <pl>, Kreise <pl>\n"),
    ("concept", "concept\nKonzept <neut>, Konzeption <fem>\n"),
    ("delete", "delete\nlöschen <v>, streichen <v>\n"),
    ("deleting", "deleting\nlöschend, streichend\n"),
    ("training", "training\nSchulung <fem>\n"),
    ("cracked", "cracked\ngebrochen, brach\n"),
    ("screen", "screen\nBildschirm <masc>, sichten <v>\n"),
    ("train", "train\nZug <masc>\n"),
    ("ranging", "ranging\nreichend\n"),
    ("rang", "rang\ntelefonieren <v>\n"),
]


def _b64(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if not n:
            return out


def write_dictd(folder: Path, name: str, entries: list[tuple[str, str]]) -> None:
    data, index = b"", []
    for head, text in entries:
        raw = text.encode()
        index.append(f"{head}\t{_b64(len(data))}\t{_b64(len(raw))}")
        data += raw
    with gzip.open(folder / f"{name}.dict.dz", "wb") as f:
        f.write(data)
    (folder / f"{name}.index").write_text("\n".join(sorted(index)) + "\n", encoding="utf-8")


@pytest.fixture
def dictionaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dictd"
    folder.mkdir()
    write_dictd(folder, "freedict-deu-eng", DEU_ENG)
    write_dictd(folder, "freedict-eng-deu", ENG_DEU)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def test_translations_are_words_of_the_index_technical_senses_first(dictionaries):
    lexicon = lx.Lexicon.open(dictionaries)
    assert lexicon is not None
    df = {"founder": 4, "floater": 0, "memory": 3, "attic": 5, "storage": 0, "loft": 1}
    assert lexicon.translations("Gründer", lambda w: df.get(w, 0)) == [("founder",)]
    assert lexicon.translations("gruender", lambda w: df.get(w, 0)) == [("founder",)]
    # an inflected form finds its headword; a computing sense counts double
    assert lexicon.translations("Gründern", lambda w: df.get(w, 0)) == [("founder",)]
    assert lexicon.translations("Speicher", lambda w: df.get(w, 0)) == [
        ("memory",), ("attic",), ("loft",)]
    assert lexicon.translations("Speicher", lambda w: df.get(w, 0), limit=1) == [("memory",)]
    # forms of one word match the same notes through their stems: one stands for them
    df = {"consultant": 9, "consultants": 7, "consulter": 1, "advisor": 2}
    assert lexicon.translations("Berater", lambda w: df.get(w, 0)) == [
        ("consultant",), ("advisor",)]
    # nor is an object's placeholder (sth., etw.), on either side, alone or run together
    assert set(lexicon.translations("vorhersagen", lambda w: 1)) == {("predict",), ("presage",)}
    assert lexicon.translations("annehmen", lambda w: 1) == [("accept",)]
    assert lexicon.translations("avisieren", lambda w: 1) == [("advise",)]
    # forms meet through the stemmer of the translation's language: the English one joins
    # Konzeption to Konzept, the German notes' one does not, so both stay
    assert set(lexicon.translations("concept", lambda w: 1)) == {("konzept",), ("konzeption",)}
    # an abbreviation after the grammar tag is not part of the translation
    assert lexicon.translations("Sprache", lambda w: 1) == [("language",)]
    # no translation in the index: nothing
    assert lexicon.translations("Vortrag", lambda w: df.get(w, 0)) == []


def test_an_english_inflection_without_notes_translations_takes_its_base_s(dictionaries):
    lexicon = lx.Lexicon.open(dictionaries)
    assert lexicon is not None
    df = {"loschen": 3, "streichen": 1, "schulung": 2, "zug": 9}
    # FreeDict gives "deleting" only German participles, which no note uses
    assert lexicon.translations("deleting", lambda w: df.get(w, 0)) == [
        ("löschen",), ("streichen",)]
    assert lexicon.translations("deleting", lambda w: df.get(w, 0), source="en") == [
        ("löschen",), ("streichen",)]
    # a form with translations of its own keeps them (training is no train)
    assert lexicon.translations("training", lambda w: df.get(w, 0)) == [("schulung",)]
    # not from a German query, and not for a word no dictionary has (a typo: deletting;
    # an inflection it lacks: deleted)
    assert lexicon.translations("deleting", lambda w: df.get(w, 0), source="de") == []
    assert lexicon.translations("deletting", lambda w: df.get(w, 0)) == []
    assert lexicon.translations("deleted", lambda w: df.get(w, 0)) == []
    # a base that is another word gives nothing its inflection does not mean: "ranging"
    # (reichend) is no form of "rang" (telefonieren)
    assert lexicon.translations("ranging", lambda w: {"telefonieren": 5}.get(w, 0)) == []
    assert lexicon.translations("rang", lambda w: {"telefonieren": 5}.get(w, 0)) == [
        ("telefonieren",)]
    assert lx.english_bases("stopped") == ["stopp", "stop", "stoppe"]
    assert lx.english_bases("studies") == ["study", "studi", "studie"]


def test_both_dictionaries_translate_both_ways(dictionaries):
    lexicon = lx.Lexicon.open(dictionaries)
    assert lexicon is not None
    every = lambda w: 1  # noqa: E731
    assert set(lexicon.translations("Wartung", every)) == {("maintenance",)}
    assert set(lexicon.translations("maintenance", every)) == {("wartung",), ("instandhaltung",)}
    assert set(lexicon.translations("Flugzeug", every)) == {("aircraft",)}
    # two words for one: a German compound and the English words it stands for
    assert lexicon.translations("Zeitzonen", every) == [("time", "zone")]
    assert lexicon.translations("time zones", every) == [("zeitzone",)]
    assert set(lexicon.candidates("founder")) == {"gründer"}


def test_the_table_is_cached_once_per_dictionary_version(dictionaries, tmp_path):
    first = lx.Lexicon.open(dictionaries)
    assert first is not None and first.table.parent == tmp_path / "cache" / "eventsearch"
    built = first.table.stat().st_mtime_ns
    again = lx.Lexicon.open(dictionaries)
    assert again is not None and again.table == first.table
    assert again.table.stat().st_mtime_ns == built  # read, not rebuilt
    index = dictionaries / "freedict-deu-eng.index"
    os.utime(index, ns=(index.stat().st_atime_ns, index.stat().st_mtime_ns + 10**9))
    upgraded = lx.Lexicon.open(dictionaries)
    assert upgraded is not None and upgraded.table != first.table
    # the older version's table is gone; the new one is the folder's only table
    assert not first.table.exists()
    assert list(first.table.parent.glob("*.sqlite")) == [upgraded.table]
    # a server that had the old one open says so once and stops translating, not failing
    assert first.candidates("Gründer") == {}


def test_a_read_only_home_keeps_the_table_in_var_tmp(dictionaries, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"  # as for a service whose home is read-only
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    lexicon = lx.Lexicon.open(dictionaries)
    try:
        assert lexicon is not None
        assert lexicon.table.parent == Path("/var/tmp") / f"eventsearch-{os.getuid()}"
        assert lexicon.translations("Gründer", lambda w: 1) == [("founder",), ("floater",)]
        again = lx.Lexicon.open(dictionaries)  # the next process finds it: no second build
        assert again is not None and again.table == lexicon.table
    finally:
        if lexicon is not None:
            lexicon.table.unlink(missing_ok=True)


def test_one_process_builds_while_the_others_wait(dictionaries, tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        tables = pool.map(_open_table, [dictionaries] * 3)
    assert len(set(tables)) == 1 and Path(tables[0]).is_file()
    # built once: one table and no leftover temporary files beside it
    assert sorted(p.suffix for p in Path(tables[0]).parent.iterdir()) == [".lock", ".sqlite"]


def _open_table(folder: Path) -> str:
    lexicon = lx.Lexicon.open(folder)
    assert lexicon is not None
    return str(lexicon.table)


def test_missing_dictionaries_mean_no_lexicon(tmp_path):
    assert lx.Lexicon.open(tmp_path) is None


NOTES = {
    "founders.md": "---\ntitle: Startup stories\ndate: 2024-03-01\n---\n"
                   "An evening with the founder of a small hosting company, and what the "
                   "first three years of running the business taught her.\n",
    "memory.md": "---\ntitle: Profiling Python\ndate: 2024-04-01\n---\n"
                 "How to find out where your program spends its memory and time.\n",
    "wartung.md": "---\ntitle: Serverraum aufgeräumt\ndate: 2024-05-01\n---\n"
                  "Am Samstag stand die Wartung der Server im Keller an. Danach gab es Pizza "
                  "für alle, die geholfen haben.\n",
}


def built_on(name: str, notes: dict[str, str], tmp_path: Path,
             request: pytest.FixtureRequest, lexicon: Path) -> Settings:
    """The notes indexed on backend ``name`` with the lexicon of ``lexicon``; the settings
    (their ``lexicon`` may be replaced to search the same index without it)."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for file, text in notes.items():
        (corpus / file).write_text(text, encoding="utf-8")
    if name == "postgresql":
        settings = Settings(backend=name, lexicon=str(lexicon),
                            database_url=request.getfixturevalue("pg_cluster").create_database())
    else:
        settings = Settings(backend=name, index_dir=tmp_path / "index", lexicon=str(lexicon))
    open_backend(settings).build([corpus], workers=1)
    return settings


@pytest.mark.parametrize("name", ["whoosh", "postgresql"])
def test_a_german_word_finds_the_english_note_on_every_backend(
        name, dictionaries, tmp_path, request):
    settings = built_on(name, NOTES, tmp_path, request, dictionaries)
    built = SearchIndex(Path("unused"), backend=open_backend(settings))
    result = built.search(SearchQuery(q="Gründer"))
    assert [h.path for h in result.hits] == ["founders.md"]
    assert list(result.hits[0].matched_via) == [
        {"word": "founder", "kind": "translation", "of": "gründer"}]
    assert "<mark>founder</mark>" in result.hits[0].snippet
    # English to German: the German note, after nothing matched as typed
    assert [h.path for h in built.search(SearchQuery(q="maintenance")).hits] == ["wartung.md"]
    # a translation ranks below the word as typed: "Speicher" is no word here, memory is
    assert [h.path for h in built.search(SearchQuery(q="Speicher")).hits] == ["memory.md"]
    off = SearchIndex(Path("unused"), backend=open_backend(replace(settings, lexicon="off")))
    assert off.search(SearchQuery(q="Gründer")).hits == []


@pytest.fixture(params=["whoosh", "postgresql"])
def search_over(request, dictionaries, tmp_path) -> Callable[[dict[str, str]], SearchIndex]:
    """Notes -> a SearchIndex over them on each backend, with the test dictionaries."""
    def search(notes: dict[str, str]) -> SearchIndex:
        settings = built_on(request.param, notes, tmp_path, request, dictionaries)
        return SearchIndex(Path("unused"), backend=open_backend(settings))
    return search


WIDER = {
    "antrag.md": "---\ntitle: Reiseantrag stellen\ndate: 2024-03-01\nlang: de\n---\n"
                 "Wer zur Konferenz fährt, stellt jetzt den Reiseantrag. Ein Antrag genügt, "
                 "die Kosten übernimmt der Verein.\n",
    "reise.md": "---\ntitle: Eine Reise nach Berlin\ndate: 2024-04-01\nlang: de\n---\n"
                "Die Reise war lang, und unterwegs sprachen wir über Python und den Verein.\n",
    "biometric.md": "---\ntitle: Biometric passports\ndate: 2024-05-01\nlang: en\n---\n"
                    "What biometric passports store, and what they leak at the border.\n",
    "sales.md": "---\ntitle: Ticket sales are open\ndate: 2024-06-01\nlang: en\n---\n"
                "The ticket sale for the autumn conference opened today; a ticket covers both "
                "days.\n",
    "laden.md": "---\ntitle: Vereinsladen\ndate: 2024-07-01\nlang: de\n---\n"
                "Im Laden startet der Verkauf der Vereinsshirts; ein Ticket für das "
                "Sommerfest gibt es dort auch, die Karte vom Ort hängt aus.\n",
    "sperre.md": "---\ntitle: Netzsperren im Gesetz\ndate: 2024-08-01\nlang: de\n---\n"
                 "Im Internet heißt es: das Gesetz bringt Internetzensur durch die Hintertür.\n",
}


def test_a_translation_finds_compounds_and_cognates_on_every_backend(search_over):
    built = search_over(WIDER)
    # travel -> Reise, and the compound the note uses: Reiseantrag (rank/widen.py)
    result = built.search(SearchQuery(q="travel"))
    assert [h.path for h in result.hits] == ["reise.md", "antrag.md"]
    assert {"word": "reiseantrag", "kind": "translation", "of": "travel"} in \
        result.hits[1].matched_via
    # a cognate the German stemmer joins to the word, but the English notes only meet
    # through the translation: biometrische -> biometric
    assert [h.path for h in built.search(SearchQuery(q="biometrische")).hits] == \
        ["biometric.md"]
    # a compound's parts translated as the other language says them: Ticket stays (it is in
    # more notes than its translation Karte), Verkauf becomes sale
    assert "sales.md" in [h.path for h in built.search(SearchQuery(q="Ticketverkauf")).hits]
    # a synonym's compounds too: censorship -> Zensur (the table) -> Internetzensur
    result = built.search(SearchQuery(q="censorship"))
    assert [h.path for h in result.hits] == ["sperre.md"]
    assert {"word": "internetzensur", "kind": "synonym", "of": "censorship"} in \
        result.hits[0].matched_via


SENSES = {
    **{f"aufruf{i}.md": f"---\ntitle: Aufruf {i}\ndate: 2024-0{i}-01\nlang: de\n---\n"
                        "Unser Aufruf zur Teilnahme am Sommerfest des Vereins.\n"
       for i in range(1, 4)},
    **{f"reiz{i}.md": f"---\ntitle: Neues aus dem Verein {i}\ndate: 2024-0{i + 3}-01\n"
                      "lang: de\n---\nDer Reiz des Neuen und die Berufung zur "
                      "Vorstandsarbeit im Verein.\n" for i in range(1, 3)},
    "gericht.md": "---\ntitle: Vorratsdaten\ndate: 2024-08-01\nlang: de\n---\n"
                  "Unsere Beschwerde liegt jetzt beim Gericht in Lausanne.\n",
}


def test_a_sense_is_chosen_by_the_other_words_on_every_backend(search_over):
    built = search_over(SENSES)
    # alone, "appeal" keeps its three translations in the most notes (Beschwerde is in one)
    assert "gericht.md" not in [h.path for h in built.search(SearchQuery(q="appeal")).hits]
    # beside "court", the sense found with Gericht wins: the note with both comes first
    result = built.search(SearchQuery(q="appeal court"))
    assert result.hits[0].path == "gericht.md"
    assert {"word": "beschwerde", "kind": "translation", "of": "appeal"} in \
        result.hits[0].matched_via
    assert not result.hits[0].loose


DIRECTIONS = {
    "kreise.md": "---\ntitle: Raumplan\ndate: 2024-01-01\nlang: de\n---\n"
                 "Die Kreise auf dem Plan zeigen, wo die Tische stehen.\n",
    "around.md": "---\ntitle: Venue walk\ndate: 2024-02-01\nlang: en\n---\n"
                 "We walked all around the venue before the first talk.\n",
}


def test_a_word_of_both_languages_is_translated_from_the_query_s(search_over):
    built = search_over(DIRECTIONS)

    def found(q: str) -> set[str]:
        return {h.path for h in built.search(SearchQuery(q=q)).hits}

    # alone, "rings" may be English (Kreise) or German (all around)
    assert found("rings") == {"kreise.md", "around.md"}
    # an English stop word makes the query English: the rings, not "rings" the adverb
    assert found("the rings") == {"kreise.md"}
    # and a German one German
    assert found("die rings") == {"around.md"}


# -- the system's FreeDict packages ---------------------------------------------------------

@pytest.fixture(scope="module")
def freedict() -> lx.Lexicon:
    if not lx.available(lx.DEFAULT_DIR):
        skip_or_fail("FreeDict's German-English dictionaries are not installed "
                     "(apt-get install dict-freedict-deu-eng dict-freedict-eng-deu)")
    lexicon = lx.Lexicon.open(lx.DEFAULT_DIR)
    assert lexicon is not None
    return lexicon


@pytest.mark.parametrize("word, translation", [
    ("Gründer", "founder"), ("Wartung", "maintenance"), ("Schnittstelle", "interface"),
    ("Anwender", "user"), ("Verschlüsselung", "encryption"), ("Schwachstellen",
                                                              "vulnerabilities"),
    ("maintenance", "wartung"), ("founder", "gründer"),
])
def test_freedict_has_the_words_the_issue_names(freedict, word, translation):
    assert translation in freedict.candidates(word)


def test_freedict_senses_are_chosen_by_the_index(freedict):
    # in a tech index memory and storage are common, attic rare: the computing senses win
    df = {"memory": 900, "storage": 700, "store": 300, "attic": 2, "reservoir": 5}
    assert freedict.translations("Speicher", lambda w: df.get(w, 0), limit=2) == [
        ("memory",), ("storage",)]


def test_a_synonym_s_compounds_only_for_a_word_without_its_own(search_over):
    """meeting -> Stammtisch (the synonym table) -> Stammtischabend; Treffen has compounds
    of its own (Anwendertreffen), and its synonyms' compounds cost precision."""
    built = search_over({
        "anwender.md": "---\ntitle: Herbst\ndate: 2024-03-01\nlang: de\n---\n"
                       "Zum Anwendertreffen ist jeder Anwender willkommen.\n",
        "abend.md": "---\ntitle: Absage\ndate: 2024-04-01\nlang: de\n---\n"
                    "Der Stammtischabend fällt aus, es wird ein ruhiger Abend.\n",
    })
    assert sorted(h.path for h in built.search(SearchQuery(q="meeting")).hits) == [
        "abend.md", "anwender.md"]
    assert [h.path for h in built.search(SearchQuery(q="Treffen")).hits] == ["anwender.md"]


FILLER = ("Wir trafen uns am Abend im Vereinsheim und sprachen lange über die Arbeit der "
          "letzten Wochen, über neue Mitglieder, die Kasse und das Sommerfest. ")
SENSELESS = {
    "fairphone.md": "---\ntitle: Fairphone verarztet\ndate: 2016-07-02\nlang: de\n---\n"
                    "Das Fairphone fiel herunter. Mit einem Ersatzteil war das Fairphone am "
                    "Abend wieder heil.\n",
    "ausflug.md": "---\ntitle: Jahresbericht\ndate: 2023-07-24\nlang: de\n---\n"
                  + FILLER * 6 + "Am Morgen brach die Gruppe auf, um die Altstadt zu sichten. "
                  + FILLER * 6 + "\n",
    **{f"abend{i}.md": f"---\ntitle: Abend {i}\ndate: 2020-01-0{i}\nlang: de\n---\n{FILLER}\n"
       for i in range(1, 5)},
}


def test_all_words_through_senses_the_note_does_not_mean_rank_among_the_looser(search_over):
    # "cracked" -> brach and "screen" -> sichten give a long report two of the three
    # words; the note about the Fairphone has the rare word as typed and scores higher:
    # it comes first, and the report is ranked with the notes that have some of the words
    built = search_over(SENSELESS)
    result = built.search(SearchQuery(q="Fairphone cracked screen"))
    assert [h.path for h in result.hits] == ["fairphone.md", "ausflug.md"]
    assert [h.loose for h in result.hits] == [True, True]
    assert result.strict_total == 0
    assert "No note matches (almost) all the words well; weaker matches follow." \
        in result.messages
    # a date order keeps the two kinds as they are: the report has two of the three words
    by_date = built.search(SearchQuery(q="Fairphone cracked screen", sort="date"))
    assert [(h.path, h.loose) for h in by_date.hits] == [
        ("ausflug.md", False), ("fairphone.md", True)]
    assert by_date.strict_total == 1
    # a note that has them as typed and scores well stays first, above the line
    result = built.search(SearchQuery(q="Fairphone Ersatzteil Abend"))
    assert result.hits[0].path == "fairphone.md" and not result.hits[0].loose
