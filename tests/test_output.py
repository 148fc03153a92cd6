"""One output path for export, summary, chart and report: never replace what is not a regular
file, never overwrite without --force, `-` is standard output, and a missing folder or a full
disk is one clear line."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import pytest

from .conftest import DISCOURSE, invoke

# Each command that writes a file, with the arguments that make it write ``{out}``.
COMMANDS = {
    "export": ["export", "claims", "--format", "csv", "--out", "{out}"],
    "summary": ["summary", "--format", "csv", "--out", "{out}"],
    "chart": ["chart", "--target", "community-engagement", "--by", "year", "--out", "{out}"],
    "report": ["report", "--out", "{out}"],
}
SUFFIX = {"export": ".csv", "summary": ".csv", "chart": ".svg", "report": ".html"}


def _run(tagged, command, out, *extra):
    args = [a.replace("{out}", str(out)) for a in COMMANDS[command]]
    return invoke("--db", str(tagged), *args, *extra)


def _refused(res, *words):
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, line
    for word in words:
        assert word in line, line


@pytest.mark.parametrize("command", COMMANDS)
def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tagged, tmp_path, command):
    out = tmp_path / f"out{SUFFIX[command]}"
    out.write_text("a researcher's notes\n")
    _refused(_run(tagged, command, out), str(out), "already exists", "--force")
    assert out.read_text() == "a researcher's notes\n"
    res = _run(tagged, command, out, "--force")
    assert res.exit_code == 0, res.output
    assert "a researcher's notes" not in out.read_text() and out.stat().st_size > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no .part left


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["fifo", "symlink to /dev/null", "symlink to stdout", "folder"])
def test_what_is_not_a_regular_file_is_never_replaced(tagged, tmp_path, command, kind):
    out = tmp_path / f"out{SUFFIX[command]}"
    if kind == "fifo":
        os.mkfifo(out)
        words = ["FIFO"]
    elif kind == "symlink to /dev/null":
        out.symlink_to("/dev/null")
        words = ["character device", "/dev/null"]
    elif kind == "symlink to stdout":
        out.symlink_to("/proc/self/fd/1")
        words = ["/proc/self/fd/1"]
    else:
        out.mkdir()
        words = ["folder"]
    before = os.lstat(out)
    for extra in ((), ("--force",)):  # --force replaces files, nothing else
        _refused(_run(tagged, command, out, *extra), str(out), "not a regular file", *words)
        after = os.lstat(out)
        assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_folder_is_one_line(tagged, tmp_path, command):
    out = tmp_path / "no-such-folder" / f"out{SUFFIX[command]}"
    _refused(_run(tagged, command, out), "no-such-folder", "does not exist")
    assert not out.parent.exists()


def test_dash_writes_every_format_to_standard_output(tagged, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    res = invoke("--db", str(tagged), "summary", "--format", "csv", "--out", "-")
    assert res.exit_code == 0 and res.stdout.startswith("target,claims,documents,")
    res = invoke("--db", str(tagged), "summary", "--format", "json", "--out", "-")
    assert json.loads(res.stdout)["rows"]
    res = invoke("--db", str(tagged), "export", "claims", "--format", "jsonl", "--out", "-")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows and "claims written to -" in res.stderr and "written" not in res.stdout
    res = invoke("--db", str(tagged), "export", "claims", "--format", "parquet", "--out", "-")
    assert res.exit_code == 0
    assert len(pd.read_parquet(io.BytesIO(res.stdout_bytes))) == len(rows)
    res = invoke("--db", str(tagged), "report", "--out", "-")
    assert res.stdout.startswith("<!doctype html>") and res.stdout.rstrip().endswith("</html>")
    chart = [a.replace("{out}", "-") for a in COMMANDS["chart"]]
    res = invoke("--db", str(tagged), *chart, "--format", "png")
    assert res.exit_code == 0 and res.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    _refused(invoke("--db", str(tagged), *chart), "needs --format")
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_binary_output_is_refused_on_a_terminal(tagged, tmp_path):
    import pty

    main, terminal = pty.openpty()
    try:
        res = subprocess.run(
            [DISCOURSE, "--db", str(tagged), "summary", "--format", "parquet"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    finally:
        os.close(terminal)
        os.close(main)
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "error: refusing to write Parquet to a terminal; redirect standard output to a file "
        "(> FILE) or give --out FILE."
    )


def test_a_full_standard_output_is_one_line(tagged, tmp_path):
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    with open("/dev/full", "w") as full:
        res = subprocess.run(
            [DISCOURSE, "--db", str(tagged), "summary", "--out", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip() == (
        "error: standard output: cannot be written: the disk is full (No space left on device);"
        " free some space or write elsewhere."
    )


UNSHARE = shutil.which("unshare")


def _tiny_disk_works() -> bool:
    if not UNSHARE:
        return False
    probe = subprocess.run(
        [UNSHARE, "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _tiny_disk_works(), reason="needs unshare -rm and tmpfs (user namespaces)")
@pytest.mark.parametrize("command", ["summary", "report"])
def test_a_full_disk_is_one_line_naming_the_cause(tagged, tmp_path, command):
    """A real full file system: a 64 kB tmpfs, filled, in a private mount namespace."""
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / f"out{SUFFIX[command]}"
    args = " ".join(a.replace("{out}", str(out)) for a in COMMANDS[command])
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {disk} && "
        f"(dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null; true) && "
        f"{DISCOURSE} --db {tagged} {args}; rc=$?; ls -a {disk}; exit $rc"
    )
    res = subprocess.run(
        [UNSHARE, "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip() == (
        f"error: {out}: cannot be written: the disk is full (No space left on device); "
        "free some space or write elsewhere."
    )
    assert res.stdout.split() == [".", "..", "filler"]  # nothing half-written left behind
