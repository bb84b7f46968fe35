"""The tables of the PostgreSQL backend, their version, and how a Note becomes rows.

- ``es_meta``: one row per key (jsonb): ``schema_version``, ``format`` (the analysis
  version), ``generation`` (raised by every commit: readers key their caches on it),
  ``next_doc`` and the run record (roots, skipped files, times) the Whoosh backend
  keeps in its meta file.
- ``es_notes``: one row per note: what is shown (title, body, data), the facet keys,
  each scored field's length and, for phrases, the unstemmed fields as tsvectors of
  *our* tokens with their positions (so phrases match as in the Whoosh backend).
  ``doc`` numbers are never reused: a changed note gets a new one.
- ``es_terms``: our inverted index, one row per (field, term): its document
  frequency and packed arrays of documents (int32) and term frequencies (uint16).
  Postings of a term are one primary-key lookup, not a scan of matching rows; a
  reindex appends to them (documents of removed notes stay until the next full
  build, and readers drop them with the live-document mask).

A full build fills ``*_next`` tables and renames them in one transaction.
"""

from __future__ import annotations

from typing import Any

from ...errors import IndexMissing, SchemaMismatch
from ...text.analyze import ANALYSIS_VERSION, SUPPORTED

# 2: the event facet column; tag and speaker keys of text/facetkeys.py
# 3: the umlaut field's terms (rank/umlauts.py)
SCHEMA_VERSION = 3
INDEX_FORMAT = f"pg{SCHEMA_VERSION}.{ANALYSIS_VERSION}"
TEXT_FIELDS = ("title", "body", "meta")  # unstemmed: exact words and phrases
# the fields BM25F scores (their lengths are kept), then the umlaut field (terms only)
FIELDS = (*TEXT_FIELDS, *(f"{r}_{lang}" for r in ("title", "body") for lang in SUPPORTED))
FIELD_ID = {name: i for i, name in enumerate((*FIELDS, "umlaut"))}
LOCK_KEY = 0x65766E74  # pg_advisory_lock key of the single writer ("evnt")

META = """CREATE TABLE IF NOT EXISTS es_meta (key text PRIMARY KEY, value jsonb NOT NULL)"""


def notes_table(name: str) -> str:
    return f"""
CREATE TABLE {name} (
    doc integer PRIMARY KEY,
    path text NOT NULL UNIQUE,
    title text NOT NULL,
    body text NOT NULL,
    data text NOT NULL,
    lang text NOT NULL,
    format text NOT NULL,
    draft boolean NOT NULL,
    day date,
    tags text[] NOT NULL,
    speakers text[] NOT NULL,
    event text NOT NULL,
    mtime double precision NOT NULL,
    size bigint NOT NULL,
    sha1 text NOT NULL,
    lengths integer[] NOT NULL,
    vec_title tsvector NOT NULL,
    vec_meta tsvector NOT NULL,
    vec_body tsvector NOT NULL
);
ALTER TABLE {name} ALTER COLUMN vec_title SET STORAGE MAIN,
    ALTER COLUMN vec_meta SET STORAGE MAIN, ALTER COLUMN tags SET STORAGE MAIN,
    ALTER COLUMN speakers SET STORAGE MAIN, ALTER COLUMN lengths SET STORAGE MAIN;
"""


def terms_table(name: str) -> str:
    return f"""
CREATE TABLE {name} (
    field smallint NOT NULL,
    term text COLLATE "C" NOT NULL,
    df integer NOT NULL,
    docs bytea NOT NULL,
    tfs bytea NOT NULL,
    PRIMARY KEY (field, term)
);
"""


def ensure_meta(conn: Any) -> None:
    """The meta table, so a first build (or a lock) has somewhere to start."""
    conn.execute(META)


def read_meta(conn: Any) -> dict[str, Any]:
    """Every meta key; {} when there is no index (no meta table, or an empty one)."""
    exists = conn.execute("SELECT to_regclass('es_meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return {}
    return dict(conn.execute("SELECT key, value FROM es_meta").fetchall())


def check_readable(meta: dict[str, Any], where: str) -> None:
    """IndexMissing or SchemaMismatch (saying what to run) unless meta is of an index
    this version can read."""
    if "generation" not in meta:
        raise IndexMissing(f"There is no index in the PostgreSQL {where} yet: run "
                           "`eventsearch index PATH` to build one.")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION or meta.get("format") != INDEX_FORMAT:
        raise SchemaMismatch(
            f"The index in the PostgreSQL {where} was built by another version of "
            f"eventsearch (schema {version}, format {meta.get('format')}; this version "
            f"reads schema {SCHEMA_VERSION}, format {INDEX_FORMAT}). Run "
            "`eventsearch reindex`: it rebuilds the tables in the current layout.")


def write_meta(conn: Any, values: dict[str, Any]) -> None:
    from psycopg.types.json import Jsonb

    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO es_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [(k, Jsonb(v)) for k, v in values.items()])


def positions_of(words: list[str], first: int) -> dict[str, list[int]]:
    """Each word's positions, 1-based as PostgreSQL counts (``first``: the first
    word's 0-based position, as the Whoosh backend numbers them)."""
    positions: dict[str, list[int]] = {}
    for pos, word in enumerate(words, first + 1):
        found = positions.get(word)
        if found is None:
            positions[word] = [pos]
        else:
            found.append(pos)
    return positions


def tsvector_literal(positions: dict[str, list[int]]) -> str:
    """Words with their positions as a tsvector value.  PostgreSQL keeps 256 positions
    per word, clamps positions past 16383 (a phrase beyond them in a very long
    transcript is not found), refuses words of 2 KB and values of 1 MB."""
    parts = []
    for word, where in positions.items():
        if len(word) > 500 and len(word.encode("utf-8")) >= 2000:
            continue
        if "'" in word or "\\" in word:
            word = word.replace("\\", "\\\\").replace("'", "''")
        if len(where) > 256:
            where = where[:256]
        if where[-1] > 16383:
            where = [min(p, 16383) for p in where]
        parts.append(f"'{word}':{','.join(map(str, where))}")
    text = " ".join(parts)
    if len(text) > 900_000:  # keep the first words' positions
        text = text[:text.rfind(" '", 0, 900_000)]
    return text
