"""Routes: the search page, note pages, the JSON API, health and browser integration."""

from __future__ import annotations

import threading
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ..errors import EventSearchError, IndexMissing, QueryError, SchemaMismatch
from ..model import SearchResult
from ..search import SearchIndex
from ..storage import read_meta
from . import timeline
from .params import LIST_PARAMS, BadParameter, SearchParams, parse_params
from .render import note_html
from .suggest import Suggester
from .urls import toggle, with_args

bp = Blueprint("search", __name__)

LANG_NAMES = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français",
              "it": "Italiano", "pt": "Português", "und": "unknown"}
FACET_TITLES = {"tag": "Tags", "speaker": "Speakers", "lang": "Language", "year": "Year",
                "month": "Month"}
FACETS_SHOWN = 8  # the rest behind "more"
EXAMPLES = ["kubernetes deployment", "Vorträge Datenbank", 'speaker:"Priya Raman"',
            "tag:rust date:2018..2021", "Datenschutz lang:de", "machine learning"]
_suggesters: dict[tuple[str, int], Suggester] = {}
_suggest_lock = threading.Lock()


def index() -> SearchIndex:
    return current_app.extensions["eventsearch"]["index"]


def settings() -> Any:
    return current_app.extensions["eventsearch"]["settings"]


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


# -- HTML pages -----------------------------------------------------------------------------

@bp.get("/")
@bp.get("/search")
def search_page() -> Any:
    try:
        params = parse_params(request.args, settings().per_page)
    except BadParameter as exc:
        return render_template("error.html", status=400, message=str(exc),
                               **_base()), 400
    result = index().search(params.query)
    filtered = any(request.args.getlist(name) for name in LIST_PARAMS) or \
        params.raw_from or params.raw_to
    return render_template("search.html", result=result, params=params,
                           browsing=not params.query.q and not filtered,
                           **_search_context(result, params), **_base())


@bp.get("/notes/<path:note_id>")
def note_page(note_id: str) -> Any:
    note = index().get_note(note_id)
    if note is None:
        abort(404, description=f"There is no note {note_id!r} in the index.")
    q = request.args.get("q", "")[:2000]
    terms = index().highlight_terms(q)
    back = with_args(request.args, "/search", page=request.args.get("page"))
    return render_template("note.html", note=note, body=note_html(note.text, terms),
                           back=back, q=q, lang_names=LANG_NAMES, **_base(note.title))


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    base = (settings().base_url or request.url_root).rstrip("/")
    xml = render_template("opensearch.xml", base=base, title=settings().site_title)
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect(url_for("static", filename="favicon.svg"), code=301)


# -- JSON API -------------------------------------------------------------------------------

def _api_params() -> SearchParams:
    try:
        return parse_params(request.args, settings().per_page)
    except BadParameter as exc:
        abort(400, description=str(exc))


@bp.get("/api/search")
def api_search() -> Response:
    return jsonify(index().search(_api_params().query).to_dict())


@bp.get("/api/facets")
def api_facets() -> Response:
    data = index().search(_api_params().query).to_dict()
    return jsonify({k: data[k] for k in ("query", "total", "facets", "messages")})


@bp.get("/api/notes/<path:note_id>")
def api_note(note_id: str) -> Response:
    note = index().get_note(note_id)
    if note is None:
        abort(404, description=f"There is no note {note_id!r} in the index.")
    return jsonify(note.to_dict())


@bp.get("/api/suggest")
def api_suggest() -> Response:
    q = request.args.get("q", "")[:200]
    return jsonify({"query": q, "suggestions": [s.to_dict() for s in _suggester().suggest(q)]})


@bp.get("/healthz")
def healthz() -> Response:
    stats = index().stats()
    meta = read_meta(index().generation_dir)
    return jsonify({"ok": True, "index": stats["index"], "notes": stats["notes"],
                    "built_at": meta.get("built_at"), "updated_at": meta.get("updated_at")})


def _suggester() -> Suggester:
    idx = index()
    searcher = idx.searcher()
    key = (str(idx.generation_dir), searcher.reader().generation())
    found = _suggesters.get(key)
    if found is None:
        with _suggest_lock:
            found = _suggesters.get(key)
            if found is None:
                table = idx._facet_table(searcher)
                found = Suggester(searcher.reader(), table)
                _suggesters.clear()
                _suggesters[key] = found
    return found


# -- errors ---------------------------------------------------------------------------------

def register_error_handlers(app: Flask) -> None:
    def respond(status: int, message: str) -> Any:
        if wants_json():
            return jsonify({"ok": False, "error": message, "status": status}), status
        return render_template("error.html", status=status, message=message,
                               **_base()), status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        messages = {404: "Nothing here.", 405: "That method is not allowed here.",
                    413: "The request is too large."}
        message = exc.description if exc.code in (400, 404) and exc.description else \
            messages.get(exc.code or 500, exc.name)
        if exc.code == 404 and "requested URL was not found" in message:
            message = "Nothing here. Try the search box."
        return respond(exc.code or 500, message)

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError) -> Any:
        return respond(400, str(exc))

    @app.errorhandler(IndexMissing)
    @app.errorhandler(SchemaMismatch)
    def index_error(exc: EventSearchError) -> Any:
        app.logger.error("index unavailable: %s", exc)
        return respond(503, str(exc))

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Any:
        app.logger.exception("unhandled error on %s", request.path)
        return respond(500, "Something went wrong on our side. It has been logged.")


# -- template context -------------------------------------------------------------------------

def _base(title: str | None = None) -> dict[str, Any]:
    site = settings().site_title
    return {"site_title": site, "page_title": f"{title} \u2013 {site}" if title else site}


def _search_context(result: SearchResult, params: SearchParams) -> dict[str, Any]:
    args = request.args
    facets = {}
    for name, values in result.facets.items():
        if name == "month":
            continue
        items = [{"value": LANG_NAMES.get(v.value, v.value) if name == "lang" else v.value,
                  "count": v.count, "selected": v.selected, "url": toggle(args, name, v.key)}
                 for v in values]
        if name == "year":
            items.sort(key=lambda i: i["value"], reverse=True)
        facets[name] = items
    chips = [{"label": f"{FACET_TITLES[name]}: {LANG_NAMES.get(v, v) if name == 'lang' else v}",
              "url": toggle(args, name, v)}
             for name in LIST_PARAMS for v in args.getlist(name) if v.strip()]
    for name, label in (("from", "from"), ("to", "to")):
        if args.get(name, "").strip():
            chips.append({"label": f"{label} {args[name]}", "url": with_args(args, **{name: None})})
    return {
        "facets": facets, "facet_titles": FACET_TITLES, "facets_shown": FACETS_SHOWN,
        "chips": chips, "timeline": _timeline(result, args), "pages": _pages(result, args),
        "sort_urls": {s: with_args(args, sort=s) for s in ("relevance", "date")},
        "suggestion_url": with_args(args, q=result.suggestion) if result.suggestion else None,
        "note_args": {k: args.getlist(k) for k in args if k != "per_page"},
        "lang_names": LANG_NAMES, "examples": EXAMPLES,
        "clear_url": with_args(args, **{n: None for n in (*LIST_PARAMS, "from", "to")}),
    }


def _timeline(result: SearchResult, args) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    years = {v.key: v.count for v in result.facets.get("year", [])}
    selected_years = [y for y in args.getlist("year") if y.strip()]
    if len(selected_years) == 1 and "month" in result.facets:
        year = selected_years[0]
        months = {v.key: v.count for v in result.facets["month"]}
        chosen = {m.casefold() for m in args.getlist("month")}
        values = [(key[5:], count, toggle(args, "month", key), key in chosen)
                  for key, count in timeline.fill_months(year, months)]
        return {"bars": timeline.bars(values), "caption": f"Notes per month in {year}",
                "unit": year, "up": with_args(args, year=None, month=None)}
    filled = timeline.fill_years(years)
    if len(filled) < 2:
        return None
    values = [(y, c, with_args(args, year=y, month=None), y in selected_years) for y, c in filled]
    return {"bars": timeline.bars(values), "caption": "Notes per year", "unit": "", "up": None}


def _pages(result: SearchResult, args) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    current, last = result.page, min(result.pages, 1000)
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[dict[str, Any]] = []
    for n in shown:
        if out and n - out[-1]["n"] > 1:
            out.append({"n": n - 1, "gap": True})
        out.append({"n": n, "url": with_args(args, page=n), "current": n == current,
                    "gap": False})
    return out if last > 1 else []
