"""Search as you type in the query layer: which word becomes a prefix, within the budget."""

from __future__ import annotations

import pytest

from eventsearch.query import Limits, parse_query


@pytest.mark.parametrize(("text", "plan"), [
    ("kub", "(kub OR kub*)"),
    ("machine lear", "(machine (lear OR lear*))"),
    ("tag:rust kub", "(kub OR kub*)"),  # filters out first
    ("a OR ku", "(a OR ku OR ku*)"),
    ("kub tag:rust", "kub"),  # the text ends in a filter: the word is finished
    ("title:kub", "title:kub"),  # field-restricted words stay as typed
    ("python -jav", "(python ANDNOT jav)"),  # never a prefix under NOT
    ('"big data"', '"big data"'),
    ("kube*", "kube*"),
    ("k", "k"),  # shorter than min_prefix
])
def test_the_last_plain_word_becomes_word_or_prefix(text, plan):
    assert str(parse_query(text, typing=True).plan) == plan


def test_without_typing_nothing_changes_and_min_prefix_applies():
    assert str(parse_query("kub").plan) == "kub"
    assert str(parse_query("kub", Limits(min_prefix=4), typing=True).plan) == "kub"
    assert str(parse_query("kube", Limits(min_prefix=4), typing=True).plan) == "(kube OR kube*)"
    assert parse_query("tag:rust", typing=True).plan is None
