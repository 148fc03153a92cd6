"""Extraction workers: processes that extract pages while the crawl fetches, each call with
a time budget.

A page can make extraction run for minutes (libxml2 is quadratic in a tag's attribute
count). A call over budget cannot be interrupted inside C code, so the worker running it is
killed and a fresh one started; the other workers and the crawl go on. Workers also exit
when the crawl process is gone, even after SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)


class ExtractionTimeout(Exception):
    """A call ran past its time budget; its worker was replaced."""


class WorkerFailed(Exception):
    """A call raised in its worker, or the worker died (out of memory, a crash)."""


def _exit_with_parent(pid: int) -> None:
    """In a worker: exit when the crawl process is gone, even if it was killed with SIGKILL
    and could not stop its workers (a worker's parent is the forkserver, not the crawl)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, daemon=True, name="discourse-parent-watch").start()


def _serve(conn: Connection, fn: Callable[..., Any], parent: int, warmup: tuple | None) -> None:
    _exit_with_parent(parent)
    # Imports and lazy set-up happen here, before the first timed call.
    try:
        if warmup is not None:
            fn(*warmup)
    except Exception:
        pass
    conn.send(("ready", None))
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        if args is None:
            return
        try:
            reply = ("ok", fn(*args))
        except Exception as exc:  # reported to the crawl, which records it on the page
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    def __init__(self, ctx, fn: Callable[..., Any], warmup: tuple | None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve,
            args=(child, fn, os.getpid(), warmup),
            daemon=True,
            name="discourse-extract",
        )
        self.process.start()
        self.ready = False
        child.close()

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """``workers`` processes running ``fn``; :meth:`run` gives each call ``timeout`` seconds.

    forkserver, because fork copies a parent with threads running (and was measured slower);
    the workers import discourse once each."""

    # A worker has this long to start (import, warm up) before its first call is timed.
    START_TIMEOUT = 300.0

    def __init__(
        self,
        fn: Callable[..., Any],
        workers: int,
        timeout: float,
        *,
        warmup: tuple | None = None,
    ):
        """``warmup``: arguments of one untimed call each worker makes when it starts, so the
        first page's budget is not spent importing."""
        self.fn, self.timeout, self.warmup = fn, timeout, warmup
        self._ctx = multiprocessing.get_context("forkserver")
        self._workers = [_Worker(self._ctx, fn, warmup) for _ in range(workers)]
        # Own threads for the pipes, so a busy default executor (DNS, compression) never
        # eats into a page's budget.
        self._io = ThreadPoolExecutor(2 * workers, thread_name_prefix="discourse-extract-io")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        for w in self._workers:
            self._idle.put_nowait(w)
        self.replaced = 0

    async def run(self, *args: Any) -> Any:
        """``fn(*args)`` in an idle worker. Raises :class:`ExtractionTimeout` past the budget
        (the worker is killed and replaced) and :class:`WorkerFailed` if ``fn`` raised."""
        worker = await self._idle.get()
        loop = asyncio.get_running_loop()
        if not worker.ready:
            try:
                await asyncio.wait_for(
                    loop.run_in_executor(self._io, worker.conn.recv), self.START_TIMEOUT
                )
            except (TimeoutError, EOFError, OSError):
                self._replace(worker)
                raise WorkerFailed("extraction worker did not start") from None
            worker.ready = True
        try:
            # Pipes block on large pages: send and receive on threads, never on the loop.
            await loop.run_in_executor(self._io, worker.conn.send, args)
            status, value = await asyncio.wait_for(
                loop.run_in_executor(self._io, worker.conn.recv), self.timeout
            )
        except TimeoutError:
            self._replace(worker)
            raise ExtractionTimeout(
                f"extraction took longer than {self.timeout:g}s (extract_timeout); "
                "its worker was stopped"
            ) from None
        except (EOFError, OSError) as exc:
            self._replace(worker)
            raise WorkerFailed(f"extraction worker died ({type(exc).__name__})") from None
        except BaseException:
            # Cancelled mid-call (the crawl is stopping): the worker's state is unknown.
            worker.stop(kill=True)
            self._workers.remove(worker)
            raise
        self._idle.put_nowait(worker)
        if status == "error":
            raise WorkerFailed(value)
        return value

    def _replace(self, worker: _Worker) -> None:
        log.warning("extraction worker %s stopped; starting a new one", worker.process.pid)
        worker.stop(kill=True)
        fresh = _Worker(self._ctx, self.fn, self.warmup)
        self._workers[self._workers.index(worker)] = fresh
        self._idle.put_nowait(fresh)
        self.replaced += 1

    def close(self) -> None:
        """Stop every worker: idle ones when they have finished, busy ones at once."""
        idle = set()
        while not self._idle.empty():
            idle.add(self._idle.get_nowait())
        for w in self._workers:
            w.stop(kill=w not in idle)
        self._workers = []
        self._io.shutdown(wait=True)
