"""Note keys: any file name the file system allows, as one safe, reversible string.

Linux allows every byte but NUL and ``/`` in a file name: bytes that are not
UTF-8, newlines and other control characters, a leading dash.  Python hands such
names over with lone surrogates (``os.fsdecode``), which cannot be encoded as
UTF-8 -- not by Whoosh, JSON files, the terminal or a web page.  So a note's key
(``Note.path``, the index's ``path`` field, CLI and JSON output, web URLs) is
made from the bytes of its corpus-relative path:

* valid UTF-8 characters stay as they are (also NFC and NFD spellings of the
  same name, which stay two different keys, as they are two different files);
* each byte that is not part of valid UTF-8, and each byte of a control or
  line-break character (Unicode Cc, Zl, Zp: ``\\n``, ``\\t``, DEL, NEL, U+2028, ...),
  becomes ``\\xHH`` (two lower-case hex digits);
* a backslash becomes ``\\\\``.

Every backslash in a key thus starts an escape, so `fs_path` undoes `path_key`
exactly and two different files never share a key.  For the usual name (printable
UTF-8 without a backslash) the key is the name itself.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata

_UTF8_FS = sys.getfilesystemencoding().lower() in ("utf-8", "utf8")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")
_UNSAFE = frozenset(("Cc", "Zl", "Zp"))


def path_key(path: str | bytes) -> str:
    """The key of a corpus-relative path, given as os.fsdecode's str or as bytes."""
    if isinstance(path, str):
        if _UTF8_FS and path.isprintable() and "\\" not in path:
            return path  # the usual name: nothing to escape (isprintable: no Cc/Zl/Zp/Cs)
        path = os.fsencode(path)
    text = path.decode("utf-8", "surrogateescape")  # bad bytes -> U+DC80..U+DCFF
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif "\udc80" <= char <= "\udcff":
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif unicodedata.category(char) in _UNSAFE:
            out.extend(f"\\x{b:02x}" for b in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def key_bytes(key: str) -> bytes:
    """The path bytes a key stands for.  ValueError for a string no path has as key."""
    if "\\" not in key:
        return key.encode("utf-8")
    parts = _ESCAPE.split(key)  # text, escape, text, escape, ..., text
    out = bytearray()
    for n, part in enumerate(parts):
        if n % 2 == 0:
            if "\\" in part:
                raise ValueError(f"not a note key (stray backslash): {key!r}")
            out += part.encode("utf-8")
        else:
            out += b"\\" if part == "\\" else bytes((int(part[1:], 16),))
    return bytes(out)


def fs_path(key: str) -> str:
    """The corpus-relative path (os.fsdecode's str) of a key: `path_key`'s inverse."""
    if "\\" not in key:
        return key
    return os.fsdecode(key_bytes(key))


def is_key(text: str) -> bool:
    """Whether text is the key of some path (what `path_key` can return)."""
    try:
        return path_key(key_bytes(text)) == text
    except (ValueError, UnicodeEncodeError):
        return False


def display_path(key: str) -> str:
    """The path of a key for people to read: undecodable bytes as U+FFFD, control and
    line-break characters as spaces.  Lossy; for titles and words, never for lookups."""
    if "\\" not in key:
        return key
    text = key_bytes(key).decode("utf-8", "replace")
    return "".join(" " if unicodedata.category(c) in _UNSAFE else c for c in text)


def lookup_keys(given: str) -> list[str]:
    """The keys a note id typed by someone may mean, best first: the text as a key, then
    the key of the text as a raw path (a pasted file name with a backslash or newline,
    or one the shell passed with undecodable bytes)."""
    keys = [given] if is_key(given) else []
    try:
        raw = path_key(given)
    except UnicodeEncodeError:  # pragma: no cover - a surrogate fsencode rejects
        raw = None
    if raw is not None and raw not in keys:
        keys.append(raw)
    return keys


def safe_text(text: str) -> str:
    """A message for terminals and JSON files: lone surrogates (from a file name or
    content that was not UTF-8) as backslash escapes instead of an encoding error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
