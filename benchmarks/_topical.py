"""Topical precision for quality.py: P@10 and nDCG@10 of browse queries ("Kubernetes
Sicherheit", "data privacy talks") against graded judgments, for eventsearch and the plain
baseline.  Known-item MRR says whether the one remembered note comes first; it says nothing
about the other nine places, which is where expansions (synonyms, compound parts, folds)
can fill a page with notes that are not about the topic.

Topical files are JSONL: {"id", "query", "lang"}.  Judgments are JSONL: {"query", "path",
"grade"} with grade 0 (not about the topic), 1 (partly), 2 (about it).  A hit nobody judged
counts as 0 and is reported, so a changed engine's new pool can be judged later
(``--pool FILE`` writes the unjudged hits with their titles and openings for that).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from _common import print_table

from eventsearch.model import Hit

K = 10


def load_judgments(path: Path) -> dict[str, dict[str, int]]:
    """{query: {path: grade}} from a judgments file (empty when it does not exist yet)."""
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                grades[row["query"]][row["path"]] = int(row["grade"])
    return grades


def precision(paths: list[str], grades: dict[str, int]) -> float:
    """Share of the top 10 places holding a note judged at least partly about the topic
    (an empty place counts as a miss, as it does for the user)."""
    return sum(grades.get(p, 0) >= 1 for p in paths[:K]) / K


def ndcg(paths: list[str], grades: dict[str, int]) -> float:
    """Graded nDCG@10 (gains 0/1/2); the ideal ranking is built from every judged note of
    the query, so both engines are measured against the same pool."""
    dcg = sum(grades.get(p, 0) / math.log2(i + 1) for i, p in enumerate(paths[:K], 1))
    ideal = sorted(grades.values(), reverse=True)[:K]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def run_topical(queries: list[dict], judgments: dict[str, dict[str, int]],
                ours: Callable[[str], list[Hit]], baseline: Callable[[str], list[str]] | None,
                pool_out: Path | None = None) -> None:
    """Print per-query and overall P@10 / nDCG@10, unjudged counts, and how many of our top
    10 matched some query word only through an expansion (``matched_via``) and how many
    only through a weak one (``expansion_only``: ranked after the rest)."""
    rows: list[list[object]] = []
    sums: dict[str, list[float]] = defaultdict(list)
    unjudged: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    for q in queries:
        grades = judgments.get(q["query"], {})
        hits = ours(q["query"])[:K]
        mine = [h.path for h in hits]
        titles.update((h.path, h.title) for h in hits)
        via = sum(bool(h.matched_via) for h in hits)
        only = sum(h.expansion_only for h in hits)
        row: list[object] = [q["id"], q["query"][:34], q.get("lang", ""),
                             precision(mine, grades), ndcg(mine, grades),
                             sum(p not in grades for p in mine), f"{via}/{len(hits)}",
                             f"{only}/{len(hits)}"]
        runs = {"ours": mine}
        if baseline is not None:
            base = baseline(q["query"])[:K]
            runs["plain"] = base
            row += [precision(base, grades), ndcg(base, grades), sum(p not in grades for p in base)]
        for name, paths in runs.items():
            for key in ("all", f"lang:{q.get('lang', '')}"):
                sums[f"{name} P {key}"].append(precision(paths, grades))
                sums[f"{name} N {key}"].append(ndcg(paths, grades))
            unjudged[q["query"]] |= {p for p in paths if p not in grades}
        rows.append(row)
    headers = ["id", "query", "lang", "ours P@10", "nDCG@10", "unjudged", "expanded", "exp-only"]
    if baseline is not None:
        headers += ["plain P@10", "nDCG@10", "unjudged"]
    print_table(headers, rows)
    print()
    summary = []
    for key in sorted({k.split(" ", 2)[2] for k in sums}, key=lambda k: (k != "all", k)):
        line: list[object] = [key, len(sums[f"ours P {key}"])]
        for name in ("ours", "plain"):
            if f"{name} P {key}" in sums:
                line += [_mean(sums[f"{name} P {key}"]), _mean(sums[f"{name} N {key}"])]
        summary.append(line)
    heads = ["group", "n", "eventsearch P@10", "nDCG@10"]
    if baseline is not None:
        heads += ["plain P@10", "nDCG@10"]
    print_table(heads, summary)
    filled = [r[0] for r in rows if r[6] == f"{K}/{K}"]
    print(f"\nqueries whose top {K} all matched some word through an expansion: "
          f"{len(filled)}" + (f" ({', '.join(map(str, filled))})" if filled else ""))
    only = [r[0] for r in rows if r[7] == f"{K}/{K}"]
    print(f"queries whose top {K} is filled by expansion-only matches (weak expansions, "
          f"expansion_only): {len(only)}" + (f" ({', '.join(map(str, only))})" if only else ""))
    total = sum(len(v) for v in unjudged.values())
    print(f"unjudged hits in the pooled top {K}s: {total}")
    if pool_out is not None and total:
        with pool_out.open("w", encoding="utf-8") as f:
            for query, pooled in unjudged.items():
                for p in sorted(pooled):
                    f.write(json.dumps({"query": query, "path": p, "grade": None,
                                        "title": titles.get(p, "")},
                                       ensure_ascii=False) + "\n")
        print(f"wrote them to {pool_out}: judge each (grade 0/1/2) and append to the "
              "judgments file")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")
