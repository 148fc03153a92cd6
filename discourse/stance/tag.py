"""Tagging the corpus (`discourse tag`) and single texts (`discourse analyze`) with stance."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from discourse.modelio import read_metadata
from discourse.stance.targets import target_registry
from discourse.stance.train import default_model_dir, load_stance_model, model_version
from discourse.store import Corpus


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
    progress: bool | None = None,
    model=None,
) -> TagReport:
    """Tag every current claim that mentions a target and has no tag from this model: one
    tag per (claim, target). One transaction per batch; a re-run does nothing new; tags of
    other model versions are kept."""
    folder = resolve_model_dir(model_dir)
    model = model or load_stance_model(folder)
    version = model_version(folder)
    meta = read_metadata(folder)
    corpus.stance.register_model(version, str(folder.resolve()), meta)
    corpus.stance.sync_targets(target_registry())
    report = TagReport(version)
    total = corpus.stance.count_untagged(version)
    bar = None
    if total and (progress if progress is not None else sys.stderr.isatty()):
        from tqdm import tqdm

        bar = tqdm(total=total, unit="claim", desc="tag", file=sys.stderr)
    start = time.monotonic()
    after = 0
    while True:
        claims = corpus.stance.untagged(version, after=after, limit=batch_size)
        if not claims:
            break
        after = claims[-1][0]
        keys, rows = [], []
        for claim_id, text, targets, view, relevance in claims:
            about = json.loads(relevance) if relevance else {}
            for target in json.loads(targets):
                keys.append((claim_id, target, about.get(target)))
                rows.append((text, target, view))
        results = model.predict_stance(rows)
        tags = [(c, t, lb, p, u, r) for (c, t, r), (lb, p, u) in zip(keys, results)]
        corpus.stance.store_tags(tags, version)
        report.claims += len(claims)
        report.tags += len(tags)
        report.uncertain += sum(u for *_, u, _ in tags)
        if bar is not None:
            bar.update(len(claims))
    if bar is not None:
        bar.close()
    report.seconds = time.monotonic() - start
    report.counts = corpus.stance.tag_counts(version)
    return report


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
        for (k, target), (label, p, uncertain) in zip(keys, model.predict_stance(rows)):
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
