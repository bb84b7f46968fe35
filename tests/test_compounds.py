"""German compounds on a small real index written here: a part finds the compound it is in,
and a compound finds its parts, with linking elements (Fugen-s) between them.

The words sit only in the bodies (no tags, no titles carry them), so nothing but the
compound logic can make these notes meet the queries.
"""

from __future__ import annotations

import pytest

from eventsearch.backends.whoosh.build import build_index
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

NOTES = {
    "teile.md": "Beim Treffen ging es um Sicherheit im Netz. Jede gefundene Lücke wurde "
                "sofort gemeldet, und das Netzwerk der Gruppe wächst seit Jahren weiter.",
    "kompositum.md": "Der Abend war der Netzwerksicherheit gewidmet. Die Referentin zeigte, "
                     "wie man Angriffe erkennt und welche Werkzeuge dabei helfen.",
    "anderes.md": "Wir haben über das Wetter gesprochen und danach gemeinsam gegessen. "
                  "Es war ein schöner Abend mit vielen neuen Gesichtern aus der Stadt.",
}


# Links other than the Fugen-s, a three-letter part, and a word that merely begins with
# another ("Landschaft": "schaft" is no word of this index).
LINK_NOTES = {
    "kirchturm.md": "Nach dem Vortrag stiegen alle auf den Kirchenturm und sahen von oben "
                    "über die ganze Stadt bis zu den Bergen.",
    "dorf.md": "Die Kirche im Dorf ist sehr alt, und der Turm daneben wurde erst letztes "
               "Jahr renoviert. Am nächsten Tag ging es weiter.",
    "router.md": "Eine Sicherheitslücke im Router wurde von den Teilnehmern gemeinsam "
                 "gefunden und noch am Abend gemeldet.",
    "sicher.md": "Sicherheit war das Thema des Abends, und die Gruppe diskutierte lange "
                 "darüber, was man besser machen könnte.",
    "sichertag.md": "Der Sicherheitstag fand in der großen Halle statt, mit vielen "
                    "Besuchern aus der ganzen Region.",
    "landschaft.md": "Die Landschaft rund um den Veranstaltungsort war herrlich, und alle "
                     "genossen die Pause draußen.",
    "wandern.md": "Der Berg war steil, aber der Weg nach oben war gut markiert.",
    "recht.md": "Beim Schutz der Daten hilft ein gutes Gesetz, sagte die Referentin, und "
                "stellte dazu einen Entwurf vor.",
    "pfad.md": "Ein schmaler Bergweg führte hinauf zum Gipfel.",
    "keynote.md": "Während der Keynote verlor sich mancher in einem Tagtraum.",
    "apparat.md": "Der Apparat auf dem Tisch summte leise vor sich hin.",
    "kurz.md": "Am Tag danach war der Weg wieder frei.",
}


def _index(tmp_path_factory: pytest.TempPathFactory, notes_by_name: dict[str, str]) -> SearchIndex:
    root = tmp_path_factory.mktemp("compounds")
    notes = root / "notes"
    notes.mkdir()
    for name, body in notes_by_name.items():
        (notes / name).write_text(f"# Treffen {name[:-3]}\n\n{body}\n", encoding="utf-8")
    report = build_index([notes], root / "ix", workers=1)
    assert report.by_lang == {"de": len(notes_by_name)}
    return SearchIndex(root / "ix")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return _index(tmp_path_factory, NOTES)


@pytest.fixture(scope="module")
def link_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return _index(tmp_path_factory, LINK_NOTES)


def paths(index: SearchIndex, q: str) -> list[str]:
    return [h.path for h in index.search(SearchQuery(q=q, per_page=20)).hits]


def test_a_compound_part_finds_the_compound_in_a_body(index):
    assert "kompositum.md" in paths(index, "Sicherheit")
    assert "kompositum.md" in paths(index, "Netzwerk")


def test_a_compound_with_a_linking_s_finds_its_parts(index):
    # Sicherheit-s-lücke: both parts required, joined by the Fugen-s
    assert paths(index, "Sicherheitslücke") == ["teile.md"]


def test_a_compound_does_not_find_a_note_with_only_one_part(index):
    assert "kompositum.md" not in paths(index, "Sicherheitslücke")
    assert "anderes.md" not in paths(index, "Netzwerksicherheit")


def test_a_part_finds_compounds_joined_by_an_n_link(link_index):
    # Kirche-n-turm: the link is neither empty nor the Fugen-s, on either side of the part
    assert "kirchturm.md" in paths(link_index, "Kirche")
    assert "kirchturm.md" in paths(link_index, "Turm")


def test_a_trailing_part_finds_a_compound_with_a_fugen_s_before_it(link_index):
    # Sicherheit-s-lücke, found from its last part: the "s" is stripped from "sicherheits"
    assert "router.md" in paths(link_index, "Lücke")


def test_a_three_letter_part_is_a_part(link_index):
    # Sicherheit-s-tag: "tag" has exactly MIN_PART letters
    assert "sichertag.md" in paths(link_index, "Sicherheit")


def test_a_word_that_only_begins_with_the_query_is_not_its_compound(link_index):
    # "Landschaft" begins with "land", but "schaft" is no word of the index
    assert "landschaft.md" not in paths(link_index, "Land")
    assert paths(link_index, "Land") == []


def test_a_compound_joined_by_an_n_link_is_split_into_its_parts(link_index):
    # Kirche-n-turm: dorf.md has both parts as words of their own, not the compound
    assert "dorf.md" in paths(link_index, "Kirchenturm")


def test_a_seven_letter_compound_with_a_three_letter_part_is_split(link_index):
    # Berg-weg: MIN_SPLIT_WORD letters, and "weg" has just MIN_PART
    assert "wandern.md" in paths(link_index, "Bergweg")


def test_a_word_shorter_than_seven_letters_is_not_split(link_index):
    # "Tagweg" would split into Tag-weg, both words of kurz.md, but has only six letters
    assert paths(link_index, "Tagweg") == []


def test_a_compound_of_three_parts_is_split_but_not_one_of_four(link_index):
    assert "recht.md" in paths(link_index, "Datenschutzgesetz")
    # Daten-schutz-gesetz-entwurf: more parts than the splitter tries (depth <= 1)
    assert "recht.md" not in paths(link_index, "Datenschutzgesetzentwurf")


def test_a_three_letter_word_finds_the_compounds_it_ends(link_index):
    # Berg-weg from "Weg" (MIN_PART letters), Tag-traum with a three-letter first part
    assert "pfad.md" in paths(link_index, "Weg")
    assert "keynote.md" in paths(link_index, "Traum")


def test_a_word_that_only_ends_with_the_query_is_not_its_compound(link_index):
    # "Apparat" ends with "rat", but "appa" is no word
    assert paths(link_index, "Rat") == []


# Two ways to split "Datenschutzgesetz": Datenschutz-gesetz (two parts, both words here)
# and Daten-schutz-gesetz (three parts, in another note).
SPLIT_NOTES = {
    "zwei.md": "Über den Datenschutz wurde lange gesprochen, und über das neue Gesetz auch.",
    "drei.md": "Beim Schutz der Daten hilft ein gutes Gesetz, sagte die Referentin.",
}


@pytest.fixture(scope="module")
def split_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return _index(tmp_path_factory, SPLIT_NOTES)


def test_a_split_into_fewer_parts_is_preferred(split_index):
    assert paths(split_index, "Datenschutzgesetz") == ["zwei.md"]


EVENT_NOTES = {
    "keynote.md": "---\ntitle: Biometric Unsecurity\nevent: DjangoCon EU 2020\nlang: en\n---\n"
                  "What our faces and fingerprints give away, and to whom.\n",
    "passports.md": "---\ntitle: Biometric passports\nevent: PyCon US 2019\nlang: en\n---\n"
                    "What the chip in a passport stores.\n",
    "forms.md": "---\ntitle: Forms done right\nlang: en\n---\nForms in Django, field by field.\n",
}


@pytest.fixture(scope="module")
def event_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("events")
    notes = root / "notes"
    notes.mkdir()
    for name, text in EVENT_NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    build_index([notes], root / "ix", workers=1)
    return SearchIndex(root / "ix")


def test_a_word_finds_the_conference_named_after_it(event_index):
    # the keynote never says Django, but it was given at DjangoCon
    result = event_index.search(SearchQuery(q="Django biometric"))
    assert result.hits[0].path == "keynote.md"
    assert not result.hits[0].loose
    assert {"word": "djangocon", "kind": "compound", "of": "django"} in \
        result.hits[0].matched_via
    # a note that says the word comes before one only given at its conference
    assert [h.path for h in event_index.search(SearchQuery(q="Django")).hits] == \
        ["forms.md", "keynote.md"]


# Two typed words that a longer compound holds joined at its start.
JOIN_NOTES = {
    "kompositum.md": "Paul beschrieb sein Zeitreihenvorhersageproblem mit vielen Zusatzdaten "
                     "und zeigte, was er schon versucht hatte.",
    "reihen.md": "Zeitreihen sind Daten, die über die Zeit gemessen werden, sagte die "
                 "Referentin zu Beginn des Abends.",
    "wetter.md": "Die Vorhersage für morgen war schlecht, aber das Problem war ein anderes: "
                 "der Raum war schon belegt.",
    "sommerbob.md": "Der Sommerbob war wieder ein großes Fest für alle Mitglieder und Gäste.",
    "sommer.md": "Im Sommer treffen wir uns draußen im Garten, wenn es nicht regnet.",
    "bob.md": "Bob erzählte von seiner Reise nach Hamburg und wieder zurück.",
}


def test_two_typed_words_find_the_compound_that_joins_them(tmp_path_factory):
    join_index = _index(tmp_path_factory, JOIN_NOTES)
    # neither word alone finds Zeitreihen-vorhersageproblem ("vorhersageproblem" is no
    # word of the index, and the compound neither begins nor ends with "vorhersage")
    result = join_index.search(SearchQuery(q="Zeitreihen Vorhersage"))
    hit = next(h for h in result.hits if h.path == "kompositum.md")
    assert not hit.loose
    assert {"word": "zeitreihenvorhersageproblem", "kind": "compound", "of": "zeitreihen"} \
        in hit.matched_via
    assert "kompositum.md" not in paths(join_index, "Vorhersage")
    # the words in the other order are no compound of the index: only Zeitreihen finds
    # it (as its first part), so it is among the looser pass's notes
    result = join_index.search(SearchQuery(q="Vorhersage Zeitreihen"))
    assert next(h for h in result.hits if h.path == "kompositum.md").loose
    # a word finds the compound it ends (or begins) when the rest is a compound of index
    # words itself: Zeitreihen-vorhersage + problem, Zeitreihen + vorhersage-problem
    assert paths(join_index, "Problem") == ["wetter.md", "kompositum.md"]
    assert paths(join_index, "Zeitreihen") == ["reihen.md", "kompositum.md"]
    # a compound one of the two words finds by itself (Sommerbob ends with "bob") is the
    # other word's too
    result = join_index.search(SearchQuery(q="Sommer Bob"))
    assert result.hits[0].path == "sommerbob.md" and not result.hits[0].loose


def test_a_rest_made_of_short_words_is_no_compound(tmp_path_factory):
    # "ard" (ARD) and "bibliothek" are words of this index, yet Stand-ardbibliothek is no
    # compound of "Stand": a compound's rest made of words needs parts of 4+ letters
    notes = {
        "lib.md": "Die Standardbibliothek von Python bringt vieles schon mit, sagte er.",
        "tv.md": "Die ARD sendete am Abend einen Bericht aus der Bibliothek der Stadt.",
        "stand.md": "Der Stand der Dinge wurde kurz erklärt, dann ging es weiter.",
        "aufbau.md": "Der Messestandaufbau dauerte bis in die Nacht hinein.",
        "messe.md": "Die Messe war voll, und am Stand gab es Kaffee für alle.",
    }
    index = _index(tmp_path_factory, notes)
    assert "lib.md" not in paths(index, "Stand")
    # Messe-stand + aufbau: "Aufbau" finds the compound it ends, its rest a compound
    assert paths(index, "Aufbau") == ["aufbau.md"]
