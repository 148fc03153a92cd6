"""The bundled pipeline data: spaCy config, pattern, cue, lexicon and target files, and the
bundled models. Installed as the package ``discourse.pipelines`` (the top-level ``pipelines/``
folder of the source tree), so a wheel carries it and code finds it through
``importlib.resources``, never through paths relative to the source files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(*parts: str) -> Path:
    """The bundled file or folder ``parts`` (e.g. ``path("models", "stance")``) on disk.

    spaCy and skops read real files, so the package must be installed unzipped (pip always
    does); a zipped install is refused with a clear message.
    """
    root = resources.files(__name__)
    if not isinstance(root, Path):
        raise RuntimeError(
            f"discourse.pipelines is not a folder on disk ({root!r}); install discourse "
            "unzipped (pip install discourse)."
        )
    return root.joinpath(*parts)
