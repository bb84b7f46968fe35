"""The analysis chains every backend indexes with: a text as the words an index keeps.

`WordChain` tokenises, lowercases, drops stop words, folds and stems in one pass, with
the word functions of `text.analyze`; `WordChain.plain()` is the unstemmed chain,
`WordChain.stemming(lang)` a language's stemming chain.  The Whoosh backend's
analyzers are these chains as Whoosh analyzers (backends/whoosh/analysis.py); the
PostgreSQL backend indexes with them directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from .analyze import STOP_DE, STOP_EN, TOKEN_PATTERN, _unchanged, fold, fold_stem_en, stem_de

TOKEN = re.compile(TOKEN_PATTERN)


WORD_CACHE = 100_000  # distinct spellings remembered per chain and process

_Chain = TypeVar("_Chain", bound="WordChain")


class WordChain:
    """Tokenise, lowercase, drop stop words, fold and stem in one pass.

    Gives exactly the tokens of the Whoosh filter chain it replaces (the tests
    compare them), about three times faster: a chain costs a Python generator per
    filter per token, and stemming the same word again and again.  Each spelling's
    outcome is cached.

    ``normalize`` makes the indexed form of a word, ``stop_form`` the form a
    stop word keeps when stop words are not removed (query mode); both are
    module-level functions, as the Whoosh schema is pickled with the index.
    """

    def __init__(self, stoplist: frozenset[str], normalize: Callable[[str], str],
                 stop_form: Callable[[str], str]) -> None:
        self.stoplist = stoplist
        self.normalize = normalize
        self.stop_form = stop_form
        self._cache: dict[str, tuple[bool, str]] = {}

    @classmethod
    def plain(cls: type[_Chain]) -> _Chain:
        """Unstemmed: exact words rank first, and snippets highlight from it."""
        return cls(STOP_EN | STOP_DE, fold, fold)

    @classmethod
    def verbatim(cls: type[_Chain]) -> _Chain:
        """The words as given, lower-cased: the ``umlaut`` field, whose words
        text.analyze.umlaut_tokens makes."""
        return cls(frozenset(), _unchanged, _unchanged)

    @classmethod
    def stemming(cls: type[_Chain], lang: str) -> _Chain:
        """A language's stemming chain (its own stop words)."""
        if lang == "en":
            return cls(STOP_EN, fold_stem_en, fold)
        if lang == "de":
            return cls(STOP_DE, stem_de, _unchanged)
        raise ValueError(f"no analysis chain for language {lang!r}")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordChain) and self.__getstate__() == other.__getstate__()

    def _word(self, raw: str) -> tuple[bool, str]:
        """(stopped, indexed form) of a spelling not in the cache yet; cached while
        the cache has room.  Callers look in ``self._cache`` first (a hot loop)."""
        low = raw.lower()
        known = (True, self.stop_form(low)) if low in self.stoplist else \
            (False, self.normalize(low))
        if len(self._cache) < WORD_CACHE:
            self._cache[raw] = known
        return known

    def indexed_words(self, value: str) -> tuple[list[str], int]:
        """The words indexing keeps from ``value`` in order, and the position of the
        first: what the Whoosh analyzer yields in index mode, without a Token per word
        (see backends/whoosh/schema.py WordPositions and WordFrequency)."""
        cache = self._cache
        words = []
        first = -1
        for i, raw in enumerate(_tokens(value)):
            known = cache.get(raw) or self._word(raw)
            if known[0]:
                continue
            if first < 0:
                first = i
            words.append(known[1])
        return words, max(first, 0)


_last_tokens: tuple[str, list[str]] = ("", [])


def _tokens(value: str) -> list[str]:
    """The raw words of ``value``.  A note's title and text are each indexed twice in a
    row (unstemmed, then stemmed): the second time reuses the first split."""
    global _last_tokens
    last = _last_tokens
    if last[0] is value:
        return last[1]
    tokens = TOKEN.findall(value)
    _last_tokens = (value, tokens)
    return tokens
