"""Search engines behind eventsearch, chosen by the ``backend`` setting.

`base.Backend` is the interface (and its module docstring what each backend must
guarantee); ``open_backend(settings)`` returns the configured one: ``whoosh``
(`backends.whoosh`, an index folder on disk, the default) or ``postgresql``
(`backends.postgresql`, a database that replicates, for several web servers).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ConfigError
from .base import Backend, missing_methods

# name -> "module:Class", imported only when chosen (a CLI search never loads the others)
BACKENDS = {"whoosh": "eventsearch.backends.whoosh.backend:WhooshBackend",
            "postgresql": "eventsearch.backends.postgresql.backend:PostgresBackend"}
PLANNED: dict[str, str] = {}  # name -> why it cannot be chosen yet


def backend_class(name: str) -> type:
    """The class registered under ``name``; ConfigError naming the choices otherwise, or
    when the class lacks part of the `Backend` protocol (it would fail later, quietly)."""
    if name in PLANNED:
        raise ConfigError(f"backend = {name!r}: {PLANNED[name]}. "
                          f"Available: {', '.join(sorted(BACKENDS))}.")
    if name not in BACKENDS:
        raise ConfigError(f"Unknown backend {name!r}. Choices: {', '.join(sorted(BACKENDS))} "
                          f"(planned: {', '.join(sorted(PLANNED))}).")
    module, _, attr = BACKENDS[name].partition(":")
    cls: type = getattr(importlib.import_module(module), attr)
    check_backend(cls)
    return cls


def check_backend(cls: type) -> None:
    """ConfigError unless ``cls`` implements every method of the `Backend` protocol (and
    the ``from_settings(settings, **options)`` constructor open_backend calls)."""
    missing = missing_methods(cls)
    if not callable(getattr(cls, "from_settings", None)):
        missing.append("from_settings")
    if missing:
        raise ConfigError(f"The backend class {cls.__module__}.{cls.__qualname__} does not "
                          f"implement {', '.join(missing)} of the Backend protocol.")


def open_backend(settings: Any, **options: Any) -> Backend:
    """The backend named by ``settings.backend`` (default "whoosh"), made from the
    settings; ``options`` go to its constructor (e.g. synonyms=False, typo_tolerance).
    Cheap: nothing is opened until the first read (or ``open()``)."""
    cls = backend_class(getattr(settings, "backend", "whoosh"))
    backend: Backend = cls.from_settings(settings, **options)  # type: ignore[attr-defined]
    return backend


__all__ = ["BACKENDS", "Backend", "backend_class", "check_backend", "open_backend"]
