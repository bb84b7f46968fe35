"""Per-language analysis: folding, stemming, detection, and what each chain yields."""

import pytest

from eventsearch.analyze import (
    detect_language,
    fold,
    normalize_key,
    plain_analyzer,
    stem_de,
    stem_en,
    stemming_analyzer,
)


def tokens(analyzer, text):
    return [t.text for t in analyzer(text)]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Fußabdruck", "Fussabdruck"), ("Rückseite", "Rueckseite"), ("Vorträge", "Vortraege"),
     ("Einführung", "Einfuehrung"), ("Zürich", "Zuerich"), ("Größe", "Groesse")],
)
def test_fold_meets_umlauts_and_their_spellings(a, b):
    assert fold(a.lower()) == fold(b.lower())


def test_fold_maps_sharp_s_to_ss_not_s():
    # Whoosh's own accent map turns ß into a single s; German normalisation wants ss.
    assert fold("straße") == "strasse"


@pytest.mark.parametrize("word", ["neue", "quelle", "feuer", "queue"])
def test_fold_keeps_ue_after_vowels_and_q(word):
    assert fold(word) == word


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("Vorträge", "Vortrag"), ("Vortraege", "Vortrag"), ("Vortrage", "Vortrag"),
     ("Datenbanken", "Datenbank"), ("Anmeldung", "anmelden")],
)
def test_german_chain_meets_inflections(inflected, base):
    chain = stemming_analyzer("de")
    assert tokens(chain, inflected) == tokens(chain, base)


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("deployments", "deployment"), ("talks", "talk"), ("renaming", "renamed"),
     ("generators", "generator")],
)
def test_english_chain_meets_inflections(inflected, base):
    chain = stemming_analyzer("en")
    assert tokens(chain, inflected) == tokens(chain, base)


def test_stemming_chains_drop_their_stop_words():
    assert tokens(stemming_analyzer("de"), "die Vorträge und der Vortrag") == ["vortrag"] * 2
    assert tokens(stemming_analyzer("en"), "the talks of the day") == ["talk", "day"]


def test_plain_chain_keeps_words_whole_and_identifiers_intact():
    assert tokens(plain_analyzer(), "Deployments mit node.js und O'Reilly") == [
        "deployments", "node.js", "o'reilly"]


def test_stem_functions_are_plain_module_functions():
    # Whoosh pickles the schema: analyzers must reference importable functions.
    assert stem_en.__module__ == stem_de.__module__ == "eventsearch.analyze"
    assert stem_de("Vorträge".lower()) == "vortrag"


def test_detect_language_decides_between_english_and_german():
    de = "Das Ziel des Treffens ist der Austausch über Themen rund um maschinelles Lernen."
    en = "The goal of the meetup is to exchange ideas about machine learning in production."
    assert detect_language(de) == "de"
    assert detect_language(en) == "en"


def test_detect_language_is_deterministic():
    text = "Kubernetes Deployment mit Helm und ArgoCD im Cluster"
    assert len({detect_language(text) for _ in range(5)}) == 1


def test_declared_language_is_only_a_hint():
    english = "This report covers the talks of our January meetup about databases and caching."
    assert detect_language(english, declared="de") == "en"
    assert detect_language("", declared="de") == "de"
    assert detect_language("ok", declared=None) == "und"


def test_other_languages_are_recorded():
    spanish = ("En esta charla hablamos de las pruebas unitarias con pytest y de cómo "
               "escribir código más limpio para nuestros proyectos de software libre.")
    assert detect_language(spanish) == "es"


def test_normalize_key_merges_case_and_spacing():
    assert normalize_key("AWS  Summit ") == normalize_key("aws summit") == "aws summit"
