"""The Whoosh side of analysis: the analyzers the schema's fields use.

`WordAnalyzer` is a `text.chains.WordChain` (tokenise, lowercase, drop stop words,
fold and stem in one pass, the same for every backend) as a Whoosh analyzer;
`plain_chain` and `stemming_chain` are the same chains as Whoosh filters (the
definition the tests compare it with).

Whoosh pickles the schema with these classes and the functions they hold by module
path: keep them module-level, and bump ``INDEX_FORMAT`` (schema.py) when one moves, or
``ANALYSIS_VERSION`` (text/analyze.py) when their output changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    fold,
    stem_de,
    stem_en,
)
from ...text.chains import TOKEN, WordChain


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


_WHOLE = re.compile(r"(?s).+")  # tokenize=False: the whole value is one token


class WordAnalyzer(WordChain, Analyzer):
    """A `text.chains.WordChain` as a Whoosh analyzer: the analyzer of the schema's
    text fields, giving exactly the tokens of `plain_chain` or `stemming_chain` (the
    tests compare them), about three times faster.  Indexing takes its words from
    ``indexed_words`` (schema.WordPositions and schema.WordFrequency); queries and
    highlighting call it for Tokens.

    Pickled with the schema: its state is the chain's (stop list and the two word
    functions), the word cache left out.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordAnalyzer) and self.__getstate__() == other.__getstate__()

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        cache = self._cache
        pos = None  # stop words removed, later positions close up (as StopFilter renumbers)
        matches = (TOKEN if tokenize else _WHOLE).finditer(value)
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


def plain_analyzer() -> WordAnalyzer:
    """Unstemmed: exact words rank first, and snippets highlight from it."""
    return WordAnalyzer.plain()


def stemming_analyzer(lang: str) -> WordAnalyzer:
    """A language's stemming chain (`WordChain.stemming`) as a Whoosh analyzer."""
    return WordAnalyzer.stemming(lang)


def umlaut_analyzer() -> WordAnalyzer:
    """The ``umlaut`` field's words as given (`WordChain.verbatim`)."""
    return WordAnalyzer.verbatim()
