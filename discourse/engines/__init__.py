"""Engines: where a stage's work runs. ``local`` runs it in this process or in worker processes
on this machine; ``dask`` runs it on a Dask cluster (a ``LocalCluster`` it starts, or a
scheduler at ``tcp://HOST:8786``).

Stages (annotate, tag, crawl extraction, train's folds) hand an engine pure per-batch tasks
(inputs -> results) and write the results through the store, one transaction per batch. An
engine is named in the settings (``engine``, ``scheduler``) and built only by
:func:`open_engine`, as scrapy loads its download handlers: nothing else constructs one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import importlib
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from discourse.errors import SettingsError

if TYPE_CHECKING:
    from discourse.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: Engine name -> "module:Class". The only place concrete engines are named.
ENGINES = {
    "local": "discourse.engines.local:LocalEngine",
    "dask": "discourse.engines.dask:DaskEngine",
}


@runtime_checkable
class Engine(Protocol):
    """Runs tasks: top-level (picklable) functions of one argument."""

    name: str
    #: Tasks that run at once.
    workers: int
    #: Tasks run in the caller's process: nothing is shipped, so a task may carry objects
    #: already loaded here (a pipeline, a model).
    in_process: bool

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn(item)`` for every item, yielded as each finishes (in any order). ``items`` is
        read lazily, a few per worker ahead, so a stage never holds the whole corpus in
        memory. A task that fails raises here, after the tasks still queued are cancelled."""
        ...

    def submit(self, fn: Callable[..., R], *args: Any) -> concurrent.futures.Future:
        """``fn(*args)`` as a standard future (``asyncio.wrap_future`` awaits it)."""
        ...

    def joblib_backend(self) -> contextlib.AbstractContextManager:
        """A context in which joblib (scikit-learn's ``n_jobs``) runs on this engine."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


def open_engine(name: str = "local", *, workers: int = 0, scheduler: str = "") -> Engine:
    """The engine ``name`` with ``workers`` worker processes (``local``: 0 runs tasks in this
    process; ``dask``: the size of the ``LocalCluster`` started when there is no
    ``scheduler``)."""
    try:
        module, cls = ENGINES[name].split(":")
    except KeyError:
        raise SettingsError(
            f"engine {name!r}: unknown. Known engines: {', '.join(ENGINES)}."
        ) from None
    return getattr(importlib.import_module(module), cls)(workers=workers, scheduler=scheduler)


def engine_from_settings(settings: Settings, *, workers: int) -> Engine:
    """The engine the settings name (``engine``, ``scheduler``) with ``workers`` workers."""
    if settings.engine == "local" and settings.scheduler:
        raise SettingsError(
            f"{settings.where('scheduler')}: a scheduler needs the dask engine. "
            'Add --engine dask (or set engine = "dask").'
        )
    return open_engine(settings.engine, workers=workers, scheduler=settings.scheduler)


# -- what a worker keeps between tasks ---------------------------------------------------------
# A worker process loads a pipeline or a model once and keeps it for every task it runs: in a
# worker process (local pool or Dask worker) the process owns the table; in-process engines scope
# a table of their own to the tasks they run, so nothing outlives the engine in the caller.
_process_resources: dict[Hashable, Any] = {}
_scoped_resources: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "discourse_engine_resources", default=None
)


def worker_resource(key: Hashable, factory: Callable[[], T]) -> T:
    """The object ``factory()`` made once per worker for ``key`` (a pipeline, a model)."""
    table = _scoped_resources.get()
    if table is None:
        table = _process_resources
    if key not in table:
        table[key] = factory()
    return table[key]


@contextlib.contextmanager
def resource_scope(table: dict) -> Iterator[None]:
    """Within the block, :func:`worker_resource` keeps its objects in ``table``."""
    token = _scoped_resources.set(table)
    try:
        yield
    finally:
        _scoped_resources.reset(token)


__all__ = ["ENGINES", "Engine", "engine_from_settings", "open_engine", "worker_resource"]
