"""Engines: annotate and tag on worker processes and on a real Dask LocalCluster; workers that
die with their parent; a worker killed mid-run; one annotate per corpus at a time."""

import os
import signal
import sqlite3
import subprocess
import threading
import time

import numpy as np
import psutil
import pytest

from discourse import Corpus
from discourse.engines import open_engine

from .conftest import DISCOURSE, run_cli
from .test_annotate import _docs, _varied_docs

ONE_SENTENCE_ROW_EACH = (
    "SELECT COUNT(*) FROM (SELECT document_id, idx, COUNT(*) n FROM sentences "
    "GROUP BY document_id, idx, pipeline_version HAVING n > 1)"
)


@pytest.fixture(scope="module")
def cluster():
    """One real LocalCluster of 2 single-threaded worker processes for this module."""
    with open_engine("dask", workers=2) as engine:
        yield engine


def _count(db, sql: str = "SELECT COUNT(*) FROM annotations") -> int:
    try:
        conn = sqlite3.connect(db, timeout=0.1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def _wait_for(db, at_least: int, proc=None, timeout: float = 180) -> int:
    deadline, n = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        n = _count(db)
        if n >= at_least:
            return n
        time.sleep(0.05)
    return n


def _rows(db) -> list[tuple]:
    q = (
        "SELECT s.document_id, s.idx, s.start, s.end, c.claim_type, c.holder, c.hedged, "
        "c.negated, c.targets, t.target, t.label, round(t.score, 6) FROM sentences s "
        "LEFT JOIN claims c ON c.sentence_id = s.id LEFT JOIN stance_tags t ON t.claim_id = c.id "
        "ORDER BY 1, 2, 10"
    )
    with Corpus(db) as c:
        return [tuple(r) for r in c.db.execute(q)]


def test_annotate_and_tag_on_a_dask_cluster_store_what_one_process_stores(tmp_path, cluster):
    from discourse.claims.annotate import annotate
    from discourse.stance.tag import tag

    rows = _varied_docs(6)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    db_here, db_there = _docs(here, rows), _docs(there, rows)
    with Corpus(db_here) as c:
        annotate(c, batch_size=3, progress=False)
        tag(c, batch_size=5, progress=False)
    with Corpus(db_there) as c:
        report = annotate(c, batch_size=3, engine=cluster, progress=False)
        tagged = tag(c, batch_size=5, engine=cluster, progress=False)
    assert report.documents == 6 and tagged.tags > 0
    assert _rows(db_here) == _rows(db_there)


def _pg_rows(url) -> list[tuple]:
    """What annotate and tag stored, on either backend (scores to 6 places)."""
    q = (
        "SELECT s.document_id, s.idx, s.start, s.end, c.is_claim, c.claim_type, c.holder, "
        "c.hedged, c.negated, c.targets, c.relevance, t.target, t.label, t.score, t.relevance "
        "FROM sentences s LEFT JOIN claims c ON c.sentence_id = s.id "
        "LEFT JOIN stance_tags t ON t.claim_id = c.id"
    )
    with Corpus.open(url) as c:
        rows = [tuple(r) for r in c.db.execute(q)]
    rounded = [
        (
            *r[:13],
            None if r[13] is None else round(r[13], 6),
            None if r[14] is None else round(r[14], 6),
        )
        for r in rows
    ]
    return sorted(rounded, key=repr)


def test_annotate_and_tag_on_a_dask_cluster_with_workers_writing_to_postgresql(
    tmp_path, cluster, pg_url, claims_pipeline
):
    """Multi-machine runs need PostgreSQL: there every worker opens the corpus by URL and
    writes its own batches (the command only hands out id ranges), and the result is what one
    process stores in SQLite, claim rows and facet counts included."""
    from discourse.claims.annotate import annotate
    from discourse.stance.tag import tag
    from discourse.store.transfer import copy_corpus

    db = _docs(tmp_path, _varied_docs(6))
    copy_corpus(db, pg_url)
    with Corpus(db) as c:
        annotate(c, batch_size=3, progress=False, nlp=claims_pipeline)
        tag(c, batch_size=5, progress=False)
    # read-only here, so every annotation was written by a worker; the annotate lock is a
    # PostgreSQL advisory lock, which a read-only session may hold
    with Corpus.open(pg_url, readonly=True) as c:
        assert c.concurrent_writers
        report = annotate(c, batch_size=2, engine=cluster, progress=False)
    with Corpus.open(pg_url) as c:
        tagged = tag(c, batch_size=5, engine=cluster, progress=False)
        assert c.check() == []  # claim rows and facet counts agree with the claims
        assert c.browse.facet_counts("stance")
    assert report.documents == 6 and tagged.tags > 0
    prefixes = cluster.client.run_on_scheduler(
        lambda dask_scheduler: list(dask_scheduler.task_prefixes)
    )
    assert "WriteTags" in prefixes  # tags too were stored by the workers
    assert _pg_rows(pg_url) == _pg_rows(f"sqlite:///{db}")


def test_crawl_extracts_pages_on_a_dask_cluster(tmp_path, cluster):
    from discourse.gather.crawler import Crawler
    from discourse.store import SourceSpec

    from .crawlkit import article, crawl_settings, feed_xml
    from .httpserver import LocalServer, Response, html

    with LocalServer() as server:
        items = [(f"g{i}", server.url(f"/p/{i}.html"), f"Post {i}") for i in range(6)]
        server.routes["/feed.xml"] = Response(
            200, feed_xml(server.base, items), {"Content-Type": "application/rss+xml"}
        )
        for i, doc in enumerate(_varied_docs(6)):
            paras = [doc["text"][k : k + 400] for k in range(0, len(doc["text"]), 400)]
            server.routes[f"/p/{i}.html"] = html(article(f"Post {i}", paras))
        results = []
        for folder, engine in (("here", None), ("there", cluster)):
            (tmp_path / folder).mkdir()
            settings = crawl_settings(tmp_path / folder)
            with Corpus(settings.db) as corpus:
                crawler = Crawler(corpus, settings, progress=False, engine=engine)
                crawler.sync_sources([SourceSpec("S", "feed", [server.url("/feed.xml")])])
                assert crawler.run_once().documents_new == 6
                results.append(
                    sorted((d.title, d.text, d.published) for d in corpus.documents.all())
                )
    assert results[0] == results[1]
    ran = cluster.client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    assert "analyse_page" in ran  # the pages really were extracted on the cluster


def test_train_on_a_dask_cluster_cross_validates_and_fits_as_in_one_process(tmp_path, cluster):
    from discourse.stance.labels import read_labels
    from discourse.stance.train import load_stance_model, train

    from .test_stance import SEED

    labels = read_labels([SEED], split="train")[:150]
    kinds = ("target-aware", "ngram")  # the stacked kind's folds run the same way, 3x slower
    here = train(labels, tmp_path / "here", kinds=kinds)
    there = train(labels, tmp_path / "there", kinds=kinds, engine=cluster)
    assert here["cross_validation"] == there["cross_validation"]
    assert there["params"]["n_jobs"] is None
    rows = [(lb.text, lb.target) for lb in read_labels([SEED], split="test")[:40]]
    assert np.array_equal(
        load_stance_model(tmp_path / "here").predict_proba(rows),
        load_stance_model(tmp_path / "there").predict_proba(rows),
    )


@pytest.mark.parametrize("workers_write", [False, True], ids=["client-writes", "workers-write"])
def test_a_dask_worker_killed_mid_run_loses_nothing_and_repeats_nothing(
    tmp_path, cluster, workers_write
):
    """SIGKILL one worker process of a real LocalCluster while it annotates: the scheduler
    runs its task again, and every document is annotated exactly once."""
    from discourse.claims.annotate import annotate

    n = 30
    db = _docs(tmp_path, _varied_docs(n))
    client = cluster.client
    pids = client.run(os.getpid)
    out: dict = {}

    def run() -> None:
        with Corpus(db, busy_timeout=60) as c:
            out["report"] = annotate(
                c, batch_size=2, engine=cluster, progress=False, workers_write=workers_write
            )

    runner = threading.Thread(target=run)
    runner.start()
    assert _wait_for(db, 4) >= 4
    busy = {w: keys for w, keys in client.processing().items() if keys}
    victim = next(iter(busy))  # a worker with a task running right now
    os.kill(pids[victim], signal.SIGKILL)
    runner.join(300)
    assert not runner.is_alive()
    assert pids[victim] not in client.run(os.getpid).values()  # it really died (and restarted)
    with Corpus(db) as c:
        counts = c.db.execute("SELECT COUNT(*), COUNT(DISTINCT document_id) FROM annotations")
        assert tuple(counts.fetchone()) == (n, n)
        assert c.db.execute(ONE_SENTENCE_ROW_EACH).fetchone()[0] == 0
        assert c.check() == []
    # a worker lost after its commit reported nothing: the report still counts its documents
    assert out["report"].documents == n


def test_a_second_annotate_on_the_same_corpus_exits_3(tmp_path):
    db = _docs(tmp_path, _varied_docs(2))
    with Corpus(db) as c, c.lock("annotate"):
        res = run_cli("--db", str(db), "annotate")
    assert res.returncode == 3, res.stderr
    assert "another annotate is running on this corpus" in res.stderr
    assert "Traceback" not in res.stderr
    assert _count(db) == 0


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_annotate_workers_die_with_their_parent(tmp_path, engine):
    """SIGKILL the annotate process: its worker processes stop within seconds and nothing
    is written after."""
    db = _docs(tmp_path, _varied_docs(200))
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "annotate", "--engine", engine, "--processes", "2"]
        + ["--batch-size", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(db, 4, proc) >= 4, "annotate did not start annotating"
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 2
    finally:
        proc.kill()
        proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == [], f"workers still running 5 s after their parent died: {alive}"
    done = _count(db)
    time.sleep(1)
    assert _count(db) == done < 200


def test_annotate_on_a_scheduler_started_with_the_documented_commands(tmp_path):
    """`dask scheduler`, `dask worker tcp://...` and `annotate --engine dask --scheduler`, as
    docs/scaling.md starts them; before the scheduler is up, a one-line error."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    db = _docs(tmp_path, _varied_docs(4))
    refused = run_cli("--db", str(db), "annotate", "--engine", "dask", "--scheduler", address)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"scheduler {address}: no Dask scheduler answered" in refused.stderr
    dask = str(DISCOURSE).replace("/discourse", "/dask")
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
    )
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"], **quiet
    )
    try:
        res = run_cli(
            "--db", str(db), "annotate", "--engine", "dask", "--scheduler", address, timeout=240
        )
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith("4 documents annotated")
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(30)
    assert _count(db) == 4


def test_a_worker_does_not_keep_the_words_of_the_documents_it_annotated():
    """spaCy adds every new word to the vocabulary; a worker annotating millions of documents
    must not keep them (memory), so each batch runs in a memory zone."""
    from discourse.claims.annotate import annotate_rows
    from discourse.claims.pipeline import load_pipeline

    nlp = load_pipeline()
    annotate_rows(nlp, [(1, "Residents said the panel was a welcome first step.", "en")])
    before = len(nlp.vocab.strings)
    made_up = " ".join(f"Zorblat{i} councillor Quandrix{i}" for i in range(200))
    part = annotate_rows(nlp, [(2, f"{made_up} said the consultation was a sham.", "en")])
    assert part.documents == 1 and any("Zorblat7" in s.text for s in part.annotations[0].sentences)
    assert len(nlp.vocab.strings) == before


def test_a_batch_task_run_twice_stores_its_batch_once(tmp_path):
    """What Dask does when a worker dies after its commit: the same task runs again. The rerun
    finds the batch done and stores nothing."""
    from discourse.claims.annotate import WriteBatch
    from discourse.claims.pipeline import pipeline_version
    from discourse.engines import resource_scope

    db = _docs(tmp_path, _varied_docs(3))
    with Corpus(db) as c:
        task = WriteBatch(c.url, None, pipeline_version(None))
    with resource_scope({}):
        first, again = task((1, 3)), task((1, 3))
    assert (first.documents, again.documents) == (3, 0)
    assert first.annotations == [] == again.annotations  # the worker stored them itself
    with Corpus(db) as c:
        assert c.analysis.counts()["annotations"] == 3
        assert c.db.execute(ONE_SENTENCE_ROW_EACH).fetchone()[0] == 0
