"""Startup stand-ins for the command line: a CLI search is a fresh process each time.

Only ``cli.main`` calls :func:`speed_up_imports`; importing eventsearch patches nothing.
"""

import importlib
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any


def _import_with_stand_in(module: str, name: str, **attrs: Any) -> None:
    """Import ``module`` while ``sys.modules[name]`` is a stand-in offering ``attrs``.

    Two of Whoosh's imports pull in big modules for something a search never uses,
    ~40-55 ms of a 0.3 s CLI search.  The stand-in stays only in the importing
    module's namespace, where any other attribute imports the real module on first
    use; ``sys.modules`` gets it back right after, so every later ``import name``
    is the real module.  Nothing happens if either is imported already, or when
    importing ``module`` fails.
    """
    if module in sys.modules or name in sys.modules:
        return
    stand_in = types.ModuleType(name)
    stand_in.__dict__.update(attrs)

    def real(attr: str) -> Any:
        if sys.modules.get(name) is stand_in:  # still importing ``module``
            raise AttributeError(attr)
        return getattr(importlib.import_module(name), attr)

    stand_in.__dict__["__getattr__"] = real  # a module's __getattr__ (PEP 562)
    sys.modules[name] = stand_in
    try:
        importlib.import_module(module)
    except Exception:  # not installed, another release, anything: nothing to speed up
        pass
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def _later(name: str, attr: str) -> Callable[..., Any]:
    """A function that imports ``name`` when called and calls its ``attr``."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(name), attr)(*args, **kwargs)

    return call


def speed_up_imports() -> None:
    """Import Whoosh's two slow-to-import dependencies through stand-ins (see above).

    Any failure (another Whoosh or cached_property release, anything) only costs the
    speed-up: the real modules are imported as usual when Whoosh needs them.
    """
    # whoosh.compat re-exports urlretrieve, which Whoosh never calls: urllib.request brings
    # http.client, email and ssl (20-35 ms).
    _import_with_stand_in("whoosh.compat", "urllib.request",
                          urlretrieve=_later("urllib.request", "urlretrieve"))
    # cached_property (Whoosh's readers use it) asks asyncio only whether a property is a
    # coroutine function, which inspect answers alike for plain functions: asyncio ~20 ms.
    _import_with_stand_in("cached_property", "asyncio",
                          iscoroutinefunction=inspect.iscoroutinefunction)
