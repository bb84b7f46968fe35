"""Damaged index files, checksums and durable commits (issue 17).

Real indexes of corpus/, damaged the way a disk error or a stray write would (bytes
overwritten in the middle of a segment, mtime kept), real `eventsearch` processes, the
Flask app, and the system calls of real runs traced with strace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.integrity import MANIFEST_FILE, check, live_files, read_manifest
from eventsearch.backends.whoosh.storage import current_generation
from eventsearch.backends.whoosh.update import update_index
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

from .conftest import PROJECT, SAMPLE_CORPUS

EVENTSEARCH = [sys.executable, "-m", "eventsearch"]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
NOTE = "plain/announcements/kubernetes-community-day-munich-2024.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EVENTSEARCH, *args], capture_output=True, text=True,
                          env=CHILD_ENV, timeout=300, check=False)


def segment_file(gen: Path) -> Path:
    (seg,) = gen.glob("*.seg")
    return seg


def damage(gen: Path, part: str, share: float) -> Path:
    """Overwrite `share` of the part (a file inside the compound segment: "pst" the
    postings, "_stored.col" the stored fields) around its middle, keeping the mtime."""
    seg = segment_file(gen)
    compound = CompoundStorage(FileStorage(str(gen)).open_file(seg.name), use_mmap=False)
    (entry,) = [d for name, d in compound._dir.items() if name.split(".", 1)[1] == part]
    compound.close()
    before = seg.stat()
    size = max(1, int(entry["length"] * share))
    with open(seg, "r+b") as f:
        f.seek(entry["offset"] + entry["length"] // 2 - size // 2)
        f.write(b"\xa5" * size)
    os.utime(seg, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert seg.stat().st_size == before.st_size
    return seg


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    index_dir = tmp_path / "ix"
    build_index([SAMPLE_CORPUS], index_dir, workers=1)
    return index_dir


def client_of(index_dir: Path):  # type: ignore[no-untyped-def]
    from eventsearch.config import load_settings
    from eventsearch.web import create_app

    return create_app(load_settings(index_dir=index_dir),
                      test_config={"TESTING": True}).test_client()


def hits(index_dir: Path, q: str) -> list[str]:
    found = run("search", q, "--json", "--limit", "100", "--index", str(index_dir))
    assert found.returncode == 0, found.stderr
    return [h["path"] for h in json.loads(found.stdout)["hits"]]


# -- damage at query time --------------------------------------------------------------


@pytest.mark.parametrize(("part", "share"), [("_stored.col", 0.9), ("pst", 0.9)])
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_damaged_segment_is_reported_then_repaired_by_a_plain_reindex(
        index_dir: Path, part: str, share: float) -> None:
    want = hits(index_dir, "python")
    assert want
    gen = current_generation(index_dir)
    assert gen is not None
    seg = damage(gen, part, share)
    reason = (f"The index in {gen} is damaged: {seg.name} does not match the checksum "
              "its commit recorded")

    found = run("search", "python", "--index", str(index_dir))
    assert found.returncode == 1 and found.stdout == ""
    assert found.stderr.count("\n") == 1 and "Traceback" not in found.stderr
    assert found.stderr.startswith(f"Error: {reason}")
    assert "Rebuild it with `eventsearch reindex`." in found.stderr
    other = run("show" if part == "_stored.col" else "stats", *([NOTE] if part == "_stored.col"
                                                              else []), "--index", str(index_dir))
    assert other.returncode == 1 and other.stderr.startswith(f"Error: {reason}")

    client = client_of(index_dir)
    api = client.get("/api/search?q=python")
    assert api.status_code == 503 and api.get_json()["error"].startswith(reason)
    page = client.get("/search?q=python")
    assert page.status_code == 503 and "is damaged" in page.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["index"] == "damaged"
    assert health.get_json()["error"].startswith(f"The index in {gen} is damaged: {seg.name}")
    if part == "_stored.col":  # titles for suggestions come from the stored fields
        assert client.get("/api/suggest?q=ku").status_code == 503

    repaired = run("reindex", "--index", str(index_dir))
    assert repaired.returncode == 0 and repaired.stdout == ""
    assert repaired.stderr == (f"eventsearch: The index in {gen} is damaged: {seg.name} does "
                               "not match the checksum its commit recorded; rebuilt it from "
                               "scratch.\n")
    assert current_generation(index_dir) != gen
    assert hits(index_dir, "python") == want
    assert client.get("/healthz").status_code == 200  # the same app, no restart
    assert client.get("/api/search?q=python").get_json()["total"] == len(want)
    again = run("reindex", "--index", str(index_dir))
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_healthz_sees_a_segment_of_the_wrong_size_before_any_search(index_dir: Path) -> None:
    gen = current_generation(index_dir)
    assert gen is not None
    with open(segment_file(gen), "ab") as f:  # the segment still opens and reads
        f.write(b"\0" * 100)
    health = client_of(index_dir).get("/healthz")
    assert health.status_code == 503 and health.get_json()["index"] == "damaged"
    assert "bytes where its commit wrote" in health.get_json()["error"]


def test_an_error_in_an_undamaged_index_is_not_called_damage(index_dir: Path) -> None:
    """A bug stays a bug: the checksums match, so the original error passes."""
    index = SearchIndex(index_dir)
    with pytest.raises(ZeroDivisionError), index.backend.checked():
        1 / 0  # noqa: B018
    assert index.backend.damage() is None


# -- the manifest ----------------------------------------------------------------------


def test_checksums_follow_incremental_commits(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    gen = current_generation(index_dir)
    assert gen is not None and check(gen) is None
    for n in range(3):
        (corpus / "plain" / f"new-{n}.md").write_text(
            f"---\ntitle: Checksum note {n}\ndate: 2024-01-0{n + 1}\n---\nBody {n}.\n",
            encoding="utf-8")
        report = update_index(None, index_dir, workers=1)
        assert not report.full and report.committed and report.notice is None
        assert current_generation(index_dir) == gen and check(gen) is None
        manifest = read_manifest(gen)
        assert manifest is not None and set(live_files(gen)) <= set(manifest)
        # only the files of the live commit and of the one before it are kept
        assert len(manifest) <= 2 * len(live_files(gen))
    assert not update_index(None, index_dir, workers=1).full  # nothing changed: no rebuild
    found = SearchIndex(index_dir).search(SearchQuery(q="checksum"))
    assert "Checksum note 2" in [h.title for h in found.hits]


def test_an_index_without_checksums_is_rebuilt_once(index_dir: Path) -> None:
    """An index written by an older eventsearch cannot vouch for its files."""
    gen = current_generation(index_dir)
    assert gen is not None
    (gen / MANIFEST_FILE).unlink()
    result = run("reindex", "--index", str(index_dir))
    assert result.returncode == 0 and result.stdout == ""
    assert result.stderr == (f"eventsearch: The index in {gen} has no checksums yet (an "
                             "older eventsearch built it); rebuilt it from scratch.\n")
    assert current_generation(index_dir) != gen
    assert run("reindex", "--index", str(index_dir)).stderr == ""


# -- durability: the order of the system calls -------------------------------------------

TRACED = "fsync,fdatasync,rename,renameat,renameat2,symlink,symlinkat,openat,close"
CALL = re.compile(r"^\d+\s+(?:<\.\.\. )?(\w+)(?: resumed>)?\(?(.*)$")
FD_PATH = re.compile(r"^-?\d+<([^>]*)>")
STRINGS = re.compile(r'"((?:[^"\\]|\\.)*)"')


def strace(tmp_path: Path, *args: str) -> list[tuple[str, list[str]]]:
    """(call, paths) of the traced calls of `eventsearch ARGS`, in order."""
    if shutil.which("strace") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("strace is not installed")
        pytest.skip("strace is not installed: the order of fsync and rename is not checked")
    out = tmp_path / f"trace-{len(list(tmp_path.glob('trace-*')))}.txt"
    done = subprocess.run(["strace", "-f", "-y", "-qq", "-e", f"trace={TRACED}", "-o", str(out),
                           *EVENTSEARCH, *args], capture_output=True, text=True,
                          env=CHILD_ENV, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    calls = []
    for line in out.read_text().splitlines():
        match = CALL.match(line)
        if match is None or "resumed>" in line:
            continue
        name, rest = match.groups()
        if name in ("fsync", "fdatasync", "close"):
            fd = FD_PATH.match(rest)
            calls.append((name, [fd.group(1)] if fd else []))
        elif name in ("rename", "renameat", "renameat2", "symlink", "symlinkat", "openat"):
            calls.append((name, STRINGS.findall(rest)))
    return calls


def first(calls: list[tuple[str, list[str]]], kind: str, path: str) -> int:
    return next(i for i, (name, paths) in enumerate(calls) if name.startswith(kind)
                and paths and paths[-1] == path)


def synced_before(calls: list[tuple[str, list[str]]], path: str, limit: int) -> bool:
    return any(name in ("fsync", "fdatasync") and paths == [path]
               for name, paths in calls[:limit])


def names_of(calls: list[tuple[str, list[str]]], final: str) -> set[str]:
    """`final` and the names it was renamed from."""
    names = {final}
    for name, paths in reversed(calls):
        if name.startswith("rename") and len(paths) == 2 and paths[1] in names:
            names.add(paths[0])
    return names


def assert_commit_synced(calls: list[tuple[str, list[str]]], gen: Path,
                         files: list[str]) -> int:
    """Every file of the commit, and then the folder, synced before the rename that
    publishes its table of contents; the folder again after it.  Returns that rename."""
    toc = next(f for f in files if f.endswith(".toc"))
    publish = first(calls, "rename", str(gen / toc))
    for name in files:
        assert any(synced_before(calls, n, publish) for n in names_of(calls, str(gen / name))), \
            f"{name} is not synced before {toc} is renamed into place"
    last_sync = max(i for i, (name, paths) in enumerate(calls[:publish])
                    if name == "fsync" and paths and Path(paths[0]).parent == gen)
    assert synced_before(calls[last_sync:], str(gen), publish - last_sync), \
        "the folder is not synced between the files and the rename"
    assert synced_before(calls[publish:], str(gen), len(calls)), "the rename is not synced"
    return publish


def test_a_full_build_syncs_its_files_before_the_swap(tmp_path: Path) -> None:
    index_dir = (tmp_path / "ix").resolve()
    calls = strace(tmp_path, "index", str(SAMPLE_CORPUS), "--index", str(index_dir))
    gen = current_generation(index_dir)
    assert gen is not None
    written = sorted(p.name for p in gen.iterdir() if p.is_file() and p.name != "MAIN_WRITELOCK")
    assert {Path(f).suffix for f in written} == {".seg", ".toc", ".json"}
    segments = [f for f in written if f.endswith((".seg", ".toc"))]
    publish = assert_commit_synced(calls, gen, segments)
    swap = first(calls, "rename", str(index_dir / "current"))
    assert publish < swap
    for name in written:  # the meta files and checksums too, before the swap
        assert any(synced_before(calls, n, swap) for n in names_of(calls, str(gen / name))), name
    last_in_gen = max(i for i, (name, paths) in enumerate(calls[:swap])
                      if name.startswith("rename") and Path(paths[-1]).parent == gen)
    assert synced_before(calls[last_in_gen:], str(gen), swap - last_in_gen)
    assert synced_before(calls[last_in_gen:], str(index_dir), swap - last_in_gen)
    assert synced_before(calls[swap:], str(index_dir), len(calls)), "the swap is not synced"


def test_a_one_note_reindex_syncs_its_commit_before_publishing_it(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index_dir = (tmp_path / "ix").resolve()
    build_index([corpus], index_dir, workers=1)
    gen = current_generation(index_dir)
    assert gen is not None
    before = {p.name for p in gen.iterdir()}
    (corpus / "plain" / "traced.md").write_text(
        "---\ntitle: Traced note\ndate: 2024-02-02\n---\nSynced before published.\n",
        encoding="utf-8")
    calls = strace(tmp_path, "reindex", "--index", str(index_dir))
    assert current_generation(index_dir) == gen
    new = sorted(p.name for p in gen.iterdir()
                 if p.is_file() and p.name not in before and p.suffix in (".seg", ".toc"))
    assert len([n for n in new if n.endswith(".seg")]) == 1 and len(new) == 2
    publish = assert_commit_synced(calls, gen, new)
    checksums = str(gen / MANIFEST_FILE)
    assert first(calls, "rename", checksums) < publish  # its checksums first
    assert any(synced_before(calls, n, publish) for n in names_of(calls, checksums))
    assert hits(index_dir, "traced") == ["plain/traced.md"]
