"""The query string: filters pulled out, dates understood, bad input explained."""

from datetime import date

import pytest

from eventsearch.query import parse_date_spec, parse_query
from eventsearch.query.language import words
from eventsearch.query.plan import Implicit, Word


@pytest.mark.parametrize(
    ("spec", "since", "until"),
    [("2019", date(2019, 1, 1), date(2019, 12, 31)),
     ("2019-05", date(2019, 5, 1), date(2019, 5, 31)),
     ("2019-05-16", date(2019, 5, 16), date(2019, 5, 16)),
     (">2020-01-01", date(2020, 1, 2), None),
     (">=2020", date(2020, 1, 1), None),
     ("<2020", None, date(2019, 12, 31)),
     ("<=2019-02", None, date(2019, 2, 28)),
     ("2018..2020", date(2018, 1, 1), date(2020, 12, 31)),
     ("2018-03..", date(2018, 3, 1), None)],
)
def test_date_specs(spec, since, until):
    assert parse_date_spec(spec) == (since, until)


@pytest.mark.parametrize("spec", ["yesterday", "2019-13", "2019-02-30", "2020..2018", "19"])
def test_bad_date_specs_say_why(spec):
    with pytest.raises(ValueError) as err:
        parse_date_spec(spec)
    assert spec.split("..")[0] in str(err.value) or "ends before" in str(err.value)


def test_filters_are_pulled_out_of_the_text():
    p = parse_query('kubernetes speaker:"Julien Simon" tag:AWS lang:de date:2019-05')
    assert p.speakers == ["julien simon"]
    assert p.tags == ["aws"]
    assert p.langs == ["de"]
    assert (p.since, p.until) == (date(2019, 5, 1), date(2019, 5, 31))
    terms = set(words(p.plan))
    assert "kubernetes" in terms and "julien" not in terms


def test_negated_filter_excludes():
    p = parse_query("python -tag:draft")
    assert p.exclude == {"tags": ["draft"]}


def test_unknown_field_is_searched_as_words_with_a_message():
    p = parse_query("foo:bar kubernetes")
    terms = set(words(p.plan))
    assert {"foo", "bar", "kubernetes"} <= terms
    assert any("no field 'foo'" in m for m in p.messages)


def test_unbalanced_quote_is_repaired():
    p = parse_query('"machine learning')
    assert p.plan is not None
    assert any("quotation mark" in m for m in p.messages)


def test_bad_date_is_ignored_with_a_message():
    p = parse_query("talk date:someday")
    assert p.since is None and p.until is None
    assert any("not a date" in m for m in p.messages)


def test_very_long_query_is_cut():
    p = parse_query("word " * 5000)
    assert p.plan is not None
    assert any("longer than" in m for m in p.messages)


@pytest.mark.parametrize("text", ["AND", "OR OR", "(((", ")", "NOT", "*", "~", "^", "a:",
                                  '"" ""', "field:", "-", "[a TO", "{}", "NOT NOT a",
                                  "a ANDNOT ANDNOT", "a ANDNOT ANDNOT b", "x (y -z)"])
def test_operator_soup_never_raises(text):
    parse_query(text)


def test_only_filters_means_browse():
    p = parse_query("tag:rust")
    assert p.plan is None and p.tags == ["rust"]


@pytest.mark.parametrize(("text", "plan"), [
    ("NOT NOT a", Implicit((Word("not"), Word("a")))),  # repeated words count once
    ("a ANDNOT ANDNOT b", Implicit((Word("a"), Word("andnot"), Word("b")))),
    ("x (y -z)", Implicit((Word("x"), Word("y"), Word("z")))),
])
def test_operators_that_cannot_be_understood_are_searched_as_words(text, plan):
    # Whoosh's parser raised on the first two even as plain words, and parse_query with it
    p = parse_query(text)
    assert p.plan == plan
    assert any("searched as plain words" in m for m in p.messages)
