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

import snowballstemmer
from langdetect import DetectorFactory, LangDetectException, detect_langs
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

ANALYSIS_VERSION = 1
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


def plain_analyzer():  # type: ignore[no-untyped-def]
    """Unstemmed: exact words rank first, and snippets highlight from it."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_EN | STOP_DE, minsize=1) | FoldFilter())


def stemming_analyzer(lang: str):  # type: ignore[no-untyped-def]
    if lang == "en":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_EN, minsize=1) | FoldFilter() | StemFilter(stem_en))
    if lang == "de":
        return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
                | StopFilter(stoplist=STOP_DE, minsize=1) | StemFilter(stem_de))
    raise ValueError(f"no analysis chain for language {lang!r}")


_WORDS = re.compile(r"[^\W\d_]{2,}")


def detect_language(text: str, declared: str | None = None) -> str:
    """The note's language: "en" or "de" when it is one of those, another code when
    the text is clearly something else, "und" when there is too little text.

    Declared languages are only a hint (many real notes declare the wrong one):
    they decide only when the text is too short to tell.
    """
    sample = _prose(text[:20000]) or text[:2000]
    if len(_WORDS.findall(sample)) < 4:
        return declared if declared in SUPPORTED else "und"
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


_SENTENCE = re.compile(r"^[^\n]*\w[^\n]*[.!?:]$", re.M)


def _prose(text: str) -> str:
    """Whole sentences only, when there are enough of them.

    Notes mix languages: a German protocol with English bullet points is German.
    Sentences (six words or more, ending in punctuation) carry the language of
    the writer better than fragments, code or lists do.
    """
    lines = [m.group().strip() for m in _SENTENCE.finditer(text)]
    prose = [line for line in lines if len(line.split()) >= 6]
    sample = "\n".join(prose)[:2000]
    return sample if len(sample.split()) >= 12 else ""


def normalize_key(value: str) -> str:
    """The case-insensitive key of a facet value: "AWS Summit " and "aws summit" are one."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())
