"""Make a ~100k-note corpus from ../shared/corpora/pyvideo/: 5 perturbed copies.

Copy k of `<conference>/videos/<talk>.json` becomes
`copy-k/<conference>/videos/<talk>-k.json` (distinct paths and file names), with a few
words of the title and description swapped with a neighbour, dropped, or given a typo
(seeded per copy and file, so the output is byte-identical on every run and machine).
Speakers, tags, dates and URLs stay as they are, so facets keep realistic shapes;
each folder keeps its category.json so talks keep their conference name.

    python benchmarks/make_100k.py                       # -> benchmarks/.cache/corpus-100k
    python benchmarks/make_100k.py /tmp/corpus-100k --copies 5
    python benchmarks/make_100k.py --copies 46           # ~1M -> benchmarks/.cache/corpus-46x

Without a target, other copy counts than 5 go to their own folder (corpus-<N>x), so a
large corpus never replaces the 100k one that other benchmarks expect.

Nothing is regenerated when the target already holds a complete corpus made with the
same parameters (a `.complete` stamp is written last).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, CORPORA, require_shared

VERSION = 1  # bump when the perturbation changes
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{4,}")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def perturb(text: str, rng: random.Random, rate: float) -> str:
    """Typos and swaps in about `rate` of the words (4+ letters) of text."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if rng.random() >= rate or not WORD.fullmatch(word.strip(".,;:!?()")):
            continue
        kind = rng.randrange(4)
        if kind == 0 and i + 1 < len(words):  # swap with the next word
            words[i], words[i + 1] = words[i + 1], words[i]
        elif kind == 1:  # drop a letter
            j = rng.randrange(1, len(word) - 1)
            words[i] = word[:j] + word[j + 1:]
        elif kind == 2:  # swap two letters
            j = rng.randrange(1, len(word) - 2)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
        else:  # replace a letter
            j = rng.randrange(1, len(word) - 1)
            words[i] = word[:j] + rng.choice(LETTERS) + word[j + 1:]
    return " ".join(words)


def make_copy(source: Path, target: Path, copy: int, rate: float) -> int:
    """Write copy number `copy` of every pyvideo file; return how many talk files."""
    talks = 0
    for folder, _dirs, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        out_dir = target / f"copy-{copy}" / rel
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            src = Path(folder, name)
            if name == "category.json" or not name.endswith(".json"):
                shutil.copyfile(src, out_dir / name)
                continue
            key = (rel / name).as_posix()
            rng = random.Random(f"{VERSION}:{copy}:{key}")
            try:
                data = json.loads(src.read_bytes())
            except ValueError:
                shutil.copyfile(src, out_dir / f"{src.stem}-{copy}.json")
                continue
            if isinstance(data, dict):
                for field in ("title", "description", "summary"):
                    if isinstance(data.get(field), str):
                        data[field] = perturb(data[field], rng, rate)
            (out_dir / f"{src.stem}-{copy}.json").write_text(
                json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            talks += 1
    return talks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", type=Path)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.05,
                        help="share of words perturbed in titles and descriptions")
    args = parser.parse_args()
    require_shared()
    if args.target is None:
        args.target = CACHE / ("corpus-100k" if args.copies == 5 else f"corpus-{args.copies}x")
    source = CORPORA / "pyvideo"
    stamp = {"version": VERSION, "copies": args.copies, "rate": args.rate}
    done = args.target / ".complete"
    if done.exists() and json.loads(done.read_text()) == stamp:
        print(f"{args.target} is up to date")
        return
    started = time.perf_counter()
    partial = args.target.with_name(args.target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    talks = sum(make_copy(source, partial, k, args.rate) for k in range(args.copies))
    (partial / ".complete").write_text(json.dumps(stamp))
    shutil.rmtree(args.target, ignore_errors=True)
    partial.rename(args.target)
    print(f"{talks} talk records in {args.copies} copies written to {args.target} "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
