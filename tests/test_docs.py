"""The README is the front door: it must document every setting and command that exists."""

from dataclasses import fields

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
