"""Related forms that Snowball leaves apart, found in the index's own vocabulary.

Snowball strips inflections, not derivations, and strips nothing after a consonant-only
word: "PRs" stays "prs" apart from "PR", "contributor" from "contribute", "Wartung" from
"warten", "verification" from "verify".  A few suffix rules propose the related forms of
a query word; a form is kept only when the index has it as a word and it does not
already meet the query word through a stem (then it adds nothing).  Query time only: no
reindex, no word list shipped, and both backends get it through the planner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .analyze import stem_de, stem_en

_VOWEL = re.compile(r"[aeiouy]")
# a short base ("fact" of factor, "auth" of author, "sect" of sector) is often a word of
# its own with another meaning: the agent-noun rule needs this many letters before -or
MIN_AGENT_BASE = 5
MAX_FORMS = 4  # related forms kept per query word (most frequent first)

# (suffix, replacements), applied both ways ("ification" -> "ify" and back); of the
# suffixes a word ends with, only the longest applies ("Änderung" -> ändern, not
# "anderen").  Each pair was kept because its two forms mean the same in tech notes;
# rules that mostly joined unrelated words were dropped after reading what they found
# in the shared corpora: -er (comparatives: greener, stricter, grosser), -y -> -ication
# (reply/replication), -ator <-> -ation (decorator/decoration).
_PAIRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # English: derivations Snowball cuts differently
    ("ification", ("ify",)),      # verification / verify, notification / notify
    ("uction", ("uce",)),         # introduction / introduce, production / produce
    ("ription", ("ribe",)),       # description / describe, subscription / subscribe
    ("cision", ("cide",)),        # decision / decide
    ("usion", ("ude",)),          # inclusion / include, conclusion / conclude
    ("ension", ("end",)),         # extension / extend
    ("anation", ("ain",)),        # explanation / explain
    ("tenance", ("tain",)),       # maintenance / maintain
    ("ionary", ("ion",)),         # evolutionary / evolution, visionary / vision
    ("isation", ("ization",)),    # organisation / organization: Snowball keeps s, z apart
    ("ise", ("ize",)),            # organise / organize
    ("iser", ("izer",)),
    ("ising", ("izing",)),
    ("ate", ("ator",)),           # validate / validator, moderate / moderator
    ("ute", ("utor",)),           # contribute / contributor, execute / executor
    # German: -ung and -ation nouns against their verbs (Snowball strips -ung only in R2)
    ("ierung", ("ieren", "iert")),  # Programmierung / programmieren / programmiert
    ("ation", ("ieren",)),        # Dokumentation / dokumentieren
    # the participle and third person (Snowball keeps the t): installiert / installieren /
    # Installation, spezifiziert / spezifizieren / Spezifikation
    ("iert", ("ieren",)),
    ("iziert", ("izieren", "ikation", "izierung")),
    ("izierung", ("izieren", "ikation")),  # Identifizierung / identifizieren / Identifikation
    ("ikation", ("izieren",)),    # Kommunikation / kommunizieren
    ("ator", ("ieren",)),         # Organisator / organisieren
    ("erung", ("ern",)),          # Förderung / fördern
    ("elung", ("eln",)),
    ("ung", ("en",)),             # Gründung / gründen, Nutzung / nutzen
)
# every (from, to) rewrite, longest "from" first
_REWRITES = sorted({(a, b) for s, reps in _PAIRS for r in reps for a, b in ((s, r), (r, s))},
                   key=lambda ab: (-len(ab[0]), ab))


def _pair_forms(word: str) -> list[str]:
    out: list[str] = []
    longest = 0
    for a, b in _REWRITES:
        if len(a) < longest:
            break
        if word.endswith(a) and len(word) - len(a) >= 3:
            longest = len(a)
            out.append(word[: len(word) - len(a)] + b)
    return out


def _agent_forms(word: str) -> list[str]:
    """contributor -> contribute, creator -> create, investor -> invest: where Snowball
    did not already join them (it strips -er, not -or)."""
    if word.endswith("or") and len(word) - 2 >= MIN_AGENT_BASE and word.isalpha():
        base = word[:-2]
        return [base, base + "e"]
    return []


def _acronym_forms(word: str, typed: str) -> list[str]:
    """PRs <-> PR, LLMs <-> LLM: Snowball strips an s only after a vowel.  Only for a word
    typed as an acronym ("PRs", "LLM"): "cms", "gps", "dns" typed in lower case, or "CMS",
    are not plurals of cm, gp, dn."""
    if not word.isalpha() or not typed[:-1].isupper():
        return []
    if typed[-1] == "s" and len(word) >= 3 and not _VOWEL.search(word[:-1]):
        return [word[:-1]]
    if typed.isupper() and 2 <= len(word) <= 5 and not word.endswith("s") \
            and not _VOWEL.search(word):
        return [word + "s"]
    return []


def candidates(word: str, typed: str = "") -> list[str]:
    """Every form the rules propose for a folded, lower-case word (not yet checked
    against the index), without repeats; ``typed``: the word as typed (its case)."""
    if not word.isalpha():
        return []
    found = _acronym_forms(word, typed) + _pair_forms(word) + _agent_forms(word)
    return [f for f in dict.fromkeys(found) if f != word]


def related_forms(word: str, df: Callable[[str], int],
                  typed: str = "") -> list[tuple[str, bool]]:
    """The index's words related to ``word`` (folded, lower case; ``typed``: as typed)
    that its stems do not reach, the ones in the most notes first, each with whether it
    is as close as a stem (an acronym's plural or singular) rather than a derivation.
    ``df``: notes holding a word (0: none)."""
    en, de = stem_en(word), stem_de(word)
    kept = []
    for form in candidates(word, typed):
        n = df(form)
        if n and (stem_en(form) != en or stem_de(form) != de):
            kept.append((-n, form))
    acronyms = _acronym_forms(word, typed)
    return [(form, form in acronyms) for _, form in sorted(kept)[:MAX_FORMS]]


MAX_DOTTED = 3  # dotted forms kept per query word
MAX_DOT_ENDING = 4  # letters after the dot: js, io, py, rs
# a web address is a site, not the thing it names ("openstreetmap.de" is a website's news)
DOMAINS = frozenset(["com", "org", "net", "de", "at", "ch", "eu", "uk", "info", "edu", "gov"])


def dotted_forms(word: str, with_prefix: Callable[[str], Iterable[str]]) -> list[str]:
    """Index words that are ``word`` with a short dotted ending ("marionette" ->
    "marionette.js", "socket" -> "socket.io"): the tokenizer keeps inner dots (a
    version, a domain, a library stay one word), so "Marionette.js" in a note never meets
    "marionette" in a query otherwise.  ``with_prefix``: the index words with a prefix."""
    if len(word) < 3 or not word.isalpha():
        return []
    out = []
    for form in with_prefix(word + "."):
        ending = form[len(word) + 1:]
        if ending.isalpha() and len(ending) <= MAX_DOT_ENDING and ending not in DOMAINS:
            out.append(form)
            if len(out) == MAX_DOTTED:
                break
    return out


def undotted_form(word: str) -> str | None:
    """The name in a dotted query word ("marionette.js" -> "marionette"), for notes that
    write it without its ending; None for versions, domains and the like."""
    head, dot, ending = word.rpartition(".")
    if dot and len(head) >= 3 and head.isalpha() and ending.isalpha() \
            and len(ending) <= MAX_DOT_ENDING and ending not in DOMAINS:
        return head
    return None
