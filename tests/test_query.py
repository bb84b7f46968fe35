"""The query string: filters pulled out, dates understood, bad input explained."""

from datetime import date

import pytest

from eventsearch.backends.whoosh.qparser import make_parser, parse_query
from eventsearch.backends.whoosh.schema import build_schema
from eventsearch.query import parse_date_spec


@pytest.fixture(scope="module")
def parser():
    return make_parser(build_schema())


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


def test_filters_are_pulled_out_of_the_text(parser):
    p = parse_query('kubernetes speaker:"Julien Simon" tag:AWS lang:de date:2019-05', parser)
    assert p.speakers == ["julien simon"]
    assert p.tags == ["aws"]
    assert p.langs == ["de"]
    assert (p.since, p.until) == (date(2019, 5, 1), date(2019, 5, 31))
    terms = {text for _, text in p.query.iter_all_terms()}
    assert "kubernetes" in terms and "julien" not in terms


def test_negated_filter_excludes(parser):
    p = parse_query("python -tag:draft", parser)
    assert p.exclude == {"tags": ["draft"]}


def test_unknown_field_is_searched_as_words_with_a_message(parser):
    p = parse_query("foo:bar kubernetes", parser)
    terms = {text for _, text in p.query.iter_all_terms()}
    assert {"foo", "bar", "kubernetes"} <= terms
    assert any("no field 'foo'" in m for m in p.messages)


def test_unbalanced_quote_is_repaired(parser):
    p = parse_query('"machine learning', parser)
    assert p.query is not None
    assert any("quotation mark" in m for m in p.messages)


def test_bad_date_is_ignored_with_a_message(parser):
    p = parse_query("talk date:someday", parser)
    assert p.since is None and p.until is None
    assert any("not a date" in m for m in p.messages)


def test_very_long_query_is_cut(parser):
    p = parse_query("word " * 5000, parser)
    assert p.query is not None
    assert any("longer than" in m for m in p.messages)


@pytest.mark.parametrize("text", ["AND", "OR OR", "(((", ")", "NOT", "*", "~", "^", "a:",
                                  '"" ""', "field:", "-", "[a TO", "{}"])
def test_operator_soup_never_raises(parser, text):
    parse_query(text, parser)


def test_only_filters_means_browse(parser):
    p = parse_query("tag:rust", parser)
    assert p.query is None and p.tags == ["rust"]
