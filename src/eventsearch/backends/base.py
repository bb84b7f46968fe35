"""The engine seam: what a search backend is, and what it must guarantee.

The CLI, the web app and the reindex job see an engine only through `Backend`
(``backends.open_backend(settings)`` picks one by the ``backend`` setting); the read
side goes through ``eventsearch.search.SearchIndex``, a thin service that checks the
request, parses the query once and hands the parsed query to the backend.  Everything
engine-specific (imports of Whoosh, SQL, on-disk layout) stays in ``backends/<name>/``.

What every backend guarantees:

- **The same answers in the same shape.**  ``search`` returns a `SearchResult` whose
  ``to_dict()`` is the document the JSON API and ``search --json`` print: hits with
  snippets, disjunctive facet counts (each facet counted as if its own selection were
  removed), messages, the "did you mean" suggestion.  Notes are `Note` objects; ids
  are corpus-relative paths.  The shared suite (``tests/test_backend_suite.py``) runs
  the same assertions against every registered backend.
- **The query crosses the seam parsed, never as a string.**  ``query/`` parses the
  text once into a `ParsedQuery` (the plan plus the filters in the text); a backend
  compiles that plan, it does not re-parse ``request.q`` (haystack #581: a string
  every backend re-parses drifts apart per engine).
- **Atomic apply.**  ``build`` makes a whole new index and swaps it in in one step;
  ``update`` applies every added, changed, removed and moved note of a run in one
  commit.  A reader sees the old state or the new one, never half of a run; a failed
  or killed run leaves the live index as it was.
- **One writer.**  ``build`` and ``update`` hold a single-writer lock for the whole
  run; a second writer waits up to ``wait`` seconds, then raises `IndexLocked`.
- **Readers are never blocked** by a writer, and see a commit as soon as it is made
  (no restart, no reopen by the caller); ``version()`` changes with every commit, so
  callers can key caches on it.
- **Errors are ours.**  A missing, outdated or damaged index raises a subclass of
  `IndexUnavailable` (the web app answers 503 with its message, the CLI exits 1);
  a bad request raises `QueryError`.  Engine exceptions do not leak.
- **Fail loudly.**  A backend that cannot do something raises `NotImplementedError`
  (or refuses to open); it never returns empty facets, an empty suggestion list or a
  plausible-looking default and logs a warning (haystack #354, #1172: silently empty
  facets are worse than an error).  ``open_backend`` refuses a class that lacks a
  method of this protocol.
- **Construction is cheap** and touches nothing: ``build`` works before any index
  exists; ``open()`` (or the first read) opens the index.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..model import IndexReport, Note, SearchQuery, SearchResult
    from ..query import ParsedQuery
    from ..text.snippets import QueryTerms

Progress = Callable[[int, int], None]
SuggestEntry = tuple[str, str, str, int]  # (label, kind "tag"|"speaker"|"title", key, count)


@runtime_checkable
class Backend(Protocol):
    """A search engine behind eventsearch (see the module docstring for its duties)."""

    name: str  # the ``backend`` setting that selects it: "whoosh"

    # -- writing (the reindex job, `eventsearch index` / `reindex`) ----------------------

    def build(self, roots: Sequence[Path], *, workers: int = 0, exclude_drafts: bool = False,
              progress: Progress | None = None, wait: float = 0.0) -> IndexReport:
        """A new index of the notes under ``roots``, swapped in atomically."""
        ...

    def update(self, roots: Sequence[Path] | None, *, full: bool = False, workers: int = 0,
               exclude_drafts: bool = False, progress: Progress | None = None,
               wait: float = 0.0, default_roots: Sequence[Path] = ()) -> IndexReport:
        """Apply the notes added, changed, removed and moved since the last run in one
        atomic step (a full build when ``full``, or when it must).  ``roots=None``: the
        roots the index was built from, else ``default_roots``.  IndexLocked when
        another writer holds the lock for longer than ``wait`` seconds."""
        ...

    def exists(self) -> bool:
        """Whether there is an index at all (of any version, damaged or not)."""
        ...

    # -- reading (SearchIndex, the web app) ----------------------------------------------

    def open(self) -> None:
        """Open the index for reading now; IndexUnavailable (with its fix) if impossible."""
        ...

    def search(self, parsed: ParsedQuery, request: SearchQuery) -> SearchResult:
        """One page of results with facets, for a checked request and its parsed query."""
        ...

    def highlight_terms(self, parsed: ParsedQuery) -> QueryTerms:
        """The forms a note page marks for a parsed query (those the snippets mark)."""
        ...

    def get_note(self, note_id: str) -> Note | None:
        """One note by its id (its corpus-relative path), or None."""
        ...

    def stats(self) -> dict[str, Any]:
        """notes, by_lang, by_format, drafts, built_at, updated_at, roots, index, format,
        skipped (what `eventsearch stats --json` prints)."""
        ...

    def health(self) -> dict[str, Any]:
        """What /healthz reports: ok, status (200/503), index ("present", "missing",
        "damaged"), and when ok notes, built_at, updated_at, last_indexed; else error."""
        ...

    def version(self) -> Hashable:
        """A token that changes whenever a new commit becomes visible (for caches)."""
        ...

    def suggest_entries(self) -> list[SuggestEntry]:
        """Every tag and speaker (with its facet key and note count) and every note
        title (key: the note id, count 1), for search-as-you-type."""
        ...

    def close(self) -> None:
        """Release what the calling thread holds (the index stays usable)."""
        ...


METHODS = tuple(name for name, value in vars(Backend).items()
                if callable(value) and not name.startswith("_"))


def missing_methods(cls: type) -> list[str]:
    """What a backend class lacks of the protocol: methods that are not there (or not
    callable) and a missing ``name``.  Empty for a backend."""
    missing = [name for name in METHODS if not callable(getattr(cls, name, None))]
    if not isinstance(getattr(cls, "name", None), str):
        missing.append("name")
    return missing
