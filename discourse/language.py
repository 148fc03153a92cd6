"""Language identification (py3langid), shared by extraction (each page's language is stored)
and annotation (a document in another language is skipped), so neither stage imports the
other."""

from __future__ import annotations

import re

import py3langid

# characters of text py3langid reads: its cost grows with length, and its guess on the
# benchmark pages is the same from 300 characters as from 2,000
_LANGUAGE_SAMPLE = 500


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid), or None for too little text."""
    sample = text[:_LANGUAGE_SAMPLE]
    if len(re.findall(r"\w+", sample)) < 5:
        return None
    lang, _ = py3langid.classify(sample)
    return lang
