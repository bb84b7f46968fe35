"""Language detection and the per-language analysis chains.

Every note is indexed into an unstemmed field (exact words, names, phrases,
highlighting) plus the stemmed field of its own language.  A query runs through
each field's own chain, so one query searches English and German notes at once
without guessing the language of two words.

The analyzer classes and functions here are pickled into the Whoosh schema by
reference: keep them module-level, and bump ``ANALYSIS_VERSION`` (which forces a
rebuild) whenever their output changes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import snowballstemmer
from langdetect import DetectorFactory, LangDetectException, detector_factory
from langdetect.detector import Detector
from langdetect.language import Language
from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)

ANALYSIS_VERSION = 2
SUPPORTED = ("en", "de")
DetectorFactory.seed = 0  # langdetect is random unless seeded

# Words, with inner dots/apostrophes/hyphen-free joins kept ("node.js", "o'reilly").
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"  # noqa: RUF001

_STOP_EN_WORDS = (
    "a an and are as at be been but by for from has have he her his i if in into is it its "
    "me my no not of on or our she so that the their them then there these they this to "
    "was we were what when which who will with you your"
)
STOP_EN = frozenset(_STOP_EN_WORDS.split())
_STOP_DE_WORDS = (
    "aber als am an auch auf aus bei bin bis bist da damit dann das dass dem den der des "
    "die dies diese diesem diesen dieser doch dort du durch ein eine einem einen einer eines "
    "er es euch für hat hatte ich ihr im in ist ja kann mit nach nicht noch nur ob oder sich "
    "sie sind so über um und uns von vor war waren was wir wird wie zu zum zur"
)
STOP_DE = frozenset(_STOP_DE_WORDS.split())


def fold(word: str) -> str:
    """German normalisation as Elasticsearch's ``german_normalization`` does it.

    ä/ae -> a, ö/oe -> o, ü/ue -> u (not after a vowel or q, so "neue" and
    "Quelle" survive), ß -> ss.  Applied to index and query alike, so
    "Fußabdruck", "Fussabdruck", "Vorträge" and "Vortraege" meet.
    """
    if word.isascii() and "e" not in word:
        return word
    out: list[str] = []
    prev = ""
    for ch in word:
        if ch == "e" and prev in ("a", "o", "u") and len(out) >= 1:
            before = out[-2] if len(out) >= 2 else ""
            if not (prev == "u" and before in ("a", "e", "i", "o", "q")):
                prev = "e"
                continue
        if ch in "äöü":
            ch = {"ä": "a", "ö": "o", "ü": "u"}[ch]
        elif ch == "ß":
            out.append("s")
            ch = "s"
        out.append(ch)
        prev = ch
    return "".join(out)


class FoldFilter(Filter):
    """Applies :func:`fold` to every token."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            t.text = fold(t.text)
            yield t


_local = threading.local()  # stemmer objects are stateful: one per thread


def _stemmer(algorithm: str):  # type: ignore[no-untyped-def]
    cache = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in cache:
        cache[algorithm] = snowballstemmer.stemmer(algorithm)
    return cache[algorithm]


def stem_en(word: str) -> str:
    return _stemmer("english").stemWord(word)


def stem_de(word: str) -> str:
    # The German Snowball stemmer folds ä/ae, ö/oe, ü/ue and ß itself; fold() catches the rest.
    return fold(_stemmer("german").stemWord(word))


class StemFilter(Filter):
    """Stems with a module-level function (Whoosh pickles it by name)."""

    def __init__(self, stemfn) -> None:  # type: ignore[no-untyped-def]
        self.stemfn = stemfn

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemFilter) and self.stemfn is other.stemfn

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        stemfn = self.stemfn
        for t in tokens:
            if not t.stopped:
                t.text = stemfn(t.text)
            yield t


def plain_chain():  # type: ignore[no-untyped-def]
    """The unstemmed chain as Whoosh filters: the definition `plain_analyzer` follows."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_EN | STOP_DE, minsize=1) | FoldFilter())


def stemming_chain(lang: str):  # type: ignore[no-untyped-def]
    """A language's stemming chain as Whoosh filters: what `stemming_analyzer` does."""
    if lang == "en":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_EN, minsize=1) | FoldFilter() | StemFilter(stem_en))
    if lang == "de":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_DE, minsize=1) | StemFilter(stem_de))
    raise ValueError(f"no analysis chain for language {lang!r}")


def fold_stem_en(word: str) -> str:
    return stem_en(fold(word))


def _unchanged(word: str) -> str:
    return word


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

    def __call__(self, value: str, positions: bool = False, chars: bool = False,  # type: ignore[override]
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
        for i, raw in enumerate(_TOKEN.findall(value)):
            known = cache.get(raw) or self._word(raw)
            if known[0]:
                continue
            if first < 0:
                first = i
            words.append(known[1])
        return words, max(first, 0)


def plain_analyzer() -> WordAnalyzer:
    """Unstemmed: exact words rank first, and snippets highlight from it."""
    return WordAnalyzer(STOP_EN | STOP_DE, fold, fold)


def stemming_analyzer(lang: str) -> WordAnalyzer:
    if lang == "en":
        return WordAnalyzer(STOP_EN, fold_stem_en, fold)
    if lang == "de":
        return WordAnalyzer(STOP_DE, stem_de, _unchanged)
    raise ValueError(f"no analysis chain for language {lang!r}")


_WORDS = re.compile(r"[^\W\d_]{2,}")


def detect_language(text: str, declared: str | None = None) -> str:
    """The note's language: "en" or "de" when it is one of those, another code when
    the text is clearly something else, "und" when there is too little text.

    Declared languages are only a hint (many real notes declare the wrong one):
    they decide only when the text is too short to tell.
    """
    sample = _prose(text[:20000]) or text[:2000]
    words = _WORDS.findall(sample)
    if len(words) < 4:
        return declared if declared in SUPPORTED else "und"
    clear = _clearly_en_or_de(words)
    if clear:
        return clear
    try:
        ranked = detect_langs(sample)
    except LangDetectException:
        return declared if declared in SUPPORTED else "und"
    best = ranked[0]
    if best.lang not in SUPPORTED and best.prob >= 0.9:
        return best.lang
    for guess in ranked:
        if guess.lang in SUPPORTED:
            return guess.lang
    return declared if declared in SUPPORTED else best.lang


_ONLY_EN = STOP_EN - STOP_DE
_ONLY_DE = STOP_DE - STOP_EN


def _clearly_en_or_de(words: list[str]) -> str | None:
    """English or German when stop words say so beyond doubt, without langdetect.

    langdetect costs ~2.5 ms a note, as much as all other indexing work.  Prose
    of 20+ words where a fifth are one language's stop words and at most 1% the
    other's, or of 10-19 words where 30% are one language's and none the other's,
    settles 64% of the 25.3k shared notes, and agrees with langdetect on every
    one of them (French, Spanish or Dutch never pass).
    """
    n = len(words)
    if n < 10:
        return None
    en = de = 0
    for word in words:
        low = word.lower()
        en += low in _ONLY_EN
        de += low in _ONLY_DE
    share, other = (0.2, 0.01 * n) if n >= 20 else (0.3, 0)
    if en >= share * n and de <= other:
        return "en"
    if de >= share * n and en <= other:
        return "de"
    return None


class _NumpyDetector(Detector):
    """langdetect's Detector with its inner loop over 55 languages done by numpy.

    The same arithmetic in the same order (a product per language, a
    left-to-right sum), so the very same answers (the tests compare them on the
    shared corpus), three times faster where langdetect spends its time.
    """

    _rows: dict[str, np.ndarray] = {}  # noqa: RUF012 -- n-gram -> its probabilities, shared

    def _init_probability(self) -> np.ndarray:  # type: ignore[override]
        return np.array(super()._init_probability(), dtype=np.float64)

    def _update_lang_prob(self, prob: np.ndarray, word: str | None,  # type: ignore[override]
                          alpha: float) -> bool:
        if word is None:
            return False
        row = self._rows.get(word)
        if row is None:
            if word not in self.word_lang_prob_map:
                return False
            row = self._rows[word] = np.array(self.word_lang_prob_map[word], dtype=np.float64)
        prob *= alpha / self.BASE_FREQ + row
        return True

    def _normalize_prob(self, prob: np.ndarray) -> float:  # type: ignore[override]
        prob /= sum(prob.tolist())
        return float(prob.max())


def detect_langs(text: str) -> list[Language]:
    """langdetect.detect_langs, on the faster detector."""
    detector_factory.init_factory()
    detector = _NumpyDetector(detector_factory._factory)
    detector.append(text)
    return detector.get_probabilities()


_ENDS = (".", "!", "?", ":")
_WORD_CHAR = re.compile(r"\w")


def _prose(text: str) -> str:
    """Whole sentences only, when there are enough of them.

    Notes mix languages: a German protocol with English bullet points is German.
    Sentences (six words or more, ending in punctuation) carry the language of
    the writer better than fragments, code or lists do.
    """
    # Lines ending in punctuation with a word character in them (a regex over the
    # whole text did the same five times slower).
    lines = [line.strip() for line in text.split("\n")
             if line[-1:] in _ENDS and _WORD_CHAR.search(line)]
    prose = [line for line in lines if len(line.split()) >= 6]
    sample = "\n".join(prose)[:2000]
    return sample if len(sample.split()) >= 12 else ""


def normalize_key(value: str) -> str:
    """The case-insensitive key of a facet value: "AWS Summit " and "aws summit" are one."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())
