"""Engine benchmark: `annotate` then `tag` on the same corpus in one process, on a Dask
LocalCluster of 2 worker processes, and on the local engine with 2 worker processes.

    python -m benchmarks.engine [--copies 4] [--runs one,dask2,local2]
    python -m benchmarks.engine --memory 40    # a worker's memory over 40 batches of 64

The corpus: the bundled sample corpus's articles, each repeated ``--copies`` times with its
paragraphs shuffled (as in benchmarks/annotate.py), imported into a fresh SQLite file; every run
works on its own copy of that file, in its own fresh Python process, so each pays its own
start-up (cluster, pipeline and model loading) and nothing is cached between runs.

Printed per run: wall seconds of annotate and of tag, CPU-seconds of every process involved
(the command's own and each worker's), peak memory (max RSS) of each worker process, and the
documents and words per CPU-second. Then the ratios against one process. Wall-time ratios need
idle cores: on a shared machine compare the CPU-seconds, and the speed-up the CPU-seconds
predict for as many idle cores as there are workers (the work of all processes spread evenly).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"speedup_2_workers": 1.7, "worker_peak_gb": 1.5}
RUNS = {
    "one": ("1 process (local engine)", "local", 0),
    "dask2": ("Dask LocalCluster, 2 workers", "dask", 2),
    "local2": ("local engine, 2 worker processes", "local", 2),
}


def build_corpus(path: Path, copies: int) -> int:
    from benchmarks.annotate import texts
    from discourse import Corpus
    from discourse.gather.dedup import content_hash
    from discourse.store import NewDocument

    docs = texts(copies)
    with Corpus(path) as corpus:
        corpus.documents.add_many(
            NewDocument(
                url=f"http://bench.invalid/{i}",
                canonical_url=f"http://bench.invalid/{i}",
                text=t,
                content_hash=content_hash(t) + str(i),
                language="en",
            )
            for i, t in enumerate(docs)
        )
    return len(docs)


def _usage() -> dict:
    """This process's CPU-seconds and peak memory (GB)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": ru.ru_utime + ru.ru_stime, "peak_gb": ru.ru_maxrss / 1024**2}


def one_run(db: str, engine_name: str, workers: int) -> dict:
    """Annotate and tag ``db`` on one engine; measurements as a dict (run in a fresh process)."""
    from discourse import Corpus
    from discourse.claims.annotate import annotate
    from discourse.engines import open_engine
    from discourse.stance.tag import tag

    out: dict = {}
    start = time.perf_counter()
    with Corpus(db, busy_timeout=60) as corpus, open_engine(engine_name, workers=workers) as eng:
        a = annotate(corpus, engine=eng, progress=False)
        out["annotate_s"] = time.perf_counter() - start
        out["annotate_cpu"] = _usage()["cpu"]
        mid = time.perf_counter()
        t = tag(corpus, engine=eng, progress=False)
        out["tag_s"] = time.perf_counter() - mid
        out["tag_cpu"] = _usage()["cpu"] - out["annotate_cpu"]
        if engine_name == "dask":
            out["workers"] = list(eng.client.run(_usage).values())
        elif not eng.in_process:
            # one task per worker process, each answering for itself
            out["workers"] = _local_worker_usage(eng)
        else:
            out["workers"] = []
    out["total_s"] = time.perf_counter() - start
    out["client"] = _usage()
    out.update(documents=a.documents, words=a.words, claims=t.claims, tags=t.tags)
    return out


def _local_worker_usage(eng) -> list[dict]:
    """CPU and peak memory of each worker process of a local pool (this process's
    descendants that loaded a pipeline: the forkserver and resource tracker stay small)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        peak = _peak_rss_gb(child.pid)
        if peak and peak > 0.2:
            found.append({"cpu": times.user + times.system, "peak_gb": peak})
    return found


def _peak_rss_gb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        return None
    return None


def run(copies: int = 4, runs: list[str] | None = None) -> dict:
    runs = runs or list(RUNS)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        n = build_corpus(base, copies)
        for key in runs:
            db = Path(tmp) / f"{key}.db"
            shutil.copy(base, db)
            _, engine_name, workers = RUNS[key]
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.engine", "--one", str(db), engine_name]
                + [str(workers)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"run {key} failed")
            results[key] = json.loads(proc.stdout.strip().splitlines()[-1])
    report(n, results)
    return results


def report(n: int, results: dict) -> None:
    print(f"{n} documents; annotate then tag; each run in its own fresh process")
    print(
        f"{'run':<34} {'annotate s':>10} {'tag s':>7} {'total s':>8} {'CPU-s':>7} "
        f"{'docs/CPU-s':>10} {'worker peak GB':>15}"
    )
    cpu = {}
    for key, r in results.items():
        label = RUNS[key][0]
        cpu[key] = r["client"]["cpu"] + sum(w["cpu"] for w in r["workers"])
        peaks = ", ".join(f"{w['peak_gb']:.2f}" for w in r["workers"]) or (
            f"{r['client']['peak_gb']:.2f} (the process)"
        )
        print(
            f"{label:<34} {r['annotate_s']:>10.1f} {r['tag_s']:>7.1f} {r['total_s']:>8.1f} "
            f"{cpu[key]:>7.1f} {r['documents'] / cpu[key]:>10.2f} {peaks:>15}"
        )
        if r["workers"]:
            shares = ", ".join(f"{w['cpu']:.1f}" for w in r["workers"])
            print(f"{'':<34} CPU-s: command {r['client']['cpu']:.1f}; workers {shares}")
    one = results.get("one")
    if not one:
        return
    # In one process, its CPU-seconds are the stages' cost per core (loading included).
    print(
        f"\nper core, one process: annotate {one['documents'] / one['annotate_cpu']:.2f} docs/CPU-s "
        f"({one['words'] / one['annotate_cpu']:,.0f} words/CPU-s, {one['annotate_cpu']:.1f} CPU-s "
        f"with imports and pipeline loading); tag {one['claims'] / one['tag_cpu']:,.0f} claims/CPU-s "
        f"({one['claims']} claims, {one['tag_cpu']:.1f} CPU-s with model loading)"
    )
    verdict = {True: "met", False: "NOT met"}
    for key in results:
        if key == "one":
            continue
        r = results[key]
        wall = one["total_s"] / r["total_s"]
        workers = max(1, len(r["workers"]))
        # On `workers` idle cores, with every process's CPU spread evenly over them:
        predicted = cpu["one"] / (cpu[key] / workers)
        peak = max((w["peak_gb"] for w in r["workers"]), default=r["client"]["peak_gb"])
        print(
            f"\n{RUNS[key][0]} vs 1 process: wall x{wall:.2f} (this machine, as loaded now); "
            f"CPU-seconds x{cpu[key] / cpu['one']:.2f} of one process's; speed-up the CPU-seconds "
            f"predict on {workers} idle cores x{predicted:.2f} "
            f"(target >= {TARGETS['speedup_2_workers']}: wall {verdict[wall >= 1.7]}, "
            f"predicted {verdict[predicted >= 1.7]}); "
            f"peak per worker {peak:.2f} GB (target < {TARGETS['worker_peak_gb']}: "
            f"{verdict[peak < TARGETS['worker_peak_gb']]})"
        )


def memory_run(zone: bool, batches: int) -> list[tuple[int, float]]:
    """(documents, RSS MB) every 5 batches of 64 news-like documents (every 8th word a new
    name or number, as news brings), annotated through ``annotate_rows`` (memory zones) or,
    as the peer, the same records from ``nlp.pipe`` over the same batches without a zone."""
    import random
    import string

    from benchmarks.annotate import texts
    from discourse.claims.annotate import annotate_rows, clean, sentence_records
    from discourse.claims.pipeline import load_pipeline

    base, rng = texts(2), random.Random(1)

    def doc(i: int) -> str:
        words = base[i % len(base)].split(" ")
        for k in range(0, len(words), 8):
            words[k] = (
                "".join(rng.choice(string.ascii_lowercase) for _ in range(8)).capitalize()
                if k % 16
                else str(rng.randint(1000, 10**7))
            )
        return " ".join(words)

    def rss_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 1024

    nlp = load_pipeline()
    out = []
    for b in range(batches):
        rows = [(b * 64 + k, doc(b * 64 + k), "en") for k in range(64)]
        if zone:
            annotate_rows(nlp, rows)
        else:
            # the same batches as annotate_rows, without the memory zone
            for d in nlp.pipe([clean(t) for _, t, _ in rows], batch_size=len(rows)):
                sentence_records(d)
        if (b + 1) % 5 == 0:
            out.append(((b + 1) * 64, rss_mb()))
    return out


def memory_report(batches: int) -> None:
    runs = {}
    for zone in (True, False):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.engine",
                "--memory-one",
                str(int(zone)),
                str(batches),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit("memory run failed")
        runs[zone] = json.loads(proc.stdout.strip().splitlines()[-1])
    print("RSS of one worker process annotating news-like documents, MB")
    print(f"{'documents':>9} {'annotate_rows (memory zones)':>29} {'no memory zone':>15}")
    for (n, with_zone), (_, without) in zip(runs[True], runs[False]):
        print(f"{n:>9} {with_zone:>29.0f} {without:>15.0f}")
    (n0, z0), (n1, z1) = runs[True][0], runs[True][-1]
    p0, p1 = runs[False][0][1], runs[False][-1][1]
    print(
        f"growth per 1,000 documents after the first {n0}: {1000 * (z1 - z0) / (n1 - n0):.1f} MB "
        f"with memory zones, {1000 * (p1 - p0) / (n1 - n0):.1f} MB without"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=4)
    p.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated: {', '.join(RUNS)}")
    p.add_argument(
        "--memory",
        type=int,
        metavar="BATCHES",
        help="instead: a worker's memory over BATCHES batches of 64 documents",
    )
    p.add_argument("--one", nargs=3, metavar=("DB", "ENGINE", "WORKERS"), help=argparse.SUPPRESS)
    p.add_argument("--memory-one", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory_one:
        print(json.dumps(memory_run(bool(int(args.memory_one[0])), int(args.memory_one[1]))))
        return
    if args.memory:
        memory_report(args.memory)
        return
    if args.one:
        db, engine_name, workers = args.one
        print(json.dumps(one_run(db, engine_name, int(workers))))
        return
    run(args.copies, args.runs.split(","))


if __name__ == "__main__":
    main()
