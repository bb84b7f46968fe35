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


class Compounds:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.split = lru_cache(maxsize=10_000)(self._split)
        self.expansions = lru_cache(maxsize=10_000)(self._expansions)

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
        """Compounds in German notes that begin or end with the word, most common first."""
        if len(word) < MIN_PART or not word.isalpha():
            return ()
        found = self._beginning_with(word)
        for cand in self.vocab.with_suffix(word):
            rest = cand[:-len(word)]
            if len(rest) >= MIN_PART and self._rest_is_word(rest, leading=False):
                found.add(cand)
        return self._most_common_german(found)

    def joined(self, first: str, second: str) -> tuple[str, ...]:
        """Compounds of German notes that hold two typed words joined, at their start
        ("Zeitreihen Vorhersage" -> "zeitreihenvorhersageproblem"), most common first."""
        if min(len(first), len(second)) < MIN_PART or not (first + second).isalpha():
            return ()
        found: set[str] = set()
        for head in (first + link + second for link in LINKS[:3]):
            found |= self._beginning_with(head) | ({head} if head in self.vocab else set())
        return self._most_common_german(found)

    def _beginning_with(self, head: str) -> set[str]:
        """The index's words that are ``head`` followed by a word of their own."""
        return {cand for cand in self.vocab.with_prefix(head)
                if len(cand) - len(head) >= MIN_REST
                and self._rest_is_word(cand[len(head):], leading=True)}

    def _most_common_german(self, found: set[str]) -> tuple[str, ...]:
        german = [c for c in found if c.isalpha() and self.vocab.is_german(c)]
        german.sort(key=lambda c: (-self.vocab.df(c), c))
        return tuple(german[:MAX_EXPANSIONS])

    def named_events(self, word: str) -> tuple[str, ...]:
        """Events of the index named after the word ("django" -> "djangocon"): a talk
        there is about it even when its own text never names it."""
        if len(word) < MIN_PART or not word.isalpha():
            return ()
        return tuple(word + e for e in EVENT_ENDINGS if word + e in self.vocab)

    def _rest_is_word(self, rest: str, leading: bool) -> bool:
        for link in LINKS:
            if leading:
                if not rest.startswith(link):
                    continue
                part = rest[len(link):]
            else:
                if not rest.endswith(link):
                    continue
                part = rest[:len(rest) - len(link)] if link else rest
            # a word of the index, or a compound of its words: "Abenteuer" is the last
            # part of Messestand-aufbau-abenteuer
            if len(part) >= MIN_PART and (self._known(part) or self.split(part) is not None):
                return True
        return False
