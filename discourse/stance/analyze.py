"""Analysing one text without a corpus (`discourse analyze`): the claims pipeline, then the
stance model, sentence by sentence. It lives on the stance side because it uses both stages
(stance reads claims, never the other way round)."""

from __future__ import annotations

import logging

from discourse.claims.annotate import clean, sentence_records
from discourse.claims.pipeline import load_pipeline
from discourse.stance.tag import stances_for
from discourse.stance.train import load_stance_model

log = logging.getLogger(__name__)


def analyze_text(
    text: str, *, config: str | None = None, nlp=None, stance_model=None, title: str = ""
) -> list[dict]:
    """One JSON-ready object per sentence of ``text`` (no corpus needed): its claim analysis,
    ``relevance`` (P(about) per target) and ``stances``, the stance toward each target the
    sentence is about, claim or not (with ``stance_model`` loaded, or the default model)."""
    nlp = nlp or load_pipeline(config)
    doc = nlp.make_doc(clean(text))
    doc._.title = title or None
    doc = nlp(doc)
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
            "relevance": r.relevance,
            "stances": st,
        }
        for r, st in zip(records, stances)
    ]
