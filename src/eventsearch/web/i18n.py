"""The web UI in English and German, through Flask-Babel (gettext catalogs, CLDR formats).

The language is ``?ui=de`` / ``?ui=en`` when given (the switch in the header; the name
``lang`` already filters notes by their language), then the ``ui`` cookie that such a link
sets, then the browser's ``Accept-Language``.  Dates and numbers follow it ("7. Okt. 2011",
"12.970").  The catalog is ``translations/de/LC_MESSAGES/messages.po`` beside this module,
with its compiled ``.mo`` committed next to it (tests/test_i18n.py checks they agree; the
README, "German and English UI", has the pybabel commands that update both), so a
wheel needs no build step.  The JSON API and the CLI stay English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask, Response, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext
from werkzeug.datastructures import MultiDict

UI_LANGUAGES = ("en", "de")
PARAM = COOKIE = "ui"
DATE_FORMATS = {"en": "d MMM y", "de": "d. MMM y"}  # 7 Oct 2011, 7. Okt. 2011


def select_locale() -> str:
    """?ui=, then the cookie, then Accept-Language; English when nothing fits.

    The JSON API always answers in English: its messages are read by programs too."""
    if request.path.startswith("/api/") or request.path in ("/api", "/healthz"):
        return "en"
    for chosen in (request.args.get(PARAM, ""), request.cookies.get(COOKIE, "")):
        if chosen.strip().lower() in UI_LANGUAGES:
            return chosen.strip().lower()
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def ui_lang() -> str:
    return str(get_locale() or "en")


def nicedate(day: date | None) -> str:
    """A day the way the UI's language writes it, whatever the server's locale."""
    if day is None:
        return ""
    lang = ui_lang()
    return format_date(day, DATE_FORMATS.get(lang, DATE_FORMATS["en"]), locale=lang)


def month_abbr(month: int) -> str:
    """1 -> "Jan", 10 -> "Oct" / "Okt" (stand-alone, no trailing dot)."""
    return format_date(date(2000, month, 1), "LLL", locale=ui_lang()).rstrip(".")


def number(value: int | float) -> str:
    """12970 -> "12,970" in English, "12.970" in German."""
    return format_decimal(value, locale=ui_lang())


def switch_links() -> list[dict[str, Any]]:
    """The EN | DE links: this page with ``ui`` replaced (the page number kept)."""
    args = MultiDict(request.args)
    args.poplist("fragment")
    args.poplist("typing")
    out = []
    for code in UI_LANGUAGES:
        args.setlist(PARAM, [code])
        pairs = [(k, v) for k, v in args.items(multi=True) if v != ""]
        out.append({"code": code, "label": code.upper(), "current": code == ui_lang(),
                    "name": LANGUAGE_NAMES[code], "url": f"{request.path}?{urlencode(pairs)}"})
    return out


LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}  # each in its own language, as switches say

# what the facets are called (the model's labels are the CLI's and the API's)
FACET_TITLES = {
    "tag": lazy_gettext("Tags"), "speaker": lazy_gettext("Speakers"),
    "lang": lazy_gettext("Language"), "year": lazy_gettext("Year"),
    "month": lazy_gettext("Month"), "event": lazy_gettext("Event"),
}

# the same inside a sentence ("Filter speakers", "12 more speakers"): a language may
# write them otherwise than as a heading (German keeps its capitals)
FACET_NOUNS = {
    "tag": lazy_gettext("tags"), "speaker": lazy_gettext("speakers"),
    "lang": lazy_gettext("languages"), "year": lazy_gettext("years"),
    "month": lazy_gettext("months"), "event": lazy_gettext("events"),
}

# the search engine's notices (English in the JSON) as the page shows them
_NOTICES: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (re.compile(r"The query was longer than (?P<n>\d+) characters; only its beginning was "
                r"searched\."),
     lambda n: gettext("The query was longer than %(n)s characters; only its beginning was "
                       "searched.", n=n)),
    (re.compile(r"A quotation mark was not closed; it was ignored\."),
     lambda: gettext("A quotation mark was not closed; it was ignored.")),
    (re.compile(r"Only the first (?P<n>\d+) field filters \(tag:, speaker:, lang:, date:\) "
                r"were applied; the others were ignored\."),
     lambda n: gettext("Only the first %(n)s field filters (tag:, speaker:, lang:, date:) were "
                       "applied; the others were ignored.", n=n)),
    (re.compile(r"Only the first (?P<n>\d+) words were searched\."),
     lambda n: gettext("Only the first %(n)s words were searched.", n=n)),
    (re.compile(r"There is no field (?P<q>'[^']*'); (?P<rest>.*) was searched as words\. "
                r"Fields: (?P<fields>.*)$"),
     lambda q, rest, fields: gettext("There is no field %(name)s; %(rest)s was searched as "
                                     "words. Fields: %(fields)s", name=q, rest=rest,
                                     fields=fields)),
    # rank/answer.py loose_message: the looser pass added notes with some of the words
    (re.compile(r"Only (?P<n>\d+) notes? match(?:es)? \(almost\) all the words well; weaker "
                r"matches follow\."),
     lambda n: ngettext("Only %(n)s note matches (almost) all the words well; weaker matches "
                        "follow.", "Only %(n)s notes match (almost) all the words well; weaker "
                        "matches follow.", int(n), n=number(int(n)))),
    (re.compile(r"No note matches \(almost\) all the words well; weaker matches follow\."),
     lambda: gettext("No note matches (almost) all the words well; weaker matches follow.")),
    (re.compile(r"Date filter ignored: (?P<why>.*)$"),
     lambda why: gettext("Date filter ignored: %(why)s", why=why)),
    (re.compile(r"The search stopped at its time limit of (?P<n>\d+) ms; (?P<rest>.*)$"),
     lambda n, rest: gettext("The search stopped at its time limit of %(n)s ms; the results "
                             "are partial (some words or spelling variants were not "
                             "searched). A shorter or simpler query gives complete results.",
                             n=n)),
    # params.BadParameter, shown on the 400 page
    (re.compile(r"(?P<name>\w+) must be a whole number, not (?P<raw>.*)$"),
     lambda name, raw: gettext("%(name)s must be a whole number, not %(raw)s", name=name,
                               raw=raw)),
    (re.compile(r"(?P<name>\w+) must be between (?P<low>\d+) and (?P<high>\d+), not (?P<v>.*)$"),
     lambda name, low, high, v: gettext("%(name)s must be between %(low)s and %(high)s, not "
                                        "%(v)s", name=name, low=low, high=high, v=v)),
    (re.compile(r"(?P<name>\w+) must be true or false, not (?P<raw>.*)$"),
     lambda name, raw: gettext("%(name)s must be true or false, not %(raw)s", name=name,
                               raw=raw)),
    (re.compile(r"the query is longer than (?P<n>\d+) characters"),
     lambda n: gettext("the query is longer than %(n)s characters", n=n)),
    (re.compile(r"at most (?P<n>\d+) values of (?P<name>\w+) at once"),
     lambda n, name: gettext("at most %(n)s values of %(name)s at once", n=n, name=name)),
    (re.compile(r"a (?P<name>\w+) is longer than 200 characters"),
     lambda name: gettext("a %(name)s is longer than 200 characters", name=name)),
    (re.compile(r"bad date: (?P<why>.*)$"), lambda why: gettext("bad date: %(why)s", why=why)),
    (re.compile(r"the 'from' date \((?P<a>.*)\) is after the 'to' date \((?P<b>.*)\)"),
     lambda a, b: gettext("the 'from' date (%(a)s) is after the 'to' date (%(b)s)", a=a, b=b)),
    (re.compile(r"sort must be 'relevance' or 'date', not (?P<raw>.*)$"),
     lambda raw: gettext("sort must be 'relevance' or 'date', not %(raw)s", raw=raw)),
]


def notice(message: str) -> str:
    """An engine message in the UI's language; one it does not know stays as it is."""
    for pattern, say in _NOTICES:
        m = pattern.fullmatch(message.strip())
        if m:
            return say(**m.groupdict())
    return gettext(message) if message else message


def _remember(response: Response) -> Response:
    """A chosen ``?ui=`` is kept in a cookie, so every later page speaks it too."""
    chosen = request.args.get(PARAM, "").strip().lower()
    if chosen in UI_LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def init(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(nicedate=nicedate, number=number)
    app.jinja_env.globals.update(ui_lang=ui_lang, ui_switch=switch_links, notice=notice,
                                 facet_titles=FACET_TITLES, facet_nouns=FACET_NOUNS)
    app.after_request(_remember)
