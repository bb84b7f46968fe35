"""Metadata normalisation shared by all readers: text cleanup, dates, lists, names, languages.

Front matter hands us dates as `date`/`datetime` objects or as strings in a dozen
spellings, lists as lists or as comma strings; everything is normalised here, in one place.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

# --- text cleanup -----------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_ODD_SPACE = re.compile("[\u00a0\u202f\u2007]")
_WS = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def clean_unicode(text: str) -> str:
    """NFC, no soft hyphens or zero-width characters, no-break spaces as plain spaces."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_SPACE.sub(" ", _INVISIBLE.sub("", text))
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_chars(value: Any) -> Any:
    """A str (or a tuple of them) with each lone surrogate as U+FFFD, one for one (caption
    offsets hold).  JSON and YAML escapes such as "\\ud800" make them; no index, page or
    terminal can encode them as UTF-8."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, tuple):
        return tuple(whole_chars(v) for v in value)
    return value


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def clean_inline(value: Any) -> str:
    """A one-line display string: no HTML, entities, Markdown emphasis, code ticks or templates."""
    text = str(value)
    text = _HTML_COMMENT.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _TAG.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = html.unescape(text)
    text = text.replace("`", "").replace("*", "")
    return collapse(text)


# --- dates ----------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jänner": 1, "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "märz": 3, "maerz": 3, "apr": 4, "april": 4, "may": 5, "mai": 5,
    "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)"),
    re.compile(r"(?<!\w)" + _MON + r"\s+(?P<d>\d{1,2})" + _ORD + r",?\s+(?P<y>\d{4})(?!\d)", re.I),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:\.|" + _ORD + r")\s*" + _MON + r",?\s+(?P<y>\d{4})(?!\d)",
               re.I),
]
_COMPACT = re.compile(r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T|(?!\d))")


def make_date(y: Any, m: Any, d: Any = 1) -> date | None:
    try:
        month = int(m) if str(m).isdigit() else MONTHS[str(m).lower().rstrip(".")]
        value = date(int(y), month, int(d))
    except (KeyError, ValueError):
        return None
    return value if 1970 <= value.year <= 2100 else None


def _from_match(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    return make_date(parts["y"], parts.get("m") or parts.get("mon"), parts["d"])


def parse_date(value: Any) -> date | None:
    """A metadata value as a date; placeholders such as `{{year}}` give None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or "{" in value:
        return None
    for pattern in DATE_PATTERNS:
        match = pattern.search(value)
        if match and (found := _from_match(match)):
            return found
    match = _COMPACT.search(value)
    return _from_match(match) if match else None


def find_text_date(text: str) -> date | None:
    """The first (leftmost) date written in running text, in any supported spelling."""
    best: tuple[int, date] | None = None
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best[0]:
                break
            if found := _from_match(match):
                best = (match.start(), found)
                break
    return best[1] if best else None


_PATH_FULL = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-_](?P<m>\d\d)[-_](?P<d>\d\d)(?!\d)"),
    re.compile(r"(?:^|/)(?P<y>(?:19|20)\d\d)/(?P<m>\d\d)/(?P<d>\d\d)(?:/|$)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>\d\d)(?P<d>\d\d)_"),
]
_PATH_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-_/](?P<m>\d\d)(?![\d])")


def path_date(path: str) -> date | None:
    """A date in a path: `2013-08-14.md`, `2021_01_27_x`, `/2014/05/26/`, `report-2020-10`."""
    for pattern in _PATH_FULL:
        matches = list(pattern.finditer(path))
        for match in reversed(matches):
            if found := make_date(match["y"], match["m"], match["d"]):
                return found
    for match in reversed(list(_PATH_MONTH.finditer(path))):
        if found := make_date(match["y"], match["m"], 1):
            return found
    return None


# --- lists, names, flags -----------------------------------------------------------------

_SPLIT = re.compile(r"\s*[,;]\s*")


def ensure_list(value: Any, split_spaces: bool = False) -> list[str]:
    """A metadata value as a list of clean strings: lists, `a, b` / `a; b` strings, scalars."""
    if value is None or isinstance(value, bool | dict):
        return []
    if isinstance(value, list | tuple | set):
        items: list[str] = []
        for item in value:
            items.extend(ensure_list(item))
        return items
    text = str(value)
    parts = _SPLIT.split(text) if ("," in text or ";" in text or not split_spaces) else text.split()
    cleaned = (clean_inline(part) for part in parts if "{" not in part)  # no `{{year}}` tags
    return [part for part in cleaned if any(ch.isalnum() for ch in part)]


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Keep the first display form of each value, compared case-insensitively."""
    seen: set[str] = set()
    out = []
    for item in items:
        text = collapse(item)
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out)


_SLUG = re.compile(r"^[a-z]+(?:[-_][a-z]+)+$")


def person_name(value: Any) -> str:
    """A display name; slugs such as `stefan-wehr` become `Stefan Wehr`."""
    text = clean_inline(value)
    if _SLUG.match(text):
        return " ".join(part.capitalize() for part in re.split(r"[-_]", text))
    return text


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "on"}
    return bool(value)


def first_value(meta: dict[str, Any], *keys: str) -> Any:
    """The first non-empty value among keys (keys are lower-case)."""
    for key in keys:
        value = meta.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


ISO639_2 = {
    "eng": "en", "deu": "de", "ger": "de", "spa": "es", "rus": "ru", "fra": "fr", "fre": "fr",
    "por": "pt", "kor": "ko", "jpn": "ja", "ita": "it", "zho": "zh", "chi": "zh", "pol": "pl",
    "slk": "sk", "slo": "sk", "lit": "lt", "nld": "nl", "dut": "nl", "ces": "cs", "cze": "cs",
    "ukr": "uk", "tur": "tr", "swe": "sv", "fin": "fi", "dan": "da", "nor": "no", "hun": "hu",
    "ell": "el", "gre": "el", "heb": "he", "ara": "ar", "hin": "hi", "ind": "id", "vie": "vi",
    "tha": "th", "cat": "ca", "ron": "ro", "rum": "ro", "bul": "bg", "hrv": "hr", "srp": "sr",
    "slv": "sl", "est": "et", "lav": "lv", "eus": "eu", "glg": "gl", "fas": "fa", "per": "fa",
    "msa": "ms", "may": "ms", "tgl": "tl", "fil": "tl",
}
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")


def lang_code(value: Any) -> str | None:
    """`de`, `de-de`, `deu`, `German`-free: an ISO 639-1 code or None."""
    if not isinstance(value, str):
        return None
    match = _LANG.match(value.strip().lower())
    if not match:
        return None
    code = match.group(1)
    return code if len(code) == 2 else ISO639_2.get(code)
