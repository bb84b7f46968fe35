"""The web UI and JSON API: a Flask application factory.

Run it with ``eventsearch serve`` (waitress), or under any WSGI server::

    waitress-serve --call 'eventsearch.web:create_app'
    gunicorn 'eventsearch.web:create_app()'

The app is read-only: it never imports the indexer, and it sees a cron
reindex without a restart because ``SearchIndex`` refreshes its searchers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..config import Settings, load_settings
from ..search import SearchIndex

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings | None = None,
               test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.  Opens the index once (IndexMissing says how to build one)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024)
    app.json.sort_keys = False  # keep the documented key order of SearchResult.to_dict()
    if test_config:
        app.config.update(test_config)
    app.extensions["eventsearch"] = {
        "settings": settings,
        "index": SearchIndex.from_settings(settings),
    }

    from . import views

    app.register_blueprint(views.bp)
    views.register_error_handlers(app)

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
