"""Readers: one test per format and per quirk catalogued in shared/corpora/formats.md.

Fixtures are small files written into tmp_path; the shared corpora (seeds, real notes,
pyvideo) are read in place and the tests skip cleanly when ../shared is absent (unless CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from eventsearch.errors import ParseError
from eventsearch.model import Note
from eventsearch.readers import SUFFIXES, read_note
from eventsearch.readers.meta import parse_date, path_date
from eventsearch.readers.scan import scan_corpus
from eventsearch.readers.transcript import title_from_filename

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"


def need_shared() -> Path:
    if not CORPORA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared corpora missing at {CORPORA} (CI must provide ../shared)")
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def note(root: Path, name: str, content: str | bytes) -> Note:
    return read_note(write(root, name, content), root)


def names(values: tuple[str, ...]) -> set[str]:
    return {v.casefold() for v in values}


# --- corpus walking and file facts -------------------------------------------------------

def test_scan_corpus_sorted_skips_dotfiles_and_follows_md_named_dirs(tmp_path: Path) -> None:
    for name in ["b.md", "a/z.rst", "a/y.srt", ".hidden.md", ".git/x.md", "c.png",
                 "2016-03-16-post.md/inner.md", "talks/t.JSON", "x.vtt", "y.htm"]:
        write(tmp_path, name, "# x\n")
    found = list(scan_corpus([tmp_path]))
    assert found == ["2016-03-16-post.md/inner.md", "a/y.srt", "a/z.rst", "b.md", "talks/t.JSON",
                     "x.vtt", "y.htm"]
    assert set(SUFFIXES) == {".md", ".markdown", ".rst", ".html", ".htm", ".txt", ".srt", ".vtt",
                             ".json"}


def test_note_records_path_hash_size_and_mtime(tmp_path: Path) -> None:
    raw = b"# Hello\n\nWorld\n"
    n = note(tmp_path, "sub dir/Hällo.md", raw)
    assert n.path == "sub dir/Hällo.md"
    assert n.sha1 == hashlib.sha1(raw).hexdigest()
    assert n.size == len(raw) and n.mtime > 0
    assert n.format == "markdown" and n.lang == "und"


# --- containers (formats.md section 1 and 2) ---------------------------------------------

HUGO = """---
author: Salman Iqbal
categories:
- meetup
- Meetup
- julien simon
date: 2019-05-16T09:00:00Z
description: The one when ...
draft: true
featured_image: /images/header.jpg
title: 016_MayMeetup.md
---

# OUR THIRTEENTH MEETUP

### Julien Simon ([@julsimon](https://twitter.com/julsimon))
#### Scale ML

### James Strachan ([@js](https://t.co/js)) & James Rawlings ([@jr](https://t.co/jr))

### Salman Iqbal ([@si](https://t.co/si))

### Prizes
"""


def test_hugo_yaml_front_matter(tmp_path: Path) -> None:
    n = note(tmp_path, "post/016_maymeetup.md", HUGO)
    assert n.title == "OUR THIRTEENTH MEETUP"  # the file-name title falls back to the heading
    assert n.date == date(2019, 5, 16)
    assert n.tags == ("meetup", "julien simon")  # deduplicated case-insensitively, first form
    assert n.author == "Salman Iqbal"
    assert n.speakers == ("Julien Simon", "James Strachan", "James Rawlings")  # author removed
    assert n.draft is True
    assert "featured_image" not in n.text and "draft: true" not in n.text
    assert n.text.startswith("OUR THIRTEENTH MEETUP")


def test_html_comment_in_title_and_filename_title_without_heading(tmp_path: Path) -> None:
    n = note(tmp_path, "bookclub.md", "---\ntitle: <!-- BOOKCLUB --> 000_DOCKER.md\n---\nText.\n")
    assert n.title == "000_DOCKER.md"
    n = note(tmp_path, "b.md", "---\ntitle: DENOG14 - <b>Program</b> &#8599 &amp; more\n---\nx\n")
    assert n.title == "DENOG14 - Program ↗ & more"


JEKYLL = """---
layout: posts
title: AWS Summit 2022
modified: 2022-05-19
date: 2022-05-18
tags: [AWS Summit, Summary Report ]
header:
  overlay_image: /images/x.jpg
published: false
---

<section id="toc" class="toc">
  <div id="drawer" markdown="1">
  *  Auto generated table of contents
  {:toc}
  </div>
</section>

Read the [docs](https://example.org/docs){:target="_blank"} now.
{: .notice}

<figure>
	<a href="x.png"><img src="x.png"></a><figcaption>Best Practice</figcaption>
</figure>
"""


def test_jekyll_flow_tags_kramdown_and_unpublished(tmp_path: Path) -> None:
    n = note(tmp_path, "_posts/2022-05-18-day-1.md", JEKYLL)
    assert n.tags == ("AWS Summit", "Summary Report")
    assert n.date == date(2022, 5, 18)  # `date`, not `modified`
    assert n.draft is True  # published: false
    for junk in ("{:toc}", "{:target=", "{: .notice}", "<figure>", "overlay_image", "https://"):
        assert junk not in n.text
    assert "Read the docs now." in n.text and "Best Practice" in n.text


def test_invalid_yaml_with_jinja_placeholders_keeps_body(tmp_path: Path) -> None:
    text = ("---\ntemplate: {{year}}/generic.html\ntitle: Welcome {{ city }}\n---\n\n"
            "```{post} September 23, 2025\n:tags: {{shortcode}}-{{year}}, tickets\n```\n\n"
            "# Announcing Write the Docs {{ city }} {{year}}\n\nTickets go on sale {{ date }}.\n")
    n = note(tmp_path, "welcome.md", text)
    assert any("not valid YAML" in w for w in n.warnings)
    assert n.title == "Welcome"
    assert n.date == date(2025, 9, 23)
    assert n.tags == ("tickets",)
    assert "{{" not in n.text and "Tickets go on sale" in n.text


@pytest.mark.parametrize(("name", "text", "title", "kind"), [
    ("unclosed.md", "---\ntitle: [unclosed\n---\nBody about capybaras.\n", "unclosed", "YAML"),
    ("quote.md", '---\ntitle: "half\ntags: [a, b]\n---\n# Heading\n\nBody about capybaras.\n',
     "Heading", "YAML"),
    ("toml.md", '+++\ntitle = "unclosed\n+++\n## Sub heading\n\nBody about capybaras.\n',
     "Sub heading", "TOML"),
])
def test_front_matter_that_does_not_parse_gives_way_to_the_body(
        tmp_path: Path, name: str, text: str, title: str, kind: str) -> None:
    """Titled from the first heading or the file name, never from the broken value."""
    n = note(tmp_path, name, text)
    assert n.title == title and "Body about capybaras." in n.text
    assert len(n.warnings) == 1
    assert n.warnings[0].startswith(f"front matter does not parse: not valid {kind} (")
    assert "line " in n.warnings[0]
    assert n.warnings[0].endswith("; indexed from the body")


def test_tab_after_colon_in_yaml(tmp_path: Path) -> None:
    n = note(tmp_path, "m.markdown", "---\ntitle:\t\"MRMCD1001b\"\ndate:\t2010-09-05 05:41:54\n"
                                     "categories: Essen auf Rädern\n---\n### Tag 1\n\nText\n")
    assert (n.title, n.date, n.tags) == ("MRMCD1001b", date(2010, 9, 5), ("Essen auf Rädern",))


def test_front_matter_closed_by_dots(tmp_path: Path) -> None:
    n = note(tmp_path, "d.md", "---\ntitle: Dotted\ntags: a; b\n...\nBody text.\n")
    assert (n.title, n.tags, n.text) == ("Dotted", ("a", "b"), "Body text.")


def test_toml_front_matter_with_path_date_and_authors(tmp_path: Path) -> None:
    text = ('+++\npath = "inside-rust/2020/10/07/1.47.0-prerelease-2"\n'
            'title = "1.47.0 pre-release"\n'
            'authors = ["Pietro Albini", "Mark R"]\n\n[extra]\nteam = "Release"\n+++\n\n'
            "Try it: [notes here.][relnotes] and issue [#76980].\n\n[relnotes]: https://x.org\n")
    n = note(tmp_path, "1.47.0-prerelease-2@0.md", text)
    assert (n.title, n.date) == ("1.47.0 pre-release", date(2020, 10, 7))
    assert n.author == "Pietro Albini, Mark R" and n.speakers == ()
    assert n.text == "Try it: notes here. and issue #76980."


def test_json_front_matter(tmp_path: Path) -> None:
    text = ('{\n "title": "Meetup für Mitwirkende",\n "event_date": "2024-11-06T17:00:00+02:00",\n'
            ' "place": {"online": "https://x"},\n "video_url": "https://v.example/1"\n}\n\n'
            "Egal ob Du.\n")
    n = note(tmp_path, "de/event/x/index.md", text)
    assert (n.title, n.date, n.text, n.url) == ("Meetup für Mitwirkende", date(2024, 11, 6),
                                                "Egal ob Du.", "https://v.example/1")
    assert n.location is None  # an online meeting's link is no place
    text = ('{\n "title": "DSGVO-Rechte",\n "place": {\n  "name": "Stratum 0",\n'
            '  "address": "Hamburger Straße 273A, 38114 Braunschweig"\n }\n}\n\nVortrag.\n')
    n = note(tmp_path, "de/event/y/index.md", text)
    assert n.location == "Stratum 0, Hamburger Straße 273A, 38114 Braunschweig"


def test_pelican_header_metadata_only_note_is_valid(tmp_path: Path) -> None:
    n = note(tmp_path, "pressreview/2014-04-17_woz.md",
             "Title: Niemand weiss\nSlug: woz\nDate: 2014-04-17\nLang: de\nPublisher: WOZ\n"
             "Ext_url: https://www.woz.ch/1416/x")
    assert (n.title, n.date, n.declared_lang) == ("Niemand weiss", date(2014, 4, 17), "de")
    assert n.text == ""
    assert n.url == "https://www.woz.ch/1416/x"


def test_pelican_report_speakers_and_code_marker(tmp_path: Path) -> None:
    text = ("Title: Bericht Treffen\nDate: 2020-10-20 20:00\n\n## Protokoll\n\n### Intro\n\n"
            "### Teilnehmer\n\n- Andreas, Software-Entwickler, AX-Semantics\n"
            "- Philipp, Engineer\n\n"
            "### Andreas: Hosting of ML models\n\n```\n:::bash\ngcloud run deploy\n```\n\n"
            "### Uwe: Buchbesprechung\n\n### Themen:\n\n### next\n\n- date: 2020-11-17\n")
    n = note(tmp_path, "report-2020-10.md", text)
    assert n.date == date(2020, 10, 20)
    assert n.speakers == ("Andreas", "Uwe")
    assert ":::bash" not in n.text and "gcloud run deploy" in n.text and "```" not in n.text


def test_wintersmith_and_mixed_case_headers(tmp_path: Path) -> None:
    n = note(tmp_path, "2014/05/26/review/index.md",
             "title: Review Mai-Treffen\nauthor: Stephan Hoyer\ndate: 2014-05-26 9:30:00\n"
             "template: article.jade\n\nDas Treffen war gut.\n")
    assert (n.title, n.author, n.date) == ("Review Mai-Treffen", "Stephan Hoyer", date(2014, 5, 26))
    n = note(tmp_path, "medien/x.md",
             "title: Communiqué\nSlug: x.md\nLang: fr\n\n**Comme nous.**\n")
    assert (n.title, n.declared_lang, n.text) == ("Communiqué", "fr", "Comme nous.")


def test_plain_markdown_decorated_heading_byline_and_body_date(tmp_path: Path) -> None:
    text = ("\n # ** ` fourTheorem attends AWS Summit in NYC `**\n***\n![AWS Summit](aws.jpg)\n\n"
            "**August 24, 2017\n|\nJames Dadd**\n\nWe attended on the 14th August 2017.\n")
    n = note(tmp_path, "2017-08-01-report.md", text)
    assert n.title == "fourTheorem attends AWS Summit in NYC"
    assert n.date == date(2017, 8, 24)  # no metadata: the first body date beats the file name
    assert n.author == "James Dadd" and n.speakers == ()
    assert "AWS Summit" in n.text and "aws.jpg" not in n.text and "**" not in n.text


def test_no_metadata_date_label_and_topic_name_headings(tmp_path: Path) -> None:
    text = ("# PyCologne Treffen August 2016\n\n**Datum:** 10.08.2016, 19:00 Uhr\n\n"
            "## Vorträge\n\n"
            "### Anaconda Pakete - Reimar Bauer\n\nText.\n\n### Ntfy - Henning Dickten\n\n"
            "### Step 1 - Create Recommenders\n")
    n = note(tmp_path, "md/events/2016-08-11.md", text)
    assert n.title == "PyCologne Treffen August 2016"
    assert n.date == date(2016, 8, 10)
    assert n.speakers == ("Reimar Bauer", "Henning Dickten")


def test_front_matter_file_name_date_beats_body_date(tmp_path: Path) -> None:
    n = note(tmp_path, "_posts/2013-03-06-haskell.md",
             '---\ntitle: "Haskell"\nauthor: stefan-wehr\ntags: ["Konferenz", "konferenz"]\n---\n'
             "Am 15.03.2012 war etwas.\n")
    assert (n.date, n.author, n.tags) == (date(2013, 3, 6), "Stefan Wehr", ("Konferenz",))


def test_german_month_names_in_body(tmp_path: Path) -> None:
    n = note(tmp_path, "x.md", "# Treffen\n\n<p>19. Juli 2016 um 18:30</p>\n")
    assert n.date == date(2016, 7, 19) and n.text == "Treffen\n\n19. Juli 2016 um 18:30"


def test_nested_event_map_rrule_location_and_null_author(tmp_path: Path) -> None:
    n = note(tmp_path, "_events/discord-event-1.md",
             "---\nauthor: null\ntitle: Geburtstag \nevent:\n  start: '2026-06-05 15:00:00'\n"
             "  location: Netz39, Magdeburg\ntags: []\n---\n<!-- imported -->\n")
    assert (n.date, n.location, n.author) == (date(2026, 6, 5), "Netz39, Magdeburg", None)
    assert n.text == ""
    n = note(tmp_path, "e.md",
             '---\ntitle: x\nrrule: "FREQ=YEARLY;DTSTART=20260505T220000"\n---\nx\n')
    assert n.date == date(2026, 5, 5)


def test_event_and_meeting_fields(tmp_path: Path) -> None:
    n = note(tmp_path, "a.md", "---\ntitle: Agenda\nmeeting: DENOG15\ncity: Berlin\n---\nx\n")
    assert (n.event, n.location) == ("DENOG15", "Berlin")


def test_a_bare_year_is_kept_when_there_is_no_date(tmp_path: Path) -> None:
    n = note(tmp_path, "venue.md",
             "---\ntitle: Remote Venue\nmeeting: DENOG14\nyear: 2022\n---\nx\n")
    assert (n.date, n.year, n.to_dict()["year"]) == (None, 2022, 2022)
    dated = note(tmp_path, "i.md", "---\ntitle: S\ndate: 2022-11-13\nyear: 2022\n---\nx\n")
    assert (dated.date, dated.year) == (date(2022, 11, 13), None)  # the date says it
    for bad in ("'{{year}}'", "true", "20222", "banana", "2022²"):
        assert note(tmp_path, "b.md", f"---\ntitle: B\nyear: {bad}\n---\nx\n").year is None
    # else the nearest folder named after a year: a transcript of the event that year
    for rel, year in (("scalingbitcoin/hong-kong-2015/blocks.md", 2015),
                      ("events/pycon-us-2022/originals/CI.srt", 2022),
                      ("adopting-bitcoin/2021/_index.md", 2021),
                      ("wtd-2019-notes/session.md", None), ("v2022x/a.md", None)):
        text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n" if rel.endswith(".srt") \
            else "---\ntitle: T\n---\nx\n"
        assert note(tmp_path, rel, text).year == year, rel


def test_drafts_by_folder_and_language_declarations(tmp_path: Path) -> None:
    assert note(tmp_path, "draft/bob.md", "---\ntitle: B\n---\nx\n").draft is True
    assert note(tmp_path, "_drafts/c.md", "# C\n").draft is True
    assert note(tmp_path, "n.md", "---\ntitle: N\nlanguage: de-de\n---\nx\n").declared_lang == "de"
    assert note(tmp_path, "t/desc.es.md", "---\ntitle: T\n---\nhola\n").declared_lang == "es"


def test_setext_heading_and_body_cleanup(tmp_path: Path) -> None:
    text = ("Parallele Programmierung\n========================\n\nIntro <!--more--> text "
            "{% post_url 2013-01-01-x %} and {{< rawhtml >}}<b>bold</b>{{< /rawhtml >}} "
            "{{ site.url }}/img.png.\n\n<script>alert(1)</script>\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "> quoted _emphasis_ and snake_case_name and `__init__`\n\n```python\nx = 1\n```\n")
    n = note(tmp_path, "p.md", text)
    assert n.title == "Parallele Programmierung"
    for junk in ("<!--", "{%", "{{", "<b>", "alert", "===", "|", "```", "_emphasis_"):
        assert junk not in n.text
    assert "emphasis and snake_case_name and __init__" in n.text and "x = 1" in n.text


def test_emphasis_over_a_line_break_leaves_no_marks(tmp_path: Path) -> None:
    """Wrapped prose: `__strong__` and `**strong**` opened on one line, closed on the next
    (inside-rust's keyword-generics post), are read as text without their marks."""
    text = ("# Generics\n\nfor a single method, and __that problem\nacross the stdlib__. "
            "We **expect\nthat** once we ship.\n\nA __stray mark\n\nin another__ "
            "paragraph; `__init__` and snake_case_name stay.\n")
    n = note(tmp_path, "g.md", text)
    assert "and that problem\nacross the stdlib. We expect\nthat once" in n.text
    assert "**" not in n.text and "__that" not in n.text and "stdlib__" not in n.text
    assert "__init__" in n.text and "snake_case_name" in n.text
    assert "__stray mark" in n.text  # never paired across a blank line


# --- reStructuredText ---------------------------------------------------------------------

RST = """:template: {{year}}/generic.html

.. post:: March 5, 2019
   :tags: portland-2019, speakers, {{shortcode}}-{{year}}
   :author: Eric Holscher
   :location: PDX

Announcing speakers and talks
=============================

See `the speakers <https://example.org/speakers/>`_ and :doc:`our guide </guide>`.

.. datatemplate::
   :source: /_data/speakers.yaml

.. _target: https://example.org

.. a comment
   that continues

Speaker: Heather Stenson

Sub heading
-----------

* ``literal`` and **bold**
"""


def test_rst_ablog_post(tmp_path: Path) -> None:
    n = note(tmp_path, "news/announcing-speakers.rst", RST)
    assert (n.format, n.title, n.date) == ("rst", "Announcing speakers and talks", date(2019, 3, 5))
    assert n.tags == ("portland-2019", "speakers")
    assert (n.author, n.location, n.speakers) == ("Eric Holscher", "PDX", ("Heather Stenson",))
    assert "See the speakers and our guide." in n.text
    for junk in (".. ", ":source:", "https://", "a comment", "===", "---", "``", "**", "{{"):
        assert junk not in n.text
    assert "literal and bold" in n.text


def test_rst_space_separated_tags_and_placeholder_dates(tmp_path: Path) -> None:
    n = note(tmp_path, "blog/2021-campaign.rst",
             ".. post:: Jun 14, {{year}}\n   :tags: bipoc statement\n\nTitle\n=====\n\nBody.\n")
    assert n.tags == ("bipoc", "statement") and n.date is None
    n = note(tmp_path, "b.rst", ".. post:: May 3rd, 2023\n\nT\n=\n\nx\n")
    assert n.date == date(2023, 5, 3)


# --- HTML ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html5>
<html lang="de">
<head><title>Review Mai-Treffen -Javascript-Usergroup
 Leipzig</title><script>var x = 1;</script><style>p {}</style></head>
<body>
<div class="navbar"><nav><ul><li><a href="/">Location</a></li></ul></nav></div>
<article class="post"><section class="content">
<h1><a href="/">Review Mai-Treffen</a></h1>
<h5 class="author">Geschrieben von:&nbsp;<a href="mailto:x">Stephan Hoyer</a></h5>
<p>Das Treffen war &quot;gut&quot;.</p><p>Zweiter<br>Absatz</p>
</section></article>
<footer><h6>&copy; 2016 Usergroup</h6></footer>
</body></html>"""


def test_html_full_page(tmp_path: Path) -> None:
    n = note(tmp_path, "artikel/2014/05/26/review/index.html", PAGE)
    assert (n.format, n.title, n.declared_lang) == ("html", "Review Mai-Treffen", "de")
    assert (n.date, n.author) == (date(2014, 5, 26), "Stephan Hoyer")
    assert 'Das Treffen war "gut".' in n.text and "Zweiter\nAbsatz" in n.text
    for junk in ("Location", "var x", "2016 Usergroup", "<", "p {}"):
        assert junk not in n.text


def test_html_without_article_drops_boilerplate_and_reads_speaker_tables(tmp_path: Path) -> None:
    page = ("<html><head><title>DENOG1 Agenda | DENOG</title></head><body><header>Menu</header>"
            "<table><tr><th>Start</th><th>Titel</th><th>Autor</th></tr>"
            "<tr><td colspan='2'>Pause</td><td></td></tr>"
            "<tr><td>10:20</td><td>DNSSEC</td><td>Lutz Donnerhacke,<br>Ralf Weber</td></tr>"
            "</table><footer>Impressum</footer></body></html>")
    n = note(tmp_path, "agenda.htm", page)
    assert n.title == "DENOG1 Agenda | DENOG"
    assert n.speakers == ("Lutz Donnerhacke", "Ralf Weber")
    assert "Menu" not in n.text and "Impressum" not in n.text and "DNSSEC" in n.text


# --- speakers in bodies (formats.md section 6) --------------------------------------------

def test_speaker_bullets_labels_tables_and_link_headings(tmp_path: Path) -> None:
    text = ("Title: Treffen\nDate: 2016-06-30\n\n### Themen:\n\n"
            "- Wolfgang Kraus / Johannes Heischmann - Diskussion zu Business-Cases\n"
            "- Götz Bräuer - Business Case\n- [Google Hangout](https://x) - We set up a call\n"
            "- (weitere Vorschläge sind willkommen)\n\n**Referent:** Max Mustermann\n\n"
            "Danach der Vortrag von Daniel Hirschberger zum Thema Paypal.\n\n"
            "#### [Heather Stenson - Any friend of the docs](https://x)\n\n"
            "| Uhrzeit | Speaker |\n| --- | --- |\n| 18:00 | Willkommen, Agenda, Meetup Regeln |\n"
            "| 18:10 | Markus Hendrich, CEO, ecotel AG |\n")
    n = note(tmp_path, "announcement-2016-07.md", text)
    assert n.speakers == ("Wolfgang Kraus", "Johannes Heischmann", "Götz Bräuer",
                          "Max Mustermann", "Daniel Hirschberger", "Heather Stenson",
                          "Markus Hendrich")


def test_headings_that_are_not_people(tmp_path: Path) -> None:
    text = ("# T\n\n### Intro\n\n### Protokoll\n\n### Overview\n\n### Teilnehmer\n\n"
            "## Deshalb: Nein!\n\n### Anwesend:\n\n### Helfer:innen\n\n## Week 3 - More Pandas\n")
    assert note(tmp_path, "t.md", text).speakers == ()


# --- captions and transcripts (formats.md 1.14, 1.15, 3.8, 9.14) ---------------------------

SRT = """1
00:00:00,000 --> 00:00:11,200
I'm Owen. I'm an engineer

2
00:00:11,200 --> 00:00:16,120
at Elemental.

3
00:00:20,000 --> 00:00:21,000
After a pause.
"""


def test_srt_file(tmp_path: Path) -> None:
    n = note(tmp_path, "events/pycon-us-2023/originals/Dagster_-What-You-Didn_t-Know_.srt", SRT)
    assert (n.format, n.title, n.event, n.date) == (
        "srt", "Dagster: What You Didn't Know?", "PyCon US 2023", None)
    assert n.text == "I'm Owen. I'm an engineer at Elemental.\n\nAfter a pause."
    assert n.cues == ((0, 0.0), (26, 11.2), (41, 20.0))
    assert n.text[41:].startswith("After") and "-->" not in n.text


def test_title_from_srt_file_name() -> None:
    assert title_from_filename("Animating-NFL-data-using-matplotlib_s-FuncAnimation()") == (
        "Animating NFL data using matplotlib's FuncAnimation()")
    assert title_from_filename("htmx-+-Flask_-Modern-Python-Web;-Hold-the-JavaScript") == (
        "htmx + Flask: Modern Python Web; Hold the JavaScript")


def test_vtt_rolling_captions_and_voices(tmp_path: Path) -> None:
    vtt = ("WEBVTT\nKind: captions\n\nNOTE a comment\n\n00:00.000 --> 00:01.000 align:start\n"
           "<v Roger Bingham>hello there\n\n00:01.000 --> 00:02.000\nhello there\n<c>general</c> "
           "kenobi\n\n00:02.000 --> 00:03.000\ngeneral kenobi\n\n")
    n = note(tmp_path, "talk.vtt", vtt)
    assert (n.format, n.text) == ("vtt", "hello there general kenobi")
    assert n.cues == ((0, 0.0), (12, 1.0)) and n.speakers == ("Roger Bingham",)


def test_youtube_transcript_dump(tmp_path: Path) -> None:
    text = ("Title: Using SageMaker  with Ian Massingham (AWS)\nPublication date: 2018-10-17\n"
            "Playlist: AI Conference 2018 - London\nDescription: \n\tSubscribe: http://goo.gl/x\n\n"
            "Twitter: http://twitter.com/o\nCaptions: \n"
            "\t00:00:00,000 --> 00:00:05,100\nhi I'm Paco\n\n"
            "00:00:02,490 --> 00:00:08,940\nand it's a pleasure\n\n"
            "00:00:05,100 --> 00:00:08,940\n\n\n"
            "YouTube URL: https://www.youtube.com/watch?v=5FAS0jowEaI\n")
    n = note(tmp_path, "t.txt", text)
    assert (n.format, n.date, n.url) == ("transcript", date(2018, 10, 17),
                                         "https://www.youtube.com/watch?v=5FAS0jowEaI")
    assert n.title == "Using SageMaker with Ian Massingham (AWS)"
    assert (n.event, n.speakers) == ("AI Conference 2018 - London", ("Ian Massingham",))
    assert n.text.endswith("hi I'm Paco and it's a pleasure") and "-->" not in n.text
    start = n.text.index("hi I'm")
    assert n.cues == ((start, 0.0), (start + 12, 2.49))


def test_plain_txt_note(tmp_path: Path) -> None:
    n = note(tmp_path, "posts/2026-08-neustart.txt", "PyCologne ist zurück!\n\nNächster Termin: "
                                                     "Mittwoch, 9. September 2026.\n")
    assert (n.format, n.title, n.date) == ("text", "2026-08-neustart", date(2026, 9, 9))


# --- pyvideo JSON (formats.md section 12) -------------------------------------------------

def test_pyvideo_record_and_category(tmp_path: Path) -> None:
    write(tmp_path, "pycon-de-2012/category.json", '{"title": "PyCon DE 2012"}')
    record = {"title": "Mock Hell", "description": "Speaker: Edwin Jung\r\n\r\nMock is *abused*.",
              "speakers": ["Edwin Jung", " Ann Lee and Bob Ray ", "C. Dee, E. Eff"],
              "recorded": "2012-10-30T10:00:00+01:00", "language": "deu", "tags": ["mock", "Mock"],
              "videos": [{"type": "youtube", "url": "https://www.youtube.com/watch?v=x"}]}
    n = note(tmp_path, "pycon-de-2012/videos/mock-hell.json", json.dumps(record))
    assert (n.format, n.title, n.event, n.date) == ("pyvideo", "Mock Hell", "PyCon DE 2012",
                                                    date(2012, 10, 30))
    assert n.speakers == ("Edwin Jung", "Ann Lee", "Bob Ray", "C. Dee", "E. Eff")
    assert (n.declared_lang, n.tags) == ("de", ("mock",))
    assert n.url == "https://www.youtube.com/watch?v=x"
    assert n.text == "Speaker: Edwin Jung\n\nMock is abused."
    n = note(tmp_path, "no-category/videos/t.json", json.dumps({"title": "T", "speakers": []}))
    assert n.event == "no-category"


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("conf/category.json", '{"title": "PyCon"}', "conference metadata (category.json), not a talk"),
    ("conf/videos/bad.json", '{"title": ', "JSON does not parse"),
    ("conf/videos/untitled.json", '{"speakers": ["A"], "description": "d"}', "without a title"),
    ("conf/other.json", '{"title": "settings", "theme": "dark"}', "not a talk record"),
    ("conf/list.json", "[1, 2]", "not an object"),
])
def test_json_that_is_not_a_talk(tmp_path: Path, name: str, content: str, reason: str) -> None:
    with pytest.raises(ParseError, match=re.escape(reason)):
        note(tmp_path, name, content)


# --- encodings and broken files (formats.md section 10) -----------------------------------

def test_bom_crlf_cr_and_invisible_characters(tmp_path: Path) -> None:
    raw = ("\ufeff---\r\ntitle: Gr\u00fc\u00dfe\r\n---\r\n"
           "Soft\u00adhyphen zero\u200bwidth\u00a0nbsp \ufeffstray and U\u0308mlaut\rnext line\r\n")
    n = note(tmp_path, "b.md", raw.encode("utf-8"))
    assert n.title == "Grüße"
    assert n.text == "Softhyphen zerowidth nbsp stray and Ümlaut\nnext line"
    assert unicodedata.is_normalized("NFC", n.text)


def test_legacy_8bit_decoded_as_cp1252(tmp_path: Path) -> None:
    title = "Grüße \u2013 \u201cquoted\u201d"
    n = note(tmp_path, "l.md", f"# {title}\n".encode("cp1252"))
    assert n.title == title and "not UTF-8; decoded as cp1252" in n.warnings


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty file"), (b"  \n\t\n", "empty file"), (b"\xef\xbb\xbf\n", "empty file"),
    (b"# x\x00\x01binary", "binary"), (b"---\nlayout: redirected\n---\n", "no title and no text"),
    (b"<!-- only a comment -->\n", "no title and no text"),
])
def test_unreadable_notes_raise_parse_error(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        note(tmp_path, "x.md", content)


GERMAN_NOTE = ("---\ntitle: Grüße vom Datenbank-Stammtisch\ntags: [Datenbanken]\n---\n\n"
               "# Grüße vom Datenbank-Stammtisch\n\nIn Köln ging es um Schlüsselverwaltung, "
               "Größenänderungen und „Fußnoten“ \u2013 für 5 € Eintritt.\n")


@pytest.mark.parametrize("encoding", [
    "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "bom:utf-16-be",
    "bom:utf-32-be"])
def test_utf16_and_utf32_with_or_without_bom(tmp_path: Path, encoding: str) -> None:
    """`utf-16`/`utf-32` write a BOM, `-le`/`-be` none; `bom:` puts one before big-endian
    text.  None of them may come out as CJK-looking garbage or as a "binary file"."""
    if encoding.startswith("bom:"):
        encoding = encoding[4:]
        raw = "\ufeff".encode(encoding) + GERMAN_NOTE.encode(encoding)
    else:
        raw = GERMAN_NOTE.encode(encoding)
    n = note(tmp_path, "stammtisch.md", raw)
    assert n.title == "Grüße vom Datenbank-Stammtisch"
    assert n.tags == ("Datenbanken",) and n.warnings == ()
    assert "Schlüsselverwaltung, Größenänderungen und „Fußnoten“ \u2013 für 5 € Eintritt." in n.text


def test_undecodable_utf16_is_skipped_with_the_reason(tmp_path: Path) -> None:
    lone_surrogates = b"\xff\xfe" + "# Titel\n".encode("utf-16-le") + b"\x00\xd8" * 40
    with pytest.raises(ParseError, match=r"BOM of UTF-16-LE text, but does not decode"):
        note(tmp_path, "broken.md", lone_surrogates)
    # one odd byte at the end (a truncated copy) costs a character, not the note
    n = note(tmp_path, "cut.md", GERMAN_NOTE.encode("utf-16-le") + b"!")
    assert n.title == "Grüße vom Datenbank-Stammtisch"
    assert n.warnings == ("UTF-16-LE text with 1 undecodable byte sequence(s), replaced by U+FFFD",)


def test_os_errors_become_parse_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(ParseError, match="cannot read"):
        read_note(tmp_path / "dir.md", tmp_path)
    with pytest.raises(ParseError, match="cannot read"):
        read_note(tmp_path / "missing.md", tmp_path)


# --- dates (formats.md section 4) ---------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (date(2021, 11, 16), date(2021, 11, 16)),
    (datetime(2019, 5, 16, 9, 0, tzinfo=timezone.utc), date(2019, 5, 16)),
    ("2020-11-20", date(2020, 11, 20)),
    ("2018-09-22T13:48:08+00:00", date(2018, 9, 22)),
    ("2019-05-20T13:24:38.426Z", date(2019, 5, 20)),
    ("2020-09-29T13:25:00", date(2020, 9, 29)),
    ("2014-05-26 9:30:00", date(2014, 5, 26)),
    ("2020-10-20 20:00", date(2020, 10, 20)),
    ("Apr 26, 2021", date(2021, 4, 26)),
    ("March 5, 2019", date(2019, 3, 5)),
    ("May 3rd, 2023", date(2023, 5, 3)),
    ("October  06, 2025", date(2025, 10, 6)),
    ("19. Juli 2016", date(2016, 7, 19)),
    ("14.08.2013, 19:00 Uhr", date(2013, 8, 14)),
    ("Jun 14, {{year}}", None),
    ("12:00, Apr 25, {{year}}", None),
    ("tomorrow", None),
    (None, None),
])
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_with_timezone_offset_keeps_written_day() -> None:
    value = datetime(2024, 11, 6, 23, 30, tzinfo=timezone(timedelta(hours=2)))
    assert parse_date(value) == date(2024, 11, 6)


@pytest.mark.parametrize(("path", "expected"), [
    ("md/events/2013-08-14.md", date(2013, 8, 14)),
    ("news/2021_01_27_FOSSGIS-OSM.md", date(2021, 1, 27)),
    ("posts/20230614_DENOG14_recap.md", date(2023, 6, 14)),
    ("artikel/2014/05/26/review/index.html", date(2014, 5, 26)),
    ("content/report-2020-10.md", date(2020, 10, 1)),
    ("bitcoin-core-dev-tech/2018-03/taproot.md", date(2018, 3, 1)),
    ("bitcoin-core-dev-tech/2018-03/2018-03-06-taproot.md", date(2018, 3, 6)),
    ("events/pycon-us-2023/talk.srt", None),
    ("_events/discord-event-1372679970798702744.md", None),
])
def test_path_date(path: str, expected: date | None) -> None:
    assert path_date(path) == expected


# --- the seeds and the shared corpora ---------------------------------------------------

def _fold(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold()


SEEDS = ["hugo-meetup.md", "jekyll-summit.md", "plain-report.md", "pelican-de.md",
         "youtube-transcript.txt"]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_expectations(seed: str) -> None:
    corpora = need_shared()
    expected = json.loads((SHARED / "eval" / "seeds-expected.json").read_text("utf-8"))[seed]
    n = read_note(corpora / "seeds" / seed, corpora / "seeds")
    for key, want in expected.items():
        if key == "lang":
            continue  # the detected language is set by analyze, not by the readers
        if key == "title":
            options = want["any_of"] if isinstance(want, dict) else [want]
            assert n.title in options
        elif key == "date":
            options = want["any_of"] if isinstance(want, dict) else [want]
            assert n.date is not None and n.date.isoformat() in options
        elif key in ("tags", "speakers"):
            got = {_fold(v) for v in getattr(n, key)}
            want_set = {_fold(v) for v in next(iter(want.values()))}
            assert got == want_set if "equals" in want else want_set <= got
        elif key == "not_speakers":
            assert not {_fold(v) for v in want} & {_fold(v) for v in n.speakers}
        elif key == "author":
            assert n.author is not None and _fold(n.author) == _fold(want)
        elif key == "draft":
            assert n.draft is want
        elif key == "event":
            assert n.event is not None and _fold(want["contains"]) in _fold(n.event)
        elif key == "url":
            assert n.url == want
        elif key == "body_excludes":
            for fragment in want:
                assert fragment not in n.text
        else:
            pytest.fail(f"unknown expectation key {key!r}")


REAL = [  # (path under real-notes/, title, date or None, speakers that must be found)
    ("cloud-native-wales/content/post/015_aprilmeetup.md", None, "2019-04-02", ["David McKay"]),
    ("mlugs-stuttgart/website/content/announcement-2016-07.md", "MLUGS Treffen im Juli 2016",
     "2016-06-30", ["Wolfgang Kraus", "Götz Bräuer"]),
    ("pycologne/md/events/2016-08-10.md", "PyCologne Treffen August 2016", "2016-08-10",
     ["Reimar Bauer", "Henning Dickten"]),
    ("denog/de/meetings/denog1/agenda.md", "DENOG1 - AGENDA", None, ["Lutz Donnerhacke"]),
    ("fossgis/content/news/2021_01_27_FOSSGIS-OSM-Communitytreffen.md", None, "2021-01-27", []),
    ("funktionale-programmierung/_posts/2013-03-06-parallel-haskell.md",
     "Parallele Programmierung mit Haskell", "2013-03-06", []),
    ("leipzigjs/src/contents/artikel/2014/05/26/review-mai-treffen/index.md", "Review Mai-Treffen",
     "2014-05-26", []),
    ("leipzigjs/artikel/2014/05/26/review-mai-treffen/index.html", "Review Mai-Treffen",
     "2014-05-26", []),
    ("ccc-ch/content/pages/de/intern/2018-07-28-gettogether.md", "Sommer 2018 Gettogether",
     "2018-07-28", []),
    ("chaospott-essen/web/_posts/2010-09-05-mrmcd1001b.markdown", "MRMCD1001b", "2010-09-05", []),
    ("netz39/_events/2026/2026-06-05_hackathon_smart_city_magdeburg.md",
     "Hackathon: Smart City Magdeburg", "2026-06-05", []),
    ("bitcointranscripts/adopting-bitcoin/2021/"
     "2021-11-17-bastien-teinturier-privacy-on-lightning.md",
     "Privacy On Lightning", "2021-11-17", ["Bastien Teinturier"]),
    ("writethedocs/docs/blog/2021-matching-campaign.rst",
     "Announcing our 2021 donation matching campaign", "2021-04-26", []),
    ("writethedocs/docs/blog/newsletter-march-2017.md", "Write the Docs Newsletter - March 2017",
     "2017-03-14", []),
    ("wtd-2019-community-notes/notes/WTD PDX 2019 - Day 1.md", "WTD PDX 2019 - Day 1",
     "2019-05-20", ["Heather Stenson"]),
    ("inside-rust/content/inside-rust/all-hands-retrospective.md", "All Hands Retrospective",
     "2020-03-18", []),
    ("datenanfragen-events/content/de/verein/event/contributor-meetup-11-2024/index.md",
     "Meetup für Mitwirkende November 2024", "2024-11-06", []),
    ("pyvideo-subtitles/events/pycon-us-2023/Working-with-Time-Zones_-Everything-You-Wish-You-"
     "Didn_t-Need-to-Know-(zoneinfo-edition).srt", "Working with Time Zones: Everything You Wish "
     "You Didn't Need to Know (zoneinfo edition)", None, []),
]


@pytest.mark.parametrize(("rel", "title", "when", "speakers"), REAL)
def test_real_notes_spot_checks(rel: str, title: str | None, when: str | None,
                                speakers: list[str]) -> None:
    corpora = need_shared()
    n = read_note(corpora / "real-notes" / rel, corpora)
    assert n.path == f"real-notes/{rel}" and n.title and n.text
    if title is not None:
        assert n.title == title
    assert (n.date.isoformat() if n.date else None) == when
    assert set(speakers) <= set(n.speakers)
    assert n.author is None or n.author not in n.speakers


def test_every_shared_file_reads_or_raises_parse_error() -> None:
    corpora = need_shared()
    started = time.perf_counter()
    reasons: Counter[str] = Counter()
    count = 0
    base = corpora.resolve()
    for path, _, _ in scan_corpus([corpora]).values():
        count += 1
        try:
            read_note(Path(path), base)
        except ParseError as exc:
            reasons[str(exc)] += 1
    took = time.perf_counter() - started
    print(f"\n{count} files in {took:.1f}s; ParseErrors by reason: {dict(reasons)}")
    assert count > 25_000
    assert not [r for r in reasons if r.startswith("reader failed")], reasons
    assert reasons["conference metadata (category.json), not a talk"] == 540
    assert sum(reasons.values()) < 560


def test_leading_shortcode_is_not_json_front_matter(tmp_path: Path) -> None:
    n = note(tmp_path, "_index.md", "{{< childpages >}}\n\n# Section\n")
    assert (n.title, n.text, n.warnings) == ("Section", "Section", ())
    n = note(tmp_path, "broken.md", '{ "title": oops }\n\nBody\n')
    assert n.warnings and "Body" in n.text
