"""The CLI is what the README says it is: every command and setting documented."""

import re

import click

from discourse import __version__
from discourse.cli import main
from discourse.settings import Settings

from .conftest import ROOT, run_cli


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        out.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix}{name} ")
    return out


def test_help_lists_every_command():
    res = run_cli("--help")
    assert res.returncode == 0
    for name in main.commands:
        assert re.search(rf"^\s+{re.escape(name)}\b", res.stdout, re.M), name


def test_version():
    res = run_cli("--version")
    assert res.returncode == 0 and __version__ in res.stdout


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _commands(main) if f"discourse {c}" not in readme]
    assert missing == [], f"commands missing from README.md: {missing}"


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in Settings.names() if f"`{n}`" not in readme]
    assert missing == [], f"settings missing from README.md: {missing}"
