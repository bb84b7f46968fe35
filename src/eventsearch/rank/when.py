"""A month and a year typed side by side ("October 2019", "März 2019") name a time.

As two words they are scored apart: a note with "October" in its title outranks the
note dated in that month, and the periodic notes of other years (newsletters, meeting
minutes, monthly reports) say "October" just as loud.  Here the two concepts are marked
with the month they name; the scorer gives every note of that month — dated in it, or
saying it in its text ("2019-10-31", "22. März 2019", "October 5, 2019") — at least
``MONTH_SHARE`` of the best score each word reaches in any note, and every other note at
most that share of its own, so a note of the month always scores above one of another
time on these two words, and among the month's notes the words said loudest (a title's
"April 2026" against a body's mention) still count.  (At a share of 1, every note of the
month scored as the best, and a newer update that mentions April in its text tied with
the April update itself.)
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

import numpy as np

from ..text.fields import MONTHS_DE, MONTHS_EN
from ..text.spelling import Vocabulary
from .concepts import Concept, Node, plain_form
from .index import RankingIndex

_ABBREVIATIONS = {"sept": 9, "okt": 10, "dez": 12, "maerz": 3}
MONTHS = {plain_form(name): i + 1 for names in (MONTHS_EN, MONTHS_DE)
          for i, name in enumerate(names)}
MONTHS |= {plain_form(name[:3]): i + 1 for i, name in enumerate(MONTHS_EN)} | _ABBREVIATIONS
FIRST_YEAR, LAST_YEAR = 1970, 2099
_DAY = re.compile(r"(?:0?[1-9]|[12]\d|3[01])\.\d{1,2}\.\d{4}")
MONTH_SHARE = 0.3  # measured: 1, 0.85, 0.7, 0.5, 0.3, 0.15 (0.3 to 0.15 the best)
NAME_SLOP = 3  # "October 5, 2019": the month's name a few words before the year


def mark_dates(nodes: Sequence[Node], vocab: Vocabulary | None = None) -> None:
    """Mark side-by-side month and year concepts (either order) with (year, month), and
    the dates of that month the index holds as one word (19.04.2023, 3.4.2023)."""
    for a, b in pairwise(nodes):
        if not (isinstance(a, Concept) and isinstance(b, Concept)) or a.where or b.where:
            continue
        wa, wb = a.single_word, b.single_word
        if not wa or not wb:
            continue
        if a.when is not None:  # "2019 Oktober 2020": Oktober names 2019 already
            continue
        for month_word, year_word in ((wa, wb), (wb, wa)):
            month, year = MONTHS.get(plain_form(month_word)), _year(year_word)
            if month and year:
                a.when = b.when = (year, month)
                a.dated = b.dated = numeric_dates(vocab, year, month) if vocab else ()


def _year(word: str) -> int | None:
    if len(word) == 4 and word.isdigit() and FIRST_YEAR <= int(word) <= LAST_YEAR:
        return int(word)
    return None


def numeric_dates(vocab: Vocabulary, year: int, month: int) -> tuple[str, ...]:
    """The words of the index that are a day of the month in German notation: the
    tokenizer keeps "19.04.2023" one word (as it keeps "marionette.js")."""
    return tuple(sorted(w for mm in {f"{month:02d}", str(month)}
                        for w in vocab.with_suffix(f".{mm}.{year}") if _DAY.fullmatch(w)))


def month_mask(index: RankingIndex, year: int, month: int,
               dated: Sequence[str] = ()) -> np.ndarray:
    """bool[n]: the notes dated in the month, or with a date of it in their text
    (``dated``: its dates as one word each, see `numeric_dates`)."""
    last = calendar.monthrange(year, month)[1]
    mask = index.date_mask(date(year, month, 1), date(year, month, last))
    roles = ["title", "meta", "body"]
    if dated:
        mask |= index.docs_with_any(roles, list(dated))
    mask |= index.phrase_mask(roles, [str(year), f"{month:02d}"], 1)  # 2019-10-31
    for name in {plain_form(MONTHS_EN[month - 1]), plain_form(MONTHS_DE[month - 1])}:
        mask |= index.phrase_mask(roles, [name, str(year)], NAME_SLOP)
    return mask & index.alive
