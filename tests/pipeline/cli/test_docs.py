"""Every command has help that ends in an example, and the README documents it."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            out.extend(commands(command, f"{prefix}{name} "))
    return out


ALL = commands(cli)


def test_commands_exist():
    names = {name for name, _ in ALL}
    assert {"ingest", "reprocess", "extract", "query", "show", "clean", "eval", "serve", "audit"} <= names


@pytest.mark.parametrize("name, command", ALL, ids=[n for n, _ in ALL])
def test_help_ends_with_an_example(name, command):
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    help_text = command.help or ""
    assert "Example" in help_text, f"{name} help has no example"
    example = help_text.rsplit("Example", 1)[1]
    assert f"claims {name.split()[0]}" in example


@pytest.mark.parametrize("name", [n for n, _ in ALL])
def test_readme_documents_command(name):
    assert re.search(rf"claims {re.escape(name)}\b", README), f"README does not mention `claims {name}`"


def test_readme_opens_with_the_two_commands():
    head = README[:600]
    assert "make ingest" in head and "make test" in head
