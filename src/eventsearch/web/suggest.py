"""Search-as-you-type suggestions from titles, tags and speakers.

Built once per index generation (a sorted word list, searched by bisection),
so each call costs microseconds, not a scan.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass

from ..analyze import fold

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str  # "speaker" | "tag" | "title"
    weight: int  # notes with this tag/speaker; 1 for a title

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "kind": self.kind}


class Suggester:
    def __init__(self, reader, table) -> None:  # type: ignore[no-untyped-def]
        entries: list[Suggestion] = []
        for kind, field in (("speaker", "speaker"), ("tag", "tag")):
            for key, docs in table.postings[field].items():
                entries.append(Suggestion(table.display(field, key), kind, len(docs)))
        for docnum in reader.all_doc_ids():
            title = reader.stored_fields(docnum).get("title")
            if title:
                entries.append(Suggestion(title, "title", 1))
        self.entries = entries
        words: set[tuple[str, int]] = set()
        for i, entry in enumerate(entries):
            for word in _WORD.findall(entry.label.lower()):
                words.add((fold(word), i))
        self.words = sorted(words)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        terms = [fold(w) for w in _WORD.findall(prefix.lower())]
        if not terms or len(terms[-1]) < 2:
            return []
        *complete, last = terms
        found: dict[int, None] = {}
        i = bisect_left(self.words, (last, -1))
        while i < len(self.words) and self.words[i][0].startswith(last) and len(found) < 2000:
            found[self.words[i][1]] = None
            i += 1
        results = []
        for n in found:
            entry = self.entries[n]
            label_words = {fold(w) for w in _WORD.findall(entry.label.lower())}
            if all(w in label_words for w in complete):
                results.append(entry)
        order = {"speaker": 0, "tag": 1, "title": 2}
        results.sort(key=lambda e: (order[e.kind], -e.weight, len(e.label)))
        unique: dict[str, Suggestion] = {}
        for entry in results:
            unique.setdefault(entry.label.casefold(), entry)
        return list(unique.values())[:limit]


def suggestions_json(items: list[Suggestion]) -> str:
    return json.dumps([s.to_dict() for s in items], ensure_ascii=False)
