"""HTML pages: search, notes, and what browsers ask for (OpenSearch, favicon)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ..model import Hit, SearchQuery, SearchResult
from . import pages
from .examples import examples
from .params import MAX_Q, BadParameter, parse_params
from .render import note_html
from .state import index, lang_name, settings
from .urls import with_args

bp = Blueprint("search", __name__)
UPCOMING = 5  # upcoming events on the home page, apart from the latest notes


@bp.app_template_filter("http_url")
def http_url(url: str | None) -> str | None:
    """Only http(s) links from notes become hrefs: no javascript: or data: URLs."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@bp.app_template_filter("clock")
def clock(seconds: float | None) -> str:
    """754.2 -> "12:34", 3754 -> "1:02:34"."""
    s = int(seconds or 0)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


@bp.app_context_processor
def common() -> dict[str, Any]:
    site = settings().site_title
    return {"site_title": site, "lang_name": lang_name, "page_title": None}


@bp.get("/")
@bp.get("/search")
def search_page() -> Any:
    try:
        params = parse_params(request.args, settings().per_page)
    except BadParameter as exc:
        return render_template("error.html", status=400, message=str(exc),
                               q=request.args.get("q", "")[:MAX_Q]), 400
    fragment = request.args.get("fragment") == "1"
    args = MultiDict(request.args)  # the page's own links never carry these two
    args.poplist("fragment")
    args.poplist("typing")
    result = index().search(params.query)
    upcoming: list[Any] = []
    if not params.query.q and not params.filtered and params.query.sort != "oldest":
        result, upcoming = _home(result, params.query)
    context = pages.search_context(result, params, args)
    context["upcoming"] = upcoming
    if context["browsing"] or result.total == 0:
        context["examples"] = examples(index()).home
    if result.total == 0 and not context["browsing"]:
        context["top_tags"] = _top_tags()
    # results as you type (app.js) swap in this part of the page, rendered by the same
    # template as the full page, so both can never disagree; see app.js for why HTML
    body = render_template("_results.html" if fragment else "search.html", **context,
                           autofocus=context["browsing"])
    response = Response(body, mimetype="text/html")
    if fragment:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Link"] = f'<{context["json_url"]}>; rel="alternate"; type="application/json"'
    return response


def _home(everything: SearchResult, query: SearchQuery) -> tuple[SearchResult, list[Hit]]:
    """The home page: notes up to today, newest first (facets and timeline still over
    every note), and apart from them the next upcoming events, soonest first."""
    today = date.today()
    past = index().search(replace(query, until=today, facets=False))
    everything.hits, everything.total = past.hits, past.total
    if query.page > 1:
        return everything, []
    soon = index().search(SearchQuery(since=today + timedelta(days=1), sort="oldest",
                                      per_page=UPCOMING, facets=False,
                                      include_drafts=query.include_drafts))
    return everything, soon.hits


def _top_tags(n: int = 12) -> list[dict[str, str]]:
    """The most used tags of the whole index, for pages that found nothing."""
    everything = index().search(SearchQuery(per_page=1))
    return [{"label": v.value, "url": url_for("search.search_page", tag=v.key or v.value)}
            for v in everything.facets.get("tag", [])[:n]]


@bp.get("/help")
def help_page() -> Any:
    """The query syntax, with examples taken from the index being served."""
    return render_template("help.html", syntax=examples(index()).syntax,
                           page_title=gettext("How to search"), autofocus=False)


@bp.get("/notes/<path:note_id>")
def note_page(note_id: str) -> Any:
    note = index().get_note(note_id)  # an exact term lookup: never a file path
    if note is None:
        abort(404, description=gettext("There is no note with this id. It may have been "
                                       "renamed or deleted since the link was made."))
    q = request.args.get("q", "").strip()[:MAX_Q]
    body = note_html(note.text, index().highlight_terms(q), note.title, note.cues)
    back = with_args(request.args, page=request.args.get("page")) if request.args else None
    json_url = url_for("api.note", note_id=note.path)
    response = Response(render_template(
        "note.html", note=note, body=body, back=back, q=q, page_title=note.title or note.path,
        json_url=json_url, autofocus=False, related=index().related(note)),
        mimetype="text/html")
    response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    base = (settings().base_url or request.host_url).rstrip("/")
    root = request.script_root
    xml = render_template("opensearch.xml", base=base + root if not settings().base_url
                          else base, title=settings().site_title)
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect(url_for("static", filename="favicon.svg"), code=301)  # type: ignore[return-value]


@bp.get("/robots.txt")
def robots() -> Response:
    """Result pages are endless combinations of filters: let crawlers index notes only."""
    text = "User-agent: *\nDisallow: /search\nDisallow: /api/\n"
    return Response(text, mimetype="text/plain")
