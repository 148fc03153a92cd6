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


def _help_examples(path: list[str]) -> list[str]:
    """The example command lines in `discourse PATH --help`, or [] without an Example section."""
    from .conftest import invoke

    res = invoke(*path, "--help")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
    if not starts:
        return []
    out = []
    for line in lines[starts[0] + 1 :]:
        if not line.strip():
            break
        out += [part.strip() for part in line.split("&&")]
    return out


def _parses(argv: list[str]) -> list[str]:
    """Resolve ``argv`` (after `discourse`) through click as a run would, without running it:
    an unknown command or option, or a missing required one, raises a UsageError. The names
    of the commands it runs."""
    import warnings

    names = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # protected_args, until click 9
        ctx = main.make_context("discourse", list(argv))
        group, rest = main, ctx.protected_args + ctx.args
        while True:
            name, cmd, rest = group.resolve_command(ctx, rest)
            names.append(name)
            ctx = cmd.make_context(name, rest, parent=ctx)
            if not isinstance(cmd, click.Group):
                return names
            group, rest = cmd, ctx.protected_args + ctx.args


def test_every_command_help_has_an_example_that_parses():
    import shlex

    paths = [[]] + [c.split() for c in _commands(main)]
    missing = [" ".join(p) or "discourse" for p in paths if not _help_examples(p)]
    assert missing == [], f"--help without an Example section: {missing}"
    for path in paths:
        for example in _help_examples(path):
            words = shlex.split(example)
            assert words[0] == "discourse", example
            assert _parses(words[1:])[: len(path)] == path, example
