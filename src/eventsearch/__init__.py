"""eventsearch: find any talk, speaker or topic in your event notes (English and German)."""

import sys
import types

__version__ = "0.1.0"


def _import_whoosh_compat() -> None:
    """Import ``whoosh.compat`` without ``urllib.request``.

    whoosh.compat imports urllib.request (and with it http.client, email and ssl:
    20-35 ms, a tenth of a CLI search) only to re-export ``urlretrieve``, which
    Whoosh never calls.  While whoosh.compat is imported, a stand-in module offers a
    ``urlretrieve`` that imports the real one when called; the stand-in is removed
    right after, so any later ``import urllib.request`` gets the real module.
    """
    if "whoosh.compat" in sys.modules or "urllib.request" in sys.modules:
        return

    def urlretrieve(*args, **kwargs):  # type: ignore[no-untyped-def]
        from urllib.request import urlretrieve as real

        return real(*args, **kwargs)

    stand_in = types.ModuleType("urllib.request")
    stand_in.urlretrieve = urlretrieve  # type: ignore[attr-defined]
    sys.modules["urllib.request"] = stand_in
    try:
        import whoosh.compat  # noqa: F401
    finally:
        if sys.modules.get("urllib.request") is stand_in:
            del sys.modules["urllib.request"]


_import_whoosh_compat()
