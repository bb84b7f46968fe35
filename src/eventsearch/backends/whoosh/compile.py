"""The Whoosh side of the backend seam: a :mod:`eventsearch.query.plan` plan as the Whoosh
query tree that ``qparser.make_parser().parse()`` makes of the same text (the reference
tests/test_query_language.py checks the query language against).  The ranking reads the
plan itself (``eventsearch.rank.planner.QueryPlanner.plan``)."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.query.compound import CompoundQuery

from ...query import plan as ql
from ...query.filters import DEFAULT_FIELD


class Implicit(CompoundQuery):
    """Words typed side by side, with no operator between them.

    Kept apart from an explicit ``AND`` because the search treats it "AND-ish":
    short queries need every word, longer ones may miss one or two.  (Not a
    subclass of ``And``, or Whoosh's normalisation would merge the two.)
    """

    JOINT = " "
    intersect_merge = True

    def _matcher(self, subs, searcher, context):  # the same matching as And
        return wq.And(subs)._matcher(subs, searcher, context)


_COMPOUND = {ql.Implicit: Implicit, ql.And: wq.And, ql.Or: wq.Or}
_BINARY = {ql.AndNot: wq.AndNot, ql.AndMaybe: wq.AndMaybe, ql.Require: wq.Require}


def to_whoosh(plan: ql.Node | None) -> wq.Query:
    """The Whoosh query of a plan; ``NullQuery`` for None (nothing to search)."""
    if plan is None:
        return wq.NullQuery
    if isinstance(plan, ql.Implicit | ql.And | ql.Or):
        return _COMPOUND[type(plan)]([to_whoosh(s) for s in plan.items], boost=plan.boost)
    if isinstance(plan, ql.AndNot | ql.AndMaybe | ql.Require):
        return _BINARY[type(plan)](to_whoosh(plan.a), to_whoosh(plan.b))
    if type(plan) is ql.Not:
        return wq.Not(to_whoosh(plan.item), boost=plan.boost)
    if type(plan) is ql.All:
        return wq.Every()
    field = getattr(plan, "field", None) or DEFAULT_FIELD
    if type(plan) is ql.Word:
        return wq.Term(field, plan.text, boost=plan.boost)
    if type(plan) is ql.Phrase:
        return wq.Phrase(field, list(plan.words), slop=plan.slop, boost=plan.boost)
    if type(plan) is ql.Prefix:
        return wq.Prefix(field, plan.text, boost=plan.boost)
    if type(plan) is ql.Wildcard:
        return wq.Wildcard(field, plan.pattern, boost=plan.boost)
    if type(plan) is ql.Fuzzy:
        return wq.FuzzyTerm(field, plan.text, boost=plan.boost, maxdist=plan.maxdist,
                            prefixlength=plan.prefix)
    if type(plan) is ql.Range:
        return wq.TermRange(field, plan.start, plan.end, plan.start_excl, plan.end_excl,
                            boost=plan.boost)
    if type(plan) is ql.Every:
        return wq.Every(field, boost=plan.boost)
    raise TypeError(f"not a query plan: {plan!r}")
