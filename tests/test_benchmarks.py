"""The benchmark scripts still run against the code as it is (a refactor once broke one at
run time while `--help` kept working): each runs end to end on the small index of corpus/.
Their figures are not checked here; timing belongs to the benchmarks themselves."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import PROJECT, require_shared


def run(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    done = subprocess.run([sys.executable, str(PROJECT / "benchmarks" / script), *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=PROJECT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_hostile_queries_runs(corpus_index):
    require_shared()  # the ordinary queries are the dev set's
    out = run("hostile_queries.py", "--index", str(corpus_index), "--no-http")
    assert "ordinary" in out and "kitchen sink" in out


@pytest.mark.parametrize("script", ["suggest_latency.py"])
def test_self_contained_benchmarks_run(script):
    assert "labels" in run(script)
