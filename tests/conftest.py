from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from discourse.settings import CACHE_DIR_ENV

ROOT = Path(__file__).resolve().parent.parent
DISCOURSE = str(Path(sys.executable).parent / "discourse")


def run_cli(
    *args: str,
    cwd: str | os.PathLike | None = None,
    env: dict | None = None,
    input: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Run the installed `discourse` command in a subprocess."""
    full_env = {  # the caller's settings do not leak in; the session's cache folder does
        k: v for k, v in os.environ.items() if not k.startswith("DISCOURSE_") or k == CACHE_DIR_ENV
    }
    full_env.update(env or {})
    return subprocess.run(
        [DISCOURSE, *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory):
    """Unpacked weights and stored sentence vectors go to a folder of the test session's own
    (the CLI subprocesses inherit it), never to the user's ~/.cache/discourse. Only discourse's:
    moving XDG_CACHE_HOME would make matplotlib and the browser rebuild their font caches."""
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("discourse-cache")))
    yield
    patch.undo()


@pytest.fixture
def cli(tmp_path):
    """run_cli with the working directory in a fresh temporary folder."""

    def _run(*args, **kw):
        kw.setdefault("cwd", tmp_path)
        return run_cli(*args, **kw)

    return _run


@pytest.fixture
def corpus(tmp_path):
    from discourse import Corpus

    with Corpus(tmp_path / "corpus.db") as c:
        yield c


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path


def kill_when(proc, db, sql: str, at_least: int, timeout: float = 120) -> int:
    """SIGKILL ``proc`` as soon as ``sql`` (a COUNT) on ``db`` reaches ``at_least``; return the
    last count seen (for crash tests: the count shows where in the run the kill landed)."""
    import sqlite3
    import time

    deadline, count = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(db, timeout=0.1)
            count = conn.execute(sql).fetchone()[0]
            conn.close()
        except sqlite3.Error:
            pass
        if count >= at_least:
            break
        time.sleep(0.02)
    proc.kill()  # SIGKILL
    proc.wait()
    return count


def invoke(*args: str, input: str | None = None):
    """Run `discourse` in this process (click's CliRunner): faster than a subprocess. An
    exception that escapes the CLI's own error handling fails the test (a traceback)."""
    from click.testing import CliRunner

    from discourse.cli import main

    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="session")
def tagged(tmp_path_factory):
    """Seed sentences as dated documents from three sources, annotated and tagged."""
    tmp = tmp_path_factory.mktemp("use")
    seed = ROOT / "corpora" / "labels" / "stance.jsonl"
    rows = [json.loads(line) for line in seed.open(encoding="utf-8")]
    sources = ["Riverside Voices", "Northgate Gazette", "Ashford Council"]
    docs = [
        {
            "url": f"http://news.example/{i}",
            "source": sources[i % 3],
            "title": f"Article {i}",
            "published": f"{2008 + i % 4}-{1 + i % 12:02d}-10",
            "text": " ".join(r["text"] for r in rows[i * 5 : i * 5 + 5]),
        }
        for i in range(60)
    ]
    write_jsonl(tmp / "docs.jsonl", docs)
    db = tmp / "corpus.db"
    for args in (["import", "docs.jsonl"], ["annotate"], ["tag"]):
        res = run_cli("--db", str(db), *args, cwd=tmp)
        assert res.returncode == 0, res.stderr
    return db


@pytest.fixture(scope="session")
def claims_pipeline():
    """The claims pipeline, loaded once for every test that annotates in this process."""
    from discourse.claims.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory):
    """An annotated, tagged corpus with secrets and hostile markup planted (tests/webkit.py),
    shared by the web view and `discourse show` tests."""
    from .webkit import build_web_corpus

    return build_web_corpus(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (no browser download)."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


# -- PostgreSQL ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL cluster (tests/pgcluster.py): skipped with the reason when
    there is none, a failure when CI_REQUIRE_POSTGRES=1."""
    from .pgcluster import session_cluster

    try:
        cluster = session_cluster()
    except FileNotFoundError as exc:
        if os.environ.get("CI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CI_REQUIRE_POSTGRES=1 but no PostgreSQL: {exc}")
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres):
    """A migrated PostgreSQL corpus of its own for one test."""
    url = postgres.fresh()
    yield url
    postgres.drop(url.rsplit("/", 1)[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def corpus_url(request, tmp_path):
    """A new corpus on each backend: the same test runs against both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'corpus.db'}"
    else:
        yield request.getfixturevalue("pg_url")
