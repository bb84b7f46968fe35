"""Synonym groups: cross-language pairs and jargon searched as alternatives of each other.

The built-in table is ``data/synonyms.txt`` (one group per line, comma-separated);
users add groups with the ``synonyms`` setting.  Entries are compared in three
forms — folded (umlauts and ß spelled out), English stem and German stem — so
"Vorträge", "Vortraege" and "Vortrag" all find the group of "Vortrag".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .analyze import STOP_DE, STOP_EN, TOKEN_PATTERN, fold, stem_de, stem_en
from .lexicon import DEFAULT_DIR, Lexicon

_TOKEN = re.compile(TOKEN_PATTERN)
MAX_ENTRY_WORDS = 5


def entry_words(entry: str) -> tuple[str, ...]:
    """An entry as lower-cased words ("Zwei-Faktor-Authentifizierung" -> three words)."""
    return tuple(w.lower() for w in _TOKEN.findall(entry))


def _forms(words: Sequence[str]) -> list[tuple[str, ...]]:
    folded = tuple(fold(w) for w in words)
    return list(dict.fromkeys([
        folded,
        tuple(stem_en(w) for w in folded),
        tuple(fold(stem_de(w)) for w in words),
    ]))


class Synonyms:
    """Looks up the groups a run of query words belongs to; ``lexicon`` translates the
    words no group knows (the curated groups are the precise layer on top)."""

    def __init__(self, groups: Iterable[Iterable[str]] = (),
                 lexicon: Lexicon | str | Path | None = None) -> None:
        self._lexicon = lexicon  # a folder: opened on first use
        self.groups: list[tuple[tuple[str, ...], ...]] = []
        self._index: dict[tuple[str, ...], set[int]] = {}
        for group in groups:
            self.add(group)

    def add(self, group: Iterable[str]) -> None:
        entries = tuple(dict.fromkeys(w for w in (entry_words(e) for e in group)
                                      if w and len(w) <= MAX_ENTRY_WORDS))
        if len(entries) < 2:
            return
        number = len(self.groups)
        self.groups.append(entries)
        for words in entries:
            for key in _forms(words):
                self._index.setdefault(key, set()).add(number)

    @property
    def lexicon(self) -> Lexicon | None:
        """The bilingual lexicon, opened when a word first needs translating: a command
        that translates nothing (index, stats) never reads the dictionaries."""
        if isinstance(self._lexicon, str | Path):
            self._lexicon = open_lexicon(self._lexicon)
        return self._lexicon

    def __len__(self) -> int:
        return len(self.groups)

    def alternatives(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """Other entries of every group the words (lower-cased) form one entry of."""
        numbers: set[int] = set()
        for key in _forms(words):
            numbers |= self._index.get(key, set())
        mine = set(_forms(words))
        out: dict[tuple[str, ...], None] = {}
        for n in sorted(numbers):
            for entry in self.groups[n]:
                if not mine.intersection(_forms(entry)):
                    out[entry] = None
        return list(out)

    def longest_match(self, words: Sequence[str], start: int) -> int:
        """How many words from ``start`` form a known entry (longest first); 0 if none."""
        for length in range(min(MAX_ENTRY_WORDS, len(words) - start), 0, -1):
            run = words[start:start + length]
            if length > 1 and (run[0] in STOP_EN | STOP_DE or run[-1] in STOP_EN | STOP_DE):
                continue
            if any(k in self._index for k in _forms(run)):
                return length
        return 0


def read_groups(text: str) -> list[list[str]]:
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([e.strip() for e in line.split(",") if e.strip()])
    return groups


@lru_cache(maxsize=1)
def builtin_groups() -> tuple[tuple[str, ...], ...]:
    text = (resources.files("eventsearch") / "data" / "synonyms.txt").read_text("utf-8")
    return tuple(tuple(g) for g in read_groups(text))


def load_synonyms(extra: Iterable[Iterable[str]] = (), builtin: bool = True,
                  lexicon: str | Path | None = DEFAULT_DIR) -> Synonyms:
    """The built-in table plus the user's groups (the ``synonyms`` setting), and the
    bilingual lexicon of the FreeDict dictionaries in the folder ``lexicon`` (the
    ``lexicon`` setting; None or "off": none; not installed: none)."""
    return Synonyms([*(builtin_groups() if builtin else ()), *extra], lexicon)


@lru_cache(maxsize=4)
def open_lexicon(folder: str | Path) -> Lexicon | None:
    """One lexicon per folder and process (its table is shared, read-only)."""
    if str(folder).strip().lower() in ("", "off", "none", "false"):
        return None
    return Lexicon.open(Path(folder))


def synonyms_option(option: Any) -> Synonyms | None:
    """What a backend's ``synonyms`` argument means: False for none, a ready `Synonyms`
    as it is, else extra groups (the ``synonyms`` setting) added to the built-in table."""
    if option is False:
        return None
    if isinstance(option, Synonyms):
        return option
    return load_synonyms(option or ())
