"""The year facet as a small server-rendered SVG bar chart: each bar a link.

People see "when did we talk about this" faster than they read it.  The SVG
stretches to the column's width (bars only, so nothing looks squashed); the axis
labels are HTML under it, laid out in as many equal columns as there are bars.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import ngettext

from .i18n import month_abbr, number

WIDTH, HEIGHT = 600, 80  # viewBox units
GAP = 0.12  # share of a slot left empty between bars
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    left: float  # where this bar's column starts
    slot: float  # the full width of this bar's column (its click target)
    label: str  # "2019" or "May"
    title: str  # "2019: 12 notes"
    count: int
    href: str | None  # None for an empty year: nothing to filter to
    selected: bool
    show_label: bool


def bars(values: list[tuple[str, str, int, str, bool]]) -> list[Bar]:
    """values: (label, long label, count, link, selected) in chronological order."""
    if not values:
        return []
    top = max(v[2] for v in values) or 1
    slot = WIDTH / len(values)
    every = max(1, -(-len(values) // 12))  # at most ~12 labels under the bars
    out = []
    for i, (label, long_label, count, href, selected) in enumerate(values):
        h = max(2.0, (HEIGHT - 2) * count / top) if count else 0.0
        out.append(Bar(x=i * slot + slot * GAP / 2, y=HEIGHT - h, width=slot * (1 - GAP),
                       height=h, left=i * slot, slot=slot, label=label,
                       title=ngettext("%(label)s: %(n)s note", "%(label)s: %(n)s notes", count,
                                     label=long_label, n=number(count)),
                       count=count, href=href if count else None, selected=selected,
                       show_label=(len(values) - 1 - i) % every == 0 or selected))
    return out


def fill_years(years: dict[str, int]) -> list[tuple[str, int]]:
    """Every year from the first to the last, zeros included, so gaps show as gaps."""
    numeric = sorted(int(y) for y in years if y.isdigit() and len(y) == 4)
    if not numeric:
        return []
    return [(str(y), years.get(str(y), 0)) for y in range(numeric[0], numeric[-1] + 1)]


def fill_months(year: str, months: dict[str, int]) -> list[tuple[str, int]]:
    return [(f"{year}-{m:02d}", months.get(f"{year}-{m:02d}", 0)) for m in range(1, 13)]


def month_name(key: str) -> str:
    """ "2019-05" -> "May 2019" ("Mai 2019" in German)"""
    year, _, month = key.partition("-")
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{month_abbr(int(month))} {year}"
    return key
