"""Real-text benchmark: claims, holders and stance on sentences real people wrote.

    python -m benchmarks.realtext [--split test|dev|train] [--ablation] [--json]

Data: ``../shared/benchmarks/engagement-real/sentences.jsonl`` (read in place, never copied),
its fixed ``split`` field; on the test split the adjudicated labels of the double annotation
(``corpora/labels/engagement-real/test-adjudicated.jsonl``) replace the first annotator's.

Each record is run through the shipped pipeline as a document would be: ``context`` and
``text`` in one paragraph, or on two lines when the context is a line of its own (a headline;
:func:`discourse.labelsets.record_document`), with the page title as the document title; the record's prediction comes from the
sentences that lie within ``text``.

Measures (ours beside peers trained on the same real train split, in this run):

- claims: precision / recall / F1 of ``is_claim``; peer: word+char TF-IDF + logistic
  regression;
- quoted-holder accuracy: of the claims whose gold holder is not the author, the share whose
  predicted holder names the same source (case, "the", titles and possessives ignored; one
  name's words a run of the other's, or the same surname, counts; a pronoun never does);
  peer: the first PERSON or ORG entity of the sentence, else of the context;
- stance F_avg over every sentence-target pair (3 targets x every sentence, none skipped;
  mean F1 of favor and against), strictly and with ``alt`` labels counted as right; peer: a
  per-target word+char n-gram LinearSVC on the four labels (favor/against/neutral/none);
- expected calibration error of the pair-level confidence (15 equal-width bins): the
  confidence of a pair is P(about) x P(label | about) for a stance, 1 - P(about) for none.

``--ablation`` retrains the relevance model, the claim detector and the stance model on each
source alone (real train split, the project's own labels) and on both (every real label and a
third of the project's, as the bundled models), and scores each on the same split.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

from discourse import labelsets
from discourse.vocabulary import PRONOUN_HOLDERS

ROOT = Path(__file__).resolve().parent.parent
ADJUDICATED = ROOT / "corpora" / "labels" / "engagement-real" / "test-adjudicated.jsonl"
SECOND_PASS = ROOT / "corpora" / "labels" / "engagement-real" / "test-second-pass.jsonl"
TARGETS = {
    "claim_f1": 0.85,
    "quoted_holder_accuracy": 0.80,
    "stance_f_avg": 0.65,
    "stance_margin_over_peer": 0.03,
    "stance_ece": 0.05,
}
STANCES = ("favor", "against", "neutral")
HONORIFICS = re.compile(
    r"\b(dr|mr|mrs|ms|miss|prof|professor|sir|dame|lord|lady|cllr|coun|councillor|rev|the)\b\.?"
)


def load(split: str) -> tuple[list[dict], list[dict], list[str]]:
    """(train records, evaluation records, targets); adjudicated labels on the test split."""
    path = labelsets.real_sentences_path(ROOT)
    records = labelsets.read_records(path)
    if split == "test" and ADJUDICATED.exists():
        records = labelsets.with_labels(records, ADJUDICATED)
    train = [r for r in records if r["split"] == "train"]
    return train, [r for r in records if r["split"] == split], labelsets.targets_of(records)


# ---------------------------------------------------------------- ours


def predict(records: list[dict], targets: list[str], nlp, stance_model) -> list[dict]:
    """The shipped pipeline's reading of each record (see the module docstring)."""
    from discourse.claims.annotate import clean, sentence_records

    docs = []
    for r in records:
        text, start = labelsets.record_document(r)
        doc = nlp.make_doc(clean(text))
        doc._.title = r.get("title") or None
        docs.append((doc, start))
    out = []
    for (_, start), doc in zip(docs, nlp.pipe(d for d, _ in docs)):
        sents = [
            s
            for s in sentence_records(doc)
            if s.end - max(s.start, start) > 0.5 * (s.end - s.start)
        ]
        claims = [s for s in sents if s.is_claim]
        best = max(claims, key=lambda s: s.score or 0.0) if claims else None
        about = {t: max((s.relevance.get(t, 0.0) for s in sents), default=0.0) for t in targets}
        out.append(
            {
                "is_claim": bool(claims),
                "holder": best.holder if best else None,
                "about": about,
                "statements": [s for s in sents if s.statement],
            }
        )
    rows, keys = [], []
    for k, p in enumerate(out):
        for t in targets:
            owners = [s for s in p["statements"] if t in s.targets]
            if owners:
                s = max(owners, key=lambda s: s.relevance.get(t, 0.0))
                keys.append((k, t))
                rows.append((s.text, t, s.stance_view))
    for p in out:
        p["stance"] = {t: ("none", 1.0 - p["about"][t]) for t in targets}
        p["proba"] = {t: {"none": 1.0 - p["about"][t]} for t in targets}
    if rows:
        from discourse.stance.decide import decide_stances

        proba = stance_model.predict_proba(rows)
        labels = [str(c) for c in stance_model.classes_]
        about = [out[k]["about"][t] for k, t in keys]
        # the label as `discourse tag` gives it (the statement's P(about) lets a likely side
        # win); its confidence here is P(about) x P(label | about)
        decided = decide_stances(proba, labels, stance_model.neutral_threshold, about)
        for (k, t), pr, pa, (label, _, _) in zip(keys, proba, about, decided):
            dist = {"none": 1.0 - pa, **{c: pa * float(v) for c, v in zip(labels, pr)}}
            out[k]["stance"][t] = (label, dist[label])
            out[k]["proba"][t] = dist
    return out


# ---------------------------------------------------------------- peers


def peer_claims(train: list[dict], records: list[dict]) -> list[bool]:
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=10, max_iter=5000, class_weight="balanced"),
    )
    model.fit([r["text"] for r in train], [r["is_claim"] for r in train])
    return [bool(v) for v in model.predict([r["text"] for r in records])]


def peer_stance(train: list[dict], records: list[dict], targets: list[str]) -> dict:
    """Per-target word+char n-gram LinearSVC on the four labels (the plain peer)."""
    out = {}
    for t in targets:
        model = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ),
            LinearSVC(C=1.0),
        )
        model.fit([r["text"] for r in train], [r["stances"][t] for r in train])
        out[t] = list(model.predict([r["text"] for r in records]))
    return out


def peer_holders(records: list[dict], nlp) -> list[str]:
    out = []
    for doc, ctx in zip(
        nlp.pipe(r["text"] for r in records),
        nlp.pipe(r["context"] or "" for r in records),
    ):
        ents = [e.text for e in doc.ents if e.label_ in ("PERSON", "ORG")]
        ents = ents or [e.text for e in ctx.ents if e.label_ in ("PERSON", "ORG")]
        out.append(ents[0] if ents else "author")
    return out


# ---------------------------------------------------------------- measures


def norm_name(name: str | None) -> str:
    name = (name or "").lower().replace("’s", "").replace("'s", "")
    return " ".join(HONORIFICS.sub(" ", name).split())


_NAME_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def same_holder(pred: str | None, gold: str) -> bool:
    """Does ``pred`` name ``gold``'s holder: the same words, one name's words a run of the
    other's ("Stuart Carroll" in "Cllr Stuart Carroll"), or the same last word (a surname).
    Words, not characters: "he" is not in "Stephen Hale". A pronoun names no one."""
    p, g = _NAME_WORD.findall(norm_name(pred)), _NAME_WORD.findall(norm_name(gold))
    if not p or not g or p == ["author"] or (len(p) == 1 and p[0] in PRONOUN_HOLDERS):
        return False
    return _run_of(p, g) or _run_of(g, p) or p[-1] == g[-1]


def _run_of(part: list[str], whole: list[str]) -> bool:
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def claim_prf(gold: list[bool], pred: list[bool]) -> dict:
    p, r, f, _ = precision_recall_fscore_support(gold, pred, average="binary", zero_division=0)
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def _quoted(records: list[dict]) -> list[int]:
    """Indices of the claims whose gold holder is a source, not the author."""
    return [
        k for k, r in enumerate(records) if r["is_claim"] and r["holder"] not in (None, "author")
    ]


def quoted_holder_accuracy(records: list[dict], holders: list) -> tuple[float, int]:
    right = [same_holder(holders[k], records[k]["holder"]) for k in _quoted(records)]
    return (float(np.mean(right)) if right else 0.0), len(right)


def _page_draws(groups: list[np.ndarray], draws: int, seed: int):
    """``draws`` resamples of the indices in ``groups`` (one array per page), whole pages
    drawn with replacement: a page's sentences share a writer, a topic and a way of quoting,
    so drawing sentences would understate the spread."""
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        yield np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])


def holder_intervals(
    records: list[dict], ours: list, peer: list, draws: int = 2000, seed: int = 0
) -> dict:
    """95% bootstrap intervals of our quoted-holder accuracy and of our margin over the peer,
    drawing whole pages (paired: both on the same draws). A split's quoted claims come from
    few pages, so one page's way of quoting moves the figure a long way."""
    rows = _quoted(records)
    if not rows:
        return {}
    pages: dict[str, list[int]] = {}
    for k in rows:
        pages.setdefault(records[k].get("url") or records[k]["id"], []).append(k)
    groups = [np.array(v) for v in pages.values()]
    mine = np.array([same_holder(ours[k], records[k]["holder"]) for k in range(len(records))])
    theirs = np.array([same_holder(peer[k], records[k]["holder"]) for k in range(len(records))])
    acc, margin = [], []
    for idx in _page_draws(groups, draws, seed):
        acc.append(mine[idx].mean())
        margin.append(mine[idx].mean() - theirs[idx].mean())
    return {
        "pages": len(groups),
        "accuracy_95": tuple(float(v) for v in np.percentile(acc, [2.5, 97.5])),
        "margin_95": tuple(float(v) for v in np.percentile(margin, [2.5, 97.5])),
    }


def credited_to_a_source(records: list[dict], holders: list) -> tuple[float, int]:
    """Of the claims the annotators hold by the author, the share credited to a named source
    (neither the author nor left unfound): words put in someone's mouth. The other side of
    quoted-holder accuracy, which a reader that names a source for every claim would win."""
    rows = [k for k, r in enumerate(records) if r["is_claim"] and r["holder"] == "author"]
    wrong = [holders[k] not in (None, "author") for k in rows]
    return (float(np.mean(wrong)) if rows else 0.0), len(rows)


def second_annotator(records: list[dict], path: Path = SECOND_PASS) -> dict | None:
    """The quoted-holder accuracy of the independent second labelling pass against the labels
    scored (the adjudicated ones): how far a person reading the same record gets. None off
    the test split, or without the file."""
    if not path.exists() or any(r["split"] != "test" for r in records):
        return None
    second = labelsets.with_labels(records, path)
    holders = [s["holder"] if s["is_claim"] else None for s in second]
    acc, n = quoted_holder_accuracy(records, holders)
    outcomes = holder_outcomes(records, holders)
    return {
        "quoted_holder": (acc, n),
        "named_in_record": outcomes["named_in_record"],
        "right_of_named": outcomes["reachable_outcomes"]["right"],
    }


HOLDER_OUTCOMES = (
    "right",
    "no claim found",
    "given to the author",
    "pronoun left",
    "another source",
)


def holder_outcomes(records: list[dict], holders: list) -> dict:
    """Where the quoted-holder misses go, and how many of those claims name their holder
    anywhere a reader of the record could see it (text, context or page title): the rest
    are named elsewhere on the page (the data card says so), out of reach of any reader of
    the record, so their share bounds the accuracy from above."""
    from discourse.claims.attribution import PERSONAL_PRONOUNS, THING_PRONOUNS

    counts = dict.fromkeys(HOLDER_OUTCOMES, 0)
    reachable = dict.fromkeys(HOLDER_OUTCOMES, 0)  # the same, for claims named in the record
    named = 0
    for k in _quoted(records):
        r, h = records[k], holders[k]
        gold = _NAME_WORD.findall(norm_name(r["holder"]))
        seen = " ".join((r["text"], r.get("context") or "", r.get("page_title") or ""))
        in_record = bool(gold) and gold[-1] in _NAME_WORD.findall(norm_name(seen))
        named += in_record
        if h is None:
            outcome = "no claim found"
        elif h == "author":
            outcome = "given to the author"
        elif h.lower() in PERSONAL_PRONOUNS | THING_PRONOUNS | set(PRONOUN_HOLDERS):
            outcome = "pronoun left"
        elif same_holder(h, r["holder"]):
            outcome = "right"
        else:
            outcome = "another source"
        counts[outcome] += 1
        reachable[outcome] += in_record
    return {
        "outcomes": counts,
        "named_in_record": named,
        "claims": sum(counts.values()),
        "reachable_outcomes": reachable,
    }


def f_avg(gold, pred) -> float:
    """Mean F1 of favor and against (SemEval-2016); F1 = 2 TP / (predicted + true), 0 when a
    label is neither predicted nor true (sklearn's ``zero_division=0``). Plain counts: the
    bootstrap below calls it thousands of times."""
    gold, pred = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    f = []
    for label in ("favor", "against"):
        tp = np.sum((pred == label) & (gold == label))
        denom = np.sum(pred == label) + np.sum(gold == label)
        f.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f))


def pair_scores(records: list[dict], targets: list[str], pred: dict) -> dict:
    """F_avg over every (record, target) pair, strict and with alt labels counted right;
    ``pred[target]`` lists the labels in record order."""
    gold, lenient, guess = [], [], []
    for k, r in enumerate(records):
        for t in targets:
            g, p = r["stances"][t], pred[t][k]
            gold.append(g)
            lenient.append(p if r.get("alt", {}).get(t) == p else g)
            guess.append(p)
    per = {}
    for t in targets:
        idx = [k * len(targets) + targets.index(t) for k in range(len(records))]
        per[t] = f_avg([gold[i] for i in idx], [guess[i] for i in idx])
    return {
        "f_avg": f_avg(gold, guess),
        "f_avg_alt": f_avg(lenient, guess),
        "per_target": per,
        "pairs": len(gold),
        "sided_pairs": sum(g in ("favor", "against") for g in gold),
    }


def stance_intervals(
    records: list[dict],
    targets: list[str],
    ours: dict,
    peer: dict,
    draws: int = 2000,
    seed: int = 0,
) -> dict:
    """95% bootstrap intervals of our stance F_avg and of our margin over the peer, drawing
    whole pages with replacement (:func:`_page_draws`); the margin is paired: both on the same
    draws."""
    gold = np.array([r["stances"][t] for r in records for t in targets])
    mine = np.array([ours[t][k] for k in range(len(records)) for t in targets])
    theirs = np.array([peer[t][k] for k in range(len(records)) for t in targets])
    pages: dict[str, list[int]] = {}
    for k, r in enumerate(records):
        base = k * len(targets)
        pages.setdefault(r.get("url") or r["id"], []).extend(range(base, base + len(targets)))
    groups = [np.array(v) for v in pages.values()]
    ours_f, margin = [], []
    for idx in _page_draws(groups, draws, seed):
        a, b = f_avg(gold[idx], mine[idx]), f_avg(gold[idx], theirs[idx])
        ours_f.append(a)
        margin.append(a - b)
    return {
        "pages": len(groups),
        "f_avg_95": tuple(float(v) for v in np.percentile(ours_f, [2.5, 97.5])),
        "margin_95": tuple(float(v) for v in np.percentile(margin, [2.5, 97.5])),
    }


def expected_calibration_error(confidence, correct, bins: int = 15) -> float:
    confidence, correct = np.asarray(confidence), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (confidence > lo) & (confidence <= hi)
        if m.any():
            ece += m.mean() * abs(confidence[m].mean() - correct[m].mean())
    return float(ece)


def evaluate(split: str = "test", nlp=None, stance_model=None) -> dict:
    from discourse.claims.pipeline import load_pipeline
    from discourse.stance.train import load_stance_model

    train, records, targets = load(split)
    nlp = nlp or load_pipeline()
    stance_model = stance_model or load_stance_model()
    start = time.monotonic()
    ours = predict(records, targets, nlp, stance_model)
    seconds = time.monotonic() - start
    gold_claims = [r["is_claim"] for r in records]
    our_stance = {t: [p["stance"][t][0] for p in ours] for t in targets}
    conf, correct = [], []
    for r, p in zip(records, ours):
        for t in targets:
            label, c = p["stance"][t]
            conf.append(c)
            correct.append(label == r["stances"][t])
    peer_h = peer_holders(records, nlp)
    peer_st = peer_stance(train, records, targets)
    out = {
        "split": split,
        "records": len(records),
        "train_records": len(train),
        "seconds": seconds,
        "ours": {
            "claims": claim_prf(gold_claims, [p["is_claim"] for p in ours]),
            "quoted_holder": quoted_holder_accuracy(records, [p["holder"] for p in ours]),
            "holder_outcomes": holder_outcomes(records, [p["holder"] for p in ours]),
            "stance": pair_scores(records, targets, our_stance),
            "ece": expected_calibration_error(conf, correct),
        },
        "peer": {
            "claims": claim_prf(gold_claims, peer_claims(train, records)),
            "quoted_holder": quoted_holder_accuracy(records, peer_h),
            "stance": pair_scores(records, targets, peer_st),
        },
        "stance_intervals": stance_intervals(records, targets, our_stance, peer_st),
        "holder_intervals": holder_intervals(records, [p["holder"] for p in ours], peer_h),
        "second_annotator": second_annotator(records),
    }
    out["ours"]["credited_to_a_source"] = credited_to_a_source(records, [p["holder"] for p in ours])
    out["peer"]["credited_to_a_source"] = credited_to_a_source(records, peer_h)
    return out


def bundled_kind() -> str:
    """The kind of the bundled stance model, from its metadata (the model is not loaded)."""
    from discourse.stance.train import default_model_dir

    meta = json.loads((default_model_dir() / "metadata.json").read_text())
    return meta.get("model_kind", "target-aware")


def ablation(split: str = "test", kind: str | None = None) -> list[dict]:
    """Each source alone and both: the claim detector and the stance model retrained on the
    real train split only, on the project's own labels only, and on both (the relevance model
    always learns from the real split: the project's labels say nothing of sentences that are
    not about a target), each scored on ``split`` by the whole pipeline."""
    import tempfile

    from discourse.claims.pipeline import load_pipeline
    from discourse.claims.train import LABELS_PATH as CLAIM_LABELS
    from discourse.claims.train import train_models
    from discourse.stance.labels import read_labels
    from discourse.stance.train import LABELS_PATH as STANCE_LABELS
    from discourse.stance.train import (
        OWN_SHARE,
        _bundled_mix,
        load_stance_model,
        train,
    )

    kind = kind or bundled_kind()
    real = str(labelsets.real_sentences_path(ROOT))
    out = []
    for sources in (("real",), ("own",), ("real", "own")):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            train_models(
                real,
                CLAIM_LABELS,
                relevance_out=tmp / "relevance",
                detector_out=tmp / "claims",
                sources=sources,
            )
            paths = [p for s, p in (("real", real), ("own", str(STANCE_LABELS))) if s in sources]
            labels = read_labels(paths, split="train")
            if len(sources) == 2:  # as the bundled model: every real label, a share of ours
                labels = _bundled_mix(labels, real, OWN_SHARE)
            train(labels, tmp / "stance", kinds=(kind,), cv=False)
            cfg = tmp / "config.cfg"
            base = (ROOT / "pipelines" / "config.cfg").read_text()
            cfg.write_text(
                base.replace("${paths.pipelines}/models/claims", str(tmp / "claims")).replace(
                    "${paths.pipelines}/models/relevance", str(tmp / "relevance")
                )
            )
            res = evaluate(
                split,
                nlp=load_pipeline(_with_bundled_paths(cfg)),
                stance_model=load_stance_model(tmp / "stance"),
            )
            out.append({"sources": "+".join(sources), "kind": kind, **res})
    return out


def _with_bundled_paths(cfg: Path) -> Path:
    """A copy of a config whose ${paths.pipelines} points at the bundled folder."""
    text = cfg.read_text().replace("${paths.pipelines}", str(ROOT / "pipelines"))
    cfg.write_text(text)
    return cfg


def _print_interval(measure: str, iv: dict | None, key: str) -> None:
    """One line: a page-bootstrap interval (``iv[key]``) and the margin over the peer."""
    if iv:
        (lo, hi), (mlo, mhi) = iv[key], iv["margin_95"]
        print(
            f"  {measure + ' 95% interval, pages resampled':44} {lo:.3f}-{hi:.3f}  "
            f"(margin over the peer {mlo:+.3f} to {mhi:+.3f}; {iv['pages']} pages)"
        )


def print_report(res: dict) -> list[str]:
    o, p = res["ours"], res["peer"]
    print(
        f"real text: engagement-real {res['split']} split, {res['records']} sentences "
        f"({res['train_records']} train), ours vs peers trained on the real train split"
    )
    if res["split"] == "train":
        print(
            "  (the models and peers learned from these sentences: claims and stance are "
            "in-sample here; the holder rules learn nothing, so their figure is not)"
        )

    def row(label, ours, peer, target=None):
        ratio = f"x{ours / peer:.2f}" if peer else "-"
        tgt = f"target {target}" if target is not None else ""
        print(
            f"  {label:44} {ours:7.3f} {peer if peer is not None else float('nan'):7.3f} {ratio:>7}  {tgt}"
        )

    row("claim precision", o["claims"]["precision"], p["claims"]["precision"])
    row("claim recall", o["claims"]["recall"], p["claims"]["recall"])
    row("claim F1", o["claims"]["f1"], p["claims"]["f1"], TARGETS["claim_f1"])
    row(
        f"quoted-holder accuracy ({o['quoted_holder'][1]} claims)",
        o["quoted_holder"][0],
        p["quoted_holder"][0],
        TARGETS["quoted_holder_accuracy"],
    )
    ho = o.get("holder_outcomes")
    if ho and ho["claims"]:
        parts = ", ".join(f"{k} {v}" for k, v in ho["outcomes"].items())
        print(f"    {parts}")
        print(
            f"    named in the record (text, context or title): {ho['named_in_record']} of "
            f"{ho['claims']}, so no reader of the record scores above "
            f"{ho['named_in_record'] / ho['claims']:.3f}"
        )
        parts = ", ".join(f"{k} {v}" for k, v in ho["reachable_outcomes"].items())
        print(f"    of those {ho['named_in_record']}: {parts}")
    _print_interval("quoted-holder", res.get("holder_intervals"), "accuracy_95")
    if "credited_to_a_source" in o:
        (c, n), (pc, _) = o["credited_to_a_source"], p["credited_to_a_source"]
        print(
            f"  {f'author claims credited to a source ({n})':44} {c:7.3f} {pc:7.3f}"
            f"          (lower is better)"
        )
    sa = res.get("second_annotator")
    if sa:
        acc, n = sa["quoted_holder"]
        print(
            f"  {'quoted holders, the second annotator':44} {acc:7.3f}"
            f"                   ({sa['right_of_named']} of the {sa['named_in_record']} named "
            f"in the record; against the adjudicated labels)"
        )
    s, ps = o["stance"], p["stance"]
    row(f"stance F_avg, all {s['pairs']} pairs", s["f_avg"], ps["f_avg"], TARGETS["stance_f_avg"])
    row("stance F_avg, alt labels counted right", s["f_avg_alt"], ps["f_avg_alt"])
    for t in s["per_target"]:
        row(f"  {t}", s["per_target"][t], ps["per_target"][t])
    _print_interval("stance F_avg", res.get("stance_intervals"), "f_avg_95")
    print(
        f"  {'stance expected calibration error':44} {o['ece']:7.3f}  (target <= {TARGETS['stance_ece']})"
    )
    missed = []
    if o["claims"]["f1"] < TARGETS["claim_f1"]:
        missed.append(f"claim F1 {o['claims']['f1']:.3f} < {TARGETS['claim_f1']}")
    if o["quoted_holder"][0] < TARGETS["quoted_holder_accuracy"]:
        missed.append(f"quoted-holder accuracy {o['quoted_holder'][0]:.3f} < 0.80")
    if s["f_avg"] < TARGETS["stance_f_avg"]:
        missed.append(f"stance F_avg {s['f_avg']:.3f} < 0.65")
    if s["f_avg"] < ps["f_avg"] + TARGETS["stance_margin_over_peer"]:
        missed.append("stance F_avg not 0.03 above the n-gram LinearSVC")
    if o["ece"] > TARGETS["stance_ece"]:
        missed.append(f"stance ECE {o['ece']:.3f} > 0.05")
    return missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--split",
        default="test",
        choices=("test", "dev", "train"),
        help="train: in-sample for the models; shown for the holder rules, which learn nothing",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument(
        "--stance-model", metavar="DIR", help="a stance model folder (default: bundled)"
    )
    ap.add_argument(
        "--ablation",
        action="store_true",
        help="retrain on the real labels alone, the project's own alone and both, and score each",
    )
    ap.add_argument("--kind", help="with --ablation: the stance model kind (default: bundled)")
    ap.add_argument(
        "--pipeline",
        metavar="CFG",
        help="a pipeline config (default: bundled), such as DIR/config.cfg written by "
        "`python -m discourse.claims.train --embedder minilm --out DIR`",
    )
    args = ap.parse_args(argv)
    if args.ablation:
        rows = ablation(args.split, args.kind)
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        print(
            f"ablation on the {args.split} split: claim detector and stance model "
            f"({rows[0]['kind']}) trained on each source"
        )
        print(f"  {'sources':10} {'claim F1':>9} {'holder':>7} {'stance F_avg':>13} {'ECE':>6}")
        for r in rows:
            o = r["ours"]
            print(
                f"  {r['sources']:10} {o['claims']['f1']:9.3f} {o['quoted_holder'][0]:7.3f} "
                f"{o['stance']['f_avg']:13.3f} {o['ece']:6.3f}"
            )
        return 0
    try:
        stance_model = None
        if args.stance_model:
            from discourse.stance.train import load_stance_model

            stance_model = load_stance_model(args.stance_model)
        nlp = None
        if args.pipeline:
            from discourse.claims.pipeline import load_pipeline

            nlp = load_pipeline(args.pipeline)
        res = evaluate(args.split, nlp=nlp, stance_model=stance_model)
    except Exception as exc:  # the data folder is absent: say so, as the other benchmarks do
        from discourse.errors import InputError

        if isinstance(exc, InputError):
            print(f"real-text benchmark skipped: {exc}", file=sys.stderr)
            return 0
        raise
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    missed = print_report(res)
    for m in missed:
        print(f"below target: {m}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
