"""Inter-annotator agreement on the double-annotated engagement-real test split.

    python -m benchmarks.agreement

Prints, per field, Cohen's kappa and raw agreement between the two independent annotations
(first: ``../shared/benchmarks/engagement-real/sentences.jsonl``, read in place; second:
``corpora/labels/engagement-real/test-second-pass.jsonl``), each annotator's agreement with the
adjudicated labels (``test-adjudicated.jsonl``), and how the disagreements were settled.
"""

import json
import math
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from discourse import labelsets

ROOT = Path(__file__).resolve().parent.parent
SRC = labelsets.real_sentences_path(ROOT)
SEC = ROOT / "corpora" / "labels" / "engagement-real" / "test-second-pass.jsonl"
ADJ = ROOT / "corpora" / "labels" / "engagement-real" / "test-adjudicated.jsonl"
TARGETS = ("co-production", "community-engagement", "communities-agenda")


def load():
    first = {}
    for line in open(SRC):
        r = json.loads(line)
        if r["split"] == "test":
            first[r["id"]] = r
    second = {}
    order = []
    for line in open(SEC):
        r = json.loads(line)
        second[r["id"]] = r
        order.append(r["id"])
    adj = {}
    for line in open(ADJ):
        r = json.loads(line)
        adj[r["id"]] = r
    assert set(first) == set(second) == set(adj), "id sets differ"
    return first, second, adj, order


def holder_kind(r):
    h = r["holder"]
    return "none" if h is None else ("author" if h == "author" else "quoted")


FIELDS = {
    "is_claim": lambda r: r["is_claim"],
    "claim_type": lambda r: r["claim_type"] or "none",
    "holder_kind": holder_kind,
    "hedged": lambda r: r["hedged"],
    "negated": lambda r: r["negated"],
}
for _t in TARGETS:
    FIELDS["stance:" + _t] = (lambda t: lambda r: r["stances"][t])(_t)
for _t in TARGETS:
    FIELDS["about:" + _t] = (lambda t: lambda r: r["stances"][t] != "none")(_t)


def kappa(a, b):
    if len(a) == 0:
        return float("nan")
    if len(set(a) | set(b)) == 1:  # one class only: kappa undefined, agreement is perfect
        return float("nan")
    return cohen_kappa_score([str(x) for x in a], [str(x) for x in b])


def agree(a, b):
    return sum(x == y for x, y in zip(a, b)) / len(a) if a else float("nan")


def fmt(x):
    return "  n/a" if (x is None or (isinstance(x, float) and math.isnan(x))) else f"{x:5.3f}"


def pair_rows(f, X, Y, ids):
    return [f(X[i]) for i in ids], [f(Y[i]) for i in ids]


def main():
    first, second, adj, ids = load()
    n = len(ids)
    print(f"engagement-real test split: {n} records, two independent annotations + adjudication\n")
    head = f"{'field':30s} {'n':>4s} | {'kappa 1v2':>9s} {'agree 1v2':>9s} | {'kappa 1vA':>9s} {'kappa 2vA':>9s} | {'agree 1vA':>9s} {'agree 2vA':>9s}"
    print(head)
    print("-" * len(head))
    rows = {}
    for name, f in FIELDS.items():
        a, b = pair_rows(f, first, second, ids)
        _, c = pair_rows(f, first, adj, ids)
        rows[name] = (a, b, c)
        print(
            f"{name:30s} {n:4d} | {fmt(kappa(a, b)):>9s} {fmt(agree(a, b)):>9s} | "
            f"{fmt(kappa(a, c)):>9s} {fmt(kappa(b, c)):>9s} | {fmt(agree(a, c)):>9s} {fmt(agree(b, c)):>9s}"
        )

    # pooled stance over the three targets (4-way labels)
    a = b = c = None
    a, b, c = [], [], []
    for t in TARGETS:
        x, y, z = rows["stance:" + t]
        a += x
        b += y
        c += z
    print(
        f"{'stance (pooled, 3 targets)':30s} {len(a):4d} | {fmt(kappa(a, b)):>9s} {fmt(agree(a, b)):>9s} | "
        f"{fmt(kappa(a, c)):>9s} {fmt(kappa(b, c)):>9s} | {fmt(agree(a, c)):>9s} {fmt(agree(b, c)):>9s}"
    )

    # holder name, exact string, among records that both sides of a comparison call quoted
    def names(X, Y):
        both = [i for i in ids if holder_kind(X[i]) == "quoted" and holder_kind(Y[i]) == "quoted"]
        return both, [X[i]["holder"] for i in both], [Y[i]["holder"] for i in both]

    b12, x12, y12 = names(first, second)
    b1a, x1a, y1a = names(first, adj)
    b2a, x2a, y2a = names(second, adj)
    print(
        f"{'holder name (both quoted)':30s} {len(b12):4d} | {fmt(kappa(x12, y12)):>9s} {fmt(agree(x12, y12)):>9s} | "
        f"{fmt(kappa(x1a, y1a)):>9s} {fmt(kappa(x2a, y2a)):>9s} | {fmt(agree(x1a, y1a)):>9s} {fmt(agree(x2a, y2a)):>9s}"
    )
    print(
        f"  (n both quoted: 1v2 {len(b12)}, 1vA {len(b1a)}, 2vA {len(b2a)}; kappa treats each distinct name as a category)"
    )
    print("  n/a = undefined (a single category on both sides).")

    # disagreements per field and which way the adjudication went
    print("\nDisagreements between the annotators and how they were settled")
    print(f"{'field':30s} {'disagree':>8s} {'-> first':>9s} {'-> second':>10s} {'-> other':>9s}")

    def settle(name, f):
        d = [i for i in ids if f(first[i]) != f(second[i])]
        to1 = sum(f(adj[i]) == f(first[i]) for i in d)
        to2 = sum(f(adj[i]) == f(second[i]) for i in d)
        print(f"{name:30s} {len(d):8d} {to1:9d} {to2:10d} {len(d) - to1 - to2:9d}")
        return d

    for name, f in FIELDS.items():
        settle(name, f)
    settle("holder (exact string)", lambda r: r["holder"])
    d = [i for i in b12 if first[i]["holder"] != second[i]["holder"]]
    to1 = sum(adj[i]["holder"] == first[i]["holder"] for i in d)
    to2 = sum(adj[i]["holder"] == second[i]["holder"] for i in d)
    print(
        f"{'holder name (both quoted)':30s} {len(d):8d} {to1:9d} {to2:10d} {len(d) - to1 - to2:9d}"
    )
    any_d = [i for i in ids if adj[i]["decided"]]
    print(f"\nrecords with at least one disagreement: {len(any_d)} of {n}")
    print(
        "alt entries in adjudicated file:",
        sum(len(adj[i]["alt"]) for i in ids),
        "on",
        sum(bool(adj[i]["alt"]) for i in ids),
        "records",
    )


if __name__ == "__main__":
    if not SRC.exists():
        print(f"agreement benchmark skipped: {SRC} not found", file=sys.stderr)
        sys.exit(0)
    main()
