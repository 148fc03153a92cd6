"""Running the claims pipeline over the corpus (`discourse annotate`) or one text
(`discourse analyze`)."""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from collections.abc import Iterator

from spacy.tokens import Doc

from discourse.claims.components import CLAIMS_KEY, PRACTICES_KEY
from discourse.claims.pipeline import load_pipeline, pipeline_version
from discourse.gather.extraction import detect_language
from discourse.store import Corpus
from discourse.store.analysis import Annotation, SentenceRecord

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CHARS = 1_000_000


@dataclasses.dataclass
class AnnotateReport:
    pipeline_version: str
    documents: int = 0
    skipped: int = 0
    sentences: int = 0
    claims: int = 0
    words: int = 0
    seconds: float = 0.0

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
    """Every sentence of a processed doc, with the claim analysis of claim sentences."""
    claims = {span.start: span for span in doc.spans.get(CLAIMS_KEY, [])}
    practices = doc.spans.get(PRACTICES_KEY, [])
    out = []
    for idx, sent in enumerate(doc.sents):
        text = sent.text
        if not text.strip():
            continue
        rec = SentenceRecord(
            idx=idx,
            start=sent.start_char,
            end=sent.end_char,
            text=text,
            practices=sorted(
                {p.label_ for p in practices if sent.start <= p.start and p.end <= sent.end}
            ),
        )
        span = claims.get(sent.start)
        if span is not None:
            rec.is_claim = True
            rec.claim_type = span.label_
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
    processes: int = 1,
    progress: bool | None = None,
    nlp=None,
) -> AnnotateReport:
    """Annotate every document not yet annotated by this pipeline version. Each batch is one
    transaction: a crash loses only the batch in flight; a re-run does nothing new.

    With ``processes`` > 1 the documents are split into that many shards by id, each
    annotated by its own process with its own pipeline and its own connection to the corpus
    (SQLite serialises their short write transactions), so nothing is shipped between
    processes. ``nlp``: a pipeline already loaded with :func:`load_pipeline` (one process)."""
    version = pipeline_version(config)
    if processes > 1:
        return _annotate_sharded(corpus, config, batch_size, processes, version)
    report = AnnotateReport(version)
    total = corpus.analysis.count_pending(version)
    if not total:
        return report
    start = time.monotonic()
    nlp = nlp or load_pipeline(config)
    _annotate_shard(corpus, nlp, version, batch_size, report, progress, total)
    report.seconds = time.monotonic() - start
    return report


def _annotate_shard(
    corpus: Corpus,
    nlp,
    version: str,
    batch_size: int,
    report: AnnotateReport,
    progress: bool | None,
    total: int,
    shard: tuple[int, int] | None = None,
) -> None:
    bar = None
    if progress if progress is not None else sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="doc", desc="annotate", file=sys.stderr)
    batch: list[Annotation] = []

    def flush() -> None:
        corpus.analysis.store(batch, version)
        if bar is not None:
            bar.update(len(batch))
        batch.clear()

    def todo() -> Iterator[tuple[str, int]]:
        after = 0
        while True:
            rows = corpus.analysis.pending(version, limit=batch_size * 4, after=after, shard=shard)
            if not rows:
                return
            for doc_id, text, language in rows:
                after = doc_id
                reason = skip_reason(text, language)
                if reason:
                    batch.append(Annotation(doc_id, skipped=reason))
                    report.skipped += 1
                    if len(batch) >= batch_size:
                        flush()
                    continue
                yield clean(text), doc_id

    for doc, doc_id in nlp.pipe(todo(), as_tuples=True, batch_size=batch_size):
        records = sentence_records(doc)
        batch.append(Annotation(doc_id, sentences=records))
        report.documents += 1
        report.sentences += len(records)
        report.claims += sum(r.is_claim for r in records)
        report.words += sum(1 for t in doc if not t.is_space and not t.is_punct)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    if bar is not None:
        bar.close()


def _shard_worker(args: tuple) -> AnnotateReport:
    path, busy_timeout, config, batch_size, version, shard = args
    report = AnnotateReport(version)
    with Corpus(path, busy_timeout=busy_timeout) as corpus:
        nlp = load_pipeline(config)
        _annotate_shard(corpus, nlp, version, batch_size, report, False, 0, shard)
    return report


def _annotate_sharded(
    corpus: Corpus, config: str | None, batch_size: int, processes: int, version: str
) -> AnnotateReport:
    import multiprocessing

    report = AnnotateReport(version)
    if not corpus.analysis.count_pending(version):
        return report
    start = time.monotonic()
    jobs = [
        (
            corpus.url,
            max(corpus.db.busy_timeout, 60.0),
            config,
            batch_size,
            version,
            (k, processes),
        )
        for k in range(processes)
    ]
    # forkserver: workers start clean (no copied threads or open SQLite handles).
    with multiprocessing.get_context("forkserver").Pool(processes) as pool:
        for part in pool.imap_unordered(_shard_worker, jobs):
            for field in ("documents", "skipped", "sentences", "claims", "words"):
                setattr(report, field, getattr(report, field) + getattr(part, field))
    report.seconds = time.monotonic() - start
    return report


def analyze_text(
    text: str, *, config: str | None = None, nlp=None, stance_model=None
) -> list[dict]:
    """One JSON-ready object per sentence of ``text`` (no corpus needed); ``stances`` lists
    the stance toward each target a claim mentions (with ``stance_model`` loaded, or the
    default model)."""
    from discourse.stance.tag import stances_for
    from discourse.stance.train import load_stance_model

    nlp = nlp or load_pipeline(config)
    doc = nlp(clean(text))
    records = sentence_records(doc)
    stances = stances_for(records, stance_model or load_stance_model())
    return [
        {
            "sentence": r.text,
            "start": r.start,
            "end": r.end,
            "is_claim": r.is_claim,
            "claim_type": r.claim_type,
            "holder": r.holder,
            "hedged": r.hedge_cue is not None,
            "hedge_cue": r.hedge_cue,
            "negated": r.negation_cue is not None,
            "negation_cue": r.negation_cue,
            "practices": r.practices,
            "targets": r.targets,
            "stances": st,
        }
        for r, st in zip(records, stances)
    ]
