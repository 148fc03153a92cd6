"""Running the crawler's coroutines from ordinary code, wherever it is called from."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, also when this thread already runs an event loop (a Jupyter
    notebook, a browser driver's sync API), where ``asyncio.run`` refuses: then the coroutine
    gets a fresh loop in a worker thread and this call waits for it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="discourse-aio") as pool:
        return pool.submit(asyncio.run, coro).result()
