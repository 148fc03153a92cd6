"""The local engine: tasks run in this process (no workers), or in worker processes on this
machine that die with it."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from discourse.engines import resource_scope
from discourse.errors import EngineError

log = logging.getLogger(__name__)


def die_with_parent(pid: int) -> None:
    """In a worker process: exit as soon as the process ``pid`` that started the work is gone,
    even when it was killed with SIGKILL and could not stop its workers. On Linux the kernel
    kills the worker when its parent (the forkserver, which itself exits with ``pid``) dies;
    a thread polling ``pid`` covers other systems and the moment before the signal was set."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="discourse-parent-watch").start()


class LocalEngine:
    """Tasks in this process (``workers=0``) or in ``workers`` processes of this machine.

    Worker processes start from a forkserver (clean: no copied threads or open database
    handles) and die with this process. A worker that dies mid-task (killed, out of memory)
    stops the run with :class:`EngineError`; every batch written before stays, and a re-run
    carries on where it stopped."""

    name = "local"

    def __init__(self, *, workers: int = 0, scheduler: str = ""):
        if scheduler:
            raise EngineError("the local engine takes no scheduler; use --engine dask.")
        self.workers = max(1, workers)
        self.in_process = workers <= 0
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        # What in-process tasks load (a pipeline, a model) lives as long as this engine.
        self._resources: dict = {}

    @property
    def _pool(self) -> concurrent.futures.ProcessPoolExecutor | None:
        """The worker processes, started on first use (none when tasks run in-process)."""
        if self._executor is None and not self.in_process:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._executor

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        pool = self._pool
        if pool is None:
            for item in items:
                with resource_scope(self._resources):
                    result = fn(item)
                yield result
            return
        it = iter(items)
        pending: set[concurrent.futures.Future] = set()
        ahead = 2 * self.workers
        try:
            for item in it:
                pending.add(pool.submit(fn, item))
                if len(pending) >= ahead:
                    break
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for fut in done:
                    for item in it:
                        pending.add(pool.submit(fn, item))
                        break
                    yield _result(fut)
        finally:
            for fut in pending:
                fut.cancel()

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        fut: concurrent.futures.Future = concurrent.futures.Future()
        try:
            with resource_scope(self._resources):
                fut.set_result(fn(*args))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def joblib_backend(self) -> contextlib.AbstractContextManager:
        # joblib's own default (loky processes) is already local.
        return contextlib.nullcontext()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None
        self._resources.clear()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalEngine(workers={0 if self.in_process else self.workers})"


def _result(fut: concurrent.futures.Future) -> Any:
    try:
        return fut.result()
    except BrokenProcessPool:
        raise EngineError(
            "a worker process died mid-task (killed, or out of memory); every batch stored "
            "before is kept. Run the command again to carry on."
        ) from None
