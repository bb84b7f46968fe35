"""Related notes: other talks of the same speakers, the same event, and the notes most
similar in text (a more-like-this, as Elasticsearch and Meilisearch offer).

Built above the seam from plain searches (``SearchIndex.search``), so every backend
has it without a method of its own.  The more-like-this takes the note's most
distinctive words - tf-idf over its title and text, each word's document frequency
asked of the index - and searches them OR-ed; the ranking (BM25F, synonyms across
English and German, German compounds) then finds similar notes in both languages.
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Hit, Note, SearchQuery
from .text.analyze import STOP_DE, STOP_EN

if TYPE_CHECKING:
    from .search import SearchIndex

# per open index: (its version, query -> notes matched); an index that is gone drops out
_COUNTS: weakref.WeakKeyDictionary[Any, tuple[Hashable, dict[str, int]]] = (
    weakref.WeakKeyDictionary())

WORD = re.compile(r"[^\W\d_]{3,}")  # letters only: no numbers, no dotted names
CANDIDATES = 16  # the note's most frequent words whose document frequency is asked
TERMS = 10  # the distinctive words OR-ed into the more-like-this query
TITLE_WEIGHT = 3  # a title word counts as much as three body words
COUNTS_KEPT = 50_000  # remembered document frequencies per index (then forgotten)
EVENT_SCAN = 60  # hits of the event-name phrase checked for the very same event
# words frequent in notes about talks that say nothing about a note's subject
_FILLER_WORDS = (
    "also about after all can could just like more most much one only other over some "
    "such than very well would how why where here talk talks speaker speakers slides "
    "video session sessions event events meetup conference auch sehr einen vortrag "
    "vorträge vortraege gibt haben können koennen werden wurde wurden vom unser unsere "
    "dafür dafuer sowie viele gab einem großen grossen dir dein deine deinen deiner meist "
    "sondern bisher bisherigen etwa immer schon mehr viel wieder alle allen jetzt heute "
    "please look week really thing things lot yeah okay going know think"
)
FILLER = frozenset(_FILLER_WORDS.split())


@dataclass
class Related:
    """What a note page shows beside the note, and `/api/notes/<id>/related` returns."""

    id: str
    speakers: list[Hit] = field(default_factory=list)  # other talks of its speakers
    event: list[Hit] = field(default_factory=list)  # other notes of the same event
    similar: list[Hit] = field(default_factory=list)  # most similar in text
    terms: list[str] = field(default_factory=list)  # the words the similar ones share

    def to_dict(self) -> dict[str, Any]:
        def hits(items: list[Hit]) -> list[dict[str, Any]]:
            return [{k: v for k, v in h.to_dict().items()
                     if k not in ("snippet", "snippet_time", "snippet_url")} for h in items]

        return {"id": self.id, "speakers": hits(self.speakers), "event": hits(self.event),
                "similar": hits(self.similar), "terms": list(self.terms)}

    def __bool__(self) -> bool:
        return bool(self.speakers or self.event or self.similar)


def related(index: SearchIndex, note: Note, limit: int = 5) -> Related:
    """Up to ``limit`` notes of each kind for a note, never the note itself."""
    out = Related(note.id)
    out.speakers = by_speakers(index, note, limit)
    out.event = same_event(index, note, limit)
    out.terms = distinctive_words(index, note)
    if out.terms:
        out.similar = _search(index, " OR ".join(out.terms), note, limit)
    return out


def by_speakers(index: SearchIndex, note: Note, limit: int) -> list[Hit]:
    """The newest other talks of any of the note's speakers."""
    if not note.speakers:
        return []
    request = SearchQuery(speakers=note.speakers, sort="date", per_page=limit + 1,
                          facets=False, snippets=False)
    return [h for h in index.search(request).hits if h.path != note.id][:limit]


def same_event(index: SearchIndex, note: Note, limit: int) -> list[Hit]:
    """The newest other notes whose event is the note's (the event name searched as a
    phrase, then compared whole, case aside)."""
    name = " ".join((note.event or "").replace('"', " ").split())
    if not WORD.search(name):
        return []
    request = SearchQuery(q=f'"{name}"', sort="date", per_page=EVENT_SCAN,
                          facets=False, snippets=False)
    key = name.casefold()
    return [h for h in index.search(request).hits
            if h.path != note.id and " ".join((h.event or "").split()).casefold() == key
            ][:limit]


def distinctive_words(index: SearchIndex, note: Note, count: int = TERMS) -> list[str]:
    """The note's words with the highest tf-idf: frequent in it, rare in the index."""
    tf: Counter[str] = Counter()
    for weight, text in ((TITLE_WEIGHT, note.title), (1, note.text)):
        for word in WORD.findall(text.lower()):
            if word not in STOP_EN and word not in STOP_DE and word not in FILLER:
                tf[word] += weight
    if not tf:
        return []
    total = _count(index, "")
    scored = []
    for word, freq in tf.most_common(CANDIDATES):
        df = _count(index, f'"{word}"')
        if df <= 1:
            continue  # a word of this note alone (or a typo in it) finds nothing else
        scored.append((freq * math.log((total + 1) / (df + 1)), word))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [word for score, word in scored[:count] if score > 0]


def _count(index: SearchIndex, q: str) -> int:
    """How many notes a query matches (no hits, facets or snippets made); remembered per
    index version, since note pages ask for the same common words again and again."""
    version = index.version()
    cached = _COUNTS.get(index)
    if cached is None or cached[0] != version or len(cached[1]) > COUNTS_KEPT:
        cached = _COUNTS[index] = (version, {})
    counts = cached[1]
    if q not in counts:
        counts[q] = index.search(SearchQuery(q=q, per_page=1, facets=False,
                                             snippets=False)).total
    return counts[q]


def _search(index: SearchIndex, q: str, note: Note, limit: int) -> list[Hit]:
    request = SearchQuery(q=q, per_page=limit + 1, facets=False, snippets=False)
    return [h for h in index.search(request).hits if h.path != note.id][:limit]
