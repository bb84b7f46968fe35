"""The web UI in German and English: Accept-Language, the EN | DE switch (``?ui=`` and its
cookie), dates and numbers, and a catalog with nothing left untranslated."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from eventsearch.config import load_settings
from eventsearch.web import create_app

from .conftest import PROJECT

CATALOG = PROJECT / "src" / "eventsearch" / "web" / "translations" / "de" / "LC_MESSAGES"
DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
GERMAN_MONTHS = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
                 "Nov.", "Dez.")
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                  "Dec")
# English words of the UI's own text that must not be left on a German page
ENGLISH = ("Search", "Filters", "notes", "Sort by", "relevance", "Previous", "Next", "Page ",
           "Language", "Date range", "Apply dates", "How to search", "Skip to content",
           "Latest notes", "Popular tags", "Try", "this page as JSON", "Back to the results",
           "Written by", "File", "Show without marks", "No notes match", "selected, click",
           "Remove filter", "Clear all filters", "Notes per year", "Words", "More",
           "Keyboard", "Not found", "Start a new search", "must be a whole number",
           "Related notes", "More by", "Also at", "Similar notes", "Upcoming", "Earlier notes",
           "newest", "oldest", "Pages stop", "Showing results for", "search instead",
           "matched", "synonym of", "correction of", "Did you mean", "Same talk",
           "talk record", "subtitles", "Filter events", "Filter tags", "Filter speakers",
           "read this moment", "watch this moment")


@pytest.fixture(scope="module")
def app(corpus_index):
    return create_app(load_settings(index_dir=corpus_index), test_config={"TESTING": True})


def page(app, path: str, headers: dict[str, str]) -> str:
    """A page as a first-time visitor gets it (a fresh client: no cookie)."""
    return app.test_client().get(path, headers=headers).get_data(as_text=True)


def visible_text(html: str) -> str:
    """What a reader sees and hears: text, titles, aria-labels, placeholders; no notes' text."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    # the notes themselves are English or German whatever the UI: leave their text out
    html = re.sub(r'<p class="snippet">.*?</p>|<div class="text">.*?</div>|<h2><a [^>]*>.*?</a>'
                  r'|<h1>[^<]*</h1>|<span class="event">.*?</span>|<ul class="tags".*?</ul>'
                  r'|<a class="example"[^>]*>.*?</a>|<a class="tag"[^>]*>.*?</a>'
                  r'|<span class="label">.*?</span>|<code>.*?</code>'
                  r'|<li><a href="[^"]*/notes/[^"]*"[^>]*>.*?</a>',  # related notes' titles
                  " ", html, flags=re.S)
    attrs = re.findall(r'(?:title|aria-label|placeholder|alt|data-kind-\w+)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *attrs])


def a_note_with_a_date(app) -> tuple[str, date]:
    hits = app.test_client().get("/api/search?q=kubernetes").get_json()["hits"]
    hit = next(h for h in hits if h["date"])
    return hit["path"], date.fromisoformat(hit["date"])


def test_accept_language_de_gives_the_german_ui(app):
    html = page(app, "/search?q=kubernetes", DE)
    assert '<html lang="de">' in html
    assert "Sortieren nach" in html and "Notizen für" in html and 'placeholder="Vorträge' in html
    assert '<strong aria-current="true" title="Deutsch" lang="de">DE</strong>' in html


def test_accept_language_en_and_no_header_give_the_english_ui(app):
    for headers in (EN, {}, {"Accept-Language": "fr-FR,fr"}):
        html = page(app, "/search?q=kubernetes", headers)
        assert '<html lang="en">' in html and "Sort by" in html and "Sortieren" not in html


def test_dates_follow_the_ui_language(app):
    path, day = a_note_with_a_date(app)
    german = f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"
    english = f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
    stamp = f'<time datetime="{day.isoformat()}">'
    assert stamp + german + "</time>" in page(app, "/search?q=kubernetes", DE)
    assert stamp + english + "</time>" in page(app, "/search?q=kubernetes", EN)
    assert stamp + german + "</time>" in page(app, f"/notes/{path}", DE)
    assert stamp + english + "</time>" in page(app, f"/notes/{path}", EN)


def test_numbers_follow_the_ui_language(app):
    template = "{{ 12970|number }} / {{ day|nicedate }}"
    for headers, expected in ((DE, "12.970 / 7. Okt. 2011"), (EN, "12,970 / 7 Oct 2011")):
        with app.test_request_context("/", headers=headers):
            assert render_template_string(template, day=date(2011, 10, 7)) == expected
    # and on a page: the year chart's bar titles count with the page's numbers
    assert re.search(r"<title>\d{4}: \d+ Notizen?</title>", page(app, "/", DE))
    assert re.search(r"<title>\d{4}: \d+ notes?</title>", page(app, "/", EN))


def test_the_switch_overrides_the_header_and_is_kept_across_pages(app):
    client = app.test_client()
    html = client.get("/search?q=kubernetes", headers=DE).get_data(as_text=True)
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', html)
    assert switch and "ui=en" in switch[1] and "q=kubernetes" in switch[1]
    english = client.get(switch[1].replace("&amp;", "&"), headers=DE)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "ui=en" in english.headers["Set-Cookie"]
    # later pages, without ?ui=, still in English although the browser asks for German
    for path in ("/", "/help", "/search?q=python"):
        assert '<html lang="en">' in client.get(path, headers=DE).get_data(as_text=True), path
    # and back to German
    assert '<html lang="de">' in client.get("/?ui=de", headers=EN).get_data(as_text=True)
    assert '<html lang="de">' in client.get("/help", headers=EN).get_data(as_text=True)


def test_the_switch_keeps_the_filters_and_the_page(app):
    html = page(app, "/search?q=kubernetes&lang=en&page=2&per_page=2", DE)
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', html)
    assert switch
    url = switch[1].replace("&amp;", "&")
    assert all(p in url for p in ("q=kubernetes", "lang=en", "page=2", "ui=en"))


@pytest.mark.parametrize("path", [
    "/", "/search?q=kubernetes", "/search?q=kuberntes", "/search?q=kubernetes&sort=oldest",
    "/search?event=SomeCon+2019", "/search?q=kubernetes&lang=de&per_page=2&page=2",
    "/search?q=zzqxjw", "/search?year=2019", "/help", "/notes/no-such-note.md",
    "/search?page=abc", "/search?q=kubernetes&from=2019&to=2024&tag=Kubernetes",
])
def test_german_pages_have_no_english_ui_text_left(app, path):
    text = visible_text(page(app, path, DE))
    left = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)", text)]
    assert left == [], f"{path}: English left on the German page: {left}"


def test_a_german_note_page_has_no_english_ui_text_left(app):
    path, _ = a_note_with_a_date(app)
    text = visible_text(page(app, f"/notes/{path}?q=kubernetes", DE))
    left = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)", text)]
    assert left == [] and "Zurück zu den Ergebnissen" in text and "Datei" in text
    assert "Verwandte Notizen" in text and "Ähnliche Notizen" in text


def test_the_german_search_says_what_it_corrected_and_sorts_in_german(app):
    text = " ".join(visible_text(page(app, "/search?q=kuberntes", DE)).split())
    assert "Ergebnisse für kubernetes — stattdessen nach kuberntes suchen" in text
    assert "gefunden über kubernetes , eine Korrektur von kuberntes" in text
    assert "neueste zuerst" in text and "älteste zuerst" in text
    english = " ".join(visible_text(page(app, "/search?q=kuberntes", EN)).split())
    assert "matched kubernetes , a correction of kuberntes" in english


@pytest.mark.parametrize(("q", "german", "english"), [
    ("kubernetes security", "Nur 2 Notizen passen gut zu (fast) allen Wörtern; es folgen "
     "schwächere Treffer.",
     "Only 2 notes match (almost) all the words well; weaker matches follow."),
    ("datenschutz rust", "Nur 1 Notiz passt gut zu (fast) allen Wörtern; es folgen schwächere "
     "Treffer.", "Only 1 note matches (almost) all the words well; weaker matches follow."),
    ("geopandas kubernetes", "Keine Notiz passt gut zu (fast) allen Wörtern; es folgen "
     "schwächere Treffer.", "No note matches (almost) all the words well; weaker matches follow."),
])
def test_the_looser_pass_speaks_german_and_its_heading_too(app, q, german, english):
    for path in (f"/search?q={q}", f"/search?q={q}&fragment=1"):
        text = " ".join(visible_text(page(app, path, DE)).split())
        assert german in text and "Schwächere Treffer" in text
        assert "some of" not in text
    # the JSON API keeps the engine's English message
    api = app.test_client().get(f"/api/search?q={q}", headers=DE).get_json()
    assert english in api["messages"]


def test_german_related_notes_name_the_speakers_and_the_event(app):
    html = page(app, "/notes/pyvideo/somecon-2019/videos/"
                     "building-reproducible-ml-pipelines-priya-raman.json", DE)
    aside = " ".join(visible_text(html[html.index('<aside class="related"'):]).split())
    assert "Mehr von Priya Raman" in aside and "Auch bei SomeCon 2019" in aside


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory):
    """The sample corpus, two events to come and a dozen one-note events: the home page
    shows "Upcoming" and the event facet its filter box."""
    import shutil
    from datetime import timedelta

    from eventsearch.backends.whoosh.build import build_index

    from .conftest import SAMPLE_CORPUS

    corpus = tmp_path_factory.mktemp("busy-corpus")
    shutil.copytree(SAMPLE_CORPUS, corpus / "sample")
    for n in range(2):
        day = date.today() + timedelta(days=40 * (n + 1))
        (corpus / f"future-{n}.md").write_text(
            f"---\ntitle: Future meetup {n}\ndate: {day.isoformat()}\n---\nComing up.\n")
    for n in range(12):
        (corpus / f"meetup-{n}.md").write_text(
            f"---\ntitle: Meetup {n}\ndate: 2021-03-{n + 1:02d}\nevent: Meetup Nummer {n}\n"
            "---\nEin Abend mit Vorträgen.\n")
    index_dir = tmp_path_factory.mktemp("busy-index")
    build_index([corpus], index_dir, workers=1)
    return create_app(load_settings(index_dir=index_dir), test_config={"TESTING": True})


def test_the_german_home_page_shows_upcoming_events_and_an_event_filter_box(busy_app):
    html = page(busy_app, "/", DE)
    text = visible_text(html)
    left = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)", text)]
    assert left == [] and "Demnächst" in text and "Neueste Notizen" in text
    assert 'placeholder="Veranstaltungen filtern"' in html
    assert "Ältere Notizen" in visible_text(page(busy_app, "/?page=2", DE))
    chosen = " ".join(visible_text(page(busy_app, "/search?event=Meetup+Nummer+3", DE)).split())
    left = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)", chosen)]
    assert left == [] and "Veranstaltung: Meetup Nummer 3" in chosen
    assert 'placeholder="Filter events"' in page(busy_app, "/", EN)


def test_a_german_capped_pager_and_one_talk_in_two_notes(app):
    """Pages past 1000 and a talk record with its subtitles need a big corpus: the real
    results template renders a result shaped like theirs."""
    from flask import render_template
    from werkzeug.datastructures import MultiDict

    from eventsearch.model import Hit, SearchResult
    from eventsearch.web import pages
    from eventsearch.web.params import parse_params

    hit = Hit(path="talks/t.json", title="T", date=None, lang="en", tags=(), speakers=(),
              author=None, event=None, url=None, draft=False, score=1.0, snippet="",
              format="pyvideo", snippet_time=754.0,
              matched_via=({"word": "talk", "kind": "synonym", "of": "Vortrag"},),
              also=({"path": "talks/t.srt", "format": "srt", "url": None, "title": "T"},))
    result = SearchResult(query="Vortrag", total=25_000, page=1000, per_page=10, hits=[hit],
                          facets={})
    args = MultiDict({"q": "Vortrag", "page": "1000"})
    for headers, expected in (
            (DE, ("Die Seiten enden bei 1.000 von 2.500", "Derselbe Vortrag: Vortragseintrag",
                  "Untertitel", "gefunden über talk , ein Synonym von Vortrag", "ab 12:34")),
            (EN, ("Pages stop at 1,000 of 2,500", "Same talk: talk record · subtitles",
                  "matched talk , a synonym of Vortrag", "at 12:34"))):
        with app.test_request_context("/search?q=Vortrag&page=1000", headers=headers):
            context = pages.search_context(result, parse_params(args, 10), args)
            html = render_template("_results.html", **context, upcoming=[])
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert all(e in text for e in expected), (headers, text)
        if headers is DE:
            left = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)",
                                                    visible_text(html))]
            assert left == []


def test_the_api_stays_english(app):
    client = app.test_client()
    api = client.get("/api/search?q=kubernetes&per_page=x", headers=DE).get_json()
    assert api["error"].startswith("per_page must be a whole number")
    missing = client.get("/api/notes/no-such-note.md", headers=DE).get_json()
    assert not re.search(r"[äöüß]|Notiz", missing["error"])
    ok = client.get("/api/search?q=kubernetes", headers=DE).get_json()
    assert set(ok) == set(client.get("/api/search?q=kubernetes", headers=EN).get_json())


def test_every_message_has_a_german_translation():
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f)
    empty = [m.id for m in catalog if m.id and not all(
        m.string if isinstance(m.string, tuple) else [m.string])]
    assert len(catalog) > 100 and empty == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def test_the_compiled_catalog_is_the_po_file():
    """The .mo is committed so a wheel needs no build step: it must not fall behind the .po."""
    with (CATALOG / "messages.po").open("rb") as f:
        po = {_key(m.id): _key(m.string) for m in read_po(f) if m.id}
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert po == mo, "recompile: pybabel compile -d src/eventsearch/web/translations"


def test_every_string_in_the_code_is_in_the_catalog():
    """A new _() in a template or gettext() in web/*.py must reach messages.po."""
    pytest.importorskip("jinja2")
    from babel.messages.extract import extract_from_dir

    with (CATALOG / "messages.po").open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "_l": None}
    found = set()
    for folder, method in ((PROJECT / "web" / "templates", "jinja2"),
                           (PROJECT / "src" / "eventsearch" / "web", "python")):
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _, _, message, _, _ in extract_from_dir(
                folder, method_map=[(pattern, method)], keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    assert sorted(found - known) == [], "update the catalog with pybabel: see the README"


def test_the_catalog_files_exist_where_the_app_looks():
    assert Path(CATALOG / "messages.mo").is_file()
