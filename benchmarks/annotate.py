"""Annotation speed: `discourse annotate` against plain `nlp.pipe` of en_core_web_sm on the
same texts, in the same run.

    python -m benchmarks.annotate [--copies 10] [--repeat N] [--pipeline CFG]

Texts: the bundled sample corpus's articles, each repeated ``--copies`` times with its
paragraphs in a different order (so nothing is cached). Words are counted the same way for
both (tokens that are neither space nor punctuation). The ratios compare throughput once the
pipelines are loaded (with ``--processes 2``, once each worker has loaded its own); discourse's
includes reading the documents from the corpus and storing every sentence and claim. The
figures with loading included are printed too. Plain spaCy runs twice: at 64 documents a batch
(the target's peer) and at the batch size annotate gives spaCy's components
(``SPACY_BATCH``), so the like-for-like ratio is printed as well. ``--pipeline`` times another
pipeline config, such as the MiniLM one ``python -m discourse.claims.train --embedder minilm
--out DIR`` writes. An encoder pipeline's sentence vectors are never read from an earlier run:
each run starts with an empty vector store and an empty memory, and the encoder loaded before
its clock (a warm-up sentence that is not in the texts).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def texts(copies: int) -> list[str]:
    from discourse.demo import SAMPLE
    from discourse.gather.extraction import extract_html, read_html_file

    out = []
    site = SAMPLE / "site"
    for e in (json.loads(line) for line in (SAMPLE / "expected.jsonl").read_text().splitlines()):
        text = extract_html(read_html_file(site / e["path"].lstrip("/")), None).text
        paras = text.split("\n")
        rng = random.Random(e["path"])
        for _ in range(copies):
            rng.shuffle(paras)
            out.append("\n".join(paras))
    return out


def words(doc) -> int:
    return sum(1 for t in doc if not t.is_space and not t.is_punct)


def plain_spacy(docs: list[str], batch_size: int = 64) -> tuple[float, float, int]:
    """(seconds with model loading, seconds without, words)."""
    from discourse.claims.model import load_english

    start = time.perf_counter()
    nlp = load_english()
    loaded = time.perf_counter()
    n = sum(words(d) for d in nlp.pipe(docs, batch_size=batch_size))
    end = time.perf_counter()
    return end - start, end - loaded, n


def discourse_annotate(
    docs: list[str], processes: int, config: str | None = None
) -> tuple[float, float, int]:
    """(seconds with pipeline loading, seconds without, words), storing everything."""
    from discourse import Corpus
    from discourse.claims.annotate import annotate
    from discourse.claims.pipeline import load_pipeline
    from discourse.engines import open_engine
    from discourse.gather.dedup import content_hash
    from discourse.store import NewDocument

    with (
        tempfile.TemporaryDirectory() as tmp,
        Corpus(Path(tmp) / "c.db") as corpus,
        _no_stored_vectors(Path(tmp)),
    ):
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
        with open_engine("local", workers=processes if processes > 1 else 0) as engine:
            start = time.perf_counter()
            if processes > 1:
                # every worker loads its pipeline before the clock starts, as the one-process
                # run loads its own: "without loading" means the same for both
                nlp = None
                warmed: set[int] = set()
                while len(warmed) < processes:
                    warmed.update(engine.map(_warm_worker, [config] * processes))
            else:
                nlp = load_pipeline(config)
                list(nlp.pipe([WARM_UP]))  # loads an encoder the components read lazily
                _forget_vectors()
            loaded = time.perf_counter()
            report = annotate(
                corpus, config=config, batch_size=64, engine=engine, progress=False, nlp=nlp
            )
            end = time.perf_counter()
        return end - start, end - loaded, report.words


def _warm_worker(config: str | None) -> int:
    """In a worker: load the claims pipeline as annotate's tasks will, and any encoder it
    reads; the worker's pid."""
    from discourse.claims.annotate import _worker_pipeline
    from discourse.claims.pipeline import pipeline_version

    list(_worker_pipeline(config, pipeline_version(config)).pipe([WARM_UP]))
    _forget_vectors()
    return os.getpid()


WARM_UP = "A warm-up sentence about co-production, in no text of the benchmark."


@contextlib.contextmanager
def _no_stored_vectors(tmp: Path):
    """Sentence vectors stored in (and read from) an empty folder for this run only: a cache
    folder under ``tmp`` that links the unpacked model weights, set for this process and the
    workers it starts."""
    from discourse.claims.weights import cache_dir
    from discourse.settings import CACHE_DIR_ENV, environment

    real, home = cache_dir(), tmp / "cache"
    home.mkdir()
    for entry in real.glob("all-*") if real.is_dir() else ():  # unpacked weights stay shared
        (home / entry.name).symlink_to(entry.resolve())
    try:
        with environment(CACHE_DIR_ENV, str(home)):
            yield
    finally:
        _forget_vectors()


def _forget_vectors() -> None:
    """Every encoder this process has loaded forgets the vectors it remembers and stores them
    under the cache folder the environment now names."""
    from discourse.claims import embedding

    for encoder in embedding._LOADED.values():
        if isinstance(encoder, embedding.TransformerEmbedder):
            encoder.start_afresh()


RUNS = (
    ("spacy", "plain nlp.pipe (en_core_web_sm)"),
    ("spacy-small", "plain nlp.pipe, annotate's batches"),
    ("discourse-1", "discourse annotate, 1 process"),
    ("discourse-2", "discourse annotate, --processes 2"),
)


def run(copies: int = 10, repeat: int = 1, config: str | None = None) -> dict:
    from discourse.claims.annotate import SPACY_BATCH

    docs = texts(copies)
    rounds: dict[str, list] = {key: [] for key, _ in RUNS}
    for _ in range(repeat):  # interleaved, so a busy spell of the machine hits every run
        rounds["spacy"].append(plain_spacy(docs))
        # annotate runs spaCy's components on SPACY_BATCH documents at a time; the peer at
        # the same batch size shows how much of the ratio is that choice, not our overhead
        rounds["spacy-small"].append(plain_spacy(docs, SPACY_BATCH))
        rounds["discourse-1"].append(discourse_annotate(docs, 1, config))
        rounds["discourse-2"].append(discourse_annotate(docs, 2, config))
    results = {
        key: (
            statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs),
            runs[0][2],
        )
        for key, runs in rounds.items()
    }
    if repeat > 1:
        per_round = [
            rounds["spacy"][k][1] / rounds["discourse-1"][k][1] for k in range(repeat)
        ]  # equal words in both: the ratio of rates is the inverse ratio of seconds
        print(
            f"{len(docs)} documents, {repeat} interleaved rounds, median seconds; "
            "discourse (1 process) / plain spaCy by round: "
            + ", ".join(f"{v:.2f}" for v in per_round)
        )
    else:
        print(f"{len(docs)} documents, one run each")
    print(f"{'run':<34} {'seconds':>8} {'words':>8} {'words/s':>9} {'with loading':>13}")
    rates, cold = {}, {}
    for key, label in RUNS:
        total, secs, n = results[key]
        rates[key], cold[key] = n / secs, n / total
        print(f"{label:<34} {secs:>8.1f} {n:>8} {rates[key]:>9,.0f} {cold[key]:>13,.0f}")
    one = rates["discourse-1"] / rates["spacy"]
    alike = rates["discourse-1"] / rates["spacy-small"]
    two = rates["discourse-2"] / rates["discourse-1"]
    verdict = {True: "met", False: "NOT met"}
    print(
        f"\ndiscourse (1 process) / plain spaCy = {one:.2f}  (target >= 0.85: {verdict[one >= 0.85]})"
    )
    print(
        f"discourse (1 process) / plain spaCy at annotate's spaCy batch size ({SPACY_BATCH}) = "
        f"{alike:.2f}"
    )
    print(
        f"discourse (2 processes) / discourse (1 process) = {two:.2f}  (target >= 1.6: {verdict[two >= 1.6]})"
    )
    print(
        f"with loading included: {cold['discourse-1'] / cold['spacy']:.2f} and "
        f"{cold['discourse-2'] / cold['discourse-1']:.2f}"
    )
    return {
        "rates": rates,
        "ratio_vs_spacy": one,
        "ratio_vs_spacy_same_batches": alike,
        "ratio_two_processes": two,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=10)
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of the four runs, interleaved; figures are the medians (the ratio swings "
        "by +-0.1 between single runs on a shared 2-core machine)",
    )
    p.add_argument("--pipeline", metavar="CFG", help="pipeline config (default: bundled)")
    args = p.parse_args()
    if args.pipeline:
        print(f"pipeline: {args.pipeline}")
    run(args.copies, args.repeat, args.pipeline)


if __name__ == "__main__":
    main()
