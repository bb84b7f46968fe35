"""Related forms from suffix rules, kept only when the index has them (text/derive.py)."""

from __future__ import annotations

from eventsearch.text.derive import candidates, dotted_forms, related_forms, undotted_form


def df_of(counts: dict[str, int]):
    return lambda word: counts.get(word, 0)


def test_acronym_plurals_meet_their_singular_both_ways():
    df = df_of({"pr": 40, "prs": 9, "llm": 30, "llms": 12})
    assert related_forms("prs", df, "PRs") == [("pr", True)]
    assert related_forms("llm", df, "LLM") == [("llms", True)]
    # a word with a vowel is Snowball's business ("apis" -> "api" already)
    assert "api" not in candidates("apis", "APIs")
    # only a word typed as an acronym: cms is no plural of cm, nor CMS
    cm = df_of({"cm": 50, "gp": 9, "cmss": 1})
    assert related_forms("cms", cm, "cms") == [] and related_forms("cms", cm, "CMS") == []
    assert related_forms("gps", cm, "GPS") == [] and related_forms("prs", df, "prs") == []


def test_derivations_in_both_languages():
    df = df_of({"contribute": 50, "verify": 20, "organization": 30, "warten": 80,
                "dokumentieren": 5, "andern": 4, "anderen": 300, "programmieren": 9})
    assert ("contribute", False) in related_forms("contributor", df)
    assert related_forms("verification", df) == [("verify", False)]
    assert related_forms("organisation", df) == [("organization", False)]
    assert related_forms("dokumentation", df) == [("dokumentieren", False)]
    assert related_forms("programmierung", df) == [("programmieren", False)]
    # the participle Snowball keeps apart: installiert, spezifiziert / Spezifikation
    df = df_of({"installieren": 7, "installation": 90, "spezifikation": 12,
                "spezifizieren": 3, "andern": 4, "anderen": 300})
    assert related_forms("installiert", df) == [("installieren", False)]
    assert related_forms("spezifiziert", df) == [("spezifikation", False),
                                                 ("spezifizieren", False)]
    assert ("spezifizieren", False) in related_forms("spezifikation", df)
    assert candidates("programmiert") == ["programmieren", "programmierung"]
    # -izierung, -iziert, -izieren and -ikation all meet
    forms = {"identifizieren", "identifiziert", "identifizierung", "identifikation"}
    for word in forms:
        assert set(candidates(word)) == forms - {word}
    # only the longest suffix applies: Änderung is ändern, never "anderen" (other)
    assert related_forms("anderung", df) == [("andern", False)]


def test_forms_the_stems_already_join_or_the_index_lacks_are_left_out():
    df = df_of({"maintain": 100, "organize": 10})
    assert related_forms("maintainer", df) == []  # Snowball: maintainer -> maintain
    assert related_forms("organizer", df) == []
    assert related_forms("creator", df_of({})) == []
    # short bases are words of their own: factor is not fact, author not auth
    assert "fact" not in candidates("factor") and "auth" not in candidates("author")


def test_dotted_names_meet_their_plain_name():
    words = ["marionette.js", "marionette.jsx", "marionette.v2.3", "socket.io",
             "socket.io.client", "openstreetmap.de", "python.org"]

    def with_prefix(prefix):
        return (w for w in sorted(words) if w.startswith(prefix))

    assert dotted_forms("marionette", with_prefix) == ["marionette.js", "marionette.jsx"]
    assert dotted_forms("socket", with_prefix) == ["socket.io"]
    assert undotted_form("vue.js") == "vue"
    # versions, domains and short names are not names with an ending
    assert undotted_form("rustup.1") is None and undotted_form("python.org.uk") is None
    assert undotted_form("d3.js") is None and dotted_forms("io", with_prefix) == []
    # a web address names a site
    assert dotted_forms("openstreetmap", with_prefix) == [] and undotted_form("python.org") is None
