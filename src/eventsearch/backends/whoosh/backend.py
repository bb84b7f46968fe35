"""`WhooshBackend`: the `backends.base.Backend` over an index folder of Whoosh generations.

Reading is `searcher.WhooshSearcher` (per-thread searchers that follow commits and
swaps); writing delegates to `build.build_index` and `update.update_index`, which hold
the writer lock (`lock.py`) and publish a run in one commit or one `current` swap.
The writer modules are imported when called, so a server never loads them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from ...errors import IndexDamaged, IndexUnavailable
from ...model import IndexReport
from ...query.budget import Limits
from ...text.synonyms import load_synonyms
from ..base import Progress, SuggestEntry
from .searcher import WhooshSearcher, stored_data
from .storage import current_generation, read_meta


class WhooshBackend(WhooshSearcher):
    name = "whoosh"

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> WhooshBackend:
        """The backend of the user's settings (index folder, synonym groups, query
        limits); ``options`` override the constructor's (synonyms, typo_tolerance)."""
        options.setdefault(
            "synonyms", load_synonyms(settings.synonyms, lexicon=settings.lexicon))
        options.setdefault("limits", Limits.from_settings(settings))
        return cls(settings.index_dir, **options)

    # -- writing -------------------------------------------------------------------------

    def build(self, roots: Sequence[Path], *, workers: int = 0, exclude_drafts: bool = False,
              progress: Progress | None = None, wait: float = 0.0) -> IndexReport:
        from .build import build_index

        return build_index(roots, self.index_dir, workers=workers,
                           exclude_drafts=exclude_drafts, progress=progress, wait=wait)

    def update(self, roots: Sequence[Path] | None, *, full: bool = False, workers: int = 0,
               exclude_drafts: bool = False, progress: Progress | None = None,
               wait: float = 0.0, default_roots: Sequence[Path] = ()) -> IndexReport:
        from .update import update_index

        return update_index(roots, self.index_dir, full=full, workers=workers,
                            exclude_drafts=exclude_drafts, progress=progress, wait=wait,
                            default_roots=default_roots)

    def exists(self) -> bool:
        return current_generation(self.index_dir) is not None

    # -- reading -------------------------------------------------------------------------

    def version(self) -> Hashable:
        searcher = self.searcher()
        return self._key(searcher)

    def health(self) -> dict[str, Any]:
        try:
            searcher = self.searcher()
            gen = self.generation_dir
            damage = self.damage()
            if damage:
                raise IndexDamaged(f"The index in {gen} is damaged: {damage}. "
                                   "Rebuild it with `eventsearch reindex`.")
        except IndexUnavailable as exc:
            kind = "damaged" if isinstance(exc, IndexDamaged) else "missing"
            return {"ok": False, "error": str(exc), "status": 503, "index": kind}
        meta = read_meta(gen)
        return {"ok": True, "status": 200, "index": "present",
                "notes": searcher.doc_count(), "generation": gen.name,
                "built_at": meta.get("built_at"), "updated_at": meta.get("updated_at"),
                "last_indexed": meta.get("updated_at") or meta.get("built_at")}

    def suggest_entries(self) -> list[SuggestEntry]:
        searcher = self.searcher()
        with self.checked():
            table = self._facet_table(searcher)
            reader = searcher.reader()
            data = stored_data(reader)
            entries = [(table.display(kind, key, data), kind, key, len(docs))
                       for kind in ("tag", "speaker") for key, docs in table.postings[kind].items()]
            for stored in reader.all_stored_fields():
                if stored.get("title") and stored.get("path"):
                    entries.append((stored["title"], "title", stored["path"], 1))
        return entries
