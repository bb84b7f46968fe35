"""Known-item search quality: MRR@10 and success@10, overall and per kind and language,
for eventsearch and for a plain Whoosh baseline (StandardAnalyzer over title and body,
no stemming) indexed from the same notes.

    python benchmarks/quality.py                       # dev queries over ../shared/corpora
    python benchmarks/quality.py --queries other.jsonl --rebuild -v
    python benchmarks/quality.py --backend postgresql   # the same on our PostgreSQL backend
                                                        # (a throwaway server, or --database-url)
    python benchmarks/quality.py --topical benchmarks/topical.jsonl   # P@10, nDCG@10 (_topical.py)

Query files are JSONL: {"id", "query", "kind", "lang", "targets": [paths relative to the
corpora folder]}; benchmarks/known-items-unseen.jsonl is a second set written from notes the
dev set does not use.  Indexes are cached under benchmarks/.cache/ (use --rebuild after changes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from _common import CACHE, CORPORA, SHARED, machine, print_table, require_shared
from _topical import load_judgments, run_topical

from eventsearch.backends.whoosh.build import build_index
from eventsearch.model import Hit, SearchQuery
from eventsearch.readers.load import load_notes
from eventsearch.readers.scan import corpus_files
from eventsearch.search import SearchIndex
from eventsearch.text.lexicon import DEFAULT_DIR as DEFAULT_LEXICON
from eventsearch.text.synonyms import load_synonyms


def build_baseline(corpus: Path, target: Path) -> None:
    from whoosh import index as wi
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    schema = Schema(path=ID(stored=True, unique=True),
                    title=TEXT(analyzer=StandardAnalyzer()), body=TEXT(analyzer=StandardAnalyzer()))
    ix = wi.create_in(str(target), schema)
    writer = ix.writer(limitmb=256)
    files = corpus_files([corpus])
    for key, note, _ in load_notes(files, sorted(files), workers=0):
        if note is not None:
            writer.add_document(path=key, title=note.title, body=note.text)
    writer.commit()


def baseline_search(target: Path):  # type: ignore[no-untyped-def]
    from whoosh import index as wi
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = wi.open_dir(str(target))
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def run(text: str) -> list[str]:
        return [hit["path"] for hit in searcher.search(parser.parse(text), limit=10)]

    return run


def evaluate(queries: list[dict], search) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """Reciprocal ranks grouped by 'all', kind and lang."""
    groups: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        paths = search(q["query"])[:10]
        ranks = [i for i, p in enumerate(paths, 1) if p in q["targets"]]
        rr = 1 / ranks[0] if ranks else 0.0
        q["_rank"] = ranks[0] if ranks else None
        for key in ("all", f"kind:{q['kind']}", f"lang:{q['lang']}"):
            groups[key].append(rr)
    return groups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=Path, default=SHARED / "eval" / "known-items-dev.jsonl")
    ap.add_argument("--corpus", type=Path, default=CORPORA)
    ap.add_argument("--index", type=Path, default=CACHE / "corpora-index")
    ap.add_argument("--rebuild", action="store_true", help="Rebuild both indexes.")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="List every query's rank.")
    ap.add_argument("--backend", choices=("whoosh", "postgresql"), default="whoosh",
                    help="Our backend to measure; postgresql also reports how many queries "
                         "have the same top 10 as the Whoosh backend.")
    ap.add_argument("--database-url", help="with --backend postgresql: an empty database "
                    "(default: a throwaway server)")
    ap.add_argument("--topical", type=Path, help="Topical queries (JSONL): report P@10 and "
                    "nDCG@10 against graded judgments instead of known-item MRR.")
    ap.add_argument("--judgments", type=Path, help="with --topical: graded judgments (default: "
                    "the topical file's name with -judgments.jsonl)")
    ap.add_argument("--pool", type=Path, help="with --topical: write the unjudged top-10 hits "
                    "here, to be judged")
    ap.add_argument("--lexicon", default=str(DEFAULT_LEXICON),
                    help="the lexicon setting: the FreeDict folder, or off (an ablation)")
    args = ap.parse_args()
    if args.corpus == CORPORA:
        require_shared()
    queries = _read_jsonl(args.topical or args.queries)

    if args.rebuild or not (args.index / "current").exists():
        started = time.perf_counter()
        report = build_index([args.corpus], args.index)
        print(f"built eventsearch index: {report.notes} notes in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    index = warmed(SearchIndex(args.index, synonyms=load_synonyms(lexicon=args.lexicon)))

    def ours(text: str) -> list[Hit]:
        return index.search(SearchQuery(q=text, per_page=10)).hits

    with ExitStack() as stack:
        if args.backend == "postgresql":
            ours = _on_postgresql(args, stack, ours, queries)
        if args.topical:
            judged = args.judgments or args.topical.with_name(
                args.topical.stem + "-judgments.jsonl")
            run_topical(queries, load_judgments(judged), ours,
                        None if args.no_baseline else baseline_search(_baseline_dir(args)),
                        args.pool)
        else:
            print_report(args, queries, lambda text: [h.path for h in ours(text)])


def warmed(index: SearchIndex) -> SearchIndex:
    """The index after one search: a process's first search also opens the lexicon table
    and warms the vocabulary; on a busy machine that can spend its time budget and rank
    it partially, so the figures would depend on which query came first."""
    index.search(SearchQuery(q="warm up the lexicon", per_page=10))
    return index


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _baseline_dir(args: argparse.Namespace) -> Path:
    """The plain Whoosh index, built on first use (and with --rebuild)."""
    base_dir = CACHE / "baseline-index"
    if args.rebuild or not base_dir.exists():
        build_baseline(args.corpus, base_dir)
    return base_dir


def _on_postgresql(args, stack: ExitStack, whoosh, queries: list[dict]):  # type: ignore[no-untyped-def]
    """Our PostgreSQL backend built from the same corpus; prints how many queries get the
    same top 10 as the Whoosh backend."""
    from eventsearch.backends import open_backend
    from eventsearch.config import Settings

    url = args.database_url
    if url is None:
        from _pg import start_cluster

        url, stop = start_cluster(stack.enter_context(tempfile.TemporaryDirectory()))
        stack.callback(stop)
    backend = open_backend(Settings(backend="postgresql", database_url=url,
                                    lexicon=args.lexicon))
    started = time.perf_counter()
    built = backend.build([args.corpus])
    print(f"built the PostgreSQL index: {built.notes} notes in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    index = warmed(SearchIndex(Path("unused"), backend=backend))

    def ours(text: str) -> list[Hit]:
        return index.search(SearchQuery(q=text, per_page=10)).hits

    same = sum([h.path for h in ours(q["query"])] == [h.path for h in whoosh(q["query"])]
               for q in queries)
    print(f"same top 10 as the Whoosh backend: {same} of {len(queries)} queries")
    return ours


def print_report(args: argparse.Namespace, queries: list[dict], ours) -> None:  # type: ignore[no-untyped-def]
    results = {f"eventsearch ({args.backend})": evaluate(queries, ours)}
    ranks = {q["id"]: q["_rank"] for q in queries}
    base_ranks: dict[str, int | None] = {}
    if not args.no_baseline:
        results["plain whoosh"] = evaluate(queries, baseline_search(_baseline_dir(args)))
        base_ranks = {q["id"]: q["_rank"] for q in queries}

    print(f"{len(queries)} queries from {args.queries.name}; {machine()}")
    first = next(iter(results.values()))
    keys = sorted(first, key=lambda k: (k != "all", k))
    headers = ["group", "n"]
    for name in results:
        headers += [f"{name} MRR@10", f"{name} S@10"]
    rows = []
    for key in keys:
        row: list[object] = [key, len(first[key])]
        for groups in results.values():
            rr = groups[key]
            row += [sum(rr) / len(rr), sum(r > 0 for r in rr) / len(rr)]
        rows.append(row)
    print_table(headers, rows)
    if args.verbose:
        print()
        for q in queries:
            print(f"{q['id']} {q['kind']:9} ours={ranks[q['id']]!s:5} "
                  f"base={base_ranks.get(q['id'])!s:5} {q['query']}")


if __name__ == "__main__":
    main()
