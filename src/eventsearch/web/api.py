"""The JSON API.  /api/search returns exactly SearchResult.to_dict(), the same document
`eventsearch search --json` prints; errors are {"ok": false, "error": ..., "status": N}."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for

from ..errors import IndexDamaged, IndexUnavailable
from .params import BadParameter, SearchParams, parse_params
from .state import index, settings, suggester
from .suggest import Suggestion

bp = Blueprint("api", __name__, url_prefix="/api")


def _params() -> SearchParams:
    try:
        return parse_params(request.args, settings().per_page)
    except BadParameter as exc:
        abort(400, description=str(exc))


@bp.get("/search")
def search() -> Response:
    return jsonify(index().search(_params().query).to_dict())


@bp.get("/facets")
def facets() -> Response:
    """Facet counts only (no hits), for the same parameters as /api/search."""
    data = index().search(_params().query).to_dict()
    return jsonify({k: data[k] for k in ("query", "total", "facets", "messages")})


@bp.get("/notes/<path:note_id>")
def note(note_id: str) -> Response:
    found = index().get_note(note_id)
    if found is None:
        abort(404, description=f"There is no note with the id {note_id[:300]!r}.")
    return jsonify(found.to_dict())


@bp.get("/notes/<path:note_id>/related")
def related(note_id: str) -> Response:
    """Other talks of the note's speakers, of its event, and the most similar notes."""
    found = index().get_note(note_id)
    if found is None:
        abort(404, description=f"There is no note with the id {note_id[:300]!r}.")
    return jsonify(index().related(found).to_dict())


@bp.get("/suggest")
def suggest() -> Response:
    """Titles, tags and speakers for a prefix: {"query", "suggestions": [{label, kind, url}]}.

    ``format=opensearch`` answers in the OpenSearch suggestions format browsers use.
    """
    q = request.args.get("q", "")[:200]
    table = suggester()
    found = table.suggest(q) if table is not None else []
    if request.args.get("format") == "opensearch":
        response = jsonify([q, [s.label for s in found]])
        response.mimetype = "application/x-suggestions+json"
        return response
    return jsonify({"query": q, "suggestions": [_suggestion(s) for s in found]})


def _suggestion(s: Suggestion) -> dict[str, Any]:
    if s.kind == "title":
        url = url_for("search.note_page", note_id=s.key)
    else:
        facet: dict[str, Any] = {s.kind: s.key}
        url = url_for("search.search_page", **facet)
    return {"label": s.label, "kind": s.kind, "count": s.count, "url": url}


def healthz() -> Any:
    """Liveness for monitoring: 200 with the note count, 503 while there is no usable
    index: "missing" (or outdated), or "damaged" (files that do not read, or differ
    from the checksums their commit recorded)."""
    try:
        health = index().health()  # the backend's own report (Backend.health)
    except IndexUnavailable as exc:  # no index could be opened at all
        kind = "damaged" if isinstance(exc, IndexDamaged) else "missing"
        health = {"ok": False, "error": str(exc), "status": 503, "index": kind}
    return jsonify(health), health["status"]
