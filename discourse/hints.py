"""Commands printed as hints ("next: ...", "retrain: ...") that work when pasted into a shell
opened where discourse was run: the `discourse` on PATH if it is this installation, otherwise
this installation's own script; paths relative to the working directory when below it, else
absolute; every argument quoted for the shell."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def here(path: str | os.PathLike) -> str:
    """``path`` as typed from the working directory: relative when below it, else absolute."""
    full = Path(path).resolve()
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)


def executable() -> str:
    """How to call this installation's `discourse` from the working directory."""
    script = Path(sys.executable).parent / "discourse"
    found = shutil.which("discourse")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "discourse"
    if script.exists():
        return here(script)
    return "discourse"


def command(*args: str | os.PathLike) -> str:
    """A shell command line running discourse with ``args`` (paths given as Path objects are
    made relative to the working directory where possible)."""
    words = [executable(), *(here(a) if isinstance(a, Path) else str(a) for a in args)]
    return " ".join(shlex.quote(w) for w in words)
