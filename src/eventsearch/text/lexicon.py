"""A bilingual German <-> English lexicon for query words, read from the system's FreeDict.

Debian's ``dict-freedict-deu-eng`` and ``dict-freedict-eng-deu`` (dictd format, GPL) are
read where they are installed — never copied into this repository.  The first use
turns them into a small SQLite table of one- and two-word pairs in the user's cache
folder (~9 s, once per dictionary version); later processes open it in milliseconds
and look a word up with an indexed query.

A dictionary lists every sense (Vortrag -> recitation, lecture, carry-over, ...), so
the search keeps only the translations that are words of the index and ranks them by
how many notes use them, the senses FreeDict marks as computing or technology counted
double (:meth:`Lexicon.translations`).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .analyze import STOP_DE, STOP_EN, fold, stem_de, stem_en

log = logging.getLogger(__name__)
DEFAULT_DIR = Path("/usr/share/dictd")
DICTIONARIES = {"de": "freedict-deu-eng", "en": "freedict-eng-deu"}  # source language
TECH = {"comp.", "techn.", "electr.", "telco.", "Internet", "econ.", "sci."}
FORMAT = 7  # of the cache table; a change rebuilds it
MAX_TRANSLATIONS = 3

_B64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_TAG = re.compile(r"\[([^\]]*)\]")
# a grammar tag ends a translation: what follows it is its abbreviation ("language <n>
# lang.", "Sprache <fem> Spr."), which would make the translation no word at all
_AFTER_TAG = re.compile(r"<[^>]*>[^,;]*")
# the placeholders of an object, alone or run together, with or without their dots
# ("predict sth.", "etw. verabschieden", "believe sb./sth.", "jdnetw avisieren"): no part
# of a translation or headword
_PLACEHOLDER = re.compile(r"(?:jd[nms]?|jmd[nms]?|etw|sbs?|sths?)+")
# what else surrounds a translation: [labels], (notes), {references}, /pronunciations/
_NOISE = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|/[^/]*/")
STOP = STOP_EN | STOP_DE


def _number(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


def read_dictd(path: Path) -> Iterator[tuple[str, str]]:
    """(headword, entry text) of a dictd dictionary (``path`` without the suffix)."""
    with gzip.open(f"{path}.dict.dz") as dz:  # dictzip files are gzip files
        data = dz.read()
    with open(f"{path}.index", encoding="utf-8") as index:
        for line in index:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[0] or parts[0].startswith("00database"):
                continue
            start, size = _number(parts[1]), _number(parts[2])
            yield parts[0], data[start:start + size].decode("utf-8", "replace")


def _phrase(text: str) -> str | None:
    """A headword or translation we use: one or two words of letters, no stop words."""
    words = [w for w in text.strip().lower().split()
             if not _PLACEHOLDER.fullmatch(re.sub(r"[./']", "", w))]
    if 1 <= len(words) <= 2 and all(w.isalpha() and w not in STOP for w in words):
        return " ".join(words)
    return None


def entry_pairs(headword: str, entry: str) -> Iterator[tuple[str, str, bool]]:
    """(headword, translation, technical sense) of an entry: its second line lists the
    translations.  One or two words each, never two on both sides ("time zone" ->
    Zeitzone, Vorratsdatenspeicherung -> "data retention")."""
    head = _phrase(headword)
    lines = entry.split("\n")
    if head is None or len(lines) < 2:
        return
    line = lines[1]
    tech = any(t.strip() in TECH for t in _TAG.findall(line))
    for part in re.split(r"[,;]", _NOISE.sub(" ", _AFTER_TAG.sub(" ", line))):
        word = _phrase(part)
        if word is not None and word != head and (" " not in head or " " not in word):
            yield head, word, tech


ENDINGS = ("en", "n", "e", "es", "s", "er", "ern")  # tried when a word is no headword


def english_bases(word: str) -> list[str]:
    """The base forms an English inflection may have, most likely first: deleting ->
    delet, delete; stopped -> stopp, stop; studies -> study."""
    out: list[str] = []
    for suffix, ending in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"),
                           ("ed", ""), ("ed", "e"), ("es", ""), ("s", "")):
        base = word[:-len(suffix)] + ending
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and base not in out:
            out.append(base)
            if suffix in ("ing", "ed") and not ending and len(base) >= 4 \
                    and base[-1] == base[-2] and base[-1] not in "aeiouls":
                out.append(base[:-1])
    return out


def _key(word: str) -> str:
    return fold(word.lower())


def build_table(source: Path, target: Path,
                progress: Callable[[str], None] | None = None) -> None:
    """Write the pair table of the dictionaries in ``source`` to the SQLite file ``target``
    (atomically: a half-written cache is never opened)."""
    rows: set[tuple[str, str, str, int]] = set()  # (key, language of key, translation, tech)
    for language, name in DICTIONARIES.items():
        other = "en" if language == "de" else "de"
        if progress:
            progress(f"reading {source / name}")
        for headword, entry in read_dictd(source / name):
            for head, word, tech in entry_pairs(headword, entry):
                rows.add((_key(head), language, word, int(tech)))
                rows.add((_key(word), other, head, int(tech)))  # the reverse direction
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        db.execute("CREATE TABLE pairs (key TEXT, lang TEXT, word TEXT, tech INTEGER)")
        db.executemany("INSERT INTO pairs VALUES (?, ?, ?, ?)", sorted(rows))
        db.execute("CREATE INDEX pairs_key ON pairs (key)")
        db.commit()
        db.close()
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cache_name(source: Path) -> tuple[str, str]:
    """The table's file name for the dictionaries in ``source``, and the prefix all its
    versions share: named by the folder and by the files' size and date, so an upgraded
    package makes a new one."""
    prefix = "lexicon-" + hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:8]
    stamp = hashlib.sha1(str(FORMAT).encode())
    for name in DICTIONARIES.values():
        for suffix in (".index", ".dict.dz"):
            st = (source / f"{name}{suffix}").stat()
            stamp.update(f"{name}{suffix}:{st.st_size}:{st.st_mtime_ns}".encode())
    return f"{prefix}-{stamp.hexdigest()[:12]}.sqlite", prefix


def cache_folders() -> list[Path]:
    """Where the table may be kept, in order: the user's cache folder, then one in
    /var/tmp for services whose home is read-only."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [home / "eventsearch", Path("/var/tmp") / f"eventsearch-{os.getuid()}"]


def cached_table(source: Path, progress: Callable[[str], None] | None = None) -> Path | None:
    """The table of the dictionaries in ``source``, built once in the first cache folder
    that can hold it; one process builds while others wait for it (a lock file), and the
    tables of older dictionary versions are removed.  None: no folder is writable."""
    name, prefix = cache_name(source)
    for folder in cache_folders():
        table = folder / name
        try:
            if folder.is_dir() and folder.stat().st_uid != os.getuid():
                continue  # a shared folder someone else made: not trusted with our table
            if table.is_file():
                return table
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(folder / "lexicon.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it
                if not table.is_file():
                    build_table(source, table, progress)
                    for old in folder.glob(f"{prefix}-*.sqlite"):
                        if old != table:
                            old.unlink(missing_ok=True)
            return table
        except (OSError, sqlite3.Error):
            continue
    return None


def available(source: Path) -> bool:
    return all((source / f"{n}{s}").is_file()
               for n in DICTIONARIES.values() for s in (".index", ".dict.dz"))


class Lexicon:
    """Translations of query words (one, or two read together) between German and
    English."""

    def __init__(self, table: Path) -> None:
        self.table = table
        self._local = threading.local()
        self._failed = False  # said once that the table cannot be read

    def _db(self) -> sqlite3.Connection:
        """This thread's read-only connection (a server's threads and forked workers each
        open their own: an SQLite connection must not cross a fork)."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = self._local.db = sqlite3.connect(f"{self.table.as_uri()}?mode=ro", uri=True)
            self._local.pid = os.getpid()
        return db

    @classmethod
    def open(cls, source: Path = DEFAULT_DIR,
             progress: Callable[[str], None] | None = None) -> Lexicon | None:
        """The lexicon of the dictionaries in ``source`` (building its cached table on first
        use); None, with a warning, when they are not installed or cannot be read."""
        if not available(source):
            return None
        try:
            table = cached_table(source, progress)
        except (OSError, sqlite3.Error, UnicodeError) as exc:
            table = None
            reason = f"{source}: {exc}"
        else:
            reason = f"no writable cache folder ({', '.join(map(str, cache_folders()))})"
        if table is None:
            log.warning("The FreeDict dictionaries cannot be used (%s); query words are "
                        "translated through the synonym table only.", reason)
            return None
        return cls(table)

    def candidates(self, word: str, source: str | None = None) -> dict[str, tuple[bool, str]]:
        """Every translation the dictionaries give a word, with whether a technical sense
        gives it and the translation's language: from the ``source`` language ("en",
        "de") when the word is a word of it ("rings" in an English query is no German
        "rings", all around), else from either."""
        key = _key(word)
        bases = [key] + [key[:-len(e)] for e in ENDINGS
                         if key.endswith(e) and len(key) - len(e) >= 4]
        # the first form with translations from the source language ("interpretations":
        # the English interpretation before a German "interpretation-s"), else the first
        # form with any; the forms are read only until that one is found
        chosen: list[tuple[str, int, str]] = []
        try:
            for base in bases:
                rows = self._db().execute("SELECT word, tech, lang FROM pairs WHERE key = ?",
                                          (base,)).fetchall()
                chosen = chosen or rows
                in_source = [r for r in rows if r[2] == source]
                if in_source or (source is None and rows):
                    chosen = in_source or rows
                    break
        except sqlite3.Error as exc:  # the cache file removed under a running server
            if not self._failed:
                self._failed = True
                log.warning("The lexicon table %s cannot be read (%s); query words are "
                            "not translated.", self.table, exc)
            return {}
        out: dict[str, tuple[bool, str]] = {}
        for translation, tech, lang in chosen:
            technical = out.get(translation, (False, ""))[0] or bool(tech)
            out[translation] = (technical, "en" if lang == "de" else "de")
        return out

    def languages(self, word: str) -> set[str]:
        """The languages the word is a word of, for the dictionaries ("en", "de")."""
        try:
            return {lang for (lang,) in self._db().execute(
                "SELECT DISTINCT lang FROM pairs WHERE key = ?", (_key(word),))}
        except sqlite3.Error:
            return set()

    def translations(self, words: str, df: Callable[[str], int],
                     limit: int = MAX_TRANSLATIONS,
                     source: str | None = None) -> list[tuple[str, ...]]:
        """The translations of a word (or two: "time zones") worth searching, as words:
        all of them words of the index (``df``: notes with a folded word), ranked by how
        many notes use them, a technical sense's count doubled; never the words themselves
        or a form of them.  ``source``: the language of the query (see `candidates`)."""
        own = _key(words)
        own_stems = (stem_en(own), fold(stem_de(words.lower())))
        scored = []
        candidates = self.candidates(words, source)
        for translation, (tech, language) in candidates.items():
            key = _key(translation)
            # a form of the word itself meets it through both stemmers; a cognate that
            # meets it only through the German one ("biometrische" -> biometric) still
            # finds the English notes, which are stemmed in English
            if key == own or (stem_en(key), fold(stem_de(translation))) == own_stems:
                continue
            n = min(df(w) for w in key.split())
            if n > 0:
                scored.append((n * (2 if tech else 1), tuple(translation.split()), language))
        if not scored and source != "de" and " " not in own:
            # an English inflection FreeDict translates only into German ones no note
            # uses ("deleting" -> löschend): the translations of its base (delete ->
            # löschen) whose stem begins one of those, so a base that is another word
            # ("ranging" -> rang -> telefonieren) gives nothing
            forms = [_key(t) for t in candidates]
            for base in english_bases(own):
                found: list[tuple[str, ...]] = [
                    t for t in self.translations(base, df, limit, "en")
                    if len(t) == 1 and any(f.startswith(fold(stem_de(t[0]))) for f in forms)]
                if found:
                    return found
        scored.sort(reverse=True)
        # forms of one word (consultant, consultants, consulter) match the same notes
        # through their language's stems: the one in the most notes stands for them all
        out: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for _, words_of, language in scored:
            stem = stem_en if language == "en" else stem_de
            stems = (language, *(fold(stem(w)) for w in words_of))
            if stems not in seen:
                seen.add(stems)
                out.append(words_of)
        return out[:limit]
