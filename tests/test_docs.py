"""The README is the front door: it must document every setting and command that exists."""

import json
import re
import shlex
from dataclasses import fields

import pytest

from eventsearch.cli import cli
from eventsearch.config import HELP, Settings

from .conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    for f in fields(Settings):
        assert f"| `{f.name}` |" in README, f.name
        assert f.name in HELP, f.name


def test_every_command_is_in_the_cli_reference():
    for name in cli.commands:
        assert f"| `{name}" in README, name


def test_the_two_setup_commands_are_the_ones_ci_runs():
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ci.strip().splitlines()[-1]
    assert test_command in README
    assert ".venv/bin/eventsearch serve" in README


# -- the README's examples run over corpus/ and say what they print ------------------------------

def section(title: str) -> str:
    """The README's text from a heading to the next heading of the same level."""
    level = title.split(" ")[0]
    start = README.index(f"\n{title}\n")
    end = README.find(f"\n{level} ", start + len(title) + 2)
    return README[start:end if end != -1 else None]


def run_cli(*args: str):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def search_json(*args: str) -> dict:
    result = run_cli("search", "--json", "--limit", "100", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def marked(data: dict) -> set[str]:
    return {m.casefold() for h in data["hits"] for m in re.findall(r"<mark>(.*?)</mark>",
                                                                    h["snippet"])}


@pytest.fixture(scope="module")
def readme_index(tmp_path_factory):
    """The index the README's first command builds, in a tmp folder (EVENTSEARCH_INDEX),
    with the commands run from the project folder as the README's are."""
    index_dir = tmp_path_factory.mktemp("readme") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVENTSEARCH_INDEX", str(index_dir))
        mp.delenv("EVENTSEARCH_CONFIG", raising=False)
        mp.chdir(PROJECT)
        yield index_dir


def test_every_command_of_using_it_runs_and_prints_what_the_readme_says(readme_index):
    block = section("## Using it").split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #")[0].strip() for line in block.splitlines()]
    assert all(c.startswith("eventsearch ") for c in commands)
    outputs = {}
    for command in commands:
        argv, _, pipe = command.partition(" | ")
        args = shlex.split(argv)[1:]
        if args[0] == "serve":  # a server: tests/test_server.py runs it
            continue
        result = run_cli(*args)
        assert result.exit_code == 0, (command, result.output)
        if pipe:
            assert pipe == "jq '.hits[].title'"
            outputs[command] = [h["title"] for h in json.loads(result.stdout)["hits"]]
        else:
            outputs[command] = result.stdout
    text = section("## Using it")
    assert "Indexed 42 notes" in outputs["eventsearch index corpus"]
    assert "Over the bundled `corpus/` (42 notes)" in text
    german = outputs["eventsearch search 'kubernetes deployment' --lang de"]
    assert "finds 3 German notes with both words" in " ".join(text.split())
    assert "11 with one of them after those: 14 notes matched" in " ".join(text.split())
    assert "14 notes matched, 3 matching (almost) all the words well" in german
    assert german.count(", de)") == 10  # the first page
    titles = outputs[next(c for c in outputs if "| jq" in c)]
    assert "prints 4 titles" in text and len(titles) == 4
    assert f"(`{titles[0]}` first)" in " ".join(text.split())
    oldest = outputs["eventsearch search --sort oldest --limit 3"]
    assert "starts with the notes of 2016" in " ".join(text.split())
    assert re.findall(r"\((\d{4})-", oldest) == ["2016", "2016", "2016"]
    shown = next(v for c, v in outputs.items() if c.startswith("eventsearch show")
                 and "--related" not in c)
    assert "title:         Kubernetes security night" in shown
    related = next(v for c, v in outputs.items() if "--related" in c)
    assert "Similar notes" in related and "Other talks of its speakers" in related


def test_the_json_sample_is_what_search_json_prints(readme_index):
    text = section("### The JSON result")
    sample = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    command = re.search(r"That is `eventsearch (search [^`]+)`", text)
    assert command
    real = json.loads(run_cli(*shlex.split(command[1])).stdout)
    assert list(sample) == list(real)
    for key in ("took_ms",):
        sample.pop(key), real.pop(key)
    real["facets"] = {name: values[:1] for name, values in real["facets"].items()}
    assert sample == real


QUERY_EXAMPLE = re.compile(r"`([^`]+)`")


def test_every_query_syntax_example_finds_notes(readme_index):
    text = section("## Query syntax")
    table = text[text.index("| you type | finds |"):text.index("Mistakes never fail")]
    examples = [e for row in table.splitlines()[2:] for e in QUERY_EXAMPLE.findall(
        row.split(" | ")[0])]
    assert len(examples) >= 20 and 'speaker:"Jana Petrović"' in examples
    for example in examples:
        if "…" in example:  # `body:…`: a field name, not a query
            continue
        data = search_json("--", example)
        # understood as written: no message but the looser pass's (the sample corpus
        # has fewer than a page of notes with both words of `kubernetes deployment`)
        said = [m for m in data["messages"] if "weaker matches follow" not in m]
        assert data["total"] > 0 and not said, example
    # "-tag:draft excludes": a note tagged draft never comes back
    assert search_json("--", "-tag:draft")["total"] > 0


def test_the_words_query_syntax_says_are_found_are_found(readme_index):
    text = " ".join(section("## Query syntax").split("| you type |")[0].split())
    pairs = re.findall(r"`([^`]+)` (?:finds|→) `([^`]+)`", text)
    assert len(pairs) >= 5
    for typed, found in pairs:
        marks = marked(search_json("--", typed))
        for word in found.split(" … "):
            assert any(m.startswith(word.casefold()) for m in marks), (typed, word, marks)
    for typed in ("Vortraege", "Strasse", "Kuberntes"):  # umlaut spellings, typos
        assert f"`{typed}`" in text and search_json("--", typed)["total"] > 0
