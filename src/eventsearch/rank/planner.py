"""The query as concepts: every query word becomes a concept with weighted variants.

The word as typed, its stems, synonyms, translations (text/lexicon.py), derivations
(text/derive.py), the parts of a German compound, the index's compounds that contain it
and, for words found in (almost) no note, typo corrections (see scorer.py for how a
concept is scored).  `QueryPlanner` turns a query plan
(:mod:`eventsearch.query.plan`) into a tree of concepts; `concepts_of` lists them.
Engine-neutral: term statistics come from a :class:`~eventsearch.rank.index.RankingIndex`.
"""

from __future__ import annotations

import re
from itertools import islice, pairwise
from typing import Any, cast

from ..query import plan as qp
from ..query.budget import Budget
from ..query.filters import DEFAULT_FIELD
from ..text.analyze import STOP_DE, STOP_EN, TOKEN_PATTERN, fold, stem_de, stem_en
from ..text.compounds import Compounds
from ..text.derive import dotted_forms, related_forms, undotted_form
from ..text.spelling import Vocabulary, max_typos
from ..text.synonyms import Synonyms
from .concepts import (
    SPLIT_BELOW,
    STOP,
    W_COMPOUND,
    W_DERIVED,
    W_FUZZY,
    W_SPLIT,
    W_STEM,
    W_SYNONYM,
    W_TRANSLATION,
    Alt,
    Concept,
    Node,
    plain_form,
)
from .index import RankingIndex
from .senses import KEEP
from .umlauts import written_compounds
from .when import mark_dates
from .widen import translated_compounds, variant_compounds
from .wildcards import expand

_TOKEN = re.compile(TOKEN_PATTERN)
SENSE_POOL = 8  # translations a word's sense is chosen from (senses.py)
MIN_STEM = 4  # a derivation is told from a typo by a shared stem this long or longer


class QueryPlanner:
    """Turns a query plan into concepts with their variants."""

    def __init__(self, vocab: Vocabulary | None, compounds: Compounds | None,
                 synonyms: Synonyms | None, typos: bool = True,
                 budget: Budget | None = None, index: RankingIndex | None = None,
                 verbatim: bool = False, typed: str = "") -> None:
        self.verbatim = verbatim  # corrections found (for "did you mean"), not searched
        # the query as typed: its words with their case (the plan's are lower-cased)
        self.typed = {w.lower(): w for w in reversed(_TOKEN.findall(typed))}
        self.vocab = vocab
        self.compounds = compounds
        self.synonyms = synonyms
        self.typos = typos and vocab is not None
        self.stem_df: Any = None  # set by the scorer: word -> notes with one of its stems
        self.budget = budget  # None: no limits (the scorer expands wildcards in full)
        self.index = index  # term statistics (wildcard expansions need it)
        self.source: str | None = None  # the language of the words being planned

    def plan(self, plan: qp.Node | None) -> Node | None:
        """The concept tree of a query plan (None: nothing to search)."""
        if plan is None:
            return None
        return self._node(plan)

    def _node(self, q: qp.Node) -> Node | None:
        if isinstance(q, qp.Implicit | qp.And | qp.Or):
            kind = "implicit" if isinstance(q, qp.Implicit) else \
                "and" if isinstance(q, qp.And) else "or"
            children = self._children(list(q.items))
            return (kind, children) if children else None
        if isinstance(q, qp.Not):
            child = self._node(q.item)
            return ("not", child) if child else None
        if isinstance(q, qp.AndNot):
            a, b = self._node(q.a), self._node(q.b)
            if a is None:
                return None
            return ("and", [a, ("not", b)]) if b else a
        if isinstance(q, qp.AndMaybe):
            a, b = self._node(q.a), self._node(q.b)
            if a is None:
                return b
            return ("maybe", a, b) if b else a
        if isinstance(q, qp.Every | qp.All):
            return ("all",)
        if isinstance(q, qp.Fuzzy):
            return self.word(q.text, self._where(q), typos=max(1, q.maxdist), force=True)
        if isinstance(q, qp.Prefix | qp.Wildcard):
            typed = q.text if isinstance(q, qp.Prefix) else q.pattern
            text = plain_form(typed)
            if not text.strip("*?"):
                return ("all",)
            pattern = text + "*" if isinstance(q, qp.Prefix) else text
            concept = Concept(text=typed + ("*" if isinstance(q, qp.Prefix) else ""),
                              where=self._where(q), pattern=pattern)
            if self.budget is None or self.vocab is None:
                return concept
            quiet = isinstance(q, qp.Prefix) and q.typing
            return expand(concept, pattern, self.budget, self.vocab, self.index, quiet)
        if isinstance(q, qp.Phrase):
            words = tuple(w.lower() for w in q.words)
            if not words:
                return None
            if len(words) == 1:
                return self.word(words[0], self._where(q))
            kept = tuple(w for w in words if w not in STOP) or words
            return Concept(text=" ".join(words), alts=[Alt(kept, 1.0, "exact")],
                           where=self._where(q), phrase=kept,
                           slop=1 + len(words) - len(kept))
        if isinstance(q, qp.Word):
            return self.word(q.text, self._where(q))
        # anything else (ranges, REQUIRE): search its words
        children = [c for w in _all_terms(q) if (c := self.word(w, None))]
        return ("implicit", children) if children else None

    @staticmethod
    def _where(q: qp.Node) -> str | None:
        name = getattr(q, "field", None)
        return None if name in (None, DEFAULT_FIELD) else name

    def _children(self, subs: list[qp.Node]) -> list[Node]:
        """Child nodes; runs of plain words that form a synonym entry become one concept."""
        out: list[Node] = []
        i = 0
        while i < len(subs):
            if self.synonyms is not None and self._plain_term(subs[i]):
                run = []
                j = i
                while j < len(subs) and self._plain_term(subs[j]):
                    run.append(cast(qp.Word, subs[j]).text.lower())
                    j += 1
                k = 0
                plain: list[Node] = []  # a stretch of single-word concepts
                self.source = self._language(run)
                while k < len(run):
                    n = self.synonyms.longest_match(run, k) if len(run) - k > 1 else 0
                    if n > 1:
                        words = tuple(run[k:k + n])
                        concept = Concept(text=" ".join(words),
                                          alts=[Alt(tuple(w for w in words if w not in STOP),
                                                    1.0, "exact")])
                        concept.alts += [Alt(e, W_SYNONYM, "synonym")
                                         for e in self.synonyms.alternatives(words)]
                        out.append(concept)
                        self._translate_pairs(plain)
                        plain = []
                        k += n
                    else:
                        node = self.word(run[k], None)
                        if node is not None:
                            out.append(node)
                            plain.append(node)
                        else:  # a stop word parts the pairs
                            self._translate_pairs(plain)
                            plain = []
                        k += 1
                self._translate_pairs(plain)
                self.source = None
                mark_dates(out, self.vocab)
                i = j
                continue
            node = self._node(subs[i])
            if node is not None:
                out.append(node)
            i += 1
        return out

    def _language(self, words: list[str]) -> str | None:
        """The language a run of typed words is in ("en", "de"), by the words that are of
        one only (stop words, umlauts, the lexicon's headwords); None when they do not say:
        a word of both is translated from this one (senses.py, lexicon.py)."""
        lexicon = self.synonyms.lexicon if self.synonyms is not None else None
        votes = {"en": 0, "de": 0}
        for w in words:
            if (w in STOP_EN) != (w in STOP_DE):  # a stop word of one language only
                votes["en" if w in STOP_EN else "de"] += 1
            elif any(ch in w for ch in "äöüß"):
                votes["de"] += 1
            elif lexicon is not None and len(langs := lexicon.languages(w)) == 1:
                votes[langs.pop()] += 1
        if votes["en"] == votes["de"]:
            return None
        return "en" if votes["en"] > votes["de"] else "de"

    @staticmethod
    def _plain_term(q: qp.Node) -> bool:
        return type(q) is qp.Word and q.field in (None, DEFAULT_FIELD) and q.boost == 1.0

    def word(self, text: str, where: str | None, typos: int = 0,
             force: bool = False) -> Concept | None:
        """A concept for one typed word, with all its variants."""
        word = text.lower()
        if word in STOP and not force:
            return None
        concept = Concept(text=text, alts=[Alt((word,), 1.0, "exact")], where=where)
        folded = plain_form(word)
        curated = self.synonyms.alternatives((word,)) if self.synonyms is not None else []
        concept.alts += [Alt(e, W_SYNONYM, "synonym") for e in curated]
        translated = [] if curated else self._translations(word, SENSE_POOL)
        concept.senses = [Alt(t, W_TRANSLATION, "translation") for t in translated]
        concept.alts += concept.senses[:KEEP]
        translated = translated[:KEEP]
        if self.vocab is not None:  # forms the stems miss: PRs -> PR, contributor -> contribute
            concept.alts += [Alt((f,), W_STEM if close else W_DERIVED, "derivation")
                             for f, close in related_forms(folded, self.vocab.df,
                                                           self.typed.get(word, word))]
            # "marionette" <-> "Marionette.js": the tokenizer keeps inner dots
            concept.alts += [Alt((f,), W_DERIVED, "derivation")
                             for f in dotted_forms(folded, self.vocab.with_prefix)]
            head = undotted_form(word)
            if head is not None and self.vocab.df(plain_form(head)):
                concept.alts.append(Alt((head,), W_SPLIT, "derivation"))
        if self.compounds is not None and folded.isalpha():
            # a word many notes hold as written is not taken apart ("workshop" is not
            # "work shop", "anaconda" not "ana conda")
            parts = self.compounds.split(folded) if self.vocab is None \
                or self.vocab.df(folded) < SPLIT_BELOW else None
            if parts:
                concept.alts.append(Alt(parts, W_SPLIT, "split", stem="de"))
                if not curated and not translated:  # Ticketverkauf -> ticket sale
                    words = tuple(w for p in parts for w in self._part_in_translation(p))
                    if words != parts:
                        concept.alts.append(Alt(words, W_TRANSLATION * W_SPLIT, "translation"))
            # (the compounds of its translations come with their choice: senses.py)
            found = self.compounds.expansions(folded)
            if self.index is not None:  # typed with umlauts: the compounds written so
                found = written_compounds(self.index, text, found)
            concept.alts += [Alt((c,), W_COMPOUND, "compound", stem=False) for c in found]
            concept.alts += variant_compounds(  # censorship -> Zensur -> Internetzensur
                self.compounds, word, [a for a in concept.alts if a.kind == "synonym"],
                {a.words for a in concept.alts})
            have = {a.words for a in concept.alts}
            concept.alts += [Alt((c,), W_COMPOUND, "compound", stem=False)
                             for c in self.compounds.named_events(folded) if (c,) not in have]
        if self.typos and self.vocab is not None:
            df = self.vocab.df(folded)
            concept.unknown = df == 0
            if translated and not force:  # a word of the other language, not a typo
                fixes = []
            elif force:
                keep = self._may_expand(text, force=True)
                fixes = list(self.vocab.corrections(folded, typos)[:min(5, keep)]) \
                    if keep else []
                if self.budget is not None:
                    self.budget.spend(len(fixes))
            elif df < 3 and max_typos(folded) and (self.stem_df is None
                                                   or self.stem_df(word) < 3) \
                    and self._may_expand(text):
                fixes = self.vocab.typo_fixes(folded)
            elif df == 0 and max_typos(folded) and self._may_expand(text):
                # in no note as typed, found through its stem ("machin" -> machine): the
                # fix that shares the stem is what the results show, so it is said; a fix
                # that does not is searched ("unifed" shares only unification's stem),
                # unless the word is a derivation of one (unresponsive-ness)
                fixes = [] if self._derived(folded, word) else self.vocab.typo_fixes(folded)
                same = [w for w, _, _ in fixes
                        if stem_en(w) == stem_en(folded) or stem_de(w) == stem_de(word)]
                if same:
                    fixes = []
                    concept.correction = same[0]
                    concept.corrected = not self.verbatim
            else:
                fixes = []
            # A word that is in no note is surely misspelt: its corrections are stemmed too.
            # A rare word that exists may be right: its corrections count less, unstemmed.
            known = df > 0
            weight = W_FUZZY * (0.6 if known else 1.0)
            if not self.verbatim or force:
                concept.alts += [Alt((w,), weight * (1.0 if dist == 1 else 0.8), "fuzzy",
                                     stem=not known, weak=known and not force)
                                 for w, dist, _ in fixes]
            if fixes and not force:
                concept.correction = fixes[0][0]
                concept.corrected = not self.verbatim
        return concept

    def _derived(self, folded: str, word: str) -> bool:
        """Whether a word in no note begins with a word of the index that shares its
        stem: a derivation (unresponsiveness, redeployment), not a typo."""
        assert self.vocab is not None
        for stem in {stem_en(folded), fold(stem_de(word))}:
            if len(stem) >= MIN_STEM and any(
                    folded.startswith(w) for w in islice(self.vocab.with_prefix(stem), 200)):
                return True
        return False

    def _translations(self, words: str, limit: int = 3) -> list[tuple[str, ...]]:
        """The bilingual lexicon's translations of a word (or two) found in the index."""
        lexicon = self.synonyms.lexicon if self.synonyms is not None else None
        if lexicon is None or self.vocab is None or not words.replace(" ", "").isalpha():
            return []
        return lexicon.translations(words, self.vocab.df, limit, self.source)

    def _part_in_translation(self, part: str) -> tuple[str, ...]:
        """A compound's part as its translated compound says it: kept when the part is in
        more notes than its translation, a word of the other language already (Ticket,
        not Karte), else translated (Verkauf -> sale)."""
        found = self._translations(part, 1)
        if not found or self.vocab is None:
            return (part,)
        if self.vocab.df(plain_form(part)) > min(self.vocab.df(plain_form(w)) for w in found[0]):
            return (part,)
        return found[0]

    def _translate_pairs(self, nodes: list[Node]) -> None:
        """Two words the lexicon knows together ("time zones" -> Zeitzonen), or that a
        German compound holds joined ("Zeitreihen Vorhersage" ->
        Zeitreihenvorhersageproblem), or that a note writes as one word in any language
        ("Raspberry Pi" -> RaspberryPi): each of the two concepts also matches it, so a
        note with it has both."""
        for a, b in pairwise(nodes):
            if not (isinstance(a, Concept) and isinstance(b, Concept)
                    and a.single_word and b.single_word):
                continue
            pair = [] if a.corrected else [
                Alt(words, W_TRANSLATION, "translation")
                for words in self._translations(f"{a.single_word} {b.single_word}", 2)]
            joined = [Alt((c,), W_COMPOUND, "compound", stem=False) for c in
                      (self.compounds.joined(plain_form(a.single_word),
                                             plain_form(b.single_word))
                       if self.compounds is not None else ())]
            whole = plain_form(a.single_word) + plain_form(b.single_word)  # RaspberryPi
            if self.vocab is not None and whole.isalnum() and self.vocab.df(whole):
                joined.append(Alt((whole,), W_SPLIT, "compound", stem=False))
            for alt in pair + translated_compounds(self.compounds, pair, set()) + joined:
                for concept in (a, b):  # each keeps a compound it has already once
                    if alt.kind != "compound" or alt.words not in {x.words for x in concept.alts}:
                        concept.alts.append(alt)

    def _may_expand(self, text: str, force: bool = False) -> int:
        """How many spelling variants of a word may be looked up (0: none) within the
        budget; typo lookups compare the word with the vocabulary, a few ms each."""
        budget = self.budget
        if budget is None:
            return 5
        if budget.out_of_time():
            budget.cut()
            return 0
        if not budget.take_term():
            budget.say(f"Spelling variants were looked up for the first "
                       f"{budget.limits.max_expanded_terms} wildcard, ~ or unusual words only.",
                       key="terms")
            return 0
        if force and not budget.expansions():
            budget.say(f"{text}~ was searched as typed: the query's wildcard and ~ terms "
                       f"already expanded to {budget.limits.max_query_expansions} words.",
                       key="query-expansions")
        return budget.expansions() if force else 5


def _all_terms(q: qp.Node) -> list[str]:
    """Every word, phrase word and fuzzy term of the plan, NOT ones included, in order
    (repeats kept): the words searched for a node the concepts have no form for."""
    if isinstance(q, qp.Word | qp.Fuzzy):
        return [q.text]
    if isinstance(q, qp.Phrase):
        return list(q.words)
    if isinstance(q, qp.Implicit | qp.And | qp.Or):
        return [w for item in q.items for w in _all_terms(item)]
    if isinstance(q, qp.Not):
        return _all_terms(q.item)
    if isinstance(q, qp.AndNot | qp.AndMaybe | qp.Require):
        return _all_terms(q.a) + _all_terms(q.b)
    return []
