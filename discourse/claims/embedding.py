"""Sentence embeddings for the relevance, claim and stance models: WordLlama's static token
embeddings (``l2_supercat``, 256 dimensions, MIT), average-pooled.

The weights and tokenizer ship inside the ``wordllama`` wheel and are read from there: nothing is
downloaded (``WordLlama.load`` would reach for the Hugging Face hub when its cache is empty, so
it is not used). About 20,000 sentences a second on one core, with numpy only: cheap enough to
compute at annotation and tagging time instead of storing the vectors.
"""

from __future__ import annotations

import contextlib
import logging
from importlib import resources

import numpy as np

from discourse.errors import DiscourseError

log = logging.getLogger(__name__)

EMBEDDER = "wordllama-l2_supercat-256"
DIM = 256


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
