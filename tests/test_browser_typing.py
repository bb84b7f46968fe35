"""Results as you type, the keyboard, the phone layout and the help page, in a real
Chromium against a real `eventsearch serve` (fixtures and launch: test_browser.py).

Every state is saved as a screenshot at 1280x900 and 390x844 in the screenshots folder
of test_browser.py (artifacts/screenshots/, or $EVENTSEARCH_SCREENSHOTS).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .test_browser import (  # noqa: F401  (fixtures)
    ARGS,
    CHROMIUM,
    SHOTS,
    browser,
    server,
    strict_page,
)

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


@pytest.fixture
def page(browser, width):  # noqa: F811
    """A page at one of the two widths that fails the test on any console error."""
    phone = width == "phone"
    with strict_page(browser, viewport=WIDTHS[width], is_mobile=phone,
                     has_touch=phone) as page:
        yield page


def shot(page, name: str, width: str) -> None:
    page.screenshot(path=SHOTS / f"typing-{name}-{width}.png")


def args(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def shown_query(page) -> str:
    return page.locator(".summary q").inner_text()


def test_typing_updates_results_without_a_page_load(page, server, width):  # noqa: F811
    page.goto(f"{server}/search?q=python")
    expect(page.locator("#q")).not_to_be_focused()  # no autofocus on a results page
    page.evaluate("window.stayed = true")  # gone if the page were loaded again
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.locator("#q").fill("kub")  # unfinished: matched as a prefix while typing
    expect(page.locator(".summary q")).to_have_text("kub")
    titles = page.locator(".hit h2 a").all_inner_texts()
    assert titles and all("kubernetes" in t.lower() for t in titles[:3])
    assert args(page) == {"q": ["kub"]}  # replaceState: no typing=1 / fragment=1 in it
    expect(page).to_have_title("kub \u2013 eventsearch")
    assert page.evaluate("window.stayed") is True and not loads
    expect(page.locator("#live")).to_contain_text("notes for kub")
    shot(page, "results", width)

    page.locator("#q").fill("kubernetes security")  # facets and count follow too
    expect(page.locator(".summary q")).to_have_text("kubernetes security")
    assert args(page) == {"q": ["kubernetes security"]}
    assert page.evaluate("window.stayed") is True and not loads
    page.go_back()  # replaceState: back leaves the search instead of replaying keystrokes
    assert "q=kub" not in page.url


def test_typing_keeps_the_filters_of_the_page(page, server, width):  # noqa: F811
    page.goto(f"{server}/search?q=kubernetes&lang=de")
    page.locator("#q").fill("datensch")
    expect(page.locator(".summary q")).to_have_text("datensch")
    assert args(page) == {"q": ["datensch"], "lang": ["de"]}
    assert page.locator(".hit").count() > 0
    assert set(page.locator("article.hit").evaluate_all("els => els.map(e => e.lang)")) == {"de"}
    expect(page.locator(".chip")).to_contain_text("Language: Deutsch")


def test_arrows_and_enter_open_a_result(page, server, width):  # noqa: F811
    page.goto(f"{server}/search?q=kubernetes")
    page.locator("#q").focus()
    links = page.locator(".hit h2 a")
    page.keyboard.press("ArrowDown")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement.closest('.hit')).outlineStyle")
    assert outline == "solid"  # visible focus on the whole hit
    shot(page, "keyboard", width)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q")).to_be_focused()  # up from the first result: the box again
    page.keyboard.type(" sec")  # typed results, then down into them
    expect(page.locator(".summary q")).to_have_text("kubernetes sec")
    page.keyboard.press("Escape")  # close the suggestions, if any
    page.keyboard.press("ArrowDown")
    first = links.nth(0)
    expect(first).to_be_focused()
    title = first.inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("article.note h1")).to_have_text(title)


def test_out_of_order_answers_are_discarded(page, server, width):  # noqa: F811
    """The answer for "kub" is held back until "kubernetes" is shown; then it arrives
    and must not replace the newer results (route(): ordering only, the answer is real)."""
    held = []

    def hold_the_first(route):
        if parse_qs(urlsplit(route.request.url).query).get("q") == ["kub"]:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/search\?.*fragment=1.*"), hold_the_first)
    page.goto(f"{server}/search?q=python")
    page.locator("#q").fill("kub")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the request for 'kub' was never made"
    page.locator("#q").fill("kubernetes")
    expect(page.locator(".summary q")).to_have_text("kubernetes")
    with page.expect_response(lambda r: "fragment=1" in r.url and "q=kub&" in r.url):
        held[0].continue_()
    page.wait_for_timeout(300)  # time for the late answer to be (wrongly) applied
    assert shown_query(page) == "kubernetes"
    assert args(page) == {"q": ["kubernetes"]}
    expect(page.locator("#q")).to_have_value("kubernetes")


def test_phone_filters_panel_applies_a_filter(browser, server):  # noqa: F811
    context = browser.new_context(viewport=WIDTHS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/search?q=kubernetes")
    expect(page.locator("#q")).not_to_be_focused()
    toggle = page.locator(".filters-toggle")
    box = toggle.bounding_box()
    assert box and box["y"] < 300  # at the top, not ~3000 px down
    # the count comes before the year chart
    count_y = page.locator(".summary h1").bounding_box()["y"]
    assert count_y < page.locator(".timeline").bounding_box()["y"]
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#filters")).to_be_hidden()
    shot(page, "filters-closed", "phone")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#facet-tag")).to_be_in_viewport()
    # the panel sits above the results
    panel_y = page.locator("#filters").bounding_box()["y"]
    assert panel_y < page.locator(".hit").first.bounding_box()["y"]
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.filters-toggle, .facet li a, .facet summary, .sort a, .pager a, .searchbox button,'
        + ' .hit h2 a, .help-link, .chip, .daterange button, .filters-done a')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.className || e.tagName, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == [], small  # touch targets of at least 44 px
    shot(page, "filters-open", "phone")
    lang = page.locator(".facet[aria-labelledby=facet-lang] a", has_text="Deutsch")
    expected = int(lang.locator(".count").inner_text())
    lang.click()
    expect(page.locator(".chip")).to_contain_text("Language: Deutsch")
    assert int(page.locator(".summary h1 strong").inner_text().replace(",", "")) == expected
    expect(page.locator(".filters-toggle")).to_contain_text("Filters (1)")
    expect(page.locator("#filters")).to_be_hidden()  # closed again over the new results
    shot(page, "filter-applied", "phone")
    context.close()


def test_phone_filters_panel_without_javascript(browser, server):  # noqa: F811
    context = browser.new_context(viewport=WIDTHS["phone"], java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/search?q=kubernetes")
    expect(page.locator("#filters")).to_be_hidden()
    page.locator(".filters-toggle").click()  # a link to #filters, shown by :target
    expect(page.locator("#facet-tag")).to_be_visible()
    page.locator("#q").fill("datenschutz")
    page.locator("form.searchbox button").click()  # no JS: the form loads the page
    expect(page.locator(".summary q")).to_have_text("datenschutz")
    shot(page, "no-js", "phone")
    context.close()


def test_help_page_examples_find_notes(page, server, width):  # noqa: F811
    page.goto(f"{server}/search?q=kubernetes")
    page.locator(".help-link").click()  # linked from the search box
    expect(page.locator("h1")).to_have_text("How to search")
    shot(page, "help", width)
    examples = page.locator(".syntax a.example").evaluate_all("els => els.map(e => e.href)")
    shown = page.locator(".syntax code").all_inner_texts()
    for needed in ("tag:", "speaker:", "lang:", "date:", "..", '"', " OR ", " -", "*", "~"):
        assert any(needed in q for q in shown), (needed, shown)
    assert len(examples) >= 10
    for href in examples:
        q = parse_qs(urlsplit(href).query)["q"][0]
        data = page.request.get(f"{server}/api/search", params={"q": q}).json()
        assert data["total"] > 0, q


def test_home_examples_come_from_the_index_and_find_notes(page, server, width):  # noqa: F811
    page.goto(server)
    expect(page.locator("#q")).to_be_focused()  # the home page may autofocus
    examples = page.locator(".welcome .example").evaluate_all(
        "els => els.map(e => new URL(e.href).searchParams.get('q') || e.href)")
    first = examples[0]
    assert first.startswith('speaker:"')
    top = page.request.get(f"{server}/api/facets").json()["facets"]["speaker"]
    assert first == f'speaker:"{top[0]["value"]}"' or any(
        first == f'speaker:"{v["value"]}"' for v in top[:5])
    for q in (e for e in examples if not e.startswith("http")):
        assert page.request.get(f"{server}/api/search", params={"q": q}).json()["total"] > 0, q
    shot(page, "home", width)


def test_corrections_line_and_search_instead_link(page, server, width):  # noqa: F811
    """A typo is corrected and said so; "search instead" searches the words as typed."""
    page.goto(server)
    page.locator("#q").fill("kuberntes")
    with page.expect_navigation():
        page.locator("form.searchbox button").click()
    corrected = page.locator("p.corrected")
    expect(corrected).to_have_text(
        "Showing results for kubernetes \u2014 search instead for kuberntes")
    expect(corrected.locator("em")).to_have_text("kubernetes")
    expect(page.locator(".summary q")).to_have_text("kuberntes")
    titles = page.locator(".hit h2 a").all_inner_texts()
    assert titles and "kubernetes" in titles[0].lower()
    expect(page.locator(".didyoumean")).to_have_count(0)  # nothing to suggest: it was applied
    # a marked word at the start of a title runs on in the same line (no flex column)
    same_line = page.locator(".hit h2 a").first.evaluate("""a => {
        const m = a.querySelector("mark"), r = document.createRange();
        r.selectNodeContents(m.nextSibling);
        return Math.abs(r.getClientRects()[0].top - m.getClientRects()[0].top) < 4; }""")
    assert same_line
    shot(page, "corrected", width)

    with page.expect_navigation():
        corrected.locator("a", has_text="kuberntes").click()
    assert args(page) == {"q": ["kuberntes"], "verbatim": ["1"]}
    expect(page.locator("#q")).to_have_value("kuberntes")
    expect(page.locator("p.corrected")).to_have_count(0)  # the words as typed, uncorrected
    expect(page.locator(".summary q")).to_have_text("kuberntes")
    assert page.locator(".hit").count() == 0  # no note has the typo
    suggestion = page.locator(".didyoumean a")  # now it may be suggested
    expect(suggestion).to_have_text("kubernetes")
    shot(page, "verbatim", width)
    with page.expect_navigation():
        suggestion.click()
    assert args(page) == {"q": ["kubernetes"]}
    assert page.locator(".hit").count() > 0


def test_corrections_line_while_typing(page, server, width):  # noqa: F811
    """Results as you type say the correction too, and its link keeps the words typed."""
    page.goto(f"{server}/search?q=python")
    page.locator("#q").fill("kuberntes")
    corrected = page.locator("p.corrected")
    expect(corrected).to_contain_text("Showing results for kubernetes")
    link = corrected.locator("a")
    expect(link).to_have_text("kuberntes")
    href = link.get_attribute("href") or ""
    assert parse_qs(urlsplit(href).query) == {"q": ["kuberntes"], "verbatim": ["1"]}
