"""The web UI and JSON API: a Flask application factory.

Run it with ``eventsearch serve`` (waitress), or under any WSGI server::

    waitress-serve --host 127.0.0.1 --port 8000 --call eventsearch.web:create_app
    gunicorn --bind 127.0.0.1:8000 --workers 2 --threads 8 'eventsearch.web:create_app()'

Settings come from ``$EVENTSEARCH_CONFIG`` / ``./eventsearch.toml`` and the
``EVENTSEARCH_*`` environment (``EVENTSEARCH_INDEX=/srv/eventsearch/index``).

The app is read-only: it never imports the indexer, and it sees a cron reindex
without a restart because the backend behind ``SearchIndex`` follows commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from ..config import Settings, load_settings
from .state import EXTENSION, WebState

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class JSONProvider(DefaultJSONProvider):
    """Keys in to_dict()'s documented order, UTF-8, and no raw <, > or & anywhere.

    Escaping those three (``\\u003c``...) changes no value, but a JSON body that
    is somehow sniffed or embedded as HTML can never hold a live tag.
    """

    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class App(Flask):
    json_provider_class = JSONProvider


def asset_folder() -> Path:
    """The folder holding the UI's ``templates/`` and ``static/``.

    The project keeps them in the top-level ``web/`` beside ``src/`` (found from here in a
    checkout and in an editable install); a wheel installs that folder as the data-only
    package ``eventsearch.webassets`` beside this one (see pyproject.toml).
    """
    package = Path(__file__).resolve().parent  # .../eventsearch/web
    for folder in (package.parent / "webassets", package.parents[2] / "web"):
        if (folder / "templates").is_dir():
            return folder
    raise RuntimeError(f"no templates: neither {package.parent / 'webassets'} (installed) "
                       f"nor {package.parents[2] / 'web'} (a checkout) has a templates/ folder")


def create_app(settings: Settings | None = None,
               test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app over the index in ``settings.index_dir``.

    A missing or outdated index is logged and answered with 503 (and its fix)
    until one is built; it never stops the app from starting.
    """
    settings = settings or load_settings()
    assets = asset_folder()
    app = App(__name__, template_folder=assets / "templates", static_folder=assets / "static",
              static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, SUGGEST_IN_BACKGROUND=True)
    if test_config:
        app.config.update(test_config)
    app.config["DEBUG"] = False  # never the interactive debugger: this app may be public
    web = WebState(settings, background=bool(app.config["SUGGEST_IN_BACKGROUND"]
                                              and not app.testing))
    app.extensions[EXTENSION] = web

    from . import api, errors, i18n, views

    i18n.init(app)

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.add_url_rule("/healthz", "healthz", api.healthz)
    errors.register(app)
    app.after_request(_security_headers)

    problem = web.holder.try_open()
    if problem:
        app.logger.warning("%s  Serving 503 until it exists.", problem)
    elif web.suggestions.background:
        web.suggestions.refresh(web.holder.get())  # warm the suggestion table
    return app


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
