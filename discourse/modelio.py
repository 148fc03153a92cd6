"""Saving and loading scikit-learn models as skops files (never pickle) with a metadata.json
beside them: the sha256 of the model file, library versions and the caller's fields. Loading
checks the format version, the scikit-learn major version, the hash and an allow-list of
types, so a model file can never run code."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn

from discourse.datafiles import sha256
from discourse.errors import DiscourseError
from discourse.torchless import torch_hidden

with torch_hidden():  # skops would import torch if installed (discourse/torchless.py)
    import skops
    import skops.io as sio

ALLOWED_PREFIXES = ("sklearn.", "numpy.", "scipy.")


class ModelError(DiscourseError):
    """A saved model cannot be used: missing, tampered, unsafe or incompatible."""


def versions() -> dict[str, str]:
    return {
        "sklearn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


def save_model(model, folder: str | Path, metadata: dict, *, format_version: int) -> Path:
    """Write ``model.skops`` and ``metadata.json`` to ``folder``; both are written to
    temporary names first, so an interrupted save leaves the old model intact."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / "model.skops", folder / "metadata.json"
    tmp, meta_tmp = folder / "model.skops.part", folder / "metadata.json.part"
    sio.dump(model, tmp, compression=8)  # zipfile.ZIP_DEFLATED
    meta = {
        "format_version": format_version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model_file": path.name,
        "model_sha256": sha256(tmp),
        "classes": [str(c) for c in model.classes_],
        "versions": versions(),
        **metadata,
    }
    meta_tmp.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    meta_tmp.replace(meta_path)
    return folder


def read_metadata(folder: str | Path) -> dict:
    meta_path = Path(folder) / "metadata.json"
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{meta_path}: cannot be read ({exc.strerror}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable metadata ({exc}).") from None


def load_model(
    folder: str | Path,
    *,
    cls: type,
    allowed_types: frozenset[str],
    format_version: int,
    what: str,
    retrain: str,
):
    """Load a folder written by :func:`save_model` holding an instance of ``cls``."""
    folder = Path(folder)
    path = folder / "model.skops"
    if not path.is_file() or not (folder / "metadata.json").is_file():
        raise ModelError(
            f"{folder}: no {what} here (need model.skops and metadata.json). {retrain}"
        )
    meta = read_metadata(folder)
    version = meta.get("format_version")
    if not isinstance(version, int) or version > format_version:
        raise ModelError(
            f"{folder}: model format_version {version!r} is newer than this discourse "
            f"supports ({format_version}); upgrade discourse or retrain the model."
        )
    saved = str(meta.get("versions", {}).get("sklearn", ""))
    if saved.split(".")[0] != sklearn.__version__.split(".")[0]:
        raise ModelError(
            f"{folder}: model was trained with scikit-learn {saved or '?'}, this is "
            f"{sklearn.__version__} (different major version). {retrain}"
        )
    if meta.get("model_sha256") and meta["model_sha256"] != sha256(path):
        raise ModelError(
            f"{path}: file does not match the sha256 in metadata.json (modified or "
            "corrupted); retrain or restore the model folder."
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged zip or schema: say so, do not go on
        raise ModelError(f"{path}: not a readable skops file ({exc}).") from None
    refused = sorted(
        t for t in untrusted if t not in allowed_types and not t.startswith(ALLOWED_PREFIXES)
    )
    if refused:
        raise ModelError(
            f"{path}: refusing to load types outside the allow-list: {', '.join(refused)}. "
            f"Only sklearn, numpy, scipy and discourse {what} types may appear in a model."
        )
    try:
        model = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{path}: cannot be loaded ({exc}).") from None
    if not isinstance(model, cls):
        raise ModelError(f"{path}: holds a {type(model).__name__}, not a {cls.__name__}.")
    return model
