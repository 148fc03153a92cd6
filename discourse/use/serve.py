"""`discourse serve`: a read-only web view of the corpus on Datasette, with titles and
descriptions for every table and column, full-text search on claims and documents, facets,
canned queries, CSV export and each document with its claims marked. The plugin it loads
(discourse.use.web) denies crawl state, raw HTML and URLs that may carry credentials."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from discourse.store.browse import FACETS
from discourse.store.queries import PRONOUN_HOLDERS_SQL
from discourse.use.web import CLAIMS_TABLE, DENIED_TABLES

log = logging.getLogger(__name__)

CLAIM_COLUMNS = {
    "id": "Row id (one row per claim and target).",
    "claim_id": "Claim id (claims.id).",
    "sentence_id": "Sentence id; full-text search runs over sentence text.",
    "text": "The claim sentence as it appears in the document.",
    "is_claim": "1 for a claim; 0 for a sentence about a target that makes no claim (no type).",
    "claim_type": "normative, evaluative, causal, predictive or factual (empty if not a claim).",
    "holder": "Who makes the claim: 'author' or the person or body quoted, as written.",
    "holder_kind": "'author' (the writer's own claim) or 'quoted'.",
    "hedged": "1 if the claim is hedged (may, perhaps, arguably...).",
    "negated": "1 if the claim is negated.",
    "target": "Stance target the claim mentions (pipelines/targets.toml); empty if none.",
    "stance": "favor, against or neutral toward the target (current stance model).",
    "stance_score": "The model's probability for that stance.",
    "uncertain": "1 if the model was unsure and the stance was set to neutral.",
    "source": "Outlet the document came from.",
    "title": "Document title.",
    "published": "Publication date of the document.",
    "month": "Publication month (YYYY-MM).",
    "url": "Canonical URL of the document.",
    "document_id": "Document id.",
    "start": "Character offset of the sentence in the document text.",
    "end": "Character offset where the sentence ends.",
    "model_version": "Stance model that made the tag.",
    "pipeline_version": "Claims pipeline that found the claim.",
}
DOCUMENT_COLUMNS = {
    "document_id": "Document id.",
    "title": "Title.",
    "source": "Outlet.",
    "published": "Publication date.",
    "month": "Publication month (YYYY-MM).",
    "author": "Author, where the page names one.",
    "language": "Detected language.",
    "word_count": "Words in the main text.",
    "url": "Canonical URL.",
    "text": "Main text extracted from the page.",
}
SOURCE_COLUMNS = {
    "source_id": "Source id.",
    "name": "Outlet name (sources.toml).",
    "kind": "feed, sitemap or pages.",
    "homepage": "Home page (shown without any user:password@).",
    "tags": "Tags such as blog, newspaper, council (JSON list).",
    "status": "active, failing or disabled.",
    "created_at": "When the source was added.",
}
# stance_by_month: the target given by id or name in any case; when none is given, the target
# with the most claims, which the page's list of targets shows as chosen.
_TARGET = (
    "coalesce((SELECT id FROM targets WHERE lower(id) = lower(trim(:target)) "
    "OR lower(name) = lower(trim(:target))), CASE WHEN trim(:target) = '' THEN (SELECT value "
    "FROM claim_facet_counts WHERE filter_column = '' AND facet = 'target' ORDER BY n DESC, "
    "value LIMIT 1) END)"
)
QUERIES = {
    "stance_by_month": {
        "title": "Stance by month for a target",
        "description": "Claims tagged favor, against and neutral toward a target, per month "
        "of publication (current stance model). Choose a target from the list (any case).",
        "sql": (
            "select month, sum(stance = 'favor') as favor, sum(stance = 'against') as "
            "against, sum(stance = 'neutral') as neutral, count(*) as claims from "
            f"claim_rows where target = {_TARGET} and month is not null group by month "
            "order by month"
        ),
    },
    "most_quoted_holders": {
        "title": "Most-quoted holders",
        "description": (
            "People and bodies quoted most often, with the stance of their claims (a speaker "
            'left as "he" or "she" is not listed).'
        ),
        "sql": (
            "select holder, count(distinct claim_id) as claims, count(distinct document_id) "
            "as documents, sum(stance = 'favor') as favor, sum(stance = 'against') as "
            "against, sum(stance = 'neutral') as neutral from claim_rows where holder_kind "
            f"= 'quoted' and lower(holder) not in {PRONOUN_HOLDERS_SQL} group by holder "
            "order by claims desc limit 50"
        ),
    },
}
HIDDEN = (
    "annotations",
    "schema_version",
    "claim_facet_counts",
    "claims_view",
    "document_urls",
    "document_bands",  # the near-duplicate check's LSH bands: nothing to read
)
TEMPLATES = Path(__file__).resolve().parent / "templates" / "datasette"
# The plugin module Datasette loads from --plugins-dir: the hooks live in discourse.use.web.
PLUGIN_SHIM = """from discourse.use.web import (  # noqa: F401
    asgi_wrapper,
    extra_template_vars,
    permission_allowed,
    prepare_connection,
    register_facet_classes,
    register_routes,
    render_cell,
)
"""


def _facets(*columns: str) -> list[dict]:
    return [
        {"corpus": {"column": c, "sort": "value_desc"} if c == "month" else {"column": c}}
        for c in columns
    ]


def metadata(db_name: str) -> dict:
    tables = {
        CLAIMS_TABLE: {
            "title": "Claims",
            "description": "Every claim about engagement practice, with its holder and its "
            "stance toward each target it mentions (one row per claim and target). The "
            "document id and title open the claim in its article.",
            "columns": CLAIM_COLUMNS,
            "facets": _facets(*FACETS),
            "fts_table": "sentences_fts",
            "fts_pk": "sentence_id",
            "sort_desc": "published",
            "size": 50,
        },
        "documents_view": {
            "title": "Documents",
            "description": "Original documents (near-duplicates left out) with their source. "
            "The id or title opens the document with its claims marked.",
            "columns": DOCUMENT_COLUMNS,
            "facets": _facets("source", "month", "language"),
            "fts_table": "documents_fts",
            "fts_pk": "document_id",
            "sort_desc": "published",
            "size": 50,
        },
        "sources_view": {
            "title": "Sources",
            "description": "Outlets (crawl state and settings are not served).",
            "columns": SOURCE_COLUMNS,
        },
        "claims": {"title": "Claims (table)", "description": "Claims as stored."},
        "sentences": {"title": "Sentences", "description": "Every sentence of each document."},
        "stance_tags": {
            "title": "Stance tags",
            "description": "One tag per claim, target and model version (older models kept).",
        },
        "labels": {"title": "Labels", "description": "Human stance labels."},
        "models": {"title": "Models", "description": "Stance models used to tag."},
        "targets": {"title": "Targets", "description": "Stance targets (targets.toml)."},
    }
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    for name in DENIED_TABLES:  # the plugin denies them too; this holds even without it
        tables[name] = {"hidden": True, "allow": False}
    return {
        "title": "discourse corpus",
        "description": "Claims about involving local people in public services, who holds "
        "them and their stance. Read-only.",
        "databases": {db_name: {"tables": tables, "queries": QUERIES}},
    }


def serve(
    db: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    allow_sql: bool = False,
    snapshot_path: str | Path | None = None,
    refresh: float = 300.0,
) -> int:
    """Run Datasette on the corpus until interrupted; its exit code. Visitors browse, search,
    facet, export and run the canned queries; their own SQL only with ``allow_sql``.

    A PostgreSQL corpus is served from a read-only SQLite snapshot (``snapshot_path``,
    `discourse snapshot`), taken first and refreshed every ``refresh`` seconds."""
    from discourse.store.transfer import file_to_serve

    path, tick = file_to_serve(db, snapshot_path)
    meta = metadata(path.stem)
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "metadata.json"
        meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        plugins = Path(tmp) / "plugins"
        plugins.mkdir()
        (plugins / "discourse_web.py").write_text(PLUGIN_SHIM, encoding="utf-8")
        cmd = datasette_command(path, meta_path, plugins, host, port, allow_sql)
        return _run_child(cmd, every=refresh if tick else None, tick=tick)


def datasette_command(
    path: Path, meta_path: Path, plugins: Path, host: str, port: int, allow_sql: bool
) -> list[str]:
    settings = {
        "sql_time_limit_ms": 5000,
        "allow_download": "off",
        "default_allow_sql": "on" if allow_sql else "off",
        # Suggestions would count every column of a 1M-row table on each page view.
        "suggest_facets": "off",
    }
    cmd = [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(meta_path)]
    cmd += ["--plugins-dir", str(plugins), "--template-dir", str(TEMPLATES)]
    cmd += ["--host", host, "--port", str(port)]
    for name, value in settings.items():
        cmd += ["--setting", name, str(value)]
    return cmd


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if discourse itself is killed, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run_child(cmd: list[str], every: float | None = None, tick=None) -> int:
    """Run Datasette as a child that lives exactly as long as this process: SIGTERM and SIGHUP
    are passed on, Ctrl-C waits for it, and it is stopped if this process dies. ``tick`` runs
    every ``every`` seconds meanwhile (refreshing a snapshot)."""
    proc = subprocess.Popen(
        cmd, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None
    )

    def forward(signum, frame):
        proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                return proc.wait(every)
            except subprocess.TimeoutExpired:
                tick()
            except KeyboardInterrupt:  # the child got the same Ctrl-C: let it finish
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
