"""Errors that the CLI turns into one clear message and a non-zero exit.

Every message says what was wrong, with which input, and what to do.
"""

from __future__ import annotations


class DiscourseError(Exception):
    """Base class of every error discourse raises on purpose."""

    exit_code = 1


class SettingsError(DiscourseError):
    """A settings file, environment variable or flag is unknown or of the wrong type."""

    exit_code = 2


class CorpusError(DiscourseError):
    """The corpus file cannot be opened or used."""


class CorpusLockedError(CorpusError):
    """Another process holds the corpus (or a crawl lock) for writing."""

    exit_code = 3


class EngineError(DiscourseError):
    """The engine cannot run the work: Dask missing, no scheduler answering, a worker lost."""


class InputError(DiscourseError):
    """A file, URL or query given by the user is malformed."""

    exit_code = 2


class CrawlFailedError(DiscourseError):
    """Every fetch of a crawl failed: exit 4, so that cron notices."""

    exit_code = 4


class SourcesFailingError(DiscourseError):
    """A crawl stored what it could, but some feeds failed or sources are marked failing:
    exit 5, so that cron notices."""

    exit_code = 5


class FetchError(DiscourseError):
    """A URL could not be fetched (recorded on the item, never fatal to a crawl)."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
