"""Running the claims pipeline over the corpus (`discourse annotate`); `discourse analyze`
runs it over one text from :mod:`discourse.stance.analyze`, which adds the stances."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from spacy.tokens import Doc

from discourse.claims.components import STATEMENTS_KEY, practice_mentions
from discourse.claims.pipeline import load_pipeline, pipeline_version
from discourse.engines import Engine, open_engine, worker_resource
from discourse.errors import EngineError
from discourse.language import detect_language
from discourse.store import Corpus
from discourse.store.analysis import Annotation, SentenceRecord

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CHARS = 1_000_000
# en_core_web_sm's networks run fastest on small batches: plain nlp.pipe of the benchmark's
# texts took 0.86x the time at 16 documents a batch that it took at 64 (0.96x of 32, 0.90x
# of 8); `python -m benchmarks.annotate` prints plain spaCy at both 64 and this size.
SPACY_BATCH = 16
log = logging.getLogger(__name__)


@dataclasses.dataclass
class AnnotateReport:
    pipeline_version: str
    documents: int = 0
    skipped: int = 0
    sentences: int = 0
    claims: int = 0
    words: int = 0
    seconds: float = 0.0

    def add(self, part: AnnotatedBatch) -> None:
        for field in ("documents", "skipped", "sentences", "claims", "words"):
            setattr(self, field, getattr(self, field) + getattr(part, field))

    def summary(self) -> str:
        return (
            f"{self.documents} documents annotated ({self.skipped} skipped), {self.sentences} "
            f"sentences, {self.claims} claims; {self.words / max(self.seconds, 1e-9):,.0f} words/s; "
            f"pipeline {self.pipeline_version}"
        )


def clean(text: str) -> str:
    """Control characters become spaces, so character offsets still point into the text."""
    return _CONTROL.sub(" ", text)


def skip_reason(text: str, language: str | None) -> str | None:
    if not re.search(r"[^\W\d_]", text):
        return "empty: no words"
    if len(text) > MAX_CHARS:
        return f"too long: {len(text)} characters (at most {MAX_CHARS})"
    lang = language or detect_language(text)
    if lang and lang != "en":
        return f"not English (detected {lang})"
    return None


def sentence_records(doc: Doc) -> list[SentenceRecord]:
    """Every sentence of a processed doc, with the analysis of its statements (claims and
    sentences about a target)."""
    statements = {span.start: span for span in doc.spans.get(STATEMENTS_KEY, [])}
    relevance = doc._.relevance or {}
    practices = practice_mentions(doc)
    out = []
    for idx, sent in enumerate(doc.sents):
        text = sent.text
        if not text.strip():
            continue
        first, last = sent.start, sent.end
        rec = SentenceRecord(
            idx=idx,
            start=sent.start_char,
            end=sent.end_char,
            text=text,
            practices=sorted(
                {label for start, end, label, _ in practices if first <= start and end <= last}
            ),
        )
        rec.relevance = relevance.get(sent.start, {})
        span = statements.get(sent.start)
        if span is not None:
            rec.statement = True
            rec.is_claim = bool(span._.is_claim)
            rec.claim_type = span.label_ if rec.is_claim else None
            rec.score = span._.claim_score
            rec.holder = span._.holder or "author"
            rec.holder_kind = span._.holder_kind or "author"
            rec.hedge_cue = span._.hedge_cue
            rec.negation_cue = span._.negation_cue
            rec.targets = list(span._.targets)
            rec.stance_view = span._.stance_view
        out.append(rec)
    return out


def annotate(
    corpus: Corpus,
    *,
    config: str | None = None,
    batch_size: int = 64,
    engine: Engine | None = None,
    progress: bool | None = None,
    nlp=None,
    workers_write: bool | None = None,
) -> AnnotateReport:
    """Annotate every document not yet annotated by this pipeline version, under the corpus's
    "annotate" lock (a second annotate on the corpus exits at once). Each batch is one
    transaction: a crash loses only the batches in flight; a re-run does nothing new.

    The documents are cut into batches by id range, each annotated as one task of ``engine``
    (default: in this process); with workers, batches shrink below ``batch_size`` where that
    gives each worker ``BATCHES_PER_WORKER`` of them. Workers return their batches and this
    process writes them (the one writer SQLite allows); on a store that takes concurrent writers
    (``corpus.concurrent_writers``), or with ``workers_write``, each worker opens the corpus
    by URL and writes its own batch. ``nlp``: a pipeline already loaded with
    :func:`load_pipeline`, used when the engine runs tasks in this process."""
    version = pipeline_version(config)
    report = AnnotateReport(version)
    with corpus.lock("annotate", hint="Let it finish; a re-run then annotates what is left."):
        total = corpus.analysis.count_pending(version)
        if not total:
            return report
        start = time.monotonic()
        with contextlib.ExitStack() as stack:
            if engine is None:
                engine = stack.enter_context(open_engine("local"))
            bar = _bar(total, progress)
            if workers_write is None:
                workers_write = corpus.concurrent_writers
            if not engine.in_process:
                batch_size = balanced_batch_size(total, batch_size, engine.workers)
            if workers_write and not engine.in_process:
                task = WriteBatch(corpus.url, config, version)
                parts = engine.map(task, _id_ranges(corpus, version, batch_size))
            else:
                task = AnnotateBatch(config, version, nlp if engine.in_process else None)
                parts = engine.map(task, _pending_batches(corpus, version, batch_size))
            for part in parts:
                if part.annotations:
                    corpus.analysis.store(part.annotations, version)
                report.add(part)
                if bar is not None:
                    bar.update(part.count)
            if bar is not None:
                bar.close()
            if workers_write and not engine.in_process:
                # A worker lost after its commit and before it reported: its rerun finds the
                # batch done and reports nothing, but the documents were annotated in this run.
                unreported = total - corpus.analysis.count_pending(version) - report.documents
                unreported -= report.skipped
                if unreported > 0:
                    log.info("%d documents stored by a worker lost before it reported", unreported)
                    report.documents += unreported
        report.seconds = time.monotonic() - start
    return report


# Batches per worker at least, when a run has workers: the last batches then end close together.
# With 64-document batches, 440 documents made 7 tasks for 2 workers, and one worker sat idle
# for the seventh.
BATCHES_PER_WORKER = 4


def balanced_batch_size(total: int, batch_size: int, workers: int) -> int:
    """``batch_size``, made smaller when ``total`` documents would give fewer than
    ``BATCHES_PER_WORKER`` batches to each of ``workers`` workers."""
    return max(1, min(batch_size, math.ceil(total / (BATCHES_PER_WORKER * max(1, workers)))))


def _bar(total: int, progress: bool | None):
    if progress if progress is not None else sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, unit="doc", desc="annotate", file=sys.stderr)
    return None


def _pending_batches(corpus: Corpus, version: str, batch_size: int) -> Iterator[list[tuple]]:
    """(id, text, language) of the pending documents, ``batch_size`` at a time in id order
    (read lazily: the engine asks for the next batch as a worker frees up)."""
    after = 0
    while rows := corpus.analysis.pending(version, limit=batch_size, after=after):
        after = rows[-1][0]
        yield rows


def _id_ranges(corpus: Corpus, version: str, batch_size: int) -> Iterator[tuple[int, int]]:
    """(first, last) document id of each batch of pending documents."""
    after = 0
    while ids := corpus.analysis.pending_ids(version, limit=batch_size, after=after):
        after = ids[-1]
        yield ids[0], ids[-1]


# -- tasks: pure per-batch functions that run on the engine's workers ----------------------------
@dataclasses.dataclass
class AnnotatedBatch:
    """What one task returns: the annotations to store (none when the worker stored them
    itself) and the counts for the report."""

    annotations: list[Annotation]
    count: int = 0
    documents: int = 0
    skipped: int = 0
    sentences: int = 0
    claims: int = 0
    words: int = 0


def _worker_pipeline(config: str | None, version: str):
    """The claims pipeline, loaded once per worker; a worker whose code or pipeline files
    differ from the client's would annotate differently, so it refuses."""

    def load():
        mine = pipeline_version(config)
        if mine != version:
            raise EngineError(
                f"a worker's claims pipeline is {mine}, the client's is {version}: install "
                "the same discourse (and pipeline files) on the client and every worker."
            )
        return load_pipeline(config)

    return worker_resource(("claims-pipeline", config, version), load)


def annotate_rows(nlp, rows: list[tuple]) -> AnnotatedBatch:
    """Annotations of (id, text, language[, title]) rows: skipped documents with their
    reason, the others with every sentence and claim (the title helps say what a sentence is
    about)."""
    out = AnnotatedBatch([], count=len(rows))
    todo = []
    for doc_id, text, language, *title in rows:
        reason = skip_reason(text, language)
        if reason:
            out.annotations.append(Annotation(doc_id, skipped=reason))
            out.skipped += 1
        else:
            todo.append((clean(text), doc_id, title[0] if title else None))
    # A memory zone frees the strings and lexemes spaCy adds for every new word once the batch
    # is done (records hold plain Python values), so a worker's memory stays flat however many
    # documents it reads; without it, news text grew a worker by 10-20 KB per document.
    with nlp.memory_zone():
        docs = []
        for text, doc_id, title in todo:
            doc = nlp.make_doc(text)
            doc._.title = title or None
            docs.append((doc, doc_id))
        batches = spacy_batches(nlp)
        for doc, doc_id in nlp.pipe(
            docs, as_tuples=True, batch_size=max(1, len(docs)), component_cfg=batches
        ):
            records = sentence_records(doc)
            out.annotations.append(Annotation(doc_id, sentences=records))
            out.documents += 1
            out.sentences += len(records)
            out.claims += sum(r.is_claim for r in records)
            out.words += sum(1 for t in doc if not t.is_space and not t.is_punct)
    return out


def spacy_batches(nlp) -> dict[str, dict]:
    """``component_cfg`` for ``nlp.pipe``: spaCy's own components run on ``SPACY_BATCH``
    documents at a time, the project's on the whole batch (they classify all its sentences in
    one call). The outputs are the same at any batch size."""
    return {
        name: {"batch_size": SPACY_BATCH}
        for name in nlp.pipe_names
        if not nlp.get_pipe_meta(name).factory.startswith("discourse_")
    }


@dataclasses.dataclass(frozen=True)
class AnnotateBatch:
    """Task: annotate a batch of documents shipped to the worker; the client stores them."""

    config: str | None
    version: str
    nlp: Any = None  # a pipeline loaded by the caller (in-process engines only)

    def __call__(self, rows: list[tuple]) -> AnnotatedBatch:
        return annotate_rows(self.nlp or _worker_pipeline(self.config, self.version), rows)


@dataclasses.dataclass(frozen=True)
class WriteBatch:
    """Task: the worker reads the pending documents of an id range from the corpus at
    ``url``, annotates them and stores them in one transaction. Run twice (a worker lost
    after its commit), it finds nothing pending and stores nothing."""

    # may hold a PostgreSQL password: never in a repr (Dask names tasks and logs by it)
    url: str = dataclasses.field(repr=False)
    config: str | None
    version: str
    # Workers wait for each other's batch transactions (SQLite on one machine serialises them).
    busy_timeout: float = 60.0

    def __call__(self, id_range: tuple[int, int]) -> AnnotatedBatch:
        first, last = id_range
        nlp = _worker_pipeline(self.config, self.version)
        with Corpus.open(self.url, busy_timeout=self.busy_timeout) as corpus:
            rows = [
                r
                for r in corpus.analysis.pending(
                    self.version, limit=last - first + 1, after=first - 1
                )
                if r[0] <= last
            ]
            part = annotate_rows(nlp, rows)
            corpus.analysis.store(part.annotations, self.version)
        part.annotations = []
        return part
