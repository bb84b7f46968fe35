"""One error shape: JSON {"ok": false, "error", "status"} under /api and /healthz, a
friendly page elsewhere.  Details of unexpected errors go to the log, never to the client."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import HTTPException

from ..errors import IndexUnavailable, QueryError

MESSAGES = {
    400: lazy_gettext("That request did not make sense."),
    404: lazy_gettext("Nothing here. Try the search box."),
    405: lazy_gettext("This address is read-only: it only answers GET requests."),
    413: lazy_gettext("The request is too large."),
    414: lazy_gettext("The address is too long."),
    431: lazy_gettext("The request headers are too large."),
    500: lazy_gettext("Something went wrong on our side. It has been logged."),
    503: lazy_gettext("The search index is not available right now."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/api", "/healthz")


def respond(status: int, message: str) -> Any:
    if wants_json():
        return jsonify({"ok": False, "error": str(message), "status": status}), status
    q = request.args.get("q", "")[:2000] if status != 500 else ""
    return render_template("error.html", status=status, message=message, q=q,
                           page_title=gettext("%(status)s error", status=status)), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = str(MESSAGES.get(status, exc.name))
        # our own aborts carry a message written for the user; Werkzeug's defaults do not
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        elif status == 404 and wants_json():
            message = f"There is no API endpoint {request.path[:200]}."
        response = respond(status, message)
        methods = getattr(exc, "valid_methods", None)
        if status == 405 and methods:
            body, code = response
            return body, code, {"Allow": ", ".join(methods)}
        return response

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError) -> Any:
        return respond(400, str(exc))

    @app.errorhandler(IndexUnavailable)
    def index_error(exc: Exception) -> Any:
        app.logger.error("index unavailable: %s", str(exc))  # a record must not keep exc alive
        return respond(503, str(exc))

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, str(MESSAGES[500]))
