"""The near-duplicate check of one import run, into a small and a large corpus, side by side.

    python -m benchmarks.dedup [--small 1000] [--large 20000] [--new 50] [--repeat 3]

Two SQLite corpora of ``--small`` and ``--large`` news-like documents (benchmarks/store.py's:
ten to fourteen paragraphs of the sample corpus's articles each) are built once. Then the same
``--new`` new documents, a fifth of them near-duplicates of stored ones, are imported into a
fresh copy of each, in a fresh process per run, by

- ``stored``: the stored LSH bands (``document_bands``, discourse/gather/dedup.py): each new
  document looks up its candidates by band and loads only their signatures;
- ``in-memory``: the peer, the index this replaced (``InMemoryIndex`` below): every stored
  original's signature loaded into a datasketch MinHashLSH at the start of the run.

Figures per run: CPU seconds of the import call and, of those, the near-duplicate check's
(building the index and matching; the rest is storing: documents, full-text index, commit),
peak RSS of the process, and how much the import added to the RSS the process had before it
(the interpreter and libraries). The ratio
is large / small (median of ``--repeat`` runs); the target is at most 1.2 for time and memory.
The two indexes must flag the same documents: the run fails otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from discourse.gather import dedup
from discourse.store.records import StoredDocument


class InMemoryIndex:
    """The near-duplicate index before migration 0009, word for word: every stored original's
    signature in a datasketch MinHashLSH, loaded at the start of a run. Kept as this
    benchmark's peer and as the reference tests/test_dedup.py checks the stored bands against.
    """

    def __init__(self, documents, threshold: float = 0.8, min_words: int = 50):
        self.threshold = threshold
        self.min_words = min_words
        self._lsh = MinHashLSH(
            threshold=dedup.NearDuplicateIndex.CANDIDATE_JACCARD, num_perm=dedup.NUM_PERM
        )
        self._sigs: dict[int, tuple[MinHash, int]] = {}
        for doc_id, data, words in documents.minhashes():
            self._add(doc_id, dedup.from_bytes(data), words)

    def _add(self, doc_id: int, m: MinHash, words: int) -> None:
        if doc_id not in self._sigs:
            self._lsh.insert(doc_id, m)
            self._sigs[doc_id] = (m, dedup.shingle_count(words))

    def match(self, text: str, m: MinHash) -> tuple[int, float] | None:
        words = len(dedup._WORD.findall(text))
        if words < self.min_words:
            return None
        size = dedup.shingle_count(words)
        best = None
        for doc_id in self._lsh.query(m):
            other, other_size = self._sigs[doc_id]
            j = m.jaccard(other)
            containment = min(1.0, j * (size + other_size) / ((1 + j) * min(size, other_size)))
            if containment >= self.threshold and (best is None or containment > best[1]):
                best = (doc_id, round(float(containment), 3))
        return best

    def stored(self, result: StoredDocument, m: MinHash, words: int) -> None:
        if result.status == "new" or (
            result.status == "near-duplicate" and result.duplicate_of is None
        ):
            self._add(result.id, m, words)


INDEXES = {"stored": dedup.NearDuplicateIndex, "in-memory": InMemoryIndex}


class Timed:
    """An index whose construction and calls add their CPU seconds to ``seconds``: the
    near-duplicate check's own share of an import."""

    seconds = 0.0

    def __init__(self, cls, documents):
        start = time.process_time()
        self.index = cls(documents)
        Timed.seconds += time.process_time() - start

    def match(self, text, m):
        start = time.process_time()
        try:
            return self.index.match(text, m)
        finally:
            Timed.seconds += time.process_time() - start

    def stored(self, result, m, words):
        start = time.process_time()
        self.index.stored(result, m, words)
        Timed.seconds += time.process_time() - start


def new_documents(n: int, stored: list[dict], paras: list[str], seed: int = 97) -> list[dict]:
    """``n`` documents not in any corpus: four in five new, one in five a syndicated copy
    (credit line added, last paragraph dropped) of one of the first ``len(stored)`` stored."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 5 == 4:
            base = rng.choice(stored)
            paras_of = base["text"].split("\n\n")
            text = "\n\n".join(["Syndicated from a partner newsroom.", *paras_of[:-1]])
        else:
            picks = rng.sample(range(len(paras)), rng.randint(10, 14))
            text = "\n\n".join(paras[k] for k in picks)
        out.append(
            {
                "url": f"http://new.invalid/{i}",
                "source": "Newcomer",
                "date": f"2015-01-{1 + i % 28:02d}",
                "title": f"New story {i}",
                "text": text,
                "language": "en",
            }
        )
    return out


def build(path: Path, records: list[dict]) -> None:
    from discourse import Corpus
    from discourse.gather.importer import import_files

    jsonl = path.with_suffix(".jsonl")
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Corpus(path) as c:
        import_files(c, [jsonl], batch_size=500)
        c.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    jsonl.unlink()


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB. Not ru_maxrss: Linux carries that
    over from the parent across fork and exec."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure(db: str, jsonl: str, index: str) -> dict:
    """One run in this process: import ``jsonl`` into ``db`` with the ``index`` named."""
    from discourse import Corpus
    from discourse.gather.importer import import_files

    factory = INDEXES[index]
    before = memory_mb("VmRSS")  # libraries loaded: what is left is the run's own
    with Corpus(db) as c:
        start_cpu, start = time.process_time(), time.perf_counter()
        (_, report), = import_files(
            c, [jsonl], near_duplicates=lambda documents: Timed(factory, documents)
        )  # fmt: skip
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
        flags = {
            r[0]: r[1]
            for r in c.db.execute(
                "SELECT d.canonical_url, o.canonical_url FROM documents d "
                "LEFT JOIN documents o ON o.id = d.duplicate_of WHERE d.source_id = "
                "(SELECT id FROM sources WHERE name = 'Newcomer')"
            )
        }
    peak = memory_mb("VmHWM")
    return {
        "cpu": cpu,
        "check_cpu": Timed.seconds,
        "wall": wall,
        "peak_mb": peak,
        "added_mb": peak - before,
        "new": report.new,
        "near": report.near_duplicates,
        "flags": flags,
    }


def run(db: Path, jsonl: Path, index: str, scratch: Path) -> dict:
    """``measure`` in a fresh process on a fresh copy of ``db`` (clean peak RSS)."""
    copy = scratch / "run.db"
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.dedup", "--measure", str(copy), str(jsonl), index],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dedup")
    p.add_argument("--small", type=int, default=1000)
    p.add_argument("--large", type=int, default=20000)
    p.add_argument("--new", type=int, default=50)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--measure", nargs=3, metavar=("DB", "JSONL", "INDEX"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0

    from benchmarks.store import documents, paragraphs

    tmp = Path(tempfile.mkdtemp(prefix="dedupbench-"))
    try:
        paras = paragraphs()
        records = [r for _, r in documents(args.large, paras)]
        corpora = {}
        for n in (args.small, args.large):
            start = time.perf_counter()
            corpora[n] = tmp / f"corpus-{n}.db"
            build(corpora[n], records[:n])  # the small corpus is the large one's first part
            size = corpora[n].stat().st_size / 2**20
            print(f"built a corpus of {n:,} documents ({size:.0f} MB) in "
                  f"{time.perf_counter() - start:.0f}s")  # fmt: skip
        fresh = new_documents(args.new, records[: args.small], paras)
        jsonl = tmp / "new.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in fresh), encoding="utf-8")
        results: dict[tuple[str, int], list[dict]] = {}
        for _ in range(args.repeat):  # interleaved, so load on the machine hits every cell alike
            for index in INDEXES:
                for n in (args.small, args.large):
                    results.setdefault((index, n), []).append(run(corpora[n], jsonl, index, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    flags = {json.dumps(r["flags"], sort_keys=True) for rs in results.values() for r in rs}
    near = {r["near"] for rs in results.values() for r in rs}
    print(f"\nimporting the same {args.new} new documents (near-duplicates found: "
          f"{sorted(near)}); median of {args.repeat} runs, each in a fresh process\n")  # fmt: skip
    head = f"{'index':<10} {'measure':<22}{args.small:>10,} docs{args.large:>10,} docs{'ratio':>8}"
    print(head)
    print("-" * len(head))
    for index in INDEXES:
        for key, label in (
            ("cpu", "CPU s"),
            ("check_cpu", "  of which dup. check"),
            ("wall", "wall s"),
            ("peak_mb", "peak RSS MB"),
            ("added_mb", "RSS added MB"),
        ):
            small = statistics.median(r[key] for r in results[(index, args.small)])
            large = statistics.median(r[key] for r in results[(index, args.large)])
            print(f"{index:<10} {label:<22}{small:>15.2f}{large:>15.2f}{large / small:>8.2f}")
    if len(flags) != 1:
        print("\nFAIL: the two indexes (or two corpora) flagged different documents")
        return 1
    print("\nboth indexes flagged the same documents in every run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
