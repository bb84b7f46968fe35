"""The words of the per-language analysis: tokens, stop words, folding, stemming.

Every note is indexed into an unstemmed field (exact words, names, phrases,
highlighting) plus the stemmed field of its own language.  A query runs through
each field's own chain, so one query searches English and German notes at once
without guessing the language of two words.  The chains themselves are in chains.py
(as Whoosh analyzers: backends/whoosh/analysis.py); language detection is in language.py.

The functions here are pickled into the Whoosh schema by reference (the analyzers
hold them): keep them module-level, and bump ``ANALYSIS_VERSION`` (which forces a
rebuild) whenever their output changes.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import snowballstemmer

ANALYSIS_VERSION = 2


SUPPORTED = ("en", "de")


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
    return _spelled(word, mark=False).translate(_PLAIN)


_UMLAUTS = {"a": "ä", "o": "ö", "u": "ü"}
_PLAIN = str.maketrans("äöü", "aou")


def _spelled(word: str, mark: bool) -> str:
    """The letter walk `fold` and `umlaut_form` share: ae/oe/ue written for an umlaut
    (not after a vowel or q) lose their e, and with ``mark`` become ä/ö/ü; ß becomes ss;
    ä/ö/ü stay (an ä before an e counts as its a)."""
    out: list[str] = []
    prev = ""
    for ch in word:
        if ch == "e" and out and prev in "aouäöü" and not (
                prev in "uü" and len(out) >= 2 and out[-2] in "aeioqäö"):
            prev = "e"
            if mark:  # "oe" -> ö; "öe" stays ö
                out[-1] = _UMLAUTS.get(out[-1], out[-1])
            continue
        if ch == "ß":
            out.append("s")
            ch = "s"
        out.append(ch)
        prev = ch
    return "".join(out)


def umlaut_form(word: str, transliterated: bool = True) -> str:
    """A lower-case word as fold() reads it, with its umlauts kept: ä/ö/ü, and where
    ``transliterated`` (German text) ae/oe/ue written for them, as ä/ö/ü; ß as ss.
    "" when it has none.  Folded, the two forms meet ("Foerderung" and "Förderung"
    give "förderung"), but "Forderung", a word of its own, gives "".
    Letter for letter, ``plain_form(umlaut_form(w)) == fold(w)`` (umlaut_tokens relies
    on it)."""
    if word.isascii() and (not transliterated or "e" not in word):
        return ""
    form = _spelled(word, mark=transliterated)
    return form if form.translate(_PLAIN) != form else ""


_local = threading.local()  # stemmer objects are stateful: one per thread


def _stemmer(algorithm: str):
    cache = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in cache:
        cache[algorithm] = snowballstemmer.stemmer(algorithm)
    return cache[algorithm]


def stem_en(word: str) -> str:
    return _stemmer("english").stemWord(word)


def stem_de(word: str) -> str:
    # The German Snowball stemmer folds ä/ae, ö/oe, ü/ue and ß itself; fold() catches the rest.
    return fold(_stemmer("german").stemWord(word))


def fold_stem_en(word: str) -> str:
    return stem_en(fold(word))


def _unchanged(word: str) -> str:
    return word


def normalize_key(value: str) -> str:
    """The case-insensitive key of a facet value: "AWS Summit " and "aws summit" are one."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())



_ANY_UMLAUT = re.compile(r"[äöüÄÖÜ]")
_WORD = re.compile(r"\w+")
_TRANSLITERATION = re.compile(r"[aouAOU][eE]")


def umlaut_keys(word: str, transliterated: bool = True) -> list[str]:
    """What the ``umlaut`` field holds for a word with umlauts: its `umlaut_form` and,
    when an umlaut is in its German stem, the stem with it ("Förderungen" ->
    förderungen, förder); [] for a word without.  The folded fields cannot tell
    Förderung from Forderung; this field can (rank/umlauts.py)."""
    word = word.lower()
    form = umlaut_form(word, transliterated)
    if not form:
        return []
    keys = [form]
    stem = stem_de(word)
    if stem and fold(word).startswith(stem):
        marked = form[:len(stem)]
        if marked not in (stem, form):
            keys.append(marked)
    return keys


def umlaut_tokens(text: str, transliterated: bool) -> str:
    """The `umlaut_keys` of every word of a text with umlauts (and, in German text:
    ``transliterated``, with ae/oe/ue written for them), as one string of words."""
    if not transliterated and not _ANY_UMLAUT.search(text):  # most notes: one fast scan
        return ""
    words = [w for w in _WORD.findall(text)
             if not w.isascii() or (transliterated and _TRANSLITERATION.search(w))]
    return " ".join(dict.fromkeys(k for w in dict.fromkeys(words)
                                  for k in umlaut_keys(w, transliterated)))
