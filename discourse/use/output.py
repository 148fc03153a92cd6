"""One output path for every command that writes a file (`export`, `summary`, `chart`,
`report`): ``-`` is standard output; anything that is not a regular file (a folder, a device
such as /dev/null, a FIFO, a symlink to /proc/self/fd/1) is never replaced; an existing file is
replaced only with ``force``; a file is written beside its final name and renamed into place
when complete, so a failed write leaves nothing behind; every failure is one InputError
naming the path and the cause (a full disk says so). Rows (`query`, `export`, `summary`) are
rendered as CSV, JSON Lines or Parquet by one function, :func:`write_rows`."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from discourse.errors import InputError

log = logging.getLogger(__name__)

STDOUT = "-"
CHUNK = 10_000  # Parquet rows per row group: memory stays constant


def is_stdout(out: str | os.PathLike | None) -> bool:
    return out is None or str(out) == STDOUT


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full ({exc.strerror}); free some space or write elsewhere"
    return exc.strerror or str(exc)


def check_output(out: str | os.PathLike, *, force: bool = False) -> Path:
    """The file to write for ``out`` (a symlink to a regular file resolves to that file), or
    an InputError saying why ``out`` must not be written."""
    path = Path(out)
    try:
        link = path.lstat()
    except FileNotFoundError:
        link = None
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({_reason(exc)}).") from None
    target = path
    if link is not None:
        special = _proc_hop(path) if stat.S_ISLNK(link.st_mode) else None
        if special:
            raise InputError(
                f"{path}: is a symbolic link to {special} (a process's open file), not a "
                "regular file; refusing to replace it. Use - to write to standard output."
            )
        try:
            st = path.stat()
        except OSError:
            raise InputError(
                f"{path}: is a symbolic link to something missing or unreachable; "
                "refusing to write through it. Give another file name."
            ) from None
        if not stat.S_ISREG(st.st_mode):
            via = (
                f" (through the symbolic link to {os.readlink(path)})"
                if stat.S_ISLNK(link.st_mode)
                else ""
            )
            hint = " Give a file name inside it." if stat.S_ISDIR(st.st_mode) else ""
            raise InputError(
                f"{path}: is {_kind(st.st_mode)}{via}, not a regular file; refusing to "
                f"replace it.{hint} Use - to write to standard output."
            )
        if not force:
            raise InputError(f"{path}: already exists; use --force to replace it.")
        target = Path(os.path.realpath(path))
    parent = target.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise InputError(f"{path}: the folder {parent} {what}; create it first.")
    return target


def _proc_hop(path: Path) -> str | None:
    """The first place under /proc that the symbolic link ``path`` leads to (/dev/stdout ->
    /proc/self/fd/1 -> whatever stdout is, even a regular file), else None."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on symlink hops
        if current.startswith("/proc/"):
            return current
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return current


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # replacing: keep the file's permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def open_output(
    out: str | os.PathLike | None,
    *,
    force: bool = False,
    binary: bool = False,
    what: str = "the output",
) -> Iterator[IO]:
    """An open file to write ``out`` (``None`` or ``-``: standard output); text is UTF-8 with
    newlines as written. ``what`` names binary content refused on a terminal."""
    if is_stdout(out):
        with _stdout(binary=binary, what=what) as fh:
            yield fh
        return
    target = check_output(out, force=force)
    tmp = None
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        tmp = Path(name)
        os.fchmod(fd, _mode_for(target))
        fh = os.fdopen(fd, "wb") if binary else open(fd, "w", encoding="utf-8", newline="")
        with fh:
            yield fh
        check_output(out, force=True)  # nothing became a device or folder meanwhile
        tmp.replace(target)
        tmp = None
    except OSError as exc:
        raise InputError(f"{out}: cannot be written: {_reason(exc)}.") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _stdout(*, binary: bool, what: str) -> Iterator[IO]:
    buffer = sys.stdout.buffer
    if binary and buffer.isatty():
        raise InputError(
            f"refusing to write {what} to a terminal; redirect standard output to a file "
            "(> FILE) or give --out FILE."
        )
    try:
        sys.stdout.flush()
        if binary:
            yield buffer
        else:
            text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
            try:
                yield text
                text.flush()
            finally:
                with contextlib.suppress(ValueError, OSError):
                    text.detach()  # the caller's stdout stays open
        buffer.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise  # `... --out - | head`: the CLI ends quietly
    except OSError as exc:
        _silence_stdout()
        raise InputError(f"standard output: cannot be written: {_reason(exc)}.") from None


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the bytes stuck in stdout's buffer after a
    failed write do not fail again at exit (Python's advice for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation, AttributeError):
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def write_rows(
    rows, fmt: str, out: str | os.PathLike | None, schema=None, *, force: bool = False
) -> int:
    """The one renderer of rows: write ``rows`` (dicts) to ``out`` (``-``: standard output) as
    ``fmt`` (csv, jsonl or parquet) with the columns of ``schema``, a list of (name, type)
    pairs (types: int64, string, bool, float64; only Parquet reads them), or for JSON Lines
    ``None``: each row as it is. A list or dict value is written as JSON text in CSV and
    Parquet, as itself in JSON Lines. The row count."""
    if schema is None and fmt != "jsonl":
        raise ValueError(f"{fmt} needs the columns (schema) of the rows")
    names = None if schema is None else [n for n, _ in schema]
    binary = fmt == "parquet"
    with open_output(out, force=force, binary=binary, what="Parquet") as fh:
        return {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[fmt](rows, fh, names, schema)


def _flat(value):
    """A list or dict as JSON text (CSV and Parquet cells hold text, not Python reprs), encoded
    as the store encodes the lists it keeps, so a cell reads the same from either."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def _csv(rows, fh, names, schema) -> int:
    n = 0
    writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _flat(v) for k, v in row.items()})
        n += 1
    return n


def _jsonl(rows, fh, names, schema) -> int:
    n = 0
    for row in rows:
        obj = row if names is None else {k: row.get(k) for k in names}
        # default=str: a date or path in a row is written as text, not a crash mid-stream
        fh.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


def _parquet(rows, fh, names, schema) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "int64": pa.int64(),
        "string": pa.string(),
        "bool": pa.bool_(),
        "float64": pa.float64(),
    }
    arrow = pa.schema([(name, types[typ]) for name, typ in schema])
    n = 0
    with pq.ParquetWriter(fh, arrow) as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(
                {
                    k: (
                        bool(row[k])
                        if t == "bool" and row.get(k) is not None
                        else _flat(row.get(k))
                    )
                    for k, t in schema
                }
            )
            if len(batch) >= CHUNK:
                writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
                n += len(batch)
                batch.clear()
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
            n += len(batch)
    return n
