"""Engine-neutral ranking: every backend ranks exactly alike through it.

- ``index.RankingIndex``: what a backend implements for one index state (postings,
  term statistics, phrase and date matches as numpy arrays); ``index.length_norms``
  and ``index.recency`` make its norm and recency arrays.
- ``concepts``: ``Concept`` and ``Alt``, what a query becomes and the scorer scores.
- ``planner.QueryPlanner``: a query plan -> concepts with weighted variants
  (``wildcards.expand``: the words a wildcard term stands for; ``widen``: a translation's
  compounds; ``when``: a month and year typed side by side).
- ``scorer.Scorer``: BM25F over the concepts.
- ``facets.FacetTable``: facet keys per document, disjunctive counts.
- ``answer.answer``: the search flow (filters, facets, order); the backend makes the hits.
"""
