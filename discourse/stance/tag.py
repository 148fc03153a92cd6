"""Tagging the corpus (`discourse tag`) and single texts (`discourse analyze`) with stance."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from discourse.engines import Engine, open_engine, worker_resource
from discourse.errors import EngineError
from discourse.modelio import read_metadata
from discourse.stance.targets import target_registry
from discourse.stance.train import default_model_dir, load_stance_model, model_version
from discourse.store import Corpus

log = logging.getLogger(__name__)


@dataclasses.dataclass
class TagReport:
    model_version: str
    claims: int = 0
    tags: int = 0
    uncertain: int = 0
    seconds: float = 0.0
    counts: dict = dataclasses.field(default_factory=dict)

    def summary(self) -> str:
        rate = self.claims / self.seconds if self.seconds else 0.0
        return (
            f"{self.claims} claims tagged ({self.tags} tags, {self.uncertain} uncertain) in "
            f"{self.seconds:.1f} s ({rate:,.0f} claims/s); model {self.model_version}"
        )


def resolve_model_dir(model: str | Path | None) -> Path:
    return Path(model) if model else default_model_dir()


def tag(
    corpus: Corpus,
    model_dir: str | Path | None = None,
    *,
    batch_size: int = 2000,
    engine: Engine | None = None,
    progress: bool | None = None,
    model=None,
    workers_write: bool | None = None,
) -> TagReport:
    """Tag every current claim that mentions a target and has no tag from this model: one
    tag per (claim, target). One transaction per batch; a re-run does nothing new; tags of
    other model versions are kept.

    Claims are cut into batches by id range, each tagged as one task of ``engine`` (default:
    in this process). Workers return their tags and this process stores them; on a store that
    takes concurrent writers (or with ``workers_write``) workers store their own. ``model``: a
    model already loaded, used when the engine runs tasks in this process."""
    folder = resolve_model_dir(model_dir)
    # Loaded here even when workers tag: a damaged or foreign model is one clear error before
    # any worker starts, whatever there is to tag.
    model = model or load_stance_model(folder)
    version = model_version(folder)
    meta = read_metadata(folder)
    corpus.stance.register_model(version, str(folder.resolve()), meta)
    corpus.stance.sync_targets(target_registry())
    report = TagReport(version)
    total = corpus.stance.count_untagged(version)
    if not total:
        report.counts = corpus.stance.tag_counts(version)
        return report
    bar = None
    if progress if progress is not None else sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="claim", desc="tag", file=sys.stderr)
    start = time.monotonic()
    # The bundled model is named by None, so a worker loads its own installed copy.
    where = str(folder.resolve()) if model_dir else None
    with contextlib.ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(open_engine("local"))
        if workers_write is None:
            workers_write = corpus.concurrent_writers
        if workers_write and not engine.in_process:
            task = WriteTags(corpus.url, where, version)
            parts = engine.map(task, _id_ranges(corpus, version, batch_size))
        else:
            task = TagBatch(where, version, model if engine.in_process else None)
            parts = engine.map(task, _untagged_batches(corpus, version, batch_size))
        for part in parts:
            if part.tags:
                corpus.stance.store_tags(part.tags, version)
            report.claims += part.claims
            report.tags += part.count
            report.uncertain += part.uncertain
            if bar is not None:
                bar.update(part.claims)
        if workers_write and not engine.in_process:
            # A worker lost after its commit and before it reported: count its claims too.
            unreported = total - corpus.stance.count_untagged(version) - report.claims
            if unreported > 0:
                log.info("%d claims tagged by a worker lost before it reported", unreported)
                report.claims += unreported
    if bar is not None:
        bar.close()
    report.seconds = time.monotonic() - start
    report.counts = corpus.stance.tag_counts(version)
    return report


def _untagged_batches(corpus: Corpus, version: str, batch_size: int) -> Iterator[list[tuple]]:
    after = 0
    while claims := corpus.stance.untagged(version, after=after, limit=batch_size):
        after = claims[-1][0]
        yield claims


def _id_ranges(corpus: Corpus, version: str, batch_size: int) -> Iterator[tuple[int, int]]:
    after = 0
    while ids := corpus.stance.untagged_ids(version, after=after, limit=batch_size):
        after = ids[-1]
        yield ids[0], ids[-1]


# -- tasks: pure per-batch functions that run on the engine's workers ----------------------------
@dataclasses.dataclass
class TaggedBatch:
    """What one task returns: the tags to store (none when the worker stored them) and the
    counts for the report."""

    tags: list[tuple]
    claims: int = 0
    count: int = 0
    uncertain: int = 0


def _worker_model(where: str | None, version: str):
    """The stance model, loaded once per worker; a worker whose model differs refuses."""

    def load():
        mine = model_version(where)
        if mine != version:
            raise EngineError(
                f"a worker's stance model is {mine}, the client's is {version}: install the "
                "same discourse on every worker, or give a model folder they all share."
            )
        return load_stance_model(where)

    return worker_resource(("stance-model", where, version), load)


def tag_rows(model, claims: list[tuple]) -> TaggedBatch:
    """Tags of (claim id, text, targets JSON, view, relevance JSON) rows: one per statement
    and target it is about, each with its P(about)."""
    keys, rows = [], []
    for claim_id, text, targets, view, relevance in claims:
        about = json.loads(relevance) if relevance else {}
        for target in json.loads(targets):
            keys.append((claim_id, target, about.get(target)))
            rows.append((text, target, view))
    results = model.predict_stance(rows, [r for _, _, r in keys]) if rows else []
    tags = [(c, t, lb, p, u, r) for (c, t, r), (lb, p, u) in zip(keys, results)]
    return TaggedBatch(tags, len(claims), len(tags), sum(u for *_, u, _ in tags))


@dataclasses.dataclass(frozen=True)
class TagBatch:
    """Task: tag a batch of claims shipped to the worker; the client stores the tags."""

    model_dir: str | None
    version: str
    model: Any = None  # a model loaded by the caller (in-process engines only)

    def __call__(self, claims: list[tuple]) -> TaggedBatch:
        return tag_rows(self.model or _worker_model(self.model_dir, self.version), claims)


@dataclasses.dataclass(frozen=True)
class WriteTags:
    """Task: the worker reads the untagged claims of an id range from the corpus at ``url``,
    tags them and stores the tags in one transaction (a repeat finds nothing untagged)."""

    # may hold a PostgreSQL password: never in a repr (Dask names tasks and logs by it)
    url: str = dataclasses.field(repr=False)
    model_dir: str | None
    version: str
    # Workers wait for each other's batch transactions (SQLite on one machine serialises them).
    busy_timeout: float = 60.0

    def __call__(self, id_range: tuple[int, int]) -> TaggedBatch:
        first, last = id_range
        model = _worker_model(self.model_dir, self.version)
        with Corpus.open(self.url, busy_timeout=self.busy_timeout) as corpus:
            claims = [
                c
                for c in corpus.stance.untagged(
                    self.version, after=first - 1, limit=last - first + 1
                )
                if c[0] <= last
            ]
            part = tag_rows(model, claims)
            corpus.stance.store_tags(part.tags, self.version)
        part.tags = []
        return part


def stances_for(records, model) -> list[list[dict]]:
    """Stance of each statement record (a SentenceRecord: a claim or a sentence about a
    target) toward each target it is about, with the confidence of the label and the
    probability that the sentence is about the target (``relevance``)."""
    keys, rows = [], []
    for k, r in enumerate(records):
        if r.statement:
            for target in r.targets:
                keys.append((k, target))
                rows.append((r.text, target, r.stance_view))
    out: list[list[dict]] = [[] for _ in records]
    if rows:
        relevance = [records[k].relevance.get(t) for k, t in keys]
        for (k, target), (label, p, uncertain) in zip(keys, model.predict_stance(rows, relevance)):
            out[k].append(
                {
                    "target": target,
                    "stance": label,
                    "confidence": round(p, 4),
                    "relevance": records[k].relevance.get(target),
                    "uncertain": uncertain,
                }
            )
    return out
