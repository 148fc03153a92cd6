"""Crawl health of the sources, as `discourse sources list` shows it: when each is polled
next and why it is waiting (backing off after failures, failing, not due yet)."""

from __future__ import annotations

import dataclasses

from discourse.store import Corpus
from discourse.store.records import SourceHealth, now_iso


def waiting(h: SourceHealth, now: str | None = None) -> str:
    """Why a source is (or is not) polled by the next `discourse crawl`, in one line."""
    now = now or now_iso()
    err = f": {h.last_error}" if h.last_error else ""
    failures = f"{h.failures} failure{'s' if h.failures != 1 else ''}"
    if h.status == "disabled":
        return "disabled"
    if h.status == "failing":
        return (
            f"failing after {failures}{err}; left out of crawls until `discourse crawl --now` "
            "polls it successfully"
        )
    if h.feeds and h.never_polled == h.feeds:
        return "never polled; due now"
    if h.next_poll is None or h.next_poll <= now:
        return f"due now (retrying after {failures}{err})" if h.failures else "due now"
    if h.failures:
        return f"backing off after {failures} until {h.next_poll}{err}"
    return f"not due until {h.next_poll}"


def next_poll_shown(h: SourceHealth, now: str | None = None) -> str:
    """The next poll as a person reads it: a time, or "due now" (never 1970-01-01)."""
    now = now or now_iso()
    if h.status in ("failing", "disabled"):
        return "--now only" if h.status == "failing" else "-"
    if h.next_poll is None or h.next_poll <= now or (h.feeds and h.never_polled == h.feeds):
        return "due now"
    return h.next_poll


def source_rows(corpus: Corpus, now: str | None = None) -> list[dict]:
    """One dict per source for JSON output: the stored health plus ``waiting`` and ``due``;
    ``next_poll`` is None for a source never polled (due now)."""
    now = now or now_iso()
    rows = []
    for h in corpus.sources.health():
        row = dataclasses.asdict(h)
        if h.feeds and h.never_polled == h.feeds:
            row["next_poll"] = None
        row["due"] = h.status == "active" and next_poll_shown(h, now) == "due now"
        row["waiting"] = waiting(h, now)
        rows.append(row)
    return rows


def format_table(healths: list[SourceHealth], now: str | None = None) -> str:
    """The `sources list` table: one line per source, then why it waits, its last error and
    its feed's parse problem, each on its own indented line."""
    now = now or now_iso()
    lines = [
        f"{'source':<28} {'status':<8} {'docs':>5} {'failed':>6} {'last success':<21} next poll"
    ]
    for h in healths:
        lines.append(
            f"{h.name[:28]:<28} {h.status:<8} {h.documents:>5} {h.items_failed:>6} "
            f"{h.last_success or 'never':<21} {next_poll_shown(h, now)}"
        )
        why = waiting(h, now)
        lines.append(f"    waiting: {why}")
        if h.last_error and h.last_error not in why:
            lines.append(f"    last error: {h.last_error}")
        if h.parse_problem:
            lines.append(f"    parse problem: {h.parse_problem}")
        if h.last_item_error:
            lines.append(f"    last failed item: {h.last_item_error[:300]}")
    return "\n".join(lines)
