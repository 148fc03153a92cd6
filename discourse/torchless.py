"""Importing libraries that would load torch for nothing.

spaCy's thinc imports torch at import time whenever it is installed (for models that run on
it; the English model does not), and so does skops (its list of trusted types walks every
scikit-learn module, one of which wraps torch). With the optional transformer extra installed
that cost every process about 1.5 s before it did any work: every `discourse` command and every
worker. They are imported with torch hidden; the MiniLM embedder and the transformer stance kind
import torch themselves when a model asks for them.
"""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def torch_hidden():
    """While active, ``import torch`` raises ImportError (libraries that try it go on without
    it), unless torch is loaded already."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
