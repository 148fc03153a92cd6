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
def import_(
    ctx: click.Context, files: tuple[str, ...], source: str | None, batch_size: int | None
) -> None:
    """Import documents from JSON Lines files (url, text; optional title, author, date, source).

    Each batch is one transaction; re-importing skips documents already stored."""
    from .importer import import_jsonl

    settings = settings_from(ctx, batch_size=batch_size)
    with open_corpus(settings) as corpus:
        for path in files:
            report = import_jsonl(
                corpus, path, default_source=source, batch_size=settings.batch_size
            )
            click.echo(
                f"{path}: {report.new} new, {report.duplicates} duplicates, "
                f"{report.near_duplicates} near-duplicates"
            )


# -- gather ------------------------------------------------------------------------------------
@main.group()
def sources() -> None:
    """Manage the sources (feeds, sitemaps, page lists) a crawl follows."""


@sources.command(name="add")
@click.argument("url")
@click.option("--name", help="Source name (default: the host name).")
@click.option("--tag", "tags", multiple=True, help="A tag such as blog, newspaper, council.")
@click.option(
    "--sources", "sources_file", metavar="PATH", help="Sources file (default sources.toml)."
)
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.pass_context
def sources_add(ctx, url, name, tags, sources_file, allow_private_addresses) -> None:
    """Find the feeds of a homepage and add them as a source."""
    from .crawler import add_source

    settings = settings_from(
        ctx, sources=sources_file, allow_private_addresses=allow_private_addresses
    )
    with open_corpus(settings) as corpus:
        spec = add_source(corpus, settings, url, name=name, tags=list(tags))
    click.echo(f"added source {spec.name!r} to {settings.sources}:")
    for feed in spec.urls:
        click.echo(f"  {feed}")


@sources.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def sources_list(ctx, fmt) -> None:
    """Sources with their crawl health: last success, last error, documents, next poll."""
    import dataclasses

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        rows = corpus.sources.health()
    if fmt == "json":
        for row in rows:
            echo_json(dataclasses.asdict(row))
        return
    if not rows:
        click.echo("no sources yet: add one with `discourse sources add URL` and run a crawl.")
        return
    click.echo(
        f"{'source':<28} {'status':<8} {'docs':>5} {'last success':<21} {'next poll':<21} last error"
    )
    for r in rows:
        click.echo(
            f"{r.name[:28]:<28} {r.status:<8} {r.documents:>5} {r.last_success or '-':<21} "
            f"{r.next_poll or '-':<21} {(r.last_error or '')[:60]}"
        )


@main.command()
@click.option(
    "--sources", "sources_file", metavar="PATH", help="Sources file (default sources.toml)."
)
@click.option("--loop", is_flag=True, help="Keep running and poll each feed when due.")
@click.option("--concurrency", type=int, help="Requests in flight at once.")
@click.option("--per-host-delay", type=float, help="Seconds between requests to one host.")
@click.option("--timeout", type=float, help="Seconds before a request times out.")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.option("--contact", help="Contact address or URL for the User-Agent.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
def crawl(
    ctx,
    sources_file,
    loop,
    concurrency,
    per_host_delay,
    timeout,
    allow_private_addresses,
    contact,
    progress,
) -> None:
    """Poll the due feeds and fetch their new items into the corpus (one pass, or --loop)."""
    from pathlib import Path

    from .crawler import Crawler
    from .sources import load_sources

    settings = settings_from(
        ctx,
        sources=sources_file,
        concurrency=concurrency,
        per_host_delay=per_host_delay,
        timeout=timeout,
        allow_private_addresses=allow_private_addresses,
        contact=contact,
    )
    with open_corpus(settings) as corpus:
        crawler = Crawler(corpus, settings, progress=progress)
        if Path(settings.sources).exists() or sources_file:
            crawler.sync_sources(load_sources(settings.sources))
        elif not corpus.sources.all():
            from .errors import InputError

            raise InputError(
                f"{settings.sources}: no such sources file and the corpus has no sources. "
                "Add one with `discourse sources add URL`."
            )
        if loop:
            crawler.run_forever()
        else:
            click.echo(crawler.run_once().summary())


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.pass_context
def extract(ctx, inputs, fmt, allow_private_addresses) -> None:
    """Extract main text and metadata from .html/.html.gz files or URLs (no corpus needed)."""
    from .extraction import extract_inputs

    settings = settings_from(ctx, allow_private_addresses=allow_private_addresses)
    failed = 0
    for item in extract_inputs(inputs, settings):
        if "error" in item:
            failed += 1
            click.echo(f"error: {item['input']}: {item['error']}", err=True)
        else:
            echo_json(item)
    if failed:
        ctx.exit(1)


# -- claims ------------------------------------------------------------------------------------
@main.command()
@click.option("--processes", type=int, help="Processes running the pipeline (default 1).")
@click.option("--batch-size", type=int, help="Documents per batch (one transaction each).")
@click.option(
    "--pipeline",
    "pipeline_config",
    metavar="CFG",
    help="Pipeline config (default pipelines/config.cfg).",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
def annotate(ctx, processes, batch_size, pipeline_config, progress) -> None:
    """Find claims, holders, hedging and negation in every document not yet annotated."""
    from .claims.annotate import annotate as run

    settings = settings_from(
        ctx, batch_size=batch_size, processes=processes, pipeline=pipeline_config
    )
    with open_corpus(settings) as corpus:
        report = run(
            corpus,
            config=settings.pipeline or None,
            batch_size=settings.batch_size,
            processes=settings.processes,
            progress=progress,
        )
    click.echo(report.summary())


@main.command()
@click.argument("source", metavar="PATH|URL|-")
@click.option("--pipeline", "pipeline_config", metavar="CFG", help="Pipeline config.")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.pass_context
def analyze(ctx, source, pipeline_config, allow_private_addresses) -> None:
    """Analyse one text or page without a corpus: JSON Lines, one object per sentence."""
    from .claims.annotate import analyze_text
    from .extraction import read_text_input

    settings = settings_from(
        ctx, pipeline=pipeline_config, allow_private_addresses=allow_private_addresses
    )
    text = read_text_input(source, settings)
    for row in analyze_text(text, config=settings.pipeline or None):
        echo_json(row)


# -- use ---------------------------------------------------------------------------------------
@main.command()
@click.argument("text", required=False, metavar="[QUERY]")
@click.option("--documents", is_flag=True, help="Search documents instead of claims.")
@click.option("--source", help="Only this source (name).")
@click.option("--tag", help="Only sources with this tag (blog, newspaper, council...).")
@click.option("--since", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Published on or before (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--target", help="Only claims tagged for this stance target.")
@click.option("--stance", help="Only claims with this stance (favor, against, neutral).")
@click.option("--claim-type", help="normative, evaluative, causal, predictive or factual.")
@click.option("--holder", help="author, quoted, or a holder's name.")
@click.option("--hedged/--not-hedged", default=None, help="Only hedged (or unhedged) claims.")
@click.option("--min-score", type=float, help="Only stance tags at least this confident.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "jsonl", "kwic"]), default="table"
)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option(
    "--facet",
    "facet_names",
    help="Comma-separated: count results per source, tag, month, year, claim_type, holder, target, stance.",
)
@click.option("--window", type=int, default=40, help="kwic: characters of context each side.")
@click.option(
    "--sort",
    "kwic_sort",
    type=click.Choice(["date", "left", "right"]),
    default="date",
    help="kwic order.",
)
@click.pass_context
def query(
    ctx,
    text,
    documents,
    source,
    tag,
    since,
    until,
    target,
    stance,
    claim_type,
    holder,
    hedged,
    min_score,
    fmt,
    limit,
    offset,
    facet_names,
    window,
    kwic_sort,
) -> None:
    """Full-text search (FTS5: phrases, AND/OR/NOT, prefix*) over claims or documents."""
    import csv
    import dataclasses

    from . import query as q

    settings = settings_from(ctx)
    filters = dict(
        documents=documents,
        source=source,
        tag=tag,
        since=since,
        until=until,
        target=target,
        stance=stance,
        claim_type=claim_type,
        holder=holder,
        hedged=hedged,
        min_score=min_score,
    )
    with open_corpus(settings, readonly=True) as corpus:
        if facet_names:
            names = [n.strip() for n in facet_names.split(",") if n.strip()]
            for name, counts in q.facets(corpus, names, text, **filters).items():
                click.echo(f"{name}:")
                for value, n in counts:
                    click.echo(f"  {n:>7}  {value if value is not None else '(none)'}")
            return
        hits = q.query(corpus, text, limit=limit, offset=offset, **filters)
    if fmt == "kwic":
        for line in q.kwic(hits, text, window=window, sort=kwic_sort):
            click.echo(line)
    elif fmt == "jsonl":
        for h in hits:
            echo_json(h.as_dict())
    elif fmt == "csv":
        names = [f.name for f in dataclasses.fields(q.Hit)]
        writer = csv.DictWriter(click.get_text_stream("stdout"), fieldnames=names)
        writer.writeheader()
        for h in hits:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, list) else v for k, v in h.as_dict().items()}
            )
    else:
        if not hits:
            click.echo("no results")
        for h in hits:
            who = "" if documents else f" [{h.claim_type}; {h.holder}]"
            click.echo(
                f"{(h.published or '')[:10]}  {h.source or '-'}{who}\n    {h.text[:200]}\n    {h.url}"
            )


@main.command(name="export")
@click.argument("what", type=click.Choice(["claims", "documents"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--query", "text", help="Only rows matching this full-text query.")
@click.option("--source", help="Only this source.")
@click.option("--tag", help="Only sources with this tag.")
@click.option("--since", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Published on or before.")
@click.pass_context
def export_(ctx, what, fmt, out, text, source, tag, since, until) -> None:
    """Export claims or documents with every provenance column (streamed, constant memory)."""
    from .export import export

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        n = export(corpus, what, fmt, out, text, source=source, tag=tag, since=since, until=until)
    click.echo(f"{n} {what} written to {out}")


if __name__ == "__main__":  # pragma: no cover
    main()
