"""One settings object, resolved once and passed explicitly.

Precedence, lowest first: built-in defaults < ``discourse.toml`` in the working
directory < environment variables ``DISCOURSE_<NAME>`` < command-line flags.
Each resolved value remembers where it came from (``discourse config`` shows it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from discourse.errors import SettingsError

SETTINGS_FILE = "discourse.toml"
ENV_PREFIX = "DISCOURSE_"
# where unpacked model weights and stored sentence vectors live (discourse.claims.weights): an
# environment variable with the prefix that is not a setting, so it is not refused as unknown
CACHE_DIR_ENV = "DISCOURSE_CACHE_DIR"
# the setting vector_cache_mb as the sentence embedders read it (the command line exports the
# resolved value, so a discourse.toml value reaches them and their worker processes)
VECTOR_CACHE_ENV = ENV_PREFIX + "VECTOR_CACHE_MB"


@contextlib.contextmanager
def environment(name: str, value: str):
    """``os.environ[name] = value`` for the ``with`` block (worker processes started in it
    inherit it), put back as it was after."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _field(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting discourse reads. Build it with :meth:`Settings.resolve`."""

    # storage
    db: str = _field(
        "corpus.db",
        "Corpus: a file path or sqlite:///PATH (SQLite), or postgresql://USER@HOST:PORT/DB.",
    )
    busy_timeout: float = _field(5.0, "Seconds to wait for another writer before giving up.")
    pool_size: int = _field(4, "Most connections one process keeps open to a PostgreSQL corpus.")
    # gathering
    sources: str = _field("sources.toml", "Sources file listing feeds, sitemaps and page lists.")
    user_agent: str = _field(
        "discourse/{version} (research crawler; +{contact})",
        "User-Agent sent with every request; {version} and {contact} are filled in.",
    )
    contact: str = _field("", "Contact address or URL put in the User-Agent.")
    concurrency: int = _field(16, "Requests in flight at once, over all hosts.")
    per_host_delay: float = _field(1.0, "Minimum seconds between two requests to one host.")
    timeout: float = _field(20.0, "Seconds before a request times out.")
    robots_timeout: float = _field(10.0, "Seconds before a robots.txt request times out.")
    max_redirects: int = _field(10, "Redirects followed before a fetch fails.")
    max_retries: int = _field(3, "Retries on 429, 5xx and connection errors.")
    retry_backoff: float = _field(
        1.0, "Seconds before the first retry; doubled each retry, with jitter."
    )
    max_retry_after: float = _field(
        300.0, "Longest Retry-After waited for within a run; longer ones reschedule the item."
    )
    max_bytes: int = _field(10_000_000, "Largest response body read, in bytes (as sent).")
    max_decompressed_bytes: int = _field(
        50_000_000, "Largest response body after decompression, in bytes."
    )
    allow_private_addresses: bool = _field(
        False, "Allow URLs whose host resolves to loopback, private or link-local addresses."
    )
    allowed_private_hosts: str = _field(
        "", "Comma-separated host[:port] list exempt from the private-address guard (intranets)."
    )
    poll_default: float = _field(3600.0, "Seconds between polls of a new feed.")
    poll_min: float = _field(600.0, "Shortest interval between polls of a feed.")
    poll_max: float = _field(86400.0, "Longest interval between polls of a feed.")
    max_failures: int = _field(8, "Consecutive failures after which a feed is marked failing.")
    extract_workers: int = _field(
        1,
        "Worker processes extracting main text while the crawl fetches (0: in the crawl process).",
    )
    extract_timeout: float = _field(
        20.0,
        "Seconds one page's extraction may take in a worker before the worker is stopped and "
        "the page recorded as failed (needs extract_workers >= 1).",
    )
    near_duplicate_threshold: float = _field(
        0.8,
        "Share of the shorter text found in another (MinHash estimate) that makes a near-duplicate.",
    )
    batch_size: int = _field(64, "Documents written (or processed) per transaction.")
    processes: int = _field(
        1,
        "Worker processes of `annotate`, `tag` and `train` (local engine: 1 runs in the command's "
        "own process; dask engine: the LocalCluster's size when there is no scheduler).",
    )
    engine: str = _field(
        "local",
        "Where annotate, tag, crawl extraction and train's folds run: local (this machine) or "
        "dask (a Dask cluster; needs discourse[dask]).",
    )
    scheduler: str = _field(
        "",
        "Dask scheduler address (tcp://HOST:8786) for the dask engine; empty starts a "
        "LocalCluster of `processes` workers.",
    )
    pipeline: str = _field(
        "", "Claims pipeline config; empty means the bundled pipelines/config.cfg."
    )
    stance_model: str = _field(
        "", "Stance model folder; empty means the bundled pipelines/models/stance."
    )
    vector_cache_mb: int = _field(
        2048,
        "Most megabytes of sentence vectors kept on disk per encoder (the MiniLM and MPNet "
        "options) in the cache folder; the oldest go first; 0 keeps none.",
    )
    # output
    log_level: str = _field("warning", "Logging level: debug, info, warning or error.")

    # Where each value came from: "default", a file path, "env DISCOURSE_X" or "flag --x".
    origins: Mapping[str, str] = dataclasses.field(
        default_factory=dict, compare=False, repr=False, metadata={"internal": True}
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal")]

    @classmethod
    def help(cls, name: str) -> str:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}[name]

    @classmethod
    def resolve(
        cls,
        flags: Mapping[str, Any] | None = None,
        *,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Resolve settings: defaults < discourse.toml < DISCOURSE_* < flags (None = not given)."""
        env = os.environ if env is None else env
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        origins: dict[str, str] = {name: "default" for name in cls.names()}

        path = Path(cwd or ".") / SETTINGS_FILE
        if path.is_dir():
            raise SettingsError(
                f"{path}: is a folder, not a settings file. Rename or remove it "
                "(discourse reads settings from a TOML file of that name)."
            )
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise SettingsError(f"{path}: cannot be read ({exc.strerror}).") from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(
                    f"{path}: not valid TOML ({exc}). Fix the file or remove it."
                ) from None
            section = data.get("discourse", data)
            for key, raw in section.items():
                name = key.replace("-", "_")
                if name not in types or name == "origins":
                    raise SettingsError(
                        f"{path}: unknown setting {key!r}. Known settings: {', '.join(cls.names())}."
                    )
                values[name] = _coerce(name, raw, types[name], f"{path}: setting {key!r}")
                origins[name] = str(path)

        for name in cls.names():
            var = ENV_PREFIX + name.upper()
            if var in env:
                values[name] = _coerce(name, env[var], types[name], f"environment {var}")
                origins[name] = f"env {var}"
        for var in env:
            known = var[len(ENV_PREFIX) :].lower() in types or var == CACHE_DIR_ENV
            if var.startswith(ENV_PREFIX) and not known:
                raise SettingsError(
                    f"environment {var}: unknown setting. Known settings: {', '.join(cls.names())}."
                )

        for name, raw in (flags or {}).items():
            if raw is None:
                continue
            if name not in types:
                raise SettingsError(f"flag --{name.replace('_', '-')}: unknown setting.")
            values[name] = _coerce(name, raw, types[name], f"flag --{name.replace('_', '-')}")
            origins[name] = f"flag --{name.replace('_', '-')}"

        settings = cls(**values, origins=origins)
        settings._check()
        return settings

    def _check(self) -> None:
        for name in (
            "concurrency",
            "max_redirects",
            "batch_size",
            "max_failures",
            "extract_workers",
            "pool_size",
            "processes",
        ):
            least = 0 if name in ("max_redirects", "extract_workers") else 1
            if getattr(self, name) < least:
                raise SettingsError(f"{self.where(name)}: {name} must be at least {least}.")
        if self.vector_cache_mb < 0:
            raise SettingsError(f"{self.where('vector_cache_mb')}: must be 0 or more.")
        if self.extract_timeout <= 0:
            raise SettingsError(f"{self.where('extract_timeout')}: must be more than 0 seconds.")
        from discourse.engines import ENGINES

        if self.engine not in ENGINES:
            raise SettingsError(
                f"{self.where('engine')}: unknown engine {self.engine!r}; use "
                f"{' or '.join(ENGINES)}."
            )
        if self.scheduler and not re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$", self.scheduler):
            raise SettingsError(
                f"{self.where('scheduler')}: {self.scheduler!r} is not a scheduler address; "
                "give tcp://HOST:8786."
            )
        if not 0 < self.near_duplicate_threshold <= 1:
            raise SettingsError(
                f"{self.where('near_duplicate_threshold')}: must be between 0 and 1."
            )
        if not self.poll_min <= self.poll_default <= self.poll_max:
            raise SettingsError("poll_min <= poll_default <= poll_max must hold.")
        if self.log_level.lower() not in {"debug", "info", "warning", "error"}:
            raise SettingsError(
                f"{self.where('log_level')}: log_level must be debug, info, warning or error."
            )

    def where(self, name: str) -> str:
        return f"{self.origins.get(name, 'default')} ({name})"

    def replace(self, **changes: Any) -> Settings:
        origins = dict(self.origins)
        origins.update({k: "code" for k in changes})
        return dataclasses.replace(self, origins=origins, **changes)

    def rows(self) -> list[tuple[str, Any, str]]:
        """(name, value, origin) for every setting, for `discourse config`."""
        return [(n, getattr(self, n), self.origins.get(n, "default")) for n in self.names()]

    @property
    def user_agent_string(self) -> str:
        from discourse import __version__

        return self.user_agent.format(version=__version__, contact=self.contact or "no contact set")


def _coerce(name: str, raw: Any, typ: Any, where: str) -> Any:
    typ = {"str": str, "int": int, "float": float, "bool": bool}.get(typ, typ)
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(raw, str) and raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{where}: expected true or false, got {raw!r}.")
    if typ is int:
        if isinstance(raw, bool) or isinstance(raw, float):
            raise SettingsError(f"{where}: expected a whole number, got {raw!r}.")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: expected a whole number, got {raw!r}.") from None
    if typ is float:
        if isinstance(raw, bool):
            raise SettingsError(f"{where}: expected a number, got {raw!r}.")
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: expected a number, got {raw!r}.") from None
    if not isinstance(raw, str):
        raise SettingsError(f"{where}: expected text, got {raw!r}.")
    return raw


def write_setting(name: str, value: str, *, cwd: str | os.PathLike | None = None) -> Path:
    """Set ``name = "value"`` in ``discourse.toml`` in ``cwd`` (created if missing), keeping
    the rest of the file as written: the line is replaced if the setting is there, else
    added where the file's settings live (under ``[discourse]`` if it has that table)."""
    import re

    import tomli_w

    if name not in Settings.names():
        raise SettingsError(f"unknown setting {name!r}.")
    path = Path(cwd or ".") / SETTINGS_FILE
    if path.is_dir():
        raise SettingsError(f"{path}: is a folder, not a settings file. Remove or rename it.")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    line = tomli_w.dumps({name: value}).strip()
    existing = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*=.*$", re.M)
    if existing.search(text):
        text = existing.sub(lambda _: line, text, count=1)
    elif re.search(r"^\[discourse\][ \t]*$", text, re.M):
        text = re.sub(
            r"^\[discourse\][ \t]*$", lambda m: f"{m.group(0)}\n{line}", text, count=1, flags=re.M
        )
    else:
        text = f"{line}\n{text}"  # top-level keys must come before any table
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"{path}: could not add {name} ({exc}); add `{line}` to it by hand."
        ) from None
    if parsed.get("discourse", parsed).get(name) != value:
        raise SettingsError(f"{path}: could not add {name}; add `{line}` to it by hand.")
    path.write_text(text, encoding="utf-8")
    return path
