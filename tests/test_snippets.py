"""Snippet marking, word by word: what a query marks in a text and what it must not mark.

The terms come from a real index of corpus/ (`SearchIndex.highlight_terms`), as the result
list and the note page get them; `make_snippet` marks them in a text written here.
"""

from __future__ import annotations

import pytest

from eventsearch.search import SearchIndex
from eventsearch.text.snippets import QueryTerms, make_snippet


@pytest.fixture(scope="module")
def index(corpus_index):
    return SearchIndex(corpus_index)


def marked(index: SearchIndex, query: str, text: str) -> list[str]:
    html = make_snippet(text, index.highlight_terms(query)).html
    return [part.split("</mark>")[0] for part in html.split("<mark>")[1:]]


def test_the_german_stemmer_marks_inflections(index):
    assert marked(index, "Datenbank", "Wir vergleichen Datenbanken im Betrieb.") == [
        "Datenbanken"]
    assert marked(index, "Vorträge", "Der Vortrag war gut.") == ["Vortrag"]


def test_the_english_stemmer_marks_inflections(index):
    assert marked(index, "run", "Running it runs as it ran before.") == ["Running", "runs"]


def test_umlaut_spellings_are_marked(index):
    assert marked(index, "Fussabdruck", "Unser Fußabdruck schrumpft.") == ["Fußabdruck"]


def test_stop_words_are_never_marked(index):
    # "sich" is the German stem of "Sicherheit", but a stop word
    assert marked(index, "Sicherheit", "Sie trafen sich zur Sicherheit.") == ["Sicherheit"]


@pytest.mark.parametrize(("query", "text"), [
    ("news", "A new release, nothing else."),
    ("Datenbank", "Die Daten liegen im Bankfach."),
    ("Sicherheit", "Die Sicherung hielt."),
    ("universal", "Im Universum."),
])
def test_words_that_must_not_be_conflated_are_not_marked(index, query, text):
    assert marked(index, query, text) == []


def test_a_text_without_matches_starts_at_its_opening(index):
    snippet = make_snippet("Opening words of the note. " * 20, index.highlight_terms("zebra"))
    assert "<mark>" not in snippet.html and snippet.html.startswith("Opening words")
    assert snippet.offset == 0


def test_a_wildcard_marks_the_words_it_matched(index):
    # The note page's terms: a wildcard's words were filled in only while scoring, so
    # highlight_terms (which does not score) marked nothing for kube*.
    assert marked(index, "kube*", "Kubernetes, a kubeconfig and a cube.") == [
        "Kubernetes", "kubeconfig"]
    assert marked(index, "k?bernetes", "Kubernetes it is.") == ["Kubernetes"]


# The window and the lead-in, with the query's terms given directly (no index needed).
WORDS = QueryTerms(plain=frozenset({"alpha", "beta", "gamma"}))


@pytest.mark.parametrize(("span", "anchor"), [(160, "alpha"), (161, "beta")])
def test_the_window_holds_the_distinct_terms_that_fit_beside_the_lead_in(span, anchor):
    # An early lone "beta", then "alpha" and "gamma" `span` characters apart (start of one
    # to end of the other): up to WIDTH - 80 they make the best window, beyond it they do
    # not, and the earliest of the one-term windows wins.
    text = "beta " + "lorem " * 50 + "alpha " + "x" * (span - 12) + " gamma and more."
    snippet = make_snippet(text, WORDS)
    assert snippet.offset == text.index(anchor)


def test_among_equal_windows_the_first_wins():
    text = "alpha " + "lorem " * 60 + "alpha again."
    assert make_snippet(text, WORDS).offset == 0


def test_the_snippet_starts_at_a_word_after_the_lead_in():
    text = "abcdefg " * 30 + "alpha closes it."
    html = make_snippet(text, WORDS).html
    assert html.startswith("…abcdefg ") and html.endswith("<mark>alpha</mark> closes it.")


def test_without_a_space_near_the_lead_in_the_snippet_starts_inside_the_word():
    text = "x" * 200 + " alpha"
    assert make_snippet(text, WORDS).html == "…" + "x" * 59 + " <mark>alpha</mark>"


@pytest.mark.parametrize(("gap", "html"), [
    (29, "…" + "z" * 29 + " <mark>alpha</mark>"),
    (30, "…" + "x" * 30 + " " + "z" * 28 + " <mark>alpha</mark>"),
])
def test_the_lead_in_moves_to_a_space_at_most_29_characters_on(gap, html):
    # "alpha" at 200: the lead-in would start at 140, mid-word; the next space is `gap` on
    text = "x" * (140 + gap) + " " + "z" * (58 - gap) + " alpha"
    assert text.index("alpha") == 200
    assert make_snippet(text, WORDS).html == html
