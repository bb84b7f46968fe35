"""Shared fixtures: where the project and ../shared are, and an index of corpus/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PROJECT / "corpus"
SHARED = PROJECT.parent / "shared"


def require_shared() -> Path:
    """../shared beside the project, or a skip with the reason (a failure under CI=true)."""
    if (SHARED / "corpora").is_dir():
        return SHARED
    message = (f"{SHARED} is missing: these tests read the shared corpora and eval files, "
               "which live beside the project checkout, not in it")
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled sample corpus, built once per test session."""
    from eventsearch.indexer import build_index

    index_dir = tmp_path_factory.mktemp("corpus-index")
    build_index([SAMPLE_CORPUS], index_dir, workers=1)
    return index_dir


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """An index of all of ../shared/corpora (a few minutes), built once per session.

    Returns the index folder and the build's IndexReport.
    """
    from eventsearch.indexer import build_index

    corpora = require_shared() / "corpora"
    index_dir = tmp_path_factory.mktemp("shared-index")
    report = build_index([corpora], index_dir)
    return index_dir, report
