"""What every request shares: the settings, one SearchIndex and the suggestion table.

The index is opened once per app, over the backend the ``backend`` setting names
(``SearchIndex.from_settings``; every backend follows a cron reindex by itself).
An app may start before the first index exists -- say gunicorn comes up before the
first cron run: then every request answers 503 with the fix, and the first request
after a build opens it.
"""

from __future__ import annotations

import threading

from flask import current_app, has_request_context
from flask_babel import gettext

from ..config import Settings
from ..errors import IndexUnavailable
from ..search import SearchIndex
from .suggest import SuggestCache, Suggester

EXTENSION = "eventsearch"


class IndexHolder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> SearchIndex:
        """The open index; IndexUnavailable (saying how to fix it) if there is none."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = SearchIndex.from_settings(self.settings)
                index = self._index
        return index

    def try_open(self) -> str | None:
        """Open the index now; the problem in words when it cannot be opened."""
        try:
            self.get()
        except IndexUnavailable as exc:
            return str(exc)
        return None


class WebState:
    def __init__(self, settings: Settings, background: bool) -> None:
        self.settings = settings
        self.holder = IndexHolder(settings)
        self.suggestions = SuggestCache(background=background)


def state() -> WebState:
    return current_app.extensions[EXTENSION]


def index() -> SearchIndex:
    return state().holder.get()


def settings() -> Settings:
    return state().settings


def suggester() -> Suggester | None:
    return state().suggestions.get(index())


def lang_name(code: str) -> str:
    """A language by its own name ("Deutsch"); "unknown" in the UI's language."""
    if code == "und" and has_request_context():
        return gettext("unknown")
    return LANG_NAMES.get(code, code)


LANG_NAMES: dict[str, str] = {
    "en": "English", "de": "Deutsch", "es": "Español", "fr": "Français", "it": "Italiano",
    "pt": "Português", "nl": "Nederlands", "pl": "Polski", "ru": "Русский", "ja": "日本語",
    "ko": "한국어", "und": "unknown",
}
