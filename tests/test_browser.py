"""A real browser (Debian's headless Chromium, driven by Playwright) against a real
`eventsearch serve` on 127.0.0.1.  Screenshots of the main states go to
artifacts/screenshots/ (or $EVENTSEARCH_SCREENSHOTS).

Skipped with the reason when Chromium or Playwright is missing, except under CI=true.
Never runs `playwright install`: it uses /usr/bin/chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import PROJECT, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("EVENTSEARCH_SCREENSHOTS") or PROJECT / "artifacts" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


if (reason := _missing()) is not None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(corpus_index):
    proc, port = start_server(corpus_index)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@contextmanager
def strict_page(browser, **options) -> Iterator:
    """A page (in a context made with ``options``) that fails the test on any console
    error, CSP violations included."""
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser):
    """A desktop page that fails the test on any console error."""
    with strict_page(browser, viewport=DESKTOP) as page:
        yield page


def total(page) -> int:
    return int(page.locator(".summary strong").first.inner_text().replace(",", ""))


def shot(page, name: str, full: bool = True) -> None:
    page.screenshot(path=SHOTS / f"{name}.png", full_page=full)


def test_search_facet_note_back_and_pages(page, server):
    page.goto(server)
    expect(page.locator("h1")).to_contain_text("Find any talk")
    expect(page.locator("#q")).to_be_focused()  # autofocus
    shot(page, "01-home")

    page.keyboard.type("Vorträge")
    page.keyboard.press("Enter")  # no suggestion picked: searches what was typed
    page.wait_for_url("**/search?q=Vortr*")
    expect(page.locator(".hit").first).to_be_visible()
    expect(page).to_have_title(re.compile("^Vorträge \u2013 eventsearch$"))
    before = total(page)
    assert before > 3 and page.locator(".hit mark").count() > 0
    expect(page.locator("#q")).to_have_value("Vorträge")
    shot(page, "02-results")

    german = page.locator(".facet[aria-labelledby=facet-lang] a", has_text="Deutsch")
    shown = int(german.locator(".count").inner_text())
    german.click()
    expect(page.locator(".chip")).to_contain_text("Language: Deutsch")
    after = total(page)
    assert after == shown and 0 < after < before
    assert set(page.locator("article.hit").evaluate_all("els => els.map(e => e.lang)")) == {"de"}
    shot(page, "03-facet-selected")

    results_url = page.url
    first_title = page.locator(".hit h2 a").first.inner_text()
    page.locator(".hit h2 a").first.click()
    expect(page.locator("article.note h1")).to_have_text(first_title)
    assert "/notes/" in page.url
    assert page.locator(".note .text mark").count() > 0
    shot(page, "04-note")
    page.go_back()
    assert page.url == results_url
    assert total(page) == after
    page.locator(".chip").first.click()  # remove the filter again
    expect(page.locator(".chip")).to_have_count(0)
    assert total(page) == before

    page.goto(f"{server}/search?per_page=5")
    first = page.locator(".hit h2 a").first.inner_text()
    page.locator("a[rel=next]").click()
    expect(page.locator(".pager .current")).to_contain_text("2")
    assert "page=2" in page.url
    assert page.locator(".hit h2 a").first.inner_text() != first
    page.go_back()
    expect(page.locator(".pager .current")).to_contain_text("1")


def test_timeline_bar_filters_to_a_year_then_a_month(page, server):
    page.goto(f"{server}/search")
    bar = page.locator(".timeline a[aria-label^='2019:']")
    expect(bar.locator("title")).to_have_text(re.compile(r"^2019: \d+ notes?$"))
    bar.click()
    expect(page.locator(".chip")).to_contain_text("Year: 2019")
    expect(page.locator(".timeline figcaption")).to_contain_text("per month in 2019")
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and all(d.startswith("2019") for d in dates)
    shot(page, "05-timeline-year")
    month = page.locator(".timeline a").first
    label = month.get_attribute("aria-label")  # "May 2019: 3 notes"
    count = int(re.search(r": (\d+) note", label)[1])
    month.click()
    expect(page.locator(".chip")).to_have_count(2)
    assert total(page) == count


def test_the_year_chart_is_one_tab_stop_walked_with_arrow_keys(page, server):
    page.goto(f"{server}/search")
    bars = page.locator(".timeline svg a")
    n = bars.count()
    assert n > 3
    stops = bars.evaluate_all("els => els.filter(e => e.getAttribute('tabindex') === '0')"
                              ".map(e => e.getAttribute('aria-label'))")
    assert len(stops) == 1 and stops[0] == bars.nth(n - 1).get_attribute("aria-label")
    bars.nth(n - 1).focus()
    page.keyboard.press("ArrowLeft")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == bars.nth(n - 2).get_attribute("aria-label")
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        bars.nth(0).get_attribute("aria-label")
    assert bars.nth(0).get_attribute("tabindex") == "0"
    assert bars.nth(n - 1).get_attribute("tabindex") == "-1"
    page.keyboard.press("Enter")
    expect(page.locator(".chip")).to_contain_text("Year:")


def test_suggestions_and_keyboard(page, server):
    page.goto(f"{server}/notes/rst/blog/2023-entwicklerkonferenz-koeln.rst")
    expect(page.locator("#q")).not_to_be_focused()  # no autofocus on reading pages
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("kub")
    expect(page.locator("#suggestions li").first).to_be_visible()
    expect(page.locator("#q")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#suggestions li").first).to_have_attribute("aria-selected", "true")
    shot(page, "06-suggestions", full=False)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?tag=kubernetes")
    expect(page.locator(".chip")).to_contain_text("Tags: Kubernetes")


def test_keyboard_focus_is_visible(page, server):
    page.goto(f"{server}/search?q=kubernetes")
    page.locator("#q").focus()  # not left to autofocus, which may land after the Tab
    page.keyboard.press("Tab")  # from the search box to the button
    expect(page.locator("form.searchbox button")).to_be_focused()
    style = page.evaluate("getComputedStyle(document.activeElement.closest('form')).outlineStyle")
    assert style == "solid"
    page.locator(".hit h2 a").first.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.goto(server)
    page.fill("#q", "kubernetes")
    page.click("form.searchbox button")
    expect(page.locator(".hit").first).to_be_visible()
    before = total(page)
    tag = page.locator(".facet[aria-labelledby=facet-tag] a").first
    expected = int(tag.locator(".count").inner_text())
    tag.click()
    assert total(page) == expected <= before
    expect(page.locator(".chip").first).to_be_visible()
    more = page.locator(".facet[aria-labelledby=facet-speaker] details")
    if more.count():
        more.locator("summary").click()  # <details> needs no script
        expect(more.locator("a").first).to_be_visible()
    page.fill("#from", "2019")
    page.fill("#to", "2020")
    page.click(".daterange button")
    expect(page.locator(".chip", has_text="From: 2019")).to_be_visible()
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and all("2019" <= d[:4] <= "2020" for d in dates)
    shot(page, "07-no-js")
    context.close()


def test_phone_width(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/search?q=datenschutz")
    expect(page.locator(".hit").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    shot(page, "08-phone", full=False)
    shot(page, "08-phone-full")
    expect(page.locator("#facet-tag")).to_be_hidden()  # behind "Filters" on a phone
    page.locator(".filters-toggle").click()
    expect(page.locator("#facet-tag")).to_be_in_viewport()
    page.locator(".filters-toggle").click()
    expect(page.locator("#facet-tag")).to_be_hidden()
    page.locator(".hit h2 a").first.click()
    expect(page.locator("article.note h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "09-phone-note", full=False)
    context.close()


def test_dark_mode(browser, server):
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{server}/search?q=Vortrag&year=2019")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 23, 27)"
    shot(page, "10-dark", full=False)
    context.close()


def test_hostile_query_is_shown_as_text(page, server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server}/search?q=%3Cscript%3Ealert(1)%3C/script%3E&tag=%3Cimg+src%3Dx+onerror%3Dalert(2)%3E")
    expect(page.locator("#q")).to_have_value("<script>alert(1)</script>")
    expect(page.locator(".summary q")).to_have_text("<script>alert(1)</script>")
    expect(page.locator(".chip")).to_contain_text("<img src=x onerror=alert(2)>")
    page.goto(f"{server}/search?q=XSS+test+talk")
    page.locator(".hit h2 a").first.click()
    expect(page.locator("article.note h1")).to_be_visible()
    assert not dialogs


def test_a_german_browser_gets_the_german_ui_and_the_switch_goes_to_english(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(server + "/search?q=kubernetes")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.locator(".summary h1")).to_contain_text("Notizen für")
        expect(page.locator("#q")).to_have_attribute("placeholder", re.compile("^Vorträge"))
        expect(page.locator(".sort")).to_contain_text("Sortieren nach")
        shot(page, "i18n-de-results")

        page.locator(".ui-switch a", has_text="EN").click()
        page.wait_for_url(re.compile(r"ui=en"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".summary h1")).to_contain_text("notes for")
        # kept on the next page (a cookie), although the browser still asks for German
        page.locator(".hit h2 a").first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("article.note")).to_contain_text("Back to the results")
        page.locator(".ui-switch a", has_text="DE").click()
        expect(page.locator("article.note")).to_contain_text("Zurück zu den Ergebnissen")
        shot(page, "i18n-de-note")
    finally:
        context.close()
