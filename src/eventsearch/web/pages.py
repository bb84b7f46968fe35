"""What the search page shows, computed from a SearchResult and the query string.

Facet links, chips, the timeline and the pager are all plain links built from
the current URL, so every state is shareable and the back button just works.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..model import FACETS, FacetValue, SearchResult
from ..present import corrected_query
from ..search import MAX_PAGE
from . import timeline
from .i18n import FACET_TITLES, month_abbr
from .params import LIST_PARAMS, SearchParams
from .state import lang_name
from .urls import FILTERS, toggle, with_args

SIDEBAR = tuple(f.name for f in FACETS if f.within is None)  # months: the timeline
FACETS_SHOWN = 8  # the rest behind "more"

# what a note of each format is, for the links of one talk's notes ("Same talk: ...")
FORMAT_NAMES = {"pyvideo": lazy_gettext("talk record"), "srt": lazy_gettext("subtitles"),
                "vtt": lazy_gettext("subtitles"), "transcript": lazy_gettext("transcript")}

Args = MultiDict


def display(name: str, value: FacetValue | str) -> str:
    raw = value.value if isinstance(value, FacetValue) else value
    if name == "lang":
        return lang_name(raw)
    if name == "month":
        return timeline.month_name(raw)
    return raw


def facet_lists(result: SearchResult, args: Args) -> dict[str, dict[str, list[dict[str, Any]]]]:
    facets = {}
    for name in SIDEBAR:
        values = result.facets.get(name, [])
        items: list[dict[str, Any]]
        items = [{"label": display(name, v), "key": v.key or v.value, "count": v.count,
                  "selected": v.selected, "url": toggle(args, name, v.key or v.value)}
                 for v in values]
        if name == "year":  # newest first, the selected ones pinned above the rest
            items.sort(key=lambda i: i["key"], reverse=True)
            items.sort(key=lambda i: not i["selected"])
        # the first few, plus any selected value that would otherwise hide under "more"
        shown = items[:FACETS_SHOWN] + [i for i in items[FACETS_SHOWN:] if i["selected"]]
        more = [i for i in items[FACETS_SHOWN:] if not i["selected"]]
        facets[name] = {"all": items, "shown": shown, "more": more}
    return facets


def chips(result: SearchResult, args: Args) -> list[dict[str, str]]:
    """One removable chip per selected value, labelled the way the facet shows it."""
    shown = {(name, (v.key or v.value).casefold()): display(name, v)
             for name, values in result.facets.items() for v in values}
    out = []
    for name in LIST_PARAMS:
        for raw in dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()):
            label = shown.get((name, raw.casefold())) or display(name, raw)
            out.append({"label": f"{FACET_TITLES.get(name, name)}: {label}", "value": label,
                        "url": toggle(args, name, raw)})
    for name in ("from", "to"):
        if args.get(name, "").strip():
            value = args[name].strip()
            what = gettext("From") if name == "from" else gettext("To")
            out.append({"label": f"{what}: {value}", "value": value,
                        "url": with_args(args, **{name: None})})
    return out


def timeline_context(result: SearchResult, args: Args) -> dict[str, Any] | None:
    """Months inside one selected year, otherwise years; None when there is nothing to draw."""
    selected_years = [y.strip() for y in args.getlist("year") if y.strip()]
    if len(selected_years) == 1 and "month" in result.facets:
        year = selected_years[0]
        months = {v.key or v.value: v.count for v in result.facets["month"]}
        chosen = {m.strip() for m in args.getlist("month")}
        values = [(month_abbr(int(key[5:])), timeline.month_name(key), count,
                   toggle(args, "month", key), key in chosen)
                  for key, count in timeline.fill_months(year, months)]
        return {"bars": timeline.bars(values),
                "caption": gettext("Notes per month in %(year)s", year=year),
                "up": with_args(args, year=None, month=None)}
    years = {v.key or v.value: v.count for v in result.facets.get("year", [])}
    filled = timeline.fill_years(years)
    if len(filled) < 2:
        return None
    values = [(y, y, c, with_args(args, year=y, month=None), y in selected_years)
              for y, c in filled]
    return {"bars": timeline.bars(values), "caption": gettext("Notes per year"), "up": None}


def pager(result: SearchResult, args: Args) -> dict[str, Any] | None:
    """Links to pages around the current one; ``capped`` when pages stop at MAX_PAGE
    before the results do (the page says so)."""
    current, last = result.page, min(result.pages, MAX_PAGE)
    if last <= 1 and current == 1:
        return None
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[dict[str, Any]] = []
    for n in shown:
        if links and n - links[-1]["n"] > 1:
            links.append({"n": n - 1, "gap": True})
        links.append({"n": n, "url": with_args(args, page=n), "current": n == current,
                      "gap": False})
    return {
        "links": links,
        "prev": with_args(args, page=current - 1) if 1 < current <= last + 1 else None,
        "next": with_args(args, page=current + 1) if current < last else None,
        "last": last, "capped": result.pages > MAX_PAGE,
    }


def title(params: SearchParams, chip_list: list[dict[str, str]]) -> str | None:
    """What the browser tab says: the query, else the filters."""
    if params.query.q:
        return params.query.q if len(params.query.q) <= 80 else params.query.q[:77] + "…"
    if chip_list:
        return ", ".join(c["value"] for c in chip_list[:4])
    return None


# "matched talk, a synonym of Vortrag": how a hit's matched_via kinds read (whole sentences,
# so a translation can put the words in its own order)
VIA_WORDS = {
    "synonym": lazy_gettext("matched <em>%(word)s</em>, a synonym of <em>%(of)s</em>"),
    "translation": lazy_gettext("matched <em>%(word)s</em>, a translation of <em>%(of)s</em>"),
    "part": lazy_gettext("matched <em>%(word)s</em>, a part of <em>%(of)s</em>"),
    "compound": lazy_gettext("matched <em>%(word)s</em>, a compound with <em>%(of)s</em>"),
    "correction": lazy_gettext("matched <em>%(word)s</em>, a correction of <em>%(of)s</em>"),
}


def via_text(via: dict[str, str]) -> Markup:
    """One matched_via entry as the page says it; the words escaped, the sentence not."""
    sentence = VIA_WORDS.get(via.get("kind", ""))
    if sentence is None:
        sentence = lazy_gettext("matched <em>%(word)s</em> for <em>%(of)s</em>")
    return Markup(str(sentence)) % {"word": via.get("word", ""), "of": via.get("of", "")}


def search_context(result: SearchResult, params: SearchParams, args: Args) -> dict[str, Any]:
    chip_list = chips(result, args)
    return {
        "result": result, "params": params, "q": params.query.q,
        "browsing": not params.query.q and not params.filtered,
        "facets": facet_lists(result, args), "facet_titles": FACET_TITLES,
        "facets_shown": FACETS_SHOWN, "chips": chip_list,
        "timeline": timeline_context(result, args), "pager": pager(result, args),
        "sort_urls": {s: with_args(args, sort=None if s == "relevance" else s)
                      for s in ("relevance", "date", "oldest")},
        "suggestion_url": with_args(args, q=result.suggestion, verbatim=None)
        if result.suggestion else None,
        "via_text": via_text,
        "corrected_q": corrected_query(params.query.q, [(c["from"], c["to"])
                                                        for c in result.corrections]),
        "verbatim_url": with_args(args, verbatim="1") if result.corrections else None,
        "note_args": {k: [v for v in args.getlist(k) if v.strip()]
                      for k in ("q", *FILTERS, "sort", "page") if args.get(k, "").strip()},
        "examples": (),  # the home and empty pages fill in examples.examples()
        "filter_count": len(chip_list), "format_names": FORMAT_NAMES,
        "clear_url": with_args(args, **dict.fromkeys(FILTERS)),
        "json_url": with_args(args, url_for("api.search"), page=args.get("page")),
        "hidden": [(name, v.strip()) for name in (*LIST_PARAMS, "from", "to", "sort", "per_page")
                   for v in args.getlist(name) if v.strip()],
        "page_title": title(params, chip_list),
    }
