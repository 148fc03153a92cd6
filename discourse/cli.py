"""The `discourse` command: thin over the library.

Every command resolves the settings once, calls one library function, prints the
result, and turns a DiscourseError into one clear message and a non-zero exit.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from . import __version__
from .errors import DiscourseError
from .settings import Settings


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DiscourseError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; everything committed so far is kept.", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `discourse query ... | head`
            sys.stderr.close()
            ctx.exit(0)


def settings_from(ctx: click.Context, **flags: Any) -> Settings:
    """Resolve settings once: defaults < discourse.toml < DISCOURSE_* < flags."""
    merged = dict(ctx.find_root().obj or {})
    merged.update({k: v for k, v in flags.items() if v is not None})
    settings = Settings.resolve(merged)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    return settings


def open_corpus(settings: Settings, *, readonly: bool = False):
    from .store import Corpus

    return Corpus.from_settings(settings, readonly=readonly)


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="discourse")
@click.option("--db", metavar="PATH", help="Corpus file (default ./corpus.db or DISCOURSE_DB).")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Logging level (default warning).",
)
@click.pass_context
def main(ctx: click.Context, db: str | None, log_level: str | None) -> None:
    """Text mining for community-engagement discourse: gather blogs and news, find claims
    about engagement practice, tag their stance, query and report."""
    ctx.obj = {"db": db, "log_level": log_level}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the corpus file (or migrate an existing one to the current schema)."""
    settings = settings_from(ctx)
    with open_corpus(settings) as corpus:
        click.echo(f"corpus {corpus.path} ready (schema version {corpus.schema_version})")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def config(ctx: click.Context, fmt: str) -> None:
    """Print the resolved settings and where each came from."""
    settings = settings_from(ctx)
    rows = settings.rows()
    if fmt == "json":
        echo_json({name: {"value": value, "from": origin} for name, value, origin in rows})
        return
    width = max(len(n) for n, _, _ in rows)
    for name, value, origin in rows:
        click.echo(f"{name:<{width}}  {value!r:<40}  {origin}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Counts of what the corpus holds, and an integrity check."""
    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        stats = corpus.stats()
        stats["problems"] = corpus.check()
    if fmt == "json":
        echo_json(stats)
        return
    for key, value in stats.items():
        click.echo(f"{key:<16} {value}")


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--source", help="Source name for documents that do not name one.")
@click.option("--batch-size", type=int, help="Documents written per transaction.")
@click.pass_context
def import_(ctx: click.Context, files: tuple[str, ...], source: str | None, batch_size: int | None) -> None:
    """Import documents from JSON Lines files (url, text; optional title, author, date, source).

    Each batch is one transaction; re-importing skips documents already stored."""
    from .importer import import_jsonl

    settings = settings_from(ctx, batch_size=batch_size)
    with open_corpus(settings) as corpus:
        for path in files:
            report = import_jsonl(corpus, path, default_source=source, batch_size=settings.batch_size)
            click.echo(
                f"{path}: {report.new} new, {report.duplicates} duplicates, "
                f"{report.near_duplicates} near-duplicates"
            )


if __name__ == "__main__":  # pragma: no cover
    main()
