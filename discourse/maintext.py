"""Main-text extraction: the article body of a news or blog page, without boilerplate.

Contract used by discourse.extraction (and benchmarks/extraction.py):
    main_text(html: str, url: str | None = None) -> tuple[str, str]
returns (text, method): paragraphs separated by newlines, and the name of the
extractor whose output was chosen.
"""

from __future__ import annotations

import trafilatura


def main_text(html: str, url: str | None = None) -> tuple[str, str]:
    text = trafilatura.extract(
        html, url=url, include_comments=False, fast=True, include_tables=True,
        output_format="txt", with_metadata=False,
    )
    return (text or "", "trafilatura")
