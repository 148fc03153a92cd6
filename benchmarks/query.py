"""Query speed on a generated corpus of 1,000,000 claims: first page (50 results) of a
filtered full-text query, p50/p95/p99 over many queries, against a LIKE scan (what a tool
without a full-text index does) on the same corpus, filters and queries, in the same run.

    python -m benchmarks.query [--claims 1000000] [--queries 200] [--db PATH]

The corpus is built once into a temporary file (or --db, reused when it already holds the
claims): 10,000 documents in 20 sources over 2005-2014, sentences drawn from the project's
labelled sentences with words swapped from their vocabulary, so term frequencies are those of
real prose.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("normative", "evaluative", "causal", "predictive", "factual")


def build(path: Path, claims: int, seed: int = 1) -> None:
    from discourse import Corpus
    from discourse.store import SourceSpec

    pool = [json.loads(line)["text"] for line in (ROOT / "corpora/labels/claims.jsonl").open()]
    vocab = sorted({w for s in pool for w in s.split() if w.isalpha() and len(w) > 3})
    rng = random.Random(seed)
    docs = 10_000
    per_doc = max(1, claims // docs)
    with Corpus(path) as c:
        src_ids = [
            c.sources.upsert(
                SourceSpec(
                    f"source {i}", "pages", [], tags=[("blog", "newspaper", "council")[i % 3]]
                )
            ).id
            for i in range(20)
        ]
        conn = c.db.conn
        with c.db.transaction():
            for d in range(docs):
                year, month, day = rng.randint(2005, 2014), rng.randint(1, 12), rng.randint(1, 28)
                sents = []
                for _ in range(per_doc):
                    words = rng.choice(pool).split()
                    for _ in range(2):
                        words[rng.randrange(len(words))] = rng.choice(vocab)
                    sents.append(" ".join(words))
                text = " ".join(sents)
                cur = conn.execute(
                    "INSERT INTO documents(source_id, url, canonical_url, title, published, text, content_hash, word_count) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rng.choice(src_ids),
                        f"http://bench.invalid/{d}",
                        f"http://bench.invalid/{d}",
                        f"Document {d}",
                        f"{year}-{month:02d}-{day:02d}",
                        text,
                        f"h{d}",
                        len(text.split()),
                    ),
                )
                doc_id = cur.lastrowid
                conn.execute(
                    "INSERT INTO annotations(document_id, pipeline_version, status) VALUES (?, 'bench', 'done')",
                    (doc_id,),
                )
                pos = 0
                for i, s in enumerate(sents):
                    cur = conn.execute(
                        "INSERT INTO sentences(document_id, idx, start, end, text, pipeline_version) VALUES (?, ?, ?, ?, ?, 'bench')",
                        (doc_id, i, pos, pos + len(s), s),
                    )
                    pos += len(s) + 1
                    holder_kind = "quoted" if rng.random() < 0.3 else "author"
                    conn.execute(
                        "INSERT INTO claims(sentence_id, document_id, claim_type, score, holder, holder_kind, hedged, negated, pipeline_version) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench')",
                        (
                            cur.lastrowid,
                            doc_id,
                            rng.choice(TYPES),
                            rng.random(),
                            "author" if holder_kind == "author" else f"Person {rng.randrange(500)}",
                            holder_kind,
                            int(rng.random() < 0.25),
                            int(rng.random() < 0.2),
                        ),
                    )
        conn.execute("ANALYZE")


def workload(n: int, seed: int = 2) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    terms = [
        "consultation",
        "residents",
        "council",
        "panel",
        "budget*",
        "co-production",
        '"local people"',
        "community NOT council",
        "engagement OR involvement",
        "overdue",
        "participatory",
        "localism",
        "forum",
        "volunteers",
        "neighbourhood plan*",
    ]
    out = []
    for _ in range(n):
        filters = rng.choice(
            [
                {},
                {"claim_type": rng.choice(TYPES)},
                {"holder": "quoted"},
                {"since": str(rng.randint(2005, 2012))},
                {"source": f"source {rng.randrange(20)}"},
                {"tag": "blog", "hedged": True},
                {"since": "2008", "until": "2010", "claim_type": "evaluative"},
            ]
        )
        out.append((rng.choice(terms), filters))
    return out


def like_pattern(text: str) -> str:
    word = text.replace('"', "").split()[0].rstrip("*")
    return f"%{word}%"


def run(claims: int = 1_000_000, queries: int = 200, db: str | None = None) -> dict:
    from discourse import Corpus
    from discourse.store.queries import _where
    from discourse.use.query import make_filters

    tmp = None
    path = Path(db) if db else Path(tmp := tempfile.mkdtemp(prefix="querybench-")) / "c.db"
    with Corpus(path) as c:
        have = c.db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    if have < claims:
        start = time.perf_counter()
        build(path, claims)
        print(f"built {claims:,} claims in {time.perf_counter() - start:.0f}s at {path}")
    work = workload(queries)
    ours, peer = [], []
    with Corpus(path, readonly=True) as c:
        for text, filters in work:
            t0 = time.perf_counter()
            c.query(text, limit=50, **filters)
            ours.append((time.perf_counter() - t0) * 1000)
        # The peer: the same filters, the first word as a LIKE substring scan (no index).
        for text, filters in work[: max(10, queries // 10)]:
            f = make_filters(c, None, **filters)
            where, params = _where(f)
            glue = " AND " if " WHERE " in where else " WHERE "
            sql = f"SELECT s.text {where}{glue}s.text LIKE ? ORDER BY d.published DESC LIMIT 50"
            t0 = time.perf_counter()
            c.db.execute(sql, [*params, like_pattern(text)]).fetchall()
            peer.append((time.perf_counter() - t0) * 1000)

    def pct(xs, p):
        return statistics.quantiles(xs, n=100)[p - 1] if len(xs) > 1 else xs[0]

    rows = {"discourse (FTS5)": ours, "LIKE scan": peer}
    print(f"\n{claims:,} claims; first page (50) of filtered queries, milliseconds")
    print(f"{'engine':<18} {'queries':>7} {'p50':>8} {'p95':>8} {'p99':>8}")
    for name, xs in rows.items():
        print(
            f"{name:<18} {len(xs):>7} {pct(xs, 50):>8.1f} {pct(xs, 95):>8.1f} {pct(xs, 99):>8.1f}"
        )
    p95 = pct(ours, 95)
    print(
        f"\nLIKE p95 / discourse p95 = {pct(peer, 95) / p95:.1f}x; discourse p95 {p95:.1f} ms "
        f"(target < 100 ms: {'met' if p95 < 100 else 'NOT met'})"
    )
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return {"p95_ms": p95, "peer_p95_ms": pct(peer, 95)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--claims", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--db", help="Keep the generated corpus here (reused on the next run).")
    a = p.parse_args()
    run(a.claims, a.queries, a.db)


if __name__ == "__main__":
    main()
