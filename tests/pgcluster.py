"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, on a
free port of 127.0.0.1, as a non-root user (initdb refuses root). One cluster per test
session; each test gets its own database, cloned from a migrated template in a few tens of
milliseconds.

``DISCOURSE_TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/DB`` uses a running server
instead (USER needs CREATEDB). Without binaries or that variable the PostgreSQL tests skip
with the reason, or fail when ``CI_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TEMPLATE = "discourse_test_template"


def find_bin(name: str) -> str | None:
    """A PostgreSQL server binary: on PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_db(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


class Cluster:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self, admin_url: str, *, data_dir: Path | None = None, user: str | None = None):
        self.admin_url = admin_url  # a maintenance database (postgres)
        self.data_dir = data_dir
        self.user = user
        self._names = itertools.count()
        self.prefix = f"discourse_test_{os.getpid()}"

    # -- starting and stopping --------------------------------------------------------------
    # Throwaway test data: nothing needs to survive a crash, so nothing is synced.
    TEST_SETTINGS = {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
        "shared_buffers": "64MB",
    }

    @classmethod
    def start(cls, settings: dict[str, str] | None = None) -> Cluster:
        """initdb and start a cluster; ``settings`` replace the test settings (benchmarks)."""
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not (initdb and pg_ctl):
            raise FileNotFoundError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found; install them with "
                "`apt-get install postgresql` or set DISCOURSE_TEST_POSTGRES_URL"
            )
        root = Path(tempfile.mkdtemp(prefix="discourse-pg-"))
        user = None
        if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user
            user = "postgres" if _user_exists("postgres") else "nobody"
            pw = pwd.getpwnam(user)
            os.chown(root, pw.pw_uid, pw.pw_gid)
        data, port = root / "data", _free_port()
        _run(
            [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            user,
        )  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {k}={v}" for k, v in (cls.TEST_SETTINGS if settings is None else settings).items()
        )
        _run([pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"], user)
        cluster = cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", data_dir=data, user=user)
        cluster.root = root
        return cluster

    def stop(self) -> None:
        if self.data_dir is None:
            for name in self._databases():
                self.drop(name)
            self.drop(TEMPLATE + "_" + self.prefix)
            return
        pg_ctl = find_bin("pg_ctl")
        _run([pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], self.user)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ---------------------------------------------------------------------------
    def _admin(self, sql: str) -> list:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def _databases(self) -> list[str]:
        return [
            r[0]
            for r in self._admin(
                f"SELECT datname FROM pg_database WHERE datname LIKE '{self.prefix}_%'"
            )
        ]

    @property
    def template(self) -> str:
        return f"{TEMPLATE}_{self.prefix}" if self.data_dir is None else TEMPLATE

    def prepare_template(self) -> None:
        """A database with every migration applied, to clone for each test."""
        from discourse import Corpus

        self.drop(self.template)
        self.create(self.template, template="template0")
        Corpus.open(self.url(self.template)).close()

    def create(self, name: str, *, template: str | None = None) -> str:
        import psycopg

        template = template or self.template
        sql = f"CREATE DATABASE {name} TEMPLATE {template} ENCODING 'UTF8'"
        try:
            self._admin(f"{sql} LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        except psycopg.errors.InvalidParameterValue:  # a server without that locale
            self._admin(sql)
        return self.url(name)

    def fresh(self, *, migrated: bool = True) -> str:
        """The URL of a new database of its own (migrated, or empty)."""
        name = f"{self.prefix}_{next(self._names)}"
        return self.create(name, template=None if migrated else "template0")

    def drop(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def url(self, dbname: str) -> str:
        return _with_db(self.admin_url, dbname)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/")
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr or res.stdout}")


def session_cluster() -> Cluster:
    """The cluster for this test session: DISCOURSE_TEST_POSTGRES_URL, else one started here.
    Raises FileNotFoundError when neither is possible."""
    url = os.environ.get("DISCOURSE_TEST_POSTGRES_URL")
    cluster = Cluster(url) if url else Cluster.start()
    deadline = time.monotonic() + 30
    while True:  # a server just started may still refuse the first connection
        try:
            cluster.prepare_template()
            return cluster
        except Exception:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.2)
