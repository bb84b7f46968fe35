"""Settings: built-in defaults < TOML file < EVENTSEARCH_* environment < command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from .errors import ConfigError

# One line of help per setting; the README's configuration table mirrors it (tested).
HELP = {
    "index_dir": "Where the index lives (env EVENTSEARCH_INDEX).",
    "corpus": "Folders (or files) of notes to index when no PATH is given "
              "(env EVENTSEARCH_CORPUS, separated by ':').",
    "exclude_drafts": "Leave drafts (draft: true, published: false, draft/ folders) "
                      "out of the index.",
    "workers": "Worker processes that read, detect and write while indexing (0: one per core).",
    "log_file": "Append reindex summaries and failures to this file.",
    "site_title": "Name shown in the web UI and in the browser's search-engine list.",
    "base_url": "Public URL of the web UI, for absolute links in opensearch.xml.",
    "per_page": "Results per page in the web UI.",
    "synonyms": "Extra synonym groups, e.g. [[\"k8s\", \"kubernetes\"]] (added to the "
                "built-in table).",
}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus: tuple[Path, ...] = (Path("corpus"),)
    exclude_drafts: bool = False
    workers: int = 0
    log_file: Path | None = None
    site_title: str = "eventsearch"
    base_url: str | None = None
    per_page: int = 10
    synonyms: tuple[tuple[str, ...], ...] = field(default=())


def find_config(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    env = os.environ.get("EVENTSEARCH_CONFIG")
    if env:
        return Path(env)
    local = Path("eventsearch.toml")
    return local if local.is_file() else None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """The effective settings; ``overrides`` are command-line values (None = not given)."""
    values: dict[str, Any] = {}
    path = find_config(config_file)
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read the configuration file {path}: {exc}") from None
        values.update(_flatten(raw, path))
    if os.environ.get("EVENTSEARCH_INDEX"):
        values["index_dir"] = os.environ["EVENTSEARCH_INDEX"]
    if os.environ.get("EVENTSEARCH_CORPUS"):
        values["corpus"] = os.environ["EVENTSEARCH_CORPUS"].split(os.pathsep)
    values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
    return _coerce(values, path)


def _flatten(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    known = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "web" and isinstance(value, dict):
            out.update(_flatten({("site_title" if k == "title" else k): v
                                 for k, v in value.items()}, path))
        elif key in known:
            out[key] = value
        else:
            raise ConfigError(f"Unknown setting {key!r} in {path}. "
                              f"Known settings: {', '.join(sorted(known))}.")
    return out


def _coerce(values: dict[str, Any], path: Path | None) -> Settings:
    where = f" (in {path})" if path else ""
    try:
        settings = Settings()
        for key, value in values.items():
            if key == "corpus":
                value = (value,) if isinstance(value, str | Path) else value
                value = tuple(Path(v) for v in value)
            elif key in ("index_dir", "log_file"):
                value = Path(value)
            elif key in ("workers", "per_page"):
                value = int(value)
            elif key == "exclude_drafts":
                value = bool(value)
            elif key == "synonyms":
                value = tuple(tuple(str(w) for w in group) for group in value)
            settings = replace(settings, **{key: value})
        return settings
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Invalid setting{where}: {exc}") from None
