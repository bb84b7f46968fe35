"""Speaker extraction from note bodies.

Conservative on purpose: a phrase counts as a speaker only when a strong layout signal
(a `(@handle)` heading, `Name: Topic` heading, `Name - Topic` bullet, a `Referent:` label,
a speaker column of an agenda table) meets a phrase shaped like a person's name.
"""

from __future__ import annotations

import html
import re

from .meta import clean_inline, collapse

_PARTICLES = {"von", "van", "de", "der", "den", "da", "di", "du", "le", "la", "zu", "ten", "ter",
              "al", "bin", "dos", "del", "y", "vom", "mc"}
_STOP_WORDS = """
intro introduction protokoll protocol overview teilnehmer teilnehmerinnen agenda themen thema
wann wo was wer wie warum next prizes preise feedback acknowledgements acknowledgments meetup
summary update updates news talk talks vortrag vorträge workshop workshops keynote panel pause
break lunch mittagessen welcome willkommen begrüßung closing opening questions fragen diskussion
discussion ankündigungen announcements vorstellungsrunde sponsoren sponsors sponsor links
resources ressourcen sonstiges misc organisation orga termine termin location ort datum date time
zeit notes notizen recap rückblick conclusion fazit tickets speakers referenten the and of for
with in on to a an der die das und mit für how what why who day tag week woche monday tuesday
wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag freitag samstag
sonntag january february march april may june july august september october november december
januar februar märz mai juni juli oktober dezember machine learning data python cloud aws docker
kubernetes ai ml api open source new neue neues general allgemein part teil session track lightning
lightningtalks demo demos hands retrospective retro review einführung einleitung hackathon social
networking drinks food essen treffen abend stammtisch meeting meetings minutes action items todo
status report bericht results ergebnisse project projekt projects projekte team teams community
event events conference konferenz call cfp program programm schedule zeitplan registration
anmeldung contact kontakt about über impressum home blog post posts newsletter jobs help hilfe faq
background motivation problem solution lösung example beispiel examples beispiele code slides
folien video videos recording aufzeichnung photos fotos bilder thanks danke dank credits license
lizenz who's whoami überblick einladung invitation guest gäste venue anfahrt sprecher speaker
referent referentin moderation moderator host hosts organizers organisatoren vorstand board
prize winner winners gewinner zusammenfassung ausblick outlook introductions kurzvorstellung
afterwards teaser raffle deshalb anwesend anwesende eindrücke convention summit congress kongress
forum festival expo days tage camp networks systems solutions services group gmbh inc ltd
exam erfahrungsbericht step week showdown announcing limitation limitations hypothesis meta goal
goals teilnahme versuch
"""
_STOP = frozenset(_STOP_WORDS.split())
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'\u2019]+"
                        r"(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'\u2019]+)?"
                        r"|[A-Z]\.|O'[A-Z][a-z]+|(?:Mc|Mac|De|Di|La|Le|Van|Von)[A-Z][a-z]+)$")


def looks_like_name(text: str, min_words: int = 2) -> bool:
    """1-4 capitalised words (plus particles such as `von`), no digits, not a stop phrase."""
    words = text.split()
    if not (min_words <= len(words) <= 4) or any(ch.isdigit() for ch in text):
        return False
    named = 0
    for i, word in enumerate(words):
        if word.lower() in _PARTICLES and 0 < i < len(words) - 1:
            continue
        if word.lower().strip(".") in _STOP or not _NAME_WORD.match(word):
            return False
        named += 1
    return named > 0


_JOIN = re.compile(r"\s*(?:,|&|/|\+|\band\b|\bund\b)\s*")


def split_names(text: str, min_words: int = 2) -> list[str]:
    """`A, B and C` / `A / B` / `A & B` → the parts that look like names (all or nothing)."""
    parts = [collapse(p) for p in _JOIN.split(text) if p.strip()]
    names = [p for p in parts if looks_like_name(p, min_words)]
    return names if names and len(names) == len(parts) else []


_HANDLE = re.compile(r"\(\s*\[?@[\w.]+\]?(?:\([^)]*\))?\s*\)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_LINK_HEADING = re.compile(r"^\[([^\]]+)\]\([^)]*\)$")
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_LABEL = re.compile(r"^\W*(?:Referent(?:in|en|innen)?|Vortragende[rn]?|Speakers?|Sprecher(?:in)?"
                    r"|Presenters?)\W*:\W*\s*(.+)$", re.I)
_HINTS = ("referent", "vortragende", "speaker", "sprecher", "presenter", "vortrag von", "talk by",
          "presented by", "gehalten von")


def _has_hint(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _HINTS)


_INLINE = re.compile(r"(?:Vortrag von|[Tt]alk by|[Pp]resented by|[Gg]ehalten von)\s+"
                     r"((?:[A-ZÀ-Þ][\w'\u2019-]+\s?){2,4})")


_COLON = re.compile(r":\s")
_ENUMERATION = re.compile(r"^\w+\s+\d+\W*$")


def _dash_names(text: str, side: str) -> list[str]:
    """`Name - Topic` (side="left") or `Topic - Name, Company` (side="right")."""
    pieces = _DASH.split(text)
    if len(pieces) < 2:
        return []
    name, other = (pieces[0], pieces[-1]) if side == "left" else (pieces[-1], pieces[0])
    if _ENUMERATION.match(clean_inline(other)):  # "Step 1 - Create Recommenders"
        return []
    return split_names(clean_inline(name).split(",")[0])


def from_heading(text: str, level: int = 3) -> list[str]:
    """Speakers named by one Markdown heading's text (without the hashes)."""
    if _HANDLE.search(text):  # "### Julien Simon ([@julsimon](…)) & James R ([@jr](…))"
        return split_names(clean_inline(_HANDLE.sub(" ", text)), min_words=1)
    link = _LINK_HEADING.match(text.strip())
    if link:  # "#### [Heather Stenson - Any friend of the docs …](url)"
        return _dash_names(link.group(1), "left")
    plain = clean_inline(text)
    if colon := _COLON.search(plain):  # "### Andreas: Hosting of ML models" (topic required)
        head, topic = plain[: colon.start()], plain[colon.end() :]
        return split_names(head, min_words=1 if level >= 3 else 2) if topic.strip() else []
    return _dash_names(plain, "right")  # "### Anaconda Pakete - Reimar Bauer"


def from_markdown(body: str) -> list[str]:
    """Speakers from headings, announcement bullets and labels in a Markdown body."""
    names: list[str] = []
    fenced = False
    labels = bool(_has_hint(body))
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        if heading := _HEADING.match(line):
            if len(heading.group(1)) >= 2:
                names += from_heading(heading.group(2), len(heading.group(1)))
        elif bullet := _BULLET.match(line):  # "- Wolfgang Kraus / Johannes Heischmann - Topic"
            pieces = _DASH.split(bullet.group(1), maxsplit=1)
            if len(pieces) == 2 and not pieces[0].lstrip().startswith("["):
                names += split_names(clean_inline(pieces[0]))
        if labels:
            names += from_text_line(line)
    names += from_tables(body)
    return names


def from_text_line(line: str) -> list[str]:
    """`Referent: X`, `Speaker: X`, `Vortrag von X`, `talk by X` in one line of text."""
    names: list[str] = []
    if not _has_hint(line):
        return names
    plain = clean_inline(line)
    if label := _LABEL.match(plain):
        value = re.split(r"\s[-\u2013(]|\. ", label.group(1))[0]
        names += split_names(value) or split_names(value.split(",")[0])
    for match in _INLINE.finditer(plain):
        candidate = match.group(1).strip()
        while candidate and not looks_like_name(candidate):
            candidate = candidate.rsplit(" ", 1)[0] if " " in candidate else ""
        if candidate:
            names.append(candidate)
    return names


def from_plain_text(text: str) -> list[str]:
    """Labels and `talk by X` phrases in plain text (pyvideo descriptions, RST bodies)."""
    names: list[str] = []
    if _has_hint(text):
        for line in text.split("\n"):
            names += from_text_line(line)
    return names


_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S | re.I)
_CELL = re.compile(r"<t([hd])([^>]*)>(.*?)(?=<t[hd][\s>]|</tr>|$)", re.S | re.I)
_COLSPAN = re.compile(r"colspan\s*=\s*[\"']?(\d+)", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_SPEAKER_COL = re.compile(r"^(?:speakers?|presenters?|autor(?:en)?|author|referent(?:en|in)?|"
                          r"sprecher|vortragende)$", re.I)


def from_tables(body: str) -> list[str]:
    """Names in the speaker column of HTML or Markdown agenda tables."""
    names: list[str] = []
    if "<tr" in body.lower():
        column = None
        for row in _ROW.findall(body):
            cells, pos = [], 0
            for kind, attrs, content in _CELL.findall(row):
                span = _COLSPAN.search(attrs)
                cells.append((pos, kind.lower(), content))
                pos += int(span.group(1)) if span else 1
            if any(kind == "h" for _, kind, _ in cells):
                column = next((p for p, _, c in cells if _SPEAKER_COL.match(clean_inline(c))), None)
                continue
            for p, _, content in cells:
                if column is not None and p == column:
                    for part in _BR.split(content):
                        names += split_names(clean_inline(part).strip(" ,"))
    column = None
    for line in body.split("\n"):
        if not line.lstrip().startswith("|"):
            column = None
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:
            column = next((i for i, c in enumerate(cols) if _SPEAKER_COL.match(clean_inline(c))),
                          -1)
        elif 0 <= column < len(cols) and not set(cols[column]) <= set("-: "):
            names += split_names(clean_inline(cols[column]).split(",")[0])
    return names


_WITH = re.compile(r"\bwith\s+((?:[A-ZÀ-Þ][\w'\u2019.-]*\s*){2,4}?)\s*(?:\(|,|$)")


def from_title(title: str) -> list[str]:
    """`… with Ian Massingham (AWS)`: the person named at the end of a video title."""
    match = _WITH.search(html.unescape(title))
    if match and looks_like_name(match.group(1).strip()):
        return [match.group(1).strip()]
    return []
