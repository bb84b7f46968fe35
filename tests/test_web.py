"""The web app over HTTP (Flask's test client): every route, parameters, bad input, safety."""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from eventsearch.cli import cli
from eventsearch.config import load_settings
from eventsearch.web import CSP, SECURITY_HEADERS, create_app
from eventsearch.web.render import note_html
from eventsearch.web.suggest import Suggester, Suggestion

XSS = "<script>alert(1)</script>"
DASH = "\u2013"  # page titles read "query, en dash, site name"
KOELN = "rst/blog/2023-entwicklerkonferenz-koeln.rst"
REPORT = "pelican/content/report-2020-10.md"


@pytest.fixture(scope="module")
def app(corpus_index):
    return create_app(load_settings(index_dir=corpus_index), test_config={"TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def hrefs(page: str, cls: str | None = None) -> list[str]:
    """Unescaped href values, optionally only of links with this class."""
    pattern = (rf'<a[^>]*class="{cls}"[^>]*href="([^"]*)"|<a[^>]*href="([^"]*)"[^>]*class="{cls}"'
               if cls else r'<a[^>]*href="([^"]*)"')
    return [html_lib.unescape(next(g for g in m.groups() if g is not None))
            for m in re.finditer(pattern, page)]


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- headers and safety ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/search?q=kubernetes", f"/notes/{KOELN}", "/api/search?q=x",
                                 "/api/suggest?q=ku", "/nope", "/api/nope", "/healthz",
                                 "/opensearch.xml", "/static/app.css", "/search?page=abc"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'") == CSP
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    response.close()


def test_pages_have_no_inline_script_or_style(client):
    for url in ("/", "/search?q=kubernetes&year=2019", f"/notes/{KOELN}?q=Vortrag", "/nope"):
        page = text(client.get(url))
        assert "<script>" not in page and " style=" not in page and "<style" not in page
        assert re.search(r"<script src=\"/static/app.js\" defer></script>", page)
        assert not re.search(r"<[^>]+\son[a-z]+=", page)  # no event handler attributes


def test_xss_in_the_query_is_escaped_everywhere(client):
    for q in (XSS, '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(1)>"):
        for url in ("/search", "/", "/api/search", "/api/facets", "/api/suggest"):
            response = client.get(url, query_string={"q": q, "tag": q})
            assert response.status_code == 200, (url, q)
            body = text(response)
            assert XSS not in body and "<img src=x" not in body and "<svg/onload" not in body
        note = client.get(f"/notes/{KOELN}", query_string={"q": q})
        assert "<img src=x" not in text(note) and XSS not in text(note)
    page = text(client.get("/search", query_string={"q": XSS}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"<title>&lt;script&gt;alert(1)&lt;/script&gt; {DASH} eventsearch</title>" in page


def test_json_is_served_as_json(client):
    response = client.get("/api/search", query_string={"q": XSS})
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hostile_note_content_is_escaped(tmp_path_factory):
    """A note whose title, tags, speakers and text hold markup shows it as text."""
    from eventsearch.backends.whoosh.build import build_index

    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / "talk.md").write_text(
        '---\ntitle: "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;"\n'
        'date: 2021-03-04\ntags: ["x\\" onmouseover=\\"alert(1)", "&lt;i&gt;tag&lt;/i&gt;"]\n'
        'speakers: ["Eve &lt;img src=x onerror=alert(1)&gt;"]\n'
        'url: "javascript:alert(1)"\n---\n\n'
        "The slide said &lt;script&gt;alert(1)&lt;/script&gt; in large letters.\n",
        encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("hostile-index")
    build_index([corpus], index_dir, workers=1)
    client = create_app(load_settings(index_dir=index_dir),
                        test_config={"TESTING": True}).test_client()
    note = client.get("/api/notes/talk.md").get_json()
    assert XSS in note["title"]  # the data really is hostile
    for url in ("/", "/search?q=alert", "/notes/talk.md?q=alert", "/api/suggest?q=scr"):
        page = text(client.get(url))
        assert XSS not in page and "<b>bold" not in page and "<img src=x" not in page
        assert 'onmouseover="alert' not in page and "<i>tag" not in page
        assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(client.get("/notes/talk.md"))


def test_note_html_escapes_and_marks():
    class Terms:
        def __bool__(self):
            return True

        def match(self, word):
            return word.lower() == "vortrag" or None

    body = note_html(f"Title\n\nKeynote\n\nEin {XSS} Vortrag & mehr.\nZeile zwei", Terms(),
                     "Title")
    assert XSS not in body and "&lt;script&gt;" in body
    assert "<mark>Vortrag</mark>" in body and "&amp; mehr" in body
    assert "<h2>Keynote</h2>" in body and not body.startswith("<p>Title")


def test_path_traversal_and_unknown_notes_are_404(client):
    for url in ("/notes/no/such/note.md", "/notes/../../etc/passwd",
                "/notes/%2e%2e/%2e%2e/etc/passwd", "/notes/..%2f..%2fetc%2fpasswd",
                "/notes//etc/passwd", "/notes/corpus/" + KOELN,
                "/notes/%ff%fe", "/notes/a%00b"):
        response = client.get(url, follow_redirects=True)  # "//" is merged by a redirect
        assert response.status_code == 404, url
        assert "root:" not in text(response)
    for url in ("/api/notes/../../etc/passwd", "/api/notes/%ff", "/api/notes/nope.md"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["ok"] is False


@pytest.mark.parametrize("query", ["q=%ff%fe", "q=%ff%fe%fd&tag=%ff", "speaker=%c3%28",
                                   "q=%e2%82", "from=%ff", "page=%ff", "%ff=%fe", "q=a%00b"])
def test_invalid_utf8_and_nul_never_500(client, query):
    for path in ("/search", "/api/search", "/api/suggest", "/api/facets", f"/notes/{KOELN}"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query)
        assert "Traceback" not in text(response)


def test_long_queries_and_limits(client):
    ten_kb = "kubernetes " * 1000
    for path in ("/search", "/api/search", "/api/facets"):
        assert client.get(path, query_string={"q": ten_kb}).status_code == 400
    assert client.get("/api/search", query_string={"q": "x" * 2000}).status_code == 200
    assert client.get("/api/suggest", query_string={"q": ten_kb}).status_code == 200
    assert client.get(f"/notes/{KOELN}", query_string={"q": ten_kb}).status_code == 200
    many = "&".join(f"tag=t{i}" for i in range(21))
    assert client.get(f"/api/search?{many}").status_code == 400


@pytest.mark.parametrize("query", ["page=-1", "page=0", "page=abc", "page=1.5", "page=1001",
                                   "per_page=100000", "per_page=0", "per_page=x", "sort=random",
                                   "from=yesterday", "to=2020-13", "from=2021&to=2019",
                                   "q=" + "x" * 2001])
def test_bad_parameters_are_400_json_with_a_message(client, query):
    for path in ("/api/search", "/api/facets"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        body = response.get_json()
        assert body["ok"] is False and body["status"] == 400 and body["error"]
        assert set(body) == {"ok", "error", "status"}
    page = client.get(f"/search?{query}")
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "Traceback" not in text(page) and "Start a new search" in text(page)


def test_good_limits_are_accepted(client):
    for query in ("page=1000", "per_page=100", "per_page=1", "sort=date", "sort=relevance",
                  "from=2019-05&to=2019-05", "from=2019-05-16"):
        assert client.get(f"/api/search?{query}").status_code == 200, query


# -- the search page ------------------------------------------------------------------------

def test_home_page_is_a_helpful_empty_state(client):
    page = text(client.get("/"))
    assert 'name="q"' in page and "autofocus" in page and 'value=""' in page
    assert "Find any talk, speaker or topic" in page
    assert "Popular tags" in page and "Latest notes" in page
    assert 'rel="search"' in page and 'href="/opensearch.xml"' in page
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    assert "<title>eventsearch</title>" in page
    examples = [u for u in hrefs(page, "example") if "q=" in u]
    assert len(examples) >= 4
    tags = [u for u in hrefs(page, "example") if "tag=" in u]
    api = client.get("/api/search").get_json()
    assert [params(u)["tag"][0] for u in tags] == [v["key"] for v in api["facets"]["tag"][:12]]


def test_search_page_shows_results_and_keeps_the_query(client):
    page = text(client.get("/search?q=kubernetes"))
    assert 'value="kubernetes"' in page
    assert "autofocus" not in page  # it would open a phone's keyboard over the results
    assert "autofocus" in text(client.get("/"))  # the home page is for typing
    assert f"<title>kubernetes {DASH} eventsearch</title>" in page
    assert page.count('class="hit"') == 10
    assert "<mark>" in page and re.search(r"in \d+ ms", page)
    for title in ("Tags", "Speakers", "Language", "Year"):
        assert f">{title}</h3>" in page
    langs = re.findall(r'<article class="hit" lang="([a-z]*)"', page)
    assert len(langs) == 10 and set(langs) <= {"en", "de"}
    assert re.search(r'<span class="badge"[^>]*>.*?(en|de)</span>', page)
    assert 'href="/search?speaker=' in page and 'class="tag" href="/search?tag=' in page
    for hit in client.get("/api/search?q=kubernetes").get_json()["hits"]:
        assert f'href="/notes/{hit["path"]}?q=kubernetes"' in page


def test_title_without_query_names_the_filters(client):
    page = text(client.get("/search?tag=kubernetes&lang=de"))
    assert f"<title>Kubernetes, Deutsch {DASH} eventsearch</title>" in page


def test_transcript_hits_link_to_the_video_moment(client):
    api = client.get("/api/search?q=kubernetes+operators").get_json()
    hit = next(h for h in api["hits"] if h["snippet_url"])
    page = text(client.get("/search?q=kubernetes+operators"))
    m = re.search(r'<a href="([^"]+)" rel="noopener noreferrer">▶ at (\d+:\d\d)', page)
    assert m and html_lib.unescape(m[1]) == hit["snippet_url"]
    seconds = int(hit["snippet_time"])
    assert m[2] == f"{seconds // 60}:{seconds % 60:02d}"


def test_facet_counts_in_html_equal_the_api(client):
    for query in ("q=deployment", "q=Vorträge&lang=de", "tag=kubernetes&year=2019", ""):
        api = client.get(f"/api/search?{query}").get_json()
        page = text(client.get(f"/search?{query}"))
        current = parse_qs(query)
        for name in ("tag", "speaker", "lang", "year"):
            expected = {v["key"]: v["count"] for v in api["facets"].get(name, [])}
            assert _html_facet(page, name, current) == expected, (query, name)
        if query:
            assert f"<strong>{api['total']}</strong>" in page


def _html_facet(page: str, name: str, current: dict[str, list[str]]) -> dict[str, int]:
    """{value key: count} as the sidebar shows it; a link's key is the value it toggles."""
    section = re.search(rf'aria-labelledby="facet-{name}">(.*?)</section>', page, re.S)
    if not section:
        return {}
    before = {v.casefold() for v in current.get(name, [])}
    out = {}
    for m in re.finditer(r'<a href="([^"]*)".*?<span class="count">([\d,]+)</span>',
                         section[1], re.S):
        after = {v.casefold() for v in params(html_lib.unescape(m[1])).get(name, [])}
        (key,) = before ^ after
        out[key] = int(m[2].replace(",", ""))
    return out


def _facet_links(page: str, name: str) -> list[str]:
    section = re.search(rf'<section class="facet" aria-labelledby="facet-{name}">(.*?)</section>',
                        page, re.S)
    return hrefs(section[1]) if section else []


def test_facet_links_toggle_values_and_chips_remove_them(client):
    page = text(client.get("/search?q=python"))
    tag_links = _facet_links(page, "tag")
    first = tag_links[0]
    assert params(first)["q"] == ["python"] and len(params(first)["tag"]) == 1
    tag = params(first)["tag"][0]
    selected = text(client.get(first))
    assert 'aria-current="true"' in selected
    chips = hrefs(selected, "chip")
    assert len(chips) == 1 and "tag" not in params(chips[0]) and params(chips[0])["q"] == ["python"]
    # the selected value's own link removes it; another value's link adds to it
    links = _facet_links(selected, "tag")
    own = [u for u in links if "tag" not in params(u)]
    assert len(own) == 1
    others = [u for u in links if "tag" in params(u)]
    assert others and all(params(u)["tag"][0] == tag and len(params(u)["tag"]) == 2
                          for u in others)
    both = client.get(others[0]).get_data(as_text=True)
    assert len(hrefs(both, "chip")) == 2 and "Clear all filters" in both
    clear = hrefs(both, "clear")[0]
    assert params(clear) == {"q": ["python"]}


def test_long_facets_show_eight_then_more_and_keep_selected_values_visible(client):
    api = client.get("/api/search").get_json()["facets"]["tag"]
    assert len(api) > 9
    page = text(client.get("/search"))
    section = re.search(r'aria-labelledby="facet-tag">(.*?)</section>', page, re.S)[1]
    shown, more = section.split("<details>")
    assert shown.count("<li>") == 8 and more.count("<li>") == len(api) - 8
    assert f"<summary>{len(api) - 8} more" in more
    rare = api[-1]["key"]
    page = text(client.get("/search", query_string={"tag": rare}))
    section = re.search(r'aria-labelledby="facet-tag">(.*?)</section>', page, re.S)[1]
    shown = section.split("<details>")[0]
    assert shown.count("<li>") == 8  # the selected value pinned first, not appended
    assert 'aria-current="true"' in shown.split("</li>")[0]


def test_toggling_is_case_insensitive_and_years_reset_months(client):
    page = text(client.get("/search?tag=KUBERNETES"))
    chip = hrefs(page, "chip")[0]
    assert "tag" not in params(chip)
    page = text(client.get("/search?year=2019&month=2019-05"))
    remove_year, remove_month = hrefs(page, "chip")
    assert params(remove_month) == {"year": ["2019"]}
    assert params(remove_year) == {}  # a month without its year means nothing
    assert "Month: May 2019" in page


def test_selecting_facets_changes_the_total(client):
    everything = client.get("/api/search").get_json()["total"]
    german = client.get("/api/search?lang=de").get_json()["total"]
    both = client.get("/api/search?lang=de&lang=en").get_json()["total"]
    assert 0 < german < everything and both == everything
    page = text(client.get("/search?lang=de"))
    assert f"<strong>{german}</strong> notes" in page


def test_timeline_bars_are_accessible_links(client):
    api = client.get("/api/search").get_json()
    page = text(client.get("/search"))
    assert "<svg" in page and "Notes per year" in page and 'role="group"' in page
    for value in api["facets"]["year"]:
        noun = "note" if value["count"] == 1 else "notes"
        assert f"<title>{value['key']}: {value['count']} {noun}</title>" in page
        year = value["key"]
        assert re.search(rf'<a href="/search\?year={year}" aria-label="{year}:', page)
    in_year = text(client.get("/search?year=2019"))
    assert "Notes per month in 2019" in in_year
    months = {v["key"]: v["count"] for v in
              client.get("/api/search?year=2019").get_json()["facets"]["month"]}
    for key, count in months.items():
        assert f'href="/search?year=2019&amp;month={key}"' in in_year
        assert re.search(rf"<title>\w+ 2019: {count} notes?</title>", in_year)
    assert "back to all years" in in_year


def test_years_without_notes_are_not_links(client):
    page = text(client.get("/search?q=kubernetes"))
    years = {v["key"] for v in client.get("/api/search?q=kubernetes").get_json()["facets"]["year"]}
    span = range(int(min(years)), int(max(years)) + 1)
    for year in (str(y) for y in span if str(y) not in years):
        assert f"<g><title>{year}: 0 notes</title>" in page


def test_date_range_sort_and_pagination(client):
    api = client.get("/api/search?from=2019&to=2020-06&sort=date&per_page=5").get_json()
    dates = [h["date"] for h in api["hits"]]
    assert dates and dates == sorted(dates, reverse=True)
    assert all("2019-01-01" <= d <= "2020-06-30" for d in dates)
    page = text(client.get("/search?from=2019&to=2020-06&sort=date"))
    assert 'value="2019"' in page and 'value="2020-06"' in page
    chips = hrefs(page, "chip")
    assert any("from" not in params(u) and params(u)["to"] == ["2020-06"] for u in chips)
    assert "<strong aria-current=\"true\">newest</strong>" in page
    second = client.get("/api/search?per_page=5&page=2").get_json()
    first = client.get("/api/search?per_page=5&page=1").get_json()
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_pagination_links(client):
    page = text(client.get("/search?q=kubernetes&per_page=3"))
    m = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert m and params(html_lib.unescape(m[1])) == {"q": ["kubernetes"], "per_page": ["3"],
                                                     "page": ["2"]}
    assert 'rel="prev"' not in page and 'aria-current="page"' in page
    second = text(client.get(html_lib.unescape(m[1])))
    prev = re.search(r'<a rel="prev" href="([^"]+)"', second)
    assert prev and params(html_lib.unescape(prev[1])) == {"q": ["kubernetes"], "per_page": ["3"],
                                                           "page": ["1"]}
    assert re.search(r'<span class="current" aria-current="page">.*?2</span>', second)
    assert "start=\"4\"" in second
    beyond = text(client.get("/search?q=kubernetes&per_page=3&page=99"))
    assert "There are only" in beyond


def test_sort_links_keep_the_filters(client):
    page = text(client.get("/search?q=python&tag=python"))
    date_link = next(u for u in hrefs(page) if params(u).get("sort") == ["date"])
    assert params(date_link) == {"q": ["python"], "tag": ["python"], "sort": ["date"]}


def test_did_you_mean_and_messages(client):
    # the corrections are searched and said; "did you mean" is for the words as typed
    page = text(client.get("/search?q=Kubernetis+deploymnt"))
    assert "Showing results for <em>Kubernetes deployment</em>" in page
    assert "Did you mean" not in page
    page = text(client.get("/search?q=Kubernetis+deploymnt&verbatim=1"))
    m = re.search(r'Did you mean <a href="([^"]+)">Kubernetes deployment</a>', page)
    assert m and params(html_lib.unescape(m[1]))["q"] == ["Kubernetes deployment"]
    assert "verbatim" not in params(html_lib.unescape(m[1]))
    page = text(client.get('/search?q=foo:bar "unclosed'))
    # the two words are in no note together: the looser pass says so too
    assert page.count('class="notice"') == 3 and "quotation mark" in page
    assert "weaker matches follow" in page


def test_a_heading_divides_the_notes_with_all_the_words_from_those_with_some(client):
    # 2 sample notes have both words, 15 more one of them (the README's JSON sample)
    api = client.get("/api/search?q=kubernetes+security").get_json()
    assert api["strict_total"] == 2 and api["total"] == 17
    assert [h["loose"] for h in api["hits"]] == [False, False] + [True] * 8
    heading = '<h2 class="latest loose" id="loose-heading">Weaker matches</h2>'
    for url in ("/search?q=kubernetes+security", "/search?q=kubernetes+security&fragment=1"):
        page = text(client.get(url))
        assert page.count(heading) == 1
        before, after = page.split(heading)
        # the two strict hits above it, the loose ones below it, numbered on from 3
        assert all(f"/notes/{h['path']}" in before for h in api["hits"][:2])
        assert not any(f"/notes/{h['path']}" in before for h in api["hits"][2:])
        assert '<ol class="hits" start="3" aria-labelledby="loose-heading">' in after
        assert all(f"/notes/{h['path']}" in after for h in api["hits"][2:])
    # a page of loose hits only opens with the heading; a page of strict hits has none
    page = text(client.get("/search?q=kubernetes+security&page=2"))
    assert page.index(heading) < page.index('class="hit"')
    assert "Notes with only some" not in text(client.get("/search?q=kubernetes"))


def test_no_results_page_helps(client):
    page = text(client.get("/search?q=zzzqqqxxx"))
    assert "No notes match" in page and "Popular tags" in page
    assert any("tag=" in u for u in hrefs(page, "example"))
    assert any("q=" in u for u in hrefs(page, "example"))
    page = text(client.get("/search?q=zzzqqqxxx&lang=de"))
    assert "Search without the filters" in page


def test_forms_keep_every_filter(client):
    page = text(client.get("/search?q=rust&tag=rust&lang=de&sort=date&from=2018"))
    box = page.split('class="searchbox"')[1].split("</form>")[0]
    for name, value in (("tag", "rust"), ("lang", "de"), ("sort", "date"), ("from", "2018")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in box
    dates = page.split('class="daterange"')[1].split("</form>")[0]
    assert '<input type="hidden" name="q" value="rust">' in dates
    assert 'name="from" value="2018"' in dates and 'type="hidden" name="from"' not in dates


def test_alternate_json_link_matches_the_page(client):
    response = client.get("/search?q=rust&tag=rust&page=1")
    assert '</api/search?q=rust&tag=rust&page=1>; rel="alternate"' in response.headers["Link"]
    assert 'rel="alternate" type="application/json" href="/api/search?q=rust&amp;tag=rust' in \
        text(response)


def test_head_requests(client):
    for url in ("/", "/search?q=rust", f"/notes/{KOELN}", "/api/search?q=rust", "/healthz",
                "/opensearch.xml", "/static/app.css"):
        response = client.head(url)
        assert response.status_code == 200 and not response.data, url
        response.close()
    assert client.head("/nope").status_code == 404


def test_server_is_read_only(client):
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/search")
        assert response.status_code == 405 and response.get_json()["status"] == 405
        assert getattr(client, method)("/search").status_code == 405


# -- note pages -----------------------------------------------------------------------------

def test_note_page_shows_metadata_text_and_highlights(client):
    response = client.get(f"/notes/{REPORT}?q=Deployment&lang=de&page=2")
    page = text(response)
    assert response.status_code == 200
    assert "Bericht vom virtuellen ML-Stammtisch" in page
    assert "<title>Bericht vom virtuellen ML-Stammtisch" in page
    assert "<mark>deployment</mark>" in page.lower()
    assert 'href="/search?speaker=Andreas"' in page
    back = re.search(r'<a href="([^"]+)"><span aria-hidden="true">←</span> Back', page)
    assert back and params(html_lib.unescape(back[1])) == {"q": ["Deployment"], "lang": ["de"],
                                                           "page": ["2"]}
    assert '<article class="note" lang="de">' in page
    assert f'href="/api/notes/{REPORT}"' in page and "autofocus" not in page


def test_note_highlights_follow_stems_and_umlauts(client):
    for q in ("Vortrag", "vortraege", "Vorträge"):
        page = text(client.get(f"/notes/{KOELN}", query_string={"q": q}))
        assert "<mark>Vorträge</mark>" in page, q
    plain = text(client.get(f"/notes/{KOELN}"))
    assert "<mark>" not in plain.split('class="text"')[1]


def test_note_tags_and_speakers_link_to_filtered_searches(client):
    note = client.get(f"/api/notes/{KOELN}").get_json()
    page = text(client.get(f"/notes/{KOELN}"))
    for tag in note["tags"]:
        link = next(u for u in hrefs(page, "tag") if params(u).get("tag") == [tag])
        api = client.get(f"/api{link}").get_json()
        assert any(h["id"] == KOELN for h in client.get(f"/api{link}&per_page=100").get_json()
                   ["hits"]) and api["total"] >= 1


def test_note_json(client):
    note = client.get(f"/api/notes/{REPORT}").get_json()
    assert note["id"] == REPORT and note["lang"] == "de" and note["text"]
    assert {"title", "date", "tags", "speakers", "event", "url", "format"} <= set(note)


# -- the JSON API ---------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["kubernetes"], ["Vorträge"], [""], ["python", "--tag", "python"],
                                  ["", "--lang", "de", "--sort", "date"],
                                  ["deployment", "--year", "2019", "--year", "2020"],
                                  ["", "--from", "2019-05", "--to", "2021"],
                                  ["kubernetes", "--limit", "3", "--page", "2"],
                                  ["Kubernetis deploymnt"], ['foo:bar "unclosed']])
def test_api_search_equals_the_cli_json(client, corpus_index, args):
    names = {"--tag": "tag", "--lang": "lang", "--sort": "sort", "--year": "year",
             "--from": "from", "--to": "to", "--limit": "per_page", "--page": "page"}
    query = [("q", args[0])] + [(names[k], v) for k, v in zip(args[1::2], args[2::2],
                                                                strict=True)]
    api = client.get("/api/search", query_string=query).get_json()
    out = CliRunner().invoke(cli, ["search", *args, "--json", "--index", str(corpus_index)])
    assert out.exit_code == 0, out.output
    cli_json = json.loads(out.stdout)
    assert api.pop("took_ms") >= 0
    cli_json.pop("took_ms")
    assert api == cli_json


def test_api_search_shape(client):
    data = client.get("/api/search?q=kubernetes").get_json()
    assert list(data) == ["query", "total", "page", "per_page", "pages", "took_ms", "suggestion",
                          "corrections", "messages", "collapsed", "strict_total",
                          "expanded_total", "hits", "facets"]
    assert data["strict_total"] == data["total"]  # one word: no looser pass
    assert data["expanded_total"] == 0  # matched as typed
    assert all(h["expansion_only"] is False for h in data["hits"])
    assert set(data["facets"]) >= {"tag", "speaker", "lang", "year"}
    value = data["facets"]["tag"][0]
    assert set(value) == {"value", "key", "count", "selected"}


def test_api_search_can_leave_out_facets_and_snippets(client):
    full = client.get("/api/search?q=kubernetes").get_json()
    lean = client.get("/api/search?q=kubernetes&facets=false&snippets=0").get_json()
    assert full["facets"]["tag"] and any(h["snippet"] for h in full["hits"])
    assert lean["facets"] == {}
    assert [h["snippet"] for h in lean["hits"]] == [""] * len(lean["hits"])
    assert [h["path"] for h in lean["hits"]] == [h["path"] for h in full["hits"]]
    assert lean["total"] == full["total"]
    bad = client.get("/api/search?q=kubernetes&facets=maybe")
    assert bad.status_code == 400 and "facets must be true or false" in bad.get_json()["error"]


def test_api_facets(client):
    facets = client.get("/api/facets?q=rust&lang=de").get_json()
    full = client.get("/api/search?q=rust&lang=de").get_json()
    assert set(facets) == {"query", "total", "facets", "messages"}
    assert facets["facets"] == full["facets"] and facets["total"] == full["total"]
    assert client.get("/api/facets?year=2019").get_json()["facets"]["month"]


def test_api_suggest(client):
    data = client.get("/api/suggest?q=kub").get_json()
    assert data["query"] == "kub"
    suggestions = data["suggestions"]
    assert suggestions and all("kub" in s["label"].lower() for s in suggestions)
    assert suggestions[0] == {"label": "Kubernetes", "kind": "tag", "count": 4,
                              "url": "/search?tag=kubernetes"}
    kinds = {s["kind"] for s in suggestions}
    assert "title" in kinds
    title = next(s for s in suggestions if s["kind"] == "title")
    assert title["url"].startswith("/notes/") and client.get(title["url"]).status_code == 200
    speaker = client.get("/api/suggest?q=petrovic").get_json()["suggestions"][0]
    assert speaker["label"] == "Jana Petrović"
    assert speaker["url"] == "/search?speaker=jana+petrovi%C4%87"
    assert client.get(speaker["url"]).status_code == 200
    umlaut = client.get("/api/suggest?q=baeume").get_json()["suggestions"]
    assert any("Bäume" in s["label"] for s in umlaut)
    containing = client.get("/api/suggest?q=security n").get_json()["suggestions"]
    assert [s["label"] for s in containing] == ["Kubernetes security night"]
    for q in ("", "k", " ", "%", "zzzzzz"):
        assert client.get("/api/suggest", query_string={"q": q}).get_json()["suggestions"] == []
    browser = client.get("/api/suggest?q=kub&format=opensearch")
    assert browser.mimetype == "application/x-suggestions+json"
    assert browser.get_json()[0] == "kub" and "Kubernetes" in browser.get_json()[1]


def test_suggester_ranks_tags_speakers_and_titles():
    entries = [Suggestion(f"Talk number {i} about python", "title", f"t{i}.md", 1)
               for i in range(30_000)]
    entries += [Suggestion("python", "tag", "python", 500), Suggestion("Pycon", "tag", "pycon", 90),
                Suggestion("Guido van Rossum", "speaker", "guido van rossum", 12)]
    table = Suggester(entries)
    assert [s.label for s in table.suggest("py", 3)] == ["python", "Pycon",
                                                         "Talk number 0 about python"]
    assert table.suggest("guido")[0].kind == "speaker"


def test_healthz(client):
    health = client.get("/healthz").get_json()
    assert health["ok"] is True and health["notes"] == 42 and health["index"] == "present"
    assert health["last_indexed"] and health["built_at"]


def test_unknown_routes(client):
    response = client.get("/api/whatever")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json() == {"ok": False, "error": response.get_json()["error"],
                                   "status": 404}
    page = client.get("/whatever")
    assert page.status_code == 404 and "<!doctype html>" in text(page)
    assert "Start a new search" in text(page)


# -- browser integration --------------------------------------------------------------------

def test_opensearch_description(client, corpus_index):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    body = text(response)
    assert 'template="http://localhost/search?q={searchTerms}"' in body
    assert "<ShortName>eventsearch</ShortName>" in body and "<InputEncoding>UTF-8" in body
    proxied = client.get("/opensearch.xml", base_url="https://search.example.org")
    assert 'template="https://search.example.org/search?q={searchTerms}"' in text(proxied)
    configured = create_app(load_settings(index_dir=corpus_index,
                                          base_url="https://notes.example.com/"),
                            test_config={"TESTING": True}).test_client()
    body = text(configured.get("/opensearch.xml"))
    assert 'template="https://notes.example.com/search?q={searchTerms}"' in body
    assert "https://notes.example.com/static/favicon.svg" in body


def test_static_assets_and_favicon(client):
    for path, mimetype in (("/static/app.css", "text/css"), ("/static/app.js", "text/javascript"),
                           ("/static/favicon.svg", "image/svg+xml")):
        with client.get(path) as response:
            assert response.status_code == 200 and response.data
            assert response.mimetype == mimetype
    assert client.get("/favicon.ico").status_code == 301
    assert client.get("/robots.txt").status_code == 200


# -- failure modes --------------------------------------------------------------------------

def test_missing_index_is_503_until_one_is_built(tmp_path):
    from eventsearch.backends.whoosh.build import build_index

    index_dir = tmp_path / "index"
    app = create_app(load_settings(index_dir=index_dir), test_config={"TESTING": True})
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["ok"] is False
    assert "eventsearch index" in health.get_json()["error"]
    api = client.get("/api/search?q=x")
    assert api.status_code == 503 and api.get_json()["status"] == 503
    page = client.get("/search?q=x")
    assert page.status_code == 503 and "eventsearch index" in text(page)
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: Hello\n---\n\nSome words about kubernetes.\n",
                                 encoding="utf-8")
    build_index([corpus], index_dir, workers=1)
    assert client.get("/healthz").get_json()["notes"] == 1  # no restart needed
    assert client.get("/api/search?q=kubernetes").get_json()["total"] == 1


def test_unexpected_errors_are_logged_and_hidden(app, client, monkeypatch, caplog):
    from eventsearch.search import SearchIndex

    def boom(self, request):
        raise RuntimeError("secret detail /etc/shadow")

    monkeypatch.setattr(SearchIndex, "search", boom)
    with caplog.at_level(logging.ERROR):
        page = client.get("/search?q=x")
        api = client.get("/api/search?q=x")
    assert page.status_code == 500 and "secret" not in text(page) and "Traceback" not in text(page)
    assert "Something went wrong" in text(page)
    assert api.status_code == 500 and api.get_json() == {
        "ok": False, "error": api.get_json()["error"], "status": 500}
    assert "secret" not in text(api)
    assert "secret detail" in caplog.text
    for name in SECURITY_HEADERS:
        assert name in page.headers and name in api.headers


def test_app_never_runs_in_debug_mode(corpus_index):
    app = create_app(load_settings(index_dir=corpus_index), test_config={"DEBUG": True})
    assert app.debug is False


def test_web_package_does_not_import_the_indexer():
    source = "\n".join(p.read_text(encoding="utf-8") for p in
                       (Path(__file__).parents[1] / "src/eventsearch/web").glob("*.py"))
    assert "indexer" not in re.sub(r'""".*?"""|#.*', "", source, flags=re.S)


def test_note_page_marks_the_words_a_wildcard_matched(client):
    page = text(client.get("/notes/rst/blog/2019-kubernetes-security-night.rst",
                           query_string={"q": "kube*"}))
    body = page.split('class="text"')[1].lower()
    assert "<mark>kubernetes</mark>" in body and "<mark>kubeconfig</mark>" in body


def test_fragment_is_the_results_part_rendered_by_the_same_templates(client):
    """What results as you type swaps in: #layout of the full page, whose links never
    carry typing=1 or fragment=1."""
    full = text(client.get("/search?q=kubernetes&lang=en"))
    response = client.get("/search?q=kubernetes&lang=en&fragment=1")
    part = text(response)
    assert part.startswith('<div class="layout" id="layout"') and "<html" not in part
    def timeless(page: str) -> str:
        return re.sub(r"in \d+ ms", "", page)

    assert timeless(part.strip()) in timeless(full)
    assert response.headers["Cache-Control"] == "no-store"
    typed = text(client.get("/search?q=kub&lang=en&typing=1&fragment=1"))
    assert "fragment=1" not in typed and "typing=" not in typed
    assert typed.count('class="hit"') > 0 and "<mark>Kubernetes</mark>" in typed
    assert 'data-title="kub' in typed


def test_typing_makes_the_last_word_a_prefix_unless_it_is_finished(client):
    def total(qs: str) -> int:
        return client.get(f"/api/search?{qs}").get_json()["total"]

    assert total("q=kub") == 0
    assert total("q=kub&typing=1") == total("q=kubernetes") > 0
    assert total("q=kub%20&typing=1") == 0  # a trailing space: the word is finished
    assert client.get("/api/search?q=kub&typing=maybe").status_code == 400


def test_help_page_examples_come_from_the_index(client):
    page = text(client.get("/help"))
    assert "<h1>How to search</h1>" in page and "autofocus" not in page
    top = client.get("/api/facets").get_json()["facets"]
    assert f'speaker:&#34;{top["speaker"][0]["value"]}&#34;' in page
    assert f'tag:{top["tag"][0]["value"].lower()}' in page.lower()
    assert 'href="/help"' in text(client.get("/search?q=kubernetes"))


# -- related notes, sorting both ways, the home page -------------------------------------------

DATENSCHUTZ = "hugo/content/news/2023_11_08_Datenschutz_im_Cluster.md"
SOMECON = "pyvideo/somecon-2019/videos/building-reproducible-ml-pipelines-priya-raman.json"


def test_related_notes_api(client):
    data = client.get(f"/api/notes/{SOMECON}/related").get_json()
    assert set(data) == {"id", "speakers", "event", "similar", "terms"} and data["id"] == SOMECON
    everything = [h["id"] for kind in ("speakers", "event", "similar") for h in data[kind]]
    assert everything and SOMECON not in everything
    # the same event: the other SomeCon 2019 talks, German ones too
    assert {h["event"] for h in data["event"]} == {"SomeCon 2019"}
    assert {h["lang"] for h in data["event"]} == {"en", "de"}
    assert all("Priya Raman" in h["speakers"] for h in data["speakers"])
    assert "reproducible" in data["terms"] and len(data["similar"]) == 5
    assert "snippet" not in data["similar"][0]
    assert client.get("/api/notes/nope.md/related").status_code == 404


def test_related_notes_on_the_note_page(client):
    page = text(client.get(f"/notes/{DATENSCHUTZ}"))
    aside = page[page.index('<aside class="related"'):page.index("</aside>")]
    assert "More by Ulrike Bäumer, Jana Petrović" in aside and "Similar notes" in aside
    links = hrefs(aside)
    assert f"/notes/{DATENSCHUTZ}" not in links
    # the German transcript on data protection is the most similar note
    similar = aside[aside.index("Similar notes"):]
    assert hrefs(similar)[0] == ("/notes/transcripts/"
                                 "Datenschutz-by-Design_-Was-die-DSGVO-von-Entwicklern-will.srt")
    api = client.get(f"/api/notes/{DATENSCHUTZ}/related").get_json()
    assert [f"/notes/{h['id']}" for h in api["similar"]] == hrefs(similar)


def test_sort_oldest_first(client):
    newest = client.get("/api/search?q=kubernetes&sort=date&per_page=50").get_json()
    oldest = client.get("/api/search?q=kubernetes&sort=oldest&per_page=50").get_json()
    assert oldest["total"] == newest["total"] > 2
    dates = [h["date"] for h in oldest["hits"] if h["date"]]
    assert dates == sorted(dates) and dates[0] < dates[-1]
    undated = [n for n, h in enumerate(oldest["hits"]) if not h["date"]]
    assert all(n >= len(dates) for n in undated)  # notes without a date come last
    page = text(client.get("/search?q=kubernetes&sort=oldest"))
    assert '<strong aria-current="true">oldest</strong>' in page
    newest_link = next(u for u in hrefs(page) if params(u).get("sort") == ["date"])
    assert params(newest_link) == {"q": ["kubernetes"], "sort": ["date"]}
    assert client.get("/api/search?sort=sideways").status_code == 400


def test_home_page_keeps_upcoming_events_apart_and_says_where_pages_stop(tmp_path_factory):
    from datetime import date, timedelta

    from eventsearch.backends.whoosh.build import build_index

    corpus = tmp_path_factory.mktemp("future-corpus")
    today = date.today()
    for n in range(3):
        day = today + timedelta(days=30 * (n + 1))
        (corpus / f"future-{n}.md").write_text(
            f"---\ntitle: Future meetup {n}\ndate: {day.isoformat()}\n---\nComing up.\n")
    for n in range(12):
        (corpus / f"past-{n}.md").write_text(
            f"---\ntitle: Past meetup {n}\ndate: 2020-01-{n + 1:02d}\n---\nWas fun.\n")
    index_dir = tmp_path_factory.mktemp("future-index")
    build_index([corpus], index_dir, workers=1)
    home = create_app(load_settings(index_dir=index_dir),
                      test_config={"TESTING": True}).test_client()
    page = text(home.get("/"))
    upcoming = page[page.index(">Upcoming</h2>"):page.index("Latest notes")]
    latest = page[page.index("Latest notes"):]
    assert [t for t in re.findall(r"Future meetup \d", upcoming)] == [
        "Future meetup 0", "Future meetup 1", "Future meetup 2"]  # soonest first
    assert "Future meetup" not in latest and "Past meetup 11" in latest
    assert "Pages stop" not in page
    second = text(home.get("/?page=2"))
    assert ">Upcoming</h2>" not in second and "Earlier notes" in second


def test_pager_says_when_pages_stop():
    from eventsearch.model import SearchResult
    from eventsearch.web.pages import pager

    app = create_app(load_settings(index_dir=Path("/nonexistent")),
                     test_config={"TESTING": True})
    with app.test_request_context("/?page=1000"):
        from werkzeug.datastructures import MultiDict

        result = SearchResult(query="", total=25_000, page=1000, per_page=10, hits=[],
                              facets={})
        shown = pager(result, MultiDict({"page": "1000"}))
    assert shown is not None and shown["capped"] and shown["last"] == 1000
    assert shown["next"] is None


def test_urls_in_note_text_are_safe_links():
    from eventsearch.text.snippets import QueryTerms

    body = note_html('Slides: https://example.org/a?b=1&c=2. Also (https://en.wikipedia.org/'
                     'wiki/Foo_(bar)), javascript:alert(1) and "https://x.y/"onmouseover=1"',
                     QueryTerms())
    assert ('<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">'
            'https://example.org/a?b=1&amp;c=2</a>.') in body
    assert 'href="https://en.wikipedia.org/wiki/Foo_(bar)"' in body
    assert 'href="https://x.y/"' in body and "onmouseover=1" in body
    assert 'href="javascript' not in body and "&quot;onmouseover" in body


def test_date_range_placeholders_do_not_look_like_values(client):
    page = text(client.get("/search?q=kubernetes"))
    assert re.findall(r'<input id="(?:from|to)"[^>]*placeholder="([^"]*)"', page) == [
        "YYYY-MM-DD", "YYYY-MM-DD"]


def test_event_facet_and_filter_box_on_the_page(client):
    api = client.get("/api/search", query_string={"event": "somecon 2019"}).get_json()
    assert api["total"] == 4 and api["facets"]["event"][0] == {
        "value": "SomeCon 2019", "key": "somecon 2019", "count": 4, "selected": True}
    page = text(client.get("/search", query_string={"event": "SomeCon 2019"}))
    section = re.search(r'aria-labelledby="facet-event">(.*?)</section>', page, re.S)[1]
    assert 'aria-current="true"' in section.split("</li>")[0] and "SomeCon 2019" in section
    tags = re.search(r'aria-labelledby="facet-tag">(.*?)</section>',
                     text(client.get("/search")), re.S)[1]
    assert 'class="facet-filter"' in tags and "<details>" in tags  # long list: box + "more"
    assert 'class="facet-filter"' not in section  # a short list needs no box
    with client.get("/static/facets.js") as script:
        assert script.status_code == 200
