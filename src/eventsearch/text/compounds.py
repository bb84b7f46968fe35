"""German compounds, split and joined with the index's own vocabulary.

No word list or model is shipped or downloaded: a word is a compound part when
the index has it as a word of its own and German notes use the compound.  Two
directions, both at query time:

* ``split("internetzensur")`` -> ("internet", "zensur"): the query's compound is
  searched as its parts, all required ("Facebookseite" finds "Facebook ... Seite").
* ``expansions("datenbank")`` -> ["datenbanksysteme", ...]: compounds of the
  index that begin or end with the query word ("Sicherheit" finds
  "Netzwerksicherheit", "Logo Ideen" finds "Logoideen"); the rest may be a
  compound itself ("Abenteuer" finds "Messestandaufbauabenteuer").
* ``joined("zeitreihen", "vorhersage")`` -> ["zeitreihenvorhersageproblem"]: two
  typed words a compound holds side by side, at its start.

Linking elements (Fugen-s and friends: "Sicherheit-s-lücke") are allowed
between parts.  Parts must have at least 3 letters and the rest of a compound at
least 4, which keeps inflections ("Datenbank-en") out: the stemmers handle those.
"""

from __future__ import annotations

from functools import lru_cache

from .spelling import Vocabulary

LINKS = ("", "s", "es", "n", "en", "e", "er")
MIN_PART = 3
MIN_REST = 4
MIN_SPLIT_WORD = 7
MAX_EXPANSIONS = 12
# Conferences named after a technology: DjangoCon, JupyterCon, RustConf (a name of 3
# letters or more: not PyCon, JSConf)
EVENT_ENDINGS = ("con", "conf")
NONE, WORD, NESTED = 0, 1, 2  # how the rest of a compound is made (Compounds._rest)


class Compounds:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.split = lru_cache(maxsize=10_000)(self._split)
        self.expansions = lru_cache(maxsize=10_000)(self._expansions)
        self._nested = lru_cache(maxsize=50_000)(self._is_nested)

    def _known(self, part: str) -> bool:
        return len(part) >= MIN_PART and part.isalpha() and part in self.vocab

    def _split(self, word: str, depth: int = 0) -> tuple[str, ...] | None:
        """The parts of a compound (folded, lower-case), or None when it is not one."""
        if len(word) < MIN_SPLIT_WORD or not word.isalpha() or depth > 1:
            return None
        best: tuple[float, tuple[str, ...]] | None = None
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            head = word[i:]
            for link in LINKS:
                if link and not word[:i].endswith(link):
                    continue
                modifier = word[:i - len(link)] if link else word[:i]
                if not self._known(modifier):
                    continue
                if self._known(head) and len(head) >= MIN_PART:
                    parts: tuple[str, ...] | None = (modifier, head)
                else:
                    rest = self._split(head, depth + 1)
                    parts = (modifier, *rest) if rest else None
                if not parts or not any(self.vocab.is_german(p) for p in parts):
                    continue
                # prefer few, long, common parts
                score = min(self.vocab.df(p) for p in parts) ** 0.5 * min(map(len, parts))
                score /= len(parts) ** 2
                if best is None or score > best[0]:
                    best = (score, parts)
        return best[1] if best else None

    def _expansions(self, word: str) -> tuple[str, ...]:
        """Compounds in German notes that begin or end with the word, most common first
        (those whose rest is a word of the index before those whose rest is a compound)."""
        if len(word) < MIN_PART or not word.isalpha():
            return ()
        found = self._beginning_with(word)
        for cand in self.vocab.with_suffix(word):
            rest = cand[:-len(word)]
            if len(rest) >= MIN_PART and (kind := self._rest(rest, leading=False)):
                found[kind].add(cand)
        return self._most_common_german(found)

    def joined(self, first: str, second: str) -> tuple[str, ...]:
        """Compounds of German notes that hold two typed words joined, at their start
        ("Zeitreihen Vorhersage" -> "zeitreihenvorhersageproblem"), most common first."""
        if min(len(first), len(second)) < MIN_PART or not (first + second).isalpha():
            return ()
        found: dict[int, set[str]] = {WORD: set(), NESTED: set()}
        for head in (first + link + second for link in LINKS[:3]):
            for kind, cands in self._beginning_with(head).items():
                found[kind] |= cands
            if head in self.vocab:
                found[WORD].add(head)
        return self._most_common_german(found)

    def _beginning_with(self, head: str) -> dict[int, set[str]]:
        """The index's words that are ``head`` followed by a word of their own, by how
        that rest is made (``_rest``: WORD or NESTED)."""
        found: dict[int, set[str]] = {WORD: set(), NESTED: set()}
        for cand in self.vocab.with_prefix(head):
            if len(cand) - len(head) >= MIN_REST and \
                    (kind := self._rest(cand[len(head):], leading=True)):
                found[kind].add(cand)
        return found

    def _most_common_german(self, found: dict[int, set[str]]) -> tuple[str, ...]:
        out: list[str] = []
        for kind in (WORD, NESTED):
            german = [c for c in found[kind] if c.isalpha() and self.vocab.is_german(c)]
            out += sorted(german, key=lambda c: (-self.vocab.df(c), c))
        return tuple(out[:MAX_EXPANSIONS])

    def named_events(self, word: str) -> tuple[str, ...]:
        """Events of the index named after the word ("django" -> "djangocon"): a talk
        there is about it even when its own text never names it."""
        if len(word) < MIN_PART or not word.isalpha():
            return ()
        return tuple(word + e for e in EVENT_ENDINGS if word + e in self.vocab)

    def _rest(self, rest: str, leading: bool) -> int:
        """How the rest of a compound is made, after or before a linking element: WORD,
        a word of the index; NESTED, a compound of its words of 4 letters or more each
        ("Abenteuer" ends Messestand-aufbau-abenteuer; "ard" + "bibliothek" is no rest
        of Stand-ardbibliothek); NONE, neither."""
        found = NONE
        for link in LINKS:
            if leading:
                if not rest.startswith(link):
                    continue
                part = rest[len(link):]
            else:
                if not rest.endswith(link):
                    continue
                part = rest[:len(rest) - len(link)] if link else rest
            if len(part) >= MIN_PART and self._known(part):
                return WORD
            if found == NONE and len(part) >= 2 * MIN_REST and self._nested(part):
                found = NESTED
        return found

    def _is_nested(self, word: str) -> bool:
        parts = self._split(word)
        return parts is not None and min(map(len, parts)) >= MIN_REST
