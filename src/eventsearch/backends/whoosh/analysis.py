"""The Whoosh side of analysis: the analyzers the schema's fields use.

`WordAnalyzer` tokenises, lowercases, drops stop words, folds and stems in one pass,
with the word functions of `text.analyze`; `plain_chain` and `stemming_chain` are the
same chains as Whoosh filters (the definition the tests compare it with).

Whoosh pickles the schema with these classes and the functions they hold by module
path: keep them module-level, and bump ``INDEX_FORMAT`` (schema.py) when one moves, or
``ANALYSIS_VERSION`` (text/analyze.py) when their output changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)

from ...text.analyze import (
    STOP_DE,
    STOP_EN,
    TOKEN_PATTERN,
    _unchanged,
    fold,
    fold_stem_en,
    stem_de,
    stem_en,
)


class FoldFilter(Filter):
    """Applies :func:`fold` to every token."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class StemFilter(Filter):
    """Stems with a module-level function (Whoosh pickles it by name)."""

    def __init__(self, stemfn) -> None:
        self.stemfn = stemfn

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemFilter) and self.stemfn is other.stemfn

    def __call__(self, tokens):
        stemfn = self.stemfn
        for t in tokens:
            if not t.stopped:
                t.text = stemfn(t.text)
            yield t


def plain_chain():
    """The unstemmed chain as Whoosh filters: the definition `plain_analyzer` follows."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_EN | STOP_DE, minsize=1) | FoldFilter())


def stemming_chain(lang: str):
    """A language's stemming chain as Whoosh filters: what `stemming_analyzer` does."""
    if lang == "en":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_EN, minsize=1) | FoldFilter() | StemFilter(stem_en))
    if lang == "de":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_DE, minsize=1) | StemFilter(stem_de))
    raise ValueError(f"no analysis chain for language {lang!r}")


_TOKEN = re.compile(TOKEN_PATTERN)


_WHOLE = re.compile(r"(?s).+")  # tokenize=False: the whole value is one token


WORD_CACHE = 100_000  # distinct spellings remembered per analyzer and process


class WordAnalyzer(Analyzer):
    """Tokenise, lowercase, drop stop words, fold and stem in one pass.

    Gives exactly the tokens of the filter chain it replaces (`plain_chain`,
    `stemming_chain`; the tests compare them), about three times faster: a
    chain costs a Python generator per filter per token, and stemming the same
    word again and again.  Each spelling's outcome is cached.

    ``normalize`` makes the indexed form of a word, ``stop_form`` the form a
    stop word keeps when stop words are not removed (query mode); both are
    module-level functions, as the schema is pickled with the index.
    """

    def __init__(self, stoplist: frozenset[str], normalize: Callable[[str], str],
                 stop_form: Callable[[str], str]) -> None:
        self.stoplist = stoplist
        self.normalize = normalize
        self.stop_form = stop_form
        self._cache: dict[str, tuple[bool, str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordAnalyzer) and self.__getstate__() == other.__getstate__()

    def _word(self, raw: str) -> tuple[bool, str]:
        """(stopped, indexed form) of a spelling not in the cache yet; cached while
        the cache has room.  Callers look in ``self._cache`` first (a hot loop)."""
        low = raw.lower()
        known = (True, self.stop_form(low)) if low in self.stoplist else \
            (False, self.normalize(low))
        if len(self._cache) < WORD_CACHE:
            self._cache[raw] = known
        return known

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        cache = self._cache
        pos = None  # stop words removed, later positions close up (as StopFilter renumbers)
        matches = (_TOKEN if tokenize else _WHOLE).finditer(value)
        for i, match in enumerate(matches):
            raw = match.group()
            known = cache.get(raw) or self._word(raw)
            stopped, t.text = known
            if stopped and removestops:
                continue
            t.stopped = stopped
            t.boost = 1.0
            if keeporiginal:
                t.original = raw
            if positions:
                t.pos = start_pos + i
                if not stopped:
                    pos = t.pos if pos is None else pos + 1
                    t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


    def indexed_words(self, value: str) -> tuple[list[str], int]:
        """The words indexing keeps from ``value`` in order, and the position of the
        first: what ``__call__`` yields in index mode, without a Token per word
        (see schema.WordPositions and schema.WordFrequency)."""
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
    tokens = _TOKEN.findall(value)
    _last_tokens = (value, tokens)
    return tokens


def plain_analyzer() -> WordAnalyzer:
    """Unstemmed: exact words rank first, and snippets highlight from it."""
    return WordAnalyzer(STOP_EN | STOP_DE, fold, fold)


def stemming_analyzer(lang: str) -> WordAnalyzer:
    if lang == "en":
        return WordAnalyzer(STOP_EN, fold_stem_en, fold)
    if lang == "de":
        return WordAnalyzer(STOP_DE, stem_de, _unchanged)
    raise ValueError(f"no analysis chain for language {lang!r}")

