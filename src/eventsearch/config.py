"""Settings: built-in defaults < TOML file < EVENTSEARCH_* environment < command-line flags."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import ConfigError
from .query.budget import DEFAULT as LIMITS
from .query.budget import MINIMUM, NAMES

# One line of help per setting; the README's configuration table mirrors it (tested).
HELP = {
    "backend": "The search engine holding the index: whoosh (an index folder) or "
               "postgresql (a database) (env EVENTSEARCH_BACKEND).",
    "database_url": "With backend = postgresql: the primary database, where every write "
                    "goes (env EVENTSEARCH_DATABASE_URL), e.g. "
                    "postgresql://user:pass@host:5432/db.",
    "read_database_url": "With backend = postgresql: where searches go, e.g. a streaming "
                         "replica or a PgBouncer in front of replicas; default: database_url "
                         "(env EVENTSEARCH_READ_DATABASE_URL).",
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
    "lexicon": "Folder of the FreeDict German-English dictionaries (Debian's "
               "dict-freedict-deu-eng and dict-freedict-eng-deu) that translate query words; "
               "off: none (env EVENTSEARCH_LEXICON).",
    # The cost budget of one query ([search] table; env EVENTSEARCH_<NAME>).
    "max_words": "Words of a query that are searched (in phrases and OR chains too); the "
                 "rest is cut.",
    "max_filters": "Field filters (tag:, speaker:, lang:, date:) in a query's text; the rest "
                   "are ignored.",
    "max_expansions": "Words one wildcard or ~ term expands to; the ones in the most notes "
                      "are kept.",
    "max_query_expansions": "Words all wildcard and ~ terms of one query expand to together.",
    "max_expanded_terms": "Terms of one query that are expanded at all: wildcards, ~ terms "
                          "and automatic typo corrections.",
    "min_prefix": "Letters a wildcard term needs before its first * (a* is left out).",
    "leading_wildcards": "Search terms that start with * or ? (*ing); off, they are left out.",
    "time_budget_ms": "Time after which a search answers with what it has, saying the "
                      "results are partial.",
}


@dataclass(frozen=True)
class Settings:
    backend: str = "whoosh"
    database_url: str | None = None
    read_database_url: str | None = None
    index_dir: Path = Path("index")
    corpus: tuple[Path, ...] = (Path("corpus"),)
    exclude_drafts: bool = False
    workers: int = 0
    log_file: Path | None = None
    site_title: str = "eventsearch"
    base_url: str | None = None
    per_page: int = 10
    synonyms: tuple[tuple[str, ...], ...] = field(default=())
    lexicon: str = "/usr/share/dictd"
    max_words: int = LIMITS.max_words
    max_filters: int = LIMITS.max_filters
    max_expansions: int = LIMITS.max_expansions
    max_query_expansions: int = LIMITS.max_query_expansions
    max_expanded_terms: int = LIMITS.max_expanded_terms
    min_prefix: int = LIMITS.min_prefix
    leading_wildcards: bool = LIMITS.leading_wildcards
    time_budget_ms: int = LIMITS.time_budget_ms


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
    if os.environ.get("EVENTSEARCH_BACKEND", "").strip():
        values["backend"] = os.environ["EVENTSEARCH_BACKEND"].strip()
    for name in ("database_url", "read_database_url"):
        env = f"EVENTSEARCH_{name.upper()}"
        if os.environ.get(env, "").strip():
            values[name] = os.environ[env].strip()
    if os.environ.get("EVENTSEARCH_LEXICON", "").strip():
        values["lexicon"] = os.environ["EVENTSEARCH_LEXICON"].strip()
    if os.environ.get("EVENTSEARCH_INDEX"):
        values["index_dir"] = os.environ["EVENTSEARCH_INDEX"]
    if os.environ.get("EVENTSEARCH_CORPUS"):
        values["corpus"] = os.environ["EVENTSEARCH_CORPUS"].split(os.pathsep)
    for name in NAMES:
        env = f"EVENTSEARCH_{name.upper()}"
        if os.environ.get(env, "").strip():
            values[name] = os.environ[env].strip()
    values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
    return _coerce(values, path)


def _flatten(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    known = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "web" and isinstance(value, dict):
            out.update(_flatten({("site_title" if k == "title" else k): v
                                 for k, v in value.items()}, path))
        elif key == "search" and isinstance(value, dict):
            for k in value:
                if k not in NAMES:
                    raise ConfigError(f"Unknown setting {k!r} in the [search] table of {path}. "
                                      f"Known there: {', '.join(NAMES)}.")
            out.update(value)
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
            elif key == "backend":
                value = str(value).strip().lower()
            elif key in ("database_url", "read_database_url"):
                value = str(value).strip() or None
            elif key == "lexicon":
                value = str(value).strip()
            elif key == "exclude_drafts":
                value = bool(value)
            elif key == "synonyms":
                value = tuple(tuple(str(w) for w in group) for group in value)
            elif key == "leading_wildcards":
                value = _flag(key, value)
            elif key in MINIMUM:
                value = _limit(key, value)
            settings = replace(settings, **{key: value})
        return settings
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Invalid setting{where}: {exc}") from None


def _limit(name: str, value: Any) -> int:
    """A whole number no lower than the limit's minimum (TOML integers, or digits from
    the environment); anything else is refused with the reason."""
    low = MINIMUM[name]
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of at least {low}, not {value!r}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, not {value}")
    return value


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")
