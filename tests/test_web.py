"""The web app over HTTP (Flask's test client): every route, parameters, bad input, safety."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from eventsearch.cli import cli
from eventsearch.config import load_settings
from eventsearch.web import SECURITY_HEADERS, create_app

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def client(corpus_index):
    app = create_app(load_settings(index_dir=corpus_index), test_config={"TESTING": True})
    return app.test_client()


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/search?q=kubernetes", "/notes/rst/blog/2019-kubernetes-"
                                 "security-night.rst", "/api/search?q=x", "/nope", "/healthz"])
def test_security_headers_everywhere(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_home_page_is_a_helpful_empty_state(client):
    page = html(client.get("/"))
    assert 'name="q"' in page and "autofocus" in page
    assert "Find any talk, speaker or topic" in page
    assert "Popular tags" in page and "Latest notes" in page
    assert 'rel="search"' in page and "opensearch.xml" in page
    assert "<script>" not in page  # scripts are external files only (CSP)


def test_search_page_shows_results_facets_and_keeps_the_query(client):
    page = html(client.get("/search?q=kubernetes"))
    assert 'value="kubernetes"' in page
    assert "<title>kubernetes" not in page or "eventsearch" in page
    assert page.count('class="hit"') == 10
    assert "<mark>" in page
    for title in ("Tags", "Speakers", "Language", "Year"):
        assert f">{title}</h2>" in page
    assert re.search(r'<article class="hit" lang="(en|de)"', page)
    paged = html(client.get("/search?q=kubernetes&per_page=3"))
    assert 'rel="next"' in paged and "page=2" in paged


def test_facet_counts_in_html_equal_the_api(client):
    api = client.get("/api/search?q=deployment").get_json()
    page = html(client.get("/search?q=deployment"))
    for value in api["facets"]["speaker"][:5]:
        pattern = (rf'<span class="label">{re.escape(value["value"])}</span> '
                   rf'<span class="count">{value["count"]}</span>')
        assert re.search(pattern, page), value
    assert f"<strong>{api['total']}</strong>" in page


def test_facet_links_toggle_values(client):
    page = html(client.get("/search?q=python"))
    link = re.search(r'href="(/search\?q=python&amp;tag=[^"]+)"', page).group(1)
    selected = client.get(link.replace("&amp;", "&"))
    assert selected.status_code == 200
    body = html(selected)
    assert 'aria-current="true"' in body and 'class="chip"' in body
    chip = re.search(r'class="chip" href="([^"]+)"', html(selected))
    assert chip is None or "tag=" not in chip.group(1).replace("&amp;", "&").split("q=python")[1]


def test_selecting_facets_changes_the_total(client):
    everything = client.get("/api/search").get_json()["total"]
    german = client.get("/api/search?lang=de").get_json()["total"]
    both = client.get("/api/search?lang=de&lang=en").get_json()["total"]
    assert 0 < german < everything and both == everything


def test_timeline_bars_are_links_and_months_appear_inside_a_year(client):
    page = html(client.get("/search"))
    assert "<svg" in page and "Notes per year" in page
    assert re.search(r'<a href="/search\?year=2019"', page)
    in_year = html(client.get("/search?year=2019"))
    assert "Notes per month in 2019" in in_year
    assert re.search(r'year=2019&amp;month=2019-05', in_year)


def test_date_range_and_sort_and_pagination(client):
    api = client.get("/api/search?from=2019&to=2020-06&sort=date&per_page=5").get_json()
    dates = [h["date"] for h in api["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert all("2019-01-01" <= d <= "2020-06-30" for d in dates)
    second = client.get("/api/search?per_page=5&page=2").get_json()
    first = client.get("/api/search?per_page=5&page=1").get_json()
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_did_you_mean_and_messages_are_shown(client):
    page = html(client.get('/search?q=foo:bar "unclosed'))
    assert 'class="notice"' in page


def test_note_page_shows_metadata_text_and_highlights(client):
    response = client.get("/notes/pelican/content/report-2020-10.md?q=Deployment&lang=de")
    page = html(response)
    assert response.status_code == 200
    assert "Bericht vom virtuellen ML-Stammtisch" in page
    assert "<mark>deployment</mark>" in page.lower()
    assert 'href="/search?speaker=Andreas"' in page
    assert "Back to results" in page and "lang=de" in page


def test_unknown_note_and_path_traversal_are_404(client):
    assert client.get("/notes/no/such/note.md").status_code == 404
    assert client.get("/notes/../../etc/passwd").status_code == 404
    assert client.get("/notes/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get("/api/notes/../../etc/passwd").status_code == 404


def test_note_content_is_escaped(client):
    page = html(client.get("/notes/jekyll/_posts/2024-09-12-xss-test-talk.md"))
    assert XSS not in page
    results = html(client.get("/search?q=XSS+test+talk"))
    assert XSS not in results


def test_hostile_queries_are_escaped_and_never_500(client):
    for q in (XSS, '"><img src=x onerror=alert(1)>', "a" * 10_000, "%ff%fe", "((((", "AND OR NOT"):
        for path in ("/search", "/api/search"):
            response = client.get(path, query_string={"q": q})
            assert response.status_code in (200, 400), (path, q)
            if path == "/search":
                assert XSS not in html(response) and "<img src=x" not in html(response)
            else:  # JSON is data, served as JSON: browsers will not run it
                assert response.mimetype == "application/json"
    raw = client.get("/search?q=%ff%fe%fd")
    assert raw.status_code == 200


@pytest.mark.parametrize("query", ["page=-1", "page=abc", "page=100000", "per_page=100000",
                                   "per_page=0", "sort=random", "from=yesterday",
                                   "to=2020-13", "q=" + "x" * 2001])
def test_bad_parameters_are_400_json_with_a_message(client, query):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["error"]
    page = client.get(f"/search?{query}")
    assert page.status_code == 400 and "Traceback" not in html(page)


def test_api_search_equals_the_cli_json(client, corpus_index):
    for q in ("kubernetes", "Vorträge", ""):
        api = client.get("/api/search", query_string={"q": q}).get_json()
        out = CliRunner().invoke(cli, ["search", q, "--json", "--index", str(corpus_index)])
        cli_json = json.loads(out.stdout)
        api.pop("took_ms")
        cli_json.pop("took_ms")
        assert api == cli_json


def test_api_facets_notes_suggest_and_health(client):
    facets = client.get("/api/facets?q=rust").get_json()
    assert set(facets) >= {"total", "facets"} and "hits" not in facets
    note = client.get("/api/notes/pelican/content/report-2020-10.md").get_json()
    assert note["lang"] == "de" and note["text"]
    missing = client.get("/api/notes/nope.md")
    assert missing.status_code == 404 and missing.get_json()["ok"] is False
    suggestions = client.get("/api/suggest?q=kub").get_json()["suggestions"]
    assert suggestions and all("kub" in s["label"].lower() for s in suggestions)
    assert client.get("/api/suggest?q=").get_json()["suggestions"] == []
    health = client.get("/healthz").get_json()
    assert health["ok"] is True and health["notes"] == 42 and health["built_at"]


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/whatever")
    assert response.status_code == 404 and response.get_json()["status"] == 404
    page = client.get("/whatever")
    assert page.status_code == 404 and "<!doctype html>" in html(page)


def test_server_is_read_only(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/search").status_code == 405


def test_head_requests_work(client):
    assert client.head("/search?q=rust").status_code == 200


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    assert 'template="http://localhost/search?q={searchTerms}"' in html(response)


def test_static_assets_and_favicon(client):
    for path in ("/static/app.css", "/static/app.js", "/static/favicon.svg"):
        with client.get(path) as response:
            assert response.status_code == 200 and response.data
    assert client.get("/favicon.ico").status_code == 301


def test_missing_index_is_a_clear_error(tmp_path):
    from eventsearch.errors import IndexMissing

    with pytest.raises(IndexMissing, match="eventsearch index"):
        create_app(load_settings(index_dir=tmp_path / "none"))
