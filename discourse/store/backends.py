"""Opening a corpus by URL: the one place that picks a store backend.

``sqlite:///relative.db``, ``sqlite:////absolute/path.db`` or a bare path open the embedded
SQLite backend; ``postgresql://user[:password]@host[:port]/dbname`` (or ``postgres://``)
the PostgreSQL one. As scrapy names its download handlers by URL scheme, ``BACKENDS`` maps
each scheme to the factory that opens it, imported only when used (so SQLite users never
import psycopg).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from discourse.errors import SettingsError
from discourse.store.protocols import Backend

log = logging.getLogger(__name__)

# scheme -> "module:factory"; a factory takes (url, readonly=, busy_timeout=, upto=,
# pool_size=) and returns a Backend.
BACKENDS: dict[str, str] = {
    "sqlite": "discourse.store.sqlite_backend:open_sqlite",
    "postgresql": "discourse.store.postgres:open_postgres",
}
_ALIASES = {"postgres": "postgresql"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def scheme_of(target: str | os.PathLike) -> str:
    """The backend a ``--db`` value names: a URL's scheme, or "sqlite" for a bare path."""
    m = _SCHEME.match(str(target))
    if not m:
        return "sqlite"
    scheme = m.group(1).lower()
    # drivers in the scheme (postgresql+psycopg://) name the same backend
    scheme = scheme.split("+", 1)[0]
    return _ALIASES.get(scheme, scheme)


def sqlite_path(target: str | os.PathLike) -> Path:
    """The file a bare path or ``sqlite:///`` URL names (three slashes then a relative path,
    four for an absolute one, as SQLAlchemy writes them)."""
    text = str(target)
    if not _SCHEME.match(text):
        return Path(text)
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        raise SettingsError(
            f"{text}: an SQLite URL names a file: sqlite:///relative.db or "
            "sqlite:////absolute/path.db (no host)."
        )
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path:
        raise SettingsError(f"{text}: no file named. Use sqlite:///corpus.db.")
    return Path(path)


def redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def is_sqlite(target: str | os.PathLike) -> bool:
    return scheme_of(target) == "sqlite"


def exists(target: str | os.PathLike) -> bool:
    """Whether a corpus may be there without creating one: an SQLite file exists; a server
    corpus is assumed to (opening it says otherwise)."""
    return sqlite_path(target).exists() if is_sqlite(target) else True


def open_backend(
    target: str | os.PathLike,
    *,
    readonly: bool = False,
    busy_timeout: float = 5.0,
    upto: int | None = None,
    pool_size: int = 4,
) -> Backend:
    """Open the corpus ``target`` names with the backend registered for its scheme."""
    scheme = scheme_of(target)
    spec = BACKENDS.get(scheme)
    if spec is None:
        raise SettingsError(
            f"{redact(str(target))}: unknown corpus URL scheme {scheme!r}. Use a file path, "
            f"sqlite:///PATH or postgresql://USER@HOST:PORT/DB (known: {', '.join(BACKENDS)})."
        )
    module, _, name = spec.partition(":")
    factory = getattr(importlib.import_module(module), name)
    log.debug("opening %s with %s", redact(str(target)), spec)
    return factory(
        target, readonly=readonly, busy_timeout=busy_timeout, upto=upto, pool_size=pool_size
    )
