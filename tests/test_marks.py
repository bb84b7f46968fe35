"""Every match marked, corrections said out loud, transcripts show their time: the API and
pages of the real app over an index of ../shared/corpora (built once per session, as
tests/test_quality.py does) and over the bundled corpus/."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from eventsearch.config import load_settings
from eventsearch.text.analyze import TOKEN_PATTERN
from eventsearch.web import create_app

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
WORD = re.compile(TOKEN_PATTERN)  # a word as the app splits them

# plain words, stems, German, compounds, synonyms, typos, wildcards, phrases, title-only hits
QUERY_MIX = ["kubernetes", "Vortrag", "Datenbank", "machine learning", "screen images",
             "flexible hyperparameter", "deployment", "Sicherheit", "kuberntes", "kubrnetes",
             "machin lerning", "deploy*", '"zero downtime"', "Vortraege", "python web",
             "Datenschutz", "talk"]
TYPOS = {"kuberntes": [{"from": "kuberntes", "to": "kubernetes"}],
         "kubrnetes": [{"from": "kubrnetes", "to": "kubernetes"}],
         "machin lerning": [{"from": "machin", "to": "machine"},
                            {"from": "lerning", "to": "learning"}]}


@pytest.fixture(scope="module")
def client(shared_index):
    index_dir, _ = shared_index
    app = create_app(load_settings(index_dir=index_dir), test_config={"TESTING": True})
    return app.test_client()


@pytest.fixture(scope="module")
def corpus_client(corpus_index):
    app = create_app(load_settings(index_dir=corpus_index), test_config={"TESTING": True})
    return app.test_client()


def marked_words(fragment: str) -> set[str]:
    return {html_lib.unescape(m).casefold() for m in MARK.findall(fragment)}


def unmarked(fragment: str, words: set[str]) -> list[str]:
    """Occurrences of ``words`` (whole words) outside <mark> in an HTML fragment."""
    outside = html_lib.unescape(MARK.sub(" ", fragment))
    return [w for w in WORD.findall(outside) if w.casefold() in words]


def check_marks(data: dict) -> None:
    """No word marked somewhere on the page is left unmarked in a snippet or a title."""
    hits = data["hits"]
    words = set().union(*(marked_words(h["snippet"]) | marked_words(h["title_html"])
                          for h in hits)) if hits else set()
    for h in hits:
        assert h["snippet"], f"{data['query']!r}: {h['path']} has no snippet"
        for field in ("snippet", "title_html"):
            left = unmarked(h[field], words)
            assert not left, f"{data['query']!r}: {left} unmarked in {h['path']}'s {field}"
        assert html_lib.unescape(re.sub(r"</?mark>", "", h["title_html"])) == h["title"]


@pytest.mark.parametrize("q", QUERY_MIX)
def test_every_match_marked_and_every_hit_has_a_snippet(client, q):
    data = client.get("/api/search", query_string={"q": q, "per_page": 20}).get_json()
    assert data["total"] > 0, q
    assert any("<mark>" in h["title_html"] for h in data["hits"]) or q == '"zero downtime"'
    check_marks(data)


@pytest.mark.parametrize("q", QUERY_MIX)
def test_corrections_only_for_typos(client, q):
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert data["corrections"] == TYPOS.get(q, []), q
    if data["corrections"]:
        assert data["suggestion"] is None  # "did you mean" only when nothing was applied


def test_title_only_match_has_a_marked_title_and_a_snippet(client):
    data = client.get("/api/search", query_string={"q": "flexible hyperparameter"}).get_json()
    top = data["hits"][0]
    assert marked_words(top["title_html"]) >= {"flexible", "hyperparameter"}
    assert top["snippet"]


def test_the_page_says_what_was_corrected_and_links_the_words_as_typed(client):
    page = client.get("/search?q=kuberntes").get_data(as_text=True)
    line = re.search(r'<p class="corrected"[^>]*>(.*?)</p>', page, re.S)
    assert line, "no corrections line"
    assert "Showing results for <em>kubernetes</em>" in line.group(1)
    href = html_lib.unescape(re.search(r'href="([^"]+)"', line.group(1)).group(1))
    assert parse_qs(urlsplit(href).query) == {"q": ["kuberntes"], "verbatim": ["1"]}
    assert "didyoumean" not in page
    verbatim = client.get(href).get_data(as_text=True)
    assert 'class="corrected"' not in verbatim
    assert "Did you mean" in verbatim  # the words as typed found little: offered, not applied
    data = client.get("/api/search", query_string={"q": "kuberntes", "verbatim": "1"}).get_json()
    assert data["corrections"] == [] and data["suggestion"] == "kubernetes"
    assert data["total"] < client.get("/api/search?q=kuberntes").get_json()["total"]


def test_a_hit_says_when_it_matched_only_through_an_expansion(client):
    data = client.get("/api/search", query_string={"q": "kubrnetes"}).get_json()
    via = data["hits"][0]["matched_via"]
    assert via == [{"word": "kubernetes", "kind": "correction", "of": "kubrnetes"}]
    page = client.get("/search?q=kubrnetes").get_data(as_text=True)
    assert "matched <em>kubernetes</em>, a correction of <em>kubrnetes</em>" in page
    plain = client.get("/api/search", query_string={"q": "kubernetes"}).get_json()
    assert sum(not h["matched_via"] for h in plain["hits"]) >= 5  # most matched as typed


def test_transcript_hits_show_their_time(client):
    """Subtitle files have caption times but no video URL: the time links to the caption
    in the note page, whose anchor exists."""
    query = {"q": "htmx flask", "per_page": 20}
    data = client.get("/api/search", query_string=query).get_json()
    timed = [h for h in data["hits"] if h["format"] == "srt"]
    assert timed and all(h["snippet_time"] is not None for h in timed)
    page = client.get("/search", query_string=query).get_data(as_text=True)
    links = re.findall(r'<p class="moment"><a href="([^"]+)">at (\d+:\d\d)', page)
    assert len(links) >= len([h for h in timed if not h["snippet_url"]])
    for href, _ in links:
        href = html_lib.unescape(href)
        path, anchor = href.split("#")
        assert anchor.startswith("t")
        note = client.get(path).get_data(as_text=True)
        assert f'id="{anchor}"' in note, href


def test_bundled_corpus(corpus_client):
    for q in ("kubernetes", "Vortrag", "deployment", "Datenbank", "release"):
        data = corpus_client.get("/api/search", query_string={"q": q}).get_json()
        assert data["corrections"] == []
        check_marks(data)
    data = corpus_client.get("/api/search?q=Kuberntes").get_json()
    assert data["corrections"] == [{"from": "Kuberntes", "to": "Kubernetes"}]
    check_marks(data)
    page = corpus_client.get("/search?q=Kuberntes").get_data(as_text=True)
    assert "Showing results for <em>Kubernetes</em>" in page and "verbatim=1" in page
