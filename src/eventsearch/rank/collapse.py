"""One hit per talk: a pyvideo talk record and the subtitle file or transcript of the
same talk are shown as one hit, the best-ranked of them, with the others' links in
``Hit.also``.

Two notes are the same talk when one is a pyvideo talk record and the other captions
or a transcript (two records, or two caption files, are never folded: they may be two
talks of one title, like the lightning talks of each day), name the same event (by its
facet key) and have the same title up to case, accents, spaces and punctuation: a
caption file's title comes from its file name ("Dagster_-Orchestrate-your-Data.srt")
and its event from its folder ("events/pybay-2021/"), which is how the pyvideo subtitle
project names them after pyvideo's talks.  Engine-neutral: it reads only the hits a backend gives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence

from ..model import Hit
from ..text.analyze import fold
from ..text.facetkeys import facet_key

RECORD = "pyvideo"
TALK_FORMATS = frozenset({RECORD, "srt", "vtt", "transcript"})
WINDOW = 200  # ranked notes read to collapse pages exactly; deeper pages: within the page
_NOT_ALNUM = re.compile(r"[\W_]+")

Order = list[tuple[int, float]]


def talk_key(hit: Hit) -> tuple[str, str] | None:
    """(event key, title letters and digits) of a talk-format hit, else None."""
    if hit.format not in TALK_FORMATS or not hit.event:
        return None
    title = _NOT_ALNUM.sub("", fold(hit.title.casefold()))
    event = facet_key("event", hit.event)
    return (event, title) if title and event else None


@dataclasses.dataclass
class Collapsed:
    """The page's documents (best first), the folded partners of its hits (by the path
    of the hit they were folded into), and how many notes of the ranked window were
    folded into an earlier hit."""

    page: Order
    partners: dict[str, list[Hit]]
    folded: int


def collapse(window: Order, skip: int, per_page: int,
             brief: Callable[[Order], list[Hit]]) -> Collapsed:
    """The page of ``window`` (ranked notes, best first) after folding each talk's later
    notes into its first: hits number ``skip`` to ``skip + per_page`` of the collapsed
    list.  ``brief``: the hits of some documents without snippets (cheap)."""
    hits = brief(window)
    if len(hits) != len(window):  # a note vanished meanwhile: no folding, plain paging
        return Collapsed(window[skip:skip + per_page], {}, 0)
    # per talk key and kind (record or not): the first hit of that kind still without
    # a partner of the other kind
    open_heads: dict[tuple[str, str, bool], int] = {}
    heads: list[int] = []
    partners: dict[int, list[Hit]] = {}
    for i, hit in enumerate(hits):
        key = talk_key(hit)
        if key is None:
            heads.append(i)
            continue
        record = hit.format == RECORD
        head = open_heads.pop((*key, not record), None)
        if head is not None:
            partners[head] = [hit]
            continue
        open_heads.setdefault((*key, record), i)
        heads.append(i)
    page = heads[skip:skip + per_page]
    return Collapsed([window[i] for i in page],
                     {hits[i].path: partners[i] for i in page if i in partners},
                     len(window) - len(heads))


def with_partners(hits: Sequence[Hit], partners: Mapping[str, list[Hit]]) -> list[Hit]:
    """The hits with their folded partners' links in ``also``."""
    out = []
    for hit in hits:
        more = partners.get(hit.path)
        if more:
            hit = dataclasses.replace(hit, also=tuple(
                {"path": m.path, "format": m.format, "url": m.url, "title": m.title}
                for m in more))
        out.append(hit)
    return out
