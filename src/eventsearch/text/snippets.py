"""Highlighted snippets, built from the stored plain text of a hit.

A word is marked when its folded form is one of the query's exact terms or its
stem (in either language) is one of the query's stems, so "Vorträge" is marked
for a query "Vortrag" and "deployments" for "deployment".  Everything is
HTML-escaped; only our own <mark> tags are markup.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .analyze import STOP_DE, STOP_EN, TOKEN_PATTERN, fold, stem_de, stem_en

WIDTH = 240  # characters in a snippet
SCAN_LIMIT = 200_000  # characters of a long transcript that are searched for matches
_TOKEN = re.compile(TOKEN_PATTERN)
STOP = STOP_EN | STOP_DE
MAX_SEEN = 50_000  # words whose terms one query remembers


@dataclass(frozen=True)
class Expansion:
    """A way a query word matches other than as typed: a synonym, a compound part, a
    typo correction.  ``needs``: per word of it, the terms any of which match that word."""

    label: str  # its words ("talk")
    kind: str  # synonym | part | compound | correction
    needs: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class TermGroup:
    """One query word (or phrase) with the terms of the word as typed and its expansions,
    to tell whether a note matched it only through an expansion."""

    text: str
    exact: tuple[frozenset[str], ...]
    expansions: tuple[Expansion, ...] = ()


@dataclass(frozen=True)
class QueryTerms:
    """The query's terms, by how they are compared with the words of a text."""

    plain: frozenset[str] = frozenset()
    en: frozenset[str] = frozenset()
    de: frozenset[str] = frozenset()
    groups: tuple[TermGroup, ...] = ()
    _seen: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.plain or self.en or self.de)

    def keys(self, word: str) -> frozenset[str]:
        """Every term this word matches (a word can match as typed and as a stem); a
        possessive matches as its noun ("Pythonista's": Pythonista).  Remembered for the
        query: a page's texts say the same words again and again."""
        found = self._seen.get(word)
        if found is None:
            found = self._keys(word)
            if not found and word[-2:].lower() in ("'s", "’s"):  # noqa: RUF001
                found = self._keys(word[:-2])
            if len(self._seen) < MAX_SEEN:
                self._seen[word] = found
        return found

    def _keys(self, word: str) -> frozenset[str]:
        low = word.lower()
        if low in STOP:
            return frozenset()
        folded, en, de = _forms(low)
        out = set()
        if folded in self.plain:
            out.add(folded)
        if en in self.en:
            out.add("en:" + en)
        if de in self.de:
            out.add("de:" + de)
        return frozenset(out)

    def match(self, word: str) -> str | None:
        """The term this word matches (for counting distinct terms), or None."""
        if word[-2:].lower() in ("'s", "’s"):  # noqa: RUF001
            return min(self.keys(word), default=None)
        low = word.lower()
        if low in STOP:  # "sich" is the German stem of "Sicherheit", but not worth a mark
            return None
        folded, en, de = _forms(low)
        if folded in self.plain:
            return folded
        if en in self.en:
            return "en:" + en
        if de in self.de:
            return "de:" + de
        return None


@lru_cache(maxsize=100_000)
def _forms(low: str) -> tuple[str, str, str]:
    """A lower-cased word folded, and stemmed in English and German (cached: texts repeat)."""
    folded = fold(low)
    return folded, stem_en(folded), stem_de(low)


@dataclass(frozen=True)
class Snippet:
    html: str
    offset: int  # where the first match (or the fragment) starts in the text
    seconds: float | None = None
    url: str | None = None
    keys: frozenset[str] = frozenset()  # every term matched in the searched text


def mark(text: str, terms: QueryTerms) -> str:
    """The text escaped, with every word that matches a query term marked."""
    if not terms:
        return escape(text)
    out, pos = [], 0
    for m in _TOKEN.finditer(text):
        if terms.match(m.group()):
            out += [escape(text[pos:m.start()]), "<mark>", escape(m.group()), "</mark>"]
            pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def make_snippet(text: str, terms: QueryTerms, cues: tuple[tuple[int, float], ...] = (),
                 video_url: str | None = None) -> Snippet:
    """The best window of ``text`` (the opening when nothing matches), with every
    occurrence of a query term inside the shown text marked, not only the window's."""
    matches: list[tuple[int, int, str]] = []
    keys: set[str] = set()
    if terms:
        scan = text[:SCAN_LIMIT]
        # the text's distinct words are compared with the query once, then only those that
        # match are looked for (a transcript has ~100k words, a few thousand distinct)
        found_for = {w: found for w in set(_TOKEN.findall(scan)) if (found := terms.keys(w))}
        if found_for:
            for m in _whole_tokens(found_for).finditer(scan):
                found = found_for[m.group()]
                matches.append((m.start(), m.end(), min(found)))
                keys |= found
    if matches:
        first, _ = _best_window(matches)
        start = _word_start(text, max(0, matches[first][0] - 60))
    else:
        first, start = 0, 0
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start + WIDTH // 2, end)
        end = space if space > 0 else end
    shown = mark(text[start:end], terms)
    html = " ".join(shown.split())
    if start > 0:
        html = "…" + html
    if end < len(text):
        html += "…"
    anchor = matches[first][0] if matches else start
    seconds = _cue_time(cues, anchor)
    return Snippet(html=html, offset=anchor, seconds=seconds,
                   url=video_link(video_url, seconds) if seconds is not None else None,
                   keys=frozenset(keys))


def _whole_tokens(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding these words where the tokenizer would find them: whole tokens,
    not inside longer ones ("node" not in "node.js", "js" not in "node.js")."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?<!\w[.'’])(?:{alternatives})(?!\w)(?![.'’]\w)")  # noqa: RUF001


def _best_window(matches: list[tuple[int, int, str]]) -> tuple[int, int]:
    """The run of matches inside one snippet width with the most distinct terms."""
    best = (0, 0, 0, 0)  # (distinct, count, first, last)
    lo = 0
    for hi in range(len(matches)):
        while matches[hi][1] - matches[lo][0] > WIDTH - 80:
            lo += 1
        window = matches[lo:hi + 1]
        score = (len({t for _, _, t in window}), len(window))
        if score > best[:2]:
            best = (*score, lo, hi)
    return best[2], best[3]


def _word_start(text: str, pos: int) -> int:
    if pos == 0:
        return 0
    space = text.find(" ", pos)
    return space + 1 if 0 <= space < pos + 30 else pos


def _cue_time(cues: tuple[tuple[int, float], ...], offset: int) -> float | None:
    if not cues:
        return None
    i = bisect_right([c[0] for c in cues], offset) - 1
    return cues[max(i, 0)][1]


def video_link(url: str | None, seconds: float) -> str | None:
    """A link to a moment of a video: YouTube's t= parameter, or a media fragment."""
    if not url:
        return None
    t = int(seconds)
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if host.endswith("youtube.com") or host.endswith("youtu.be"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"]
        query.append(("t", f"{t}s"))
        return urlunsplit(parts._replace(query=urlencode(query)))
    if host.endswith("vimeo.com"):
        return urlunsplit(parts._replace(fragment=f"t={t}s"))
    return None
