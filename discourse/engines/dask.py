"""The Dask engine: tasks run on a Dask cluster, either a ``LocalCluster`` of worker processes
started here or the cluster of a scheduler at ``tcp://HOST:8786``.

A worker lost mid-task (killed, out of memory, its machine gone) loses nothing: the scheduler
runs the task again on another worker, and since every batch is written in one transaction and
stages select only what is not yet done, a repeat stores nothing twice."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from discourse.errors import EngineError

log = logging.getLogger(__name__)
# A task that raises is tried once more (a dropped database connection, a worker restarting);
# tasks of a lost worker are rerun by the scheduler regardless (distributed's allowed-failures).
RETRIES = 1


class DaskEngine:
    """Tasks on a Dask cluster. With no ``scheduler``, a ``LocalCluster`` of ``workers``
    single-threaded worker processes lives as long as this engine."""

    name = "dask"
    in_process = False

    def __init__(self, *, workers: int = 0, scheduler: str = ""):
        try:
            import distributed
        except ImportError:
            raise EngineError(
                "the dask engine needs Dask, which is not installed. Install it with "
                "pip install 'discourse[dask]' (on this machine and on every worker)."
            ) from None
        self._distributed = distributed
        self._scheduler = scheduler
        self._n = max(1, workers)
        self._cluster = None
        self._client = None

    @property
    def client(self):
        """The Dask client, connected (or the LocalCluster started) on first use, so that a
        command that finds nothing to do, or cannot take its lock, starts nothing."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        distributed = self._distributed
        # distributed logs every worker and connection at INFO: follow discourse's log level.
        logging.getLogger("distributed").setLevel(
            max(logging.getLogger().getEffectiveLevel(), logging.INFO)
        )
        if self._scheduler:
            try:
                client = distributed.Client(self._scheduler, timeout="5s")
            except (OSError, TimeoutError) as exc:
                raise EngineError(
                    f"scheduler {self._scheduler}: no Dask scheduler answered ({exc}). Start "
                    f"one with `dask scheduler` and workers with `dask worker {self._scheduler}`,"
                    " or leave scheduler empty to start a LocalCluster."
                ) from None
        else:
            # One thread per worker: spaCy and the stance model hold the GIL, so parallelism
            # comes from processes, and each process keeps one pipeline in memory.
            self._cluster = distributed.LocalCluster(
                n_workers=self._n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(self._cluster)
        log.info(
            "dask engine: %s, %d worker threads",
            client.scheduler.address,
            sum(client.nthreads().values()),
        )
        return client

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def _submit(self, fn: Callable[..., Any], *args: Any):
        # Named by the function or task class, not by Dask's default (up to 50 characters of
        # the task's repr), so keys on the dashboard and in logs say what runs and never
        # carry a task's arguments.
        name = getattr(fn, "__name__", None) or type(fn).__name__
        key = f"{name}-{uuid.uuid4().hex}"
        return self.client.submit(fn, *args, key=key, pure=False, retries=RETRIES)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        it = iter(items)
        # A few tasks per worker ahead: workers never wait, the client holds little.
        ahead = 2 * self.workers
        queue = as_completed()
        outstanding = set()
        try:
            for item in it:
                fut = self._submit(fn, item)
                outstanding.add(fut)
                queue.add(fut)
                if len(outstanding) >= ahead:
                    break
            for fut in queue:
                outstanding.discard(fut)
                for item in it:
                    nxt = self._submit(fn, item)
                    outstanding.add(nxt)
                    queue.add(nxt)
                    break
                yield fut.result()
                fut.release()
        finally:
            for fut in outstanding:
                fut.cancel()

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        out: concurrent.futures.Future = concurrent.futures.Future()
        fut = self._submit(fn, *args)

        def done(f) -> None:
            try:
                out.set_result(f.result())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                out.set_exception(exc)
            finally:
                f.release()

        # The Dask future must live until it is done: a released future cancels its task.
        out.dask_future = fut  # type: ignore[attr-defined]
        fut.add_done_callback(done)
        return out

    def joblib_backend(self) -> contextlib.AbstractContextManager:
        import joblib

        # joblib's "dask" backend runs on the current client: this engine's.
        return joblib.parallel_backend("dask", client=self.client)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DaskEngine(scheduler={self._scheduler or 'LocalCluster'!r}, workers={self._n})"
