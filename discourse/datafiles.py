"""Reading the project's data files (JSON Lines documents, labels and patterns; TOML sources,
targets and cues): every error names the file, and the line where there is one."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

from discourse.errors import InputError


def sha256(path: str | Path) -> str:
    """The file's SHA-256, read a megabyte at a time (model weights run to hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a bad line names the file and line."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    with fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"{path}, line {lineno}: not valid JSON ({exc.msg})."
                    ) from None
                if not isinstance(obj, dict):
                    raise InputError(f"{path}, line {lineno}: expected a JSON object.")
                yield lineno, obj
        except UnicodeDecodeError:
            raise InputError(f"{path}: is not UTF-8 text.") from None


def read_toml(path: str | Path) -> dict:
    """A TOML file as a dict; an unreadable or invalid file is an InputError naming it."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc}).") from None


def shown_path(path: str | Path, root: str | Path) -> str:
    """A data file as model metadata records it: relative to the project ``root``
    (``../shared/...`` for the shared benchmarks beside it), never a machine's absolute path."""
    try:
        return os.path.relpath(Path(path).resolve(), Path(root).resolve())
    except ValueError:  # another drive
        return Path(path).name
