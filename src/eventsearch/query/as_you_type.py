"""Search as you type: the last word of an unfinished query also matches as a prefix.

While the user is still typing, ``kub`` should already find *Kubernetes*, as
Meilisearch and Typesense do.  ``as_you_type`` rewrites the plan's last plain word
``w`` into ``(w OR w*)``: the word keeps its stems, synonyms and typo fixes, and the
prefix adds the words it begins.  Only when the text ends in that very word (a
trailing space, quote, ``*``, ``~`` or filter means the word is finished or already
an operator) and the word has the ``min_prefix`` letters a typed ``kub*`` needs; the
prefix is expanded within the same budget as any wildcard (``max_expansions`` ...),
marked ``typing=True`` so that its cuts are not reported as if the user had typed it.
It lives here, in the query layer, so that every backend gets it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..text.analyze import TOKEN_PATTERN
from .budget import Limits
from .plan import And, Implicit, Node, Or, Prefix, Word

_LAST_TOKEN = re.compile(f"(?:^|(?<=\\s))({TOKEN_PATTERN})$")


def as_you_type(plan: Node | None, text: str, limits: Limits) -> Node | None:
    """The plan with its last plain word also matched as a prefix (see the module)."""
    if plan is None:
        return None
    m = _LAST_TOKEN.search(text)
    if m is None:
        return plan
    word = m.group(1).lower()
    if len(word) < max(1, limits.min_prefix):
        return plan
    return _rewrite(plan, word)


def _rewrite(node: Node, word: str) -> Node:
    if isinstance(node, Word):
        if node.text != word or node.field is not None:
            return node
        return Or((node, Prefix(word, None, node.boost, typing=True)))
    if isinstance(node, Implicit | And | Or) and node.items:
        last = _rewrite(node.items[-1], word)
        if last is node.items[-1]:
            return node
        if isinstance(node, Or) and isinstance(last, Or):  # a OR b, then b OR b*
            return replace(node, items=(*node.items[:-1], *last.items))
        return replace(node, items=(*node.items[:-1], last))
    return node
