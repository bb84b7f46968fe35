"""The year facet as a small server-rendered SVG bar chart: each bar a link.

People see "when did we talk about this" faster than they read it.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, LABEL = 600, 90, 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    href: str
    selected: bool
    show_label: bool


def bars(values: list[tuple[str, int, str, bool]]) -> list[Bar]:
    """values: (label, count, link, selected) in chronological order."""
    if not values:
        return []
    top = max(c for _, c, _, _ in values) or 1
    step = WIDTH / len(values)
    every = max(1, round(len(values) / 12))  # at most ~12 labels under the bars
    out = []
    for i, (label, count, href, selected) in enumerate(values):
        h = max(2.0, (HEIGHT - LABEL - 4) * count / top) if count else 0.0
        out.append(Bar(x=i * step + 1, y=HEIGHT - LABEL - h, width=max(step - 2, 1), height=h,
                       label=label, count=count, href=href, selected=selected,
                       show_label=i % every == 0 or selected))
    return out


def fill_years(years: dict[str, int]) -> list[tuple[str, int]]:
    """Every year from the first to the last, zeros included, so gaps show as gaps."""
    numeric = sorted(int(y) for y in years if y.isdigit())
    if not numeric:
        return []
    return [(str(y), years.get(str(y), 0)) for y in range(numeric[0], numeric[-1] + 1)]


def fill_months(year: str, months: dict[str, int]) -> list[tuple[str, int]]:
    return [(f"{year}-{m:02d}", months.get(f"{year}-{m:02d}", 0)) for m in range(1, 13)]
