"""A cost budget per query, so that no single query holds the server.

A public search box gets ``a* b* c* …``, ``*ing`` and 200-word pastes from bots.
Each such query is cut down to what its :class:`Limits` allow (the settings of the
same names, see the README's configuration section), and what was cut is said in
the result's ``messages``, the place for "how your query was understood":

* ``max_words``: words searched (in phrases and OR chains too); the rest is cut.
* ``max_filters``: field filters (``tag:``, ``speaker:``, ``lang:``, ``date:``) in
  the query text; the rest are ignored.
* ``max_expansions``: words one wildcard or ``~`` term expands to; the ones in the
  most notes are kept.
* ``max_query_expansions``: the same, summed over the whole query.
* ``max_expanded_terms``: terms of one query that are expanded at all (wildcards,
  ``~`` terms and automatic typo corrections each scan the vocabulary).
* ``min_prefix``: letters a wildcard term needs before its first ``*``.
* ``leading_wildcards``: whether ``*ing`` / ``?ing`` are searched at all.
* ``time_budget_ms``: after this, the search stops looking further and answers
  with what it has, saying the results are partial.

A free-text query never fails because of a limit: a term that cannot be searched
within them is left out and named in a message, like every other query mistake.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    max_words: int = 32
    max_filters: int = 20
    max_expansions: int = 50
    max_query_expansions: int = 200
    max_expanded_terms: int = 4
    min_prefix: int = 2
    leading_wildcards: bool = False
    time_budget_ms: int = 500

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)
                      if hasattr(settings, f.name)})


# The lowest value each limit takes (config.py rejects lower ones).
MINIMUM = {"max_words": 1, "max_filters": 0, "max_expansions": 1, "max_query_expansions": 0,
           "max_expanded_terms": 0, "min_prefix": 0, "time_budget_ms": 0}
NAMES = tuple(f.name for f in fields(Limits))
DEFAULT = Limits()


class Budget:
    """One search's spending against its limits.

    The clock starts when the search does.  Work that can be skipped asks
    ``out_of_time()`` first and calls ``cut()`` when it skips something, which makes
    the result partial.  The first concept of a query is always searched, so a
    budget of 0 ms answers (partially) rather than not at all.
    """

    def __init__(self, limits: Limits = DEFAULT, started: float | None = None) -> None:
        self.limits = limits
        start = time.perf_counter() if started is None else started
        self.deadline = start + limits.time_budget_ms / 1000
        self.expansions_left = limits.max_query_expansions
        self.expanded_terms = 0
        self.partial = False
        self.messages: list[str] = []
        self._said: set[str] = set()

    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def cut(self) -> None:
        """Something was skipped for lack of time."""
        self.partial = True

    def say(self, message: str, key: str | None = None) -> None:
        """Add a message once (``key``: one message per kind of limit)."""
        key = key or message
        if key not in self._said:
            self._said.add(key)
            self.messages.append(message)

    def take_term(self) -> bool:
        """Whether one more term may be expanded (wildcard, ``~`` or typo lookup)."""
        if self.expanded_terms >= self.limits.max_expanded_terms:
            return False
        self.expanded_terms += 1
        return True

    def expansions(self) -> int:
        """How many words the next expanded term may keep."""
        return max(0, min(self.limits.max_expansions, self.expansions_left))

    def spend(self, n: int) -> None:
        self.expansions_left -= n

    def final_messages(self) -> list[str]:
        out = list(self.messages)
        if self.partial:
            out.append(f"The search stopped at its time limit of {self.limits.time_budget_ms} ms; "
                       "the results are partial (some words or spelling variants were not "
                       "searched). A shorter or simpler query gives complete results.")
        return out
