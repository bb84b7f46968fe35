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


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("compounds")
    notes = root / "notes"
    notes.mkdir()
    for name, body in NOTES.items():
        (notes / name).write_text(f"# Treffen {name[:-3]}\n\n{body}\n", encoding="utf-8")
    report = build_index([notes], root / "ix", workers=1)
    assert report.by_lang == {"de": len(NOTES)}
    return SearchIndex(root / "ix")


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
