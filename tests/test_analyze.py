"""Per-language analysis (folding, stemming, what each chain yields) and language detection."""

import contextlib
import pickle
from pathlib import Path

import langdetect
import pytest

from eventsearch.backends.whoosh.analysis import (
    plain_analyzer,
    plain_chain,
    stemming_analyzer,
    stemming_chain,
)
from eventsearch.errors import ParseError
from eventsearch.readers import read_note
from eventsearch.readers.scan import scan_corpus
from eventsearch.text import language
from eventsearch.text.analyze import fold, normalize_key, stem_de, stem_en
from eventsearch.text.language import detect_language

from .conftest import SAMPLE_CORPUS, require_shared


def tokens(analyzer, text):
    return [t.text for t in analyzer(text)]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Fußabdruck", "Fussabdruck"), ("Rückseite", "Rueckseite"), ("Vorträge", "Vortraege"),
     ("Einführung", "Einfuehrung"), ("Zürich", "Zuerich"), ("Größe", "Groesse"),
     # at the start of a word, where no letter comes before the vowel
     ("Ärger", "Aerger"), ("Öffnung", "Oeffnung"), ("Übung", "Uebung")],
)
def test_fold_meets_umlauts_and_their_spellings(a, b):
    assert fold(a.lower()) == fold(b.lower())


def test_fold_maps_sharp_s_to_ss_not_s():
    # Whoosh's own accent map turns ß into a single s; German normalisation wants ss.
    assert fold("straße") == "strasse"


def test_fold_folds_an_umlaut_spelling_at_the_start_of_a_word():
    assert (fold("aerger"), fold("oeffnung"), fold("uebung")) == ("arger", "offnung", "ubung")


@pytest.mark.parametrize("word", ["neue", "quelle", "feuer", "queue", "bauer", "blauer", "ouest",
                                  "niue", "aue", "eue"])
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
    assert stem_en.__module__ == stem_de.__module__ == "eventsearch.text.analyze"
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


def _notes(root, every=1):
    base = Path(root).resolve()
    for path, _, _ in list(scan_corpus([root]).values())[::every]:
        with contextlib.suppress(ParseError):
            yield read_note(Path(path), base)


def _token_tuples(analyzer, text, **options):
    return [(t.text, t.pos, t.startchar, t.endchar, t.stopped, t.original)
            for t in analyzer(text, positions=True, chars=True, keeporiginal=True, **options)]


MIXED = ("Die Vorträge über Kubernetes-Deployments: the talks of O'Reilly's node.js "
         "Größe GRÖSSE Fußabdruck, das ist ein Test; Datenbanken und Straße 2019-05 _x_")


@pytest.mark.parametrize("lang", ["plain", "en", "de"])
@pytest.mark.parametrize("options", [{}, {"removestops": False}, {"start_pos": 4, "start_char": 9},
                                     {"tokenize": False}])
def test_fused_analyzers_yield_exactly_what_the_filter_chains_yield(lang, options):
    fused = plain_analyzer() if lang == "plain" else stemming_analyzer(lang)
    chain = plain_chain() if lang == "plain" else stemming_chain(lang)
    texts = [MIXED, MIXED.upper(), "the", "", "Ü"]
    texts += [note.text[:4000] for note in _notes(SAMPLE_CORPUS)]
    for text in texts:
        for _ in range(2):  # the second pass answers from the word cache
            assert _token_tuples(fused, text, **options) == _token_tuples(chain, text, **options)


@pytest.mark.parametrize("lang", ["plain", "en", "de"])
def test_indexed_words_are_the_index_mode_tokens(lang):
    fused = plain_analyzer() if lang == "plain" else stemming_analyzer(lang)
    texts = [MIXED, "The the a talk", "und der die", "", "the", "a b c Vorträge"]
    texts += [note.text[:4000] for note in _notes(SAMPLE_CORPUS)]
    for text in texts:
        tokens = [(t.text, t.pos) for t in fused(text, positions=True, mode="index")]
        words, first = fused.indexed_words(text)
        assert list(zip(words, range(first, first + len(words)), strict=True)) == tokens


def test_fused_analyzer_pickles_without_its_cache():
    fused = stemming_analyzer("de")
    list(fused("Vorträge über Datenbanken"))
    copy = pickle.loads(pickle.dumps(fused))
    assert copy == fused and copy._cache == {}
    assert [t.text for t in copy("Vorträge")] == ["vortrag"]


def test_clear_english_or_german_prose_skips_langdetect(monkeypatch):
    calls = []
    original = language.detect_langs
    monkeypatch.setattr(language, "detect_langs",
                        lambda text, **kw: calls.append(text) or original(text, **kw))
    english = ("The speaker showed how the team moved their services to Kubernetes and what "
               "they learned about deployments, monitoring and the cost of running it all. ")
    german = ("Der Vortrag zeigte, wie das Team seine Dienste auf Kubernetes umgezogen hat und "
              "was sie über Deployments, Monitoring und die Kosten gelernt haben. ")
    assert detect_language(english * 2) == "en"
    assert detect_language(german * 2) == "de"
    short_en = "The talk was about how the team moved to Kubernetes and what they learned"
    short_de = "Der Vortrag war über die Migration der Dienste auf Kubernetes und was wir lernten"
    assert detect_language(short_en) == "en" and detect_language(short_de) == "de"
    assert calls == []
    assert detect_language("Kubernetes Deployment Monitoring Helm Charts Operator Cluster "
                           "Service Mesh Istio") and calls  # no stop words: langdetect decides


def test_mixed_or_foreign_prose_still_goes_to_langdetect():
    french = ("Dans cette présentation nous parlons de la migration de nos services vers "
              "Kubernetes et de ce que nous avons appris sur le déploiement et la supervision. ")
    assert detect_language(french * 2) == "fr"


def test_fast_path_agrees_with_langdetect_on_the_shared_corpus(monkeypatch):
    shared = require_shared()
    texts = [f"{note.title}\n{note.text}" for note in _notes(shared / "corpora", every=25)]
    fast = [detect_language(t) for t in texts]
    monkeypatch.setattr(language, "_clearly_en_or_de", lambda words: None)
    slow = [detect_language(t) for t in texts]
    assert len(texts) > 900
    assert fast == slow


def test_walks_stopped_once_settled_give_the_same_languages(monkeypatch):
    """detect_language stops langdetect's walks once English or German cannot lose
    the lead; on the shared corpus that must decide exactly as all seven walks do."""
    shared = require_shared()
    texts = [f"{note.title}\n{note.text}" for note in _notes(shared / "corpora", every=25)]
    stopped_at = []
    settled = language._NumpyDetector._settled

    def recording(self, langprob, trials):
        if settled(self, langprob, trials):
            stopped_at.append(trials)
            return True
        return False

    monkeypatch.setattr(language._NumpyDetector, "_settled", recording)
    early = [detect_language(t) for t in texts]
    assert len(stopped_at) > 100 and max(stopped_at) < 7  # walks were saved
    full = language.detect_langs
    monkeypatch.setattr(language, "detect_langs", lambda text, settle=False: full(text))
    assert [detect_language(t) for t in texts] == early


def test_numpy_detector_gives_langdetects_exact_probabilities():
    shared = require_shared()
    texts = [f"{note.title}\n{note.text}"[:2000]
             for note in _notes(shared / "corpora", every=40)]
    texts = [t for t in texts if len(t.split()) >= 4]
    assert len(texts) > 500

    def answers(detect):
        out = []
        for text in texts:
            try:
                out.append([(guess.lang, guess.prob) for guess in detect(text)])
            except langdetect.LangDetectException:
                out.append(None)
        return out

    assert answers(language.detect_langs) == answers(langdetect.detect_langs)
