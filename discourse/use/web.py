"""The Datasette plugin `discourse serve` loads: what may be read, how facets are counted, how
cells and the document page look.

- **Denied, not hidden**: tables holding crawl state, raw HTML or URLs that may carry
  credentials answer 403 (``permission_allowed``), and the SQLite authorizer refuses to read
  them or their secret columns in any SQL (canned, facets, or visitors' own with
  ``--allow-sql``) except through the views that clean them. Datasette's ``/-/`` debug and
  introspection pages answer 403 (``asgi_wrapper``).
- **Pages at scale**: finished pages are kept and served again until the corpus file
  changes (``asgi_wrapper``, ``PageCache``).
- **Facets at scale**: the claims page and a page filtered by one facet value read their facet
  counts from ``claim_facet_counts`` (a lookup); any other page counts in SQL under Datasette's
  facet time limit and says so when a facet was cut short. Month facets are sorted by date.
- **Reading a claim in its article**: claim rows link to their document's page, which shows
  the text with its claims marked (discourse.use.show).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import urllib.parse
from collections import OrderedDict

import markupsafe
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import NotFound, Response

from discourse.store.browse import FACET_COUNTS_SQL, FACET_ORDERS, FACETS

log = logging.getLogger(__name__)

# Tables no visitor may open, and what of them no SQL may read outside the cleaning views.
# None = every column. documents keeps title and text readable: full-text search reads them.
DENIED_TABLES = ("documents", "sources", "feeds", "items", "fetch_log", "document_aliases")
DENIED_COLUMNS: dict[str, frozenset[str] | None] = {
    "documents": frozenset({"raw_html", "url", "canonical_url"}),
    "sources": frozenset({"homepage", "config"}),
    "feeds": None,
    "items": None,
    "fetch_log": None,
    "document_aliases": None,
}
# Columns the cleaning views read to show them without userinfo (user:password@): readable
# through those views only. (SQLite names a CTE like a view in the authorizer, so a visitor
# allowed their own SQL could read these two as stored with a CTE named like a view; the store
# keeps userinfo out of them. Every other denied column has no exception at all.)
CLEANING_VIEWS = frozenset({"document_urls", "sources_view", "claims_view", "documents_view"})
CLEANED_COLUMNS = frozenset({("documents", "canonical_url"), ("sources", "homepage")})
# Under /-/ only static files are served; the rest is debugging and introspection.
OPEN_SPECIAL_PATHS = ("/-/static/", "/-/static-plugins/")
SCORE_COLUMNS = frozenset({"stance_score", "score"})
CLAIMS_TABLE = "claim_rows"
# Canned query parameters offered as a list: parameter -> (choices SQL, default SQL).
PARAM_CHOICES = {
    "target": (
        "SELECT id, name FROM targets ORDER BY name",
        "SELECT value FROM claim_facet_counts WHERE filter_column = '' AND facet = 'target' "
        "ORDER BY n DESC, value LIMIT 1",
    )
}


# ---------------------------------------------------------------------- access


def authorizer(action, arg1, arg2, db_name, source):
    """SQLite authorizer: no read of a denied column, except the two URL columns through the
    views that clean them. Row counts stay readable (column "": the table itself)."""
    if action == sqlite3.SQLITE_READ and arg2 and arg1 in DENIED_COLUMNS:
        columns = DENIED_COLUMNS[arg1]
        if columns is None or arg2 in columns:
            if (arg1, arg2) in CLEANED_COLUMNS and source in CLEANING_VIEWS:
                return sqlite3.SQLITE_OK
            return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn, database, datasette):
    if database != "_internal":
        conn.set_authorizer(authorizer)


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    if action == "view-table" and resource and resource[1] in DENIED_TABLES:
        return False
    if action in ("permissions-debug", "debug-menu"):
        return False
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        cache = PageCache(datasette)

        async def guarded(scope, receive, send):
            path = scope.get("path", "") if scope["type"] == "http" else ""
            if path.startswith("/-/") and not path.startswith(OPEN_SPECIAL_PATHS):
                await Response.text("Forbidden: not served by discourse.", status=403).asgi_send(
                    send
                )
                return
            await cache.serve(app, scope, receive, send)

        return guarded

    return wrap


class PageCache:
    """Finished GET responses (200, up to 2 MB), served again while no corpus file changed.

    The corpus changes only when annotate, tag or a crawl commit, which appends to its WAL
    file, so the files' sizes and modification times say whether a kept page is current.
    Many visitors asking for the same page at once wait for one rendering of it."""

    def __init__(self, datasette, *, entries: int = 256, max_bytes: int = 2_000_000):
        self.datasette = datasette
        self.entries = entries
        self.max_bytes = max_bytes
        self.pages: OrderedDict[tuple, tuple[dict, list[dict]]] = OrderedDict()
        self.inflight: dict[tuple, asyncio.Event] = {}
        self.version: tuple | None = None

    def _files_version(self) -> tuple:
        out = []
        for db in self.datasette.databases.values():
            if db.path:
                for path in (db.path, db.path + "-wal"):
                    try:
                        st = os.stat(path)
                        out.append((path, st.st_size, st.st_mtime_ns))
                    except OSError:
                        out.append((path, None, None))
        return tuple(out)

    @staticmethod
    def _key(scope) -> tuple | None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            return None
        headers = dict(scope.get("headers") or [])
        if b"authorization" in headers or b"ds_actor" in headers.get(b"cookie", b""):
            return None
        return (scope.get("path"), scope.get("query_string"), headers.get(b"host"))

    async def serve(self, app, scope, receive, send) -> None:
        key = self._key(scope)
        if key is None:
            await app(scope, receive, send)
            return
        version = self._files_version()
        if version != self.version:
            self.pages.clear()
            self.version = version
        while key in self.inflight and key not in self.pages:
            await self.inflight[key].wait()
        if key in self.pages:
            self.pages.move_to_end(key)
            start, body = self.pages[key]
            await send(start)
            for message in body:
                await send(message)
            return
        done = self.inflight[key] = asyncio.Event()
        try:
            await self._render(app, scope, receive, send, key, version)
        finally:
            del self.inflight[key]
            done.set()

    async def _render(self, app, scope, receive, send, key, version) -> None:
        start, body, size, keep = None, [], 0, True

        async def capture(message):
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                keep = message.get("status") == 200
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"set-cookie"]
                start = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                keep = size <= self.max_bytes
                body.append({**message})
            await send(message)

        await app(scope, receive, capture)
        complete = body and not body[-1].get("more_body", False)
        if keep and start is not None and complete and version == self._files_version():
            self.pages[key] = (start, body)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)


# ---------------------------------------------------------------------- facets


@hookimpl
def register_facet_classes():
    return [CorpusFacet]


def precomputed_filter(query_string: str) -> tuple[str, str] | None:
    """("", "") for the unfiltered claims page, (column, value) for a page filtered by one
    facet value, None when the page's facets must be counted in SQL."""
    filters = []
    for key, value in urllib.parse.parse_qsl(query_string, keep_blank_values=True):
        if key in ("_where", "_through") or (key.startswith("_search") and value):
            return None
        if not key.startswith("_") or "__" in key:
            filters.append((key.removesuffix("__exact"), value))
    if not filters:
        return "", ""
    if len(filters) == 1 and filters[0][0] in FACETS and "__" not in filters[0][0]:
        return filters[0]
    return None


class CorpusFacet(Facet):
    """Facets of the discourse views: precomputed counts where they exist, SQL under the
    facet time limit otherwise (a facet cut short says so); ``sort`` orders values by count
    (default), ``value`` or ``value_desc`` (months: newest first)."""

    type = "corpus"

    async def facet_results(self):
        results, timed_out = [], []
        qs_pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        lookup = precomputed_filter(self.request.query_string)
        db = self.ds.get_database(self.database)
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            order = config.get("sort", "count")
            info = {
                "name": column,
                "type": "column",
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_corpus": column})
                ),
                "results": [],
                "truncated": False,
                "cut_short": False,
                "precomputed": False,
            }
            try:
                if lookup is not None and self.table == CLAIMS_TABLE and column in FACETS:
                    rows = await self._counted(db, column, lookup, order, size)
                    info["precomputed"] = True
                else:
                    rows = await self._count(column, order, size)
            except QueryInterrupted:
                info["cut_short"] = True
                timed_out.append(column)
                results.append(info)
                continue
            info["truncated"] = len(rows) > size
            for value, count in rows[:size]:
                selected = (column, str(value)) in qs_pairs
                if selected:
                    toggle = path_with_removed_args(self.request, {column: str(value)})
                else:
                    toggle = path_with_added_args(self.request, {column: value})
                info["results"].append(
                    {
                        "value": value,
                        "label": value,
                        "count": count,
                        "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                        "selected": selected,
                    }
                )
            results.append(info)
        return results, timed_out

    async def _counted(self, db, column, lookup, order, size) -> list[tuple]:
        filter_column, filter_value = lookup
        if filter_column == column:  # the selected value itself, counted over all rows
            sql = FACET_COUNTS_SQL.format(order=FACET_ORDERS[order])
            rows = await db.execute(
                sql,
                {"filter_column": "", "filter_value": "", "facet": column, "limit": -1},
            )
            return [(v, n) for v, n in rows.rows if v == filter_value]
        rows = await db.execute(
            FACET_COUNTS_SQL.format(order=FACET_ORDERS[order]),
            {
                "filter_column": filter_column,
                "filter_value": filter_value,
                "facet": column,
                "limit": size + 1,
            },
        )
        return [tuple(r) for r in rows.rows]

    async def _count(self, column, order, size) -> list[tuple]:
        col = escape_sqlite(column)
        orders = {"count": "count DESC, value", "value": "value", "value_desc": "value DESC"}
        sql = (
            f"SELECT {col} AS value, COUNT(*) AS count FROM ({self.sql}) WHERE {col} IS NOT NULL "
            f"GROUP BY {col} ORDER BY {orders[order]} LIMIT {size + 1}"
        )
        rows = await self.ds.execute(
            self.database,
            sql,
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        return [tuple(r) for r in rows.rows]


# ---------------------------------------------------------------------- cells


def document_path(datasette, database: str, document_id, claim_id=None) -> str:
    path = datasette.urls.table(database, "documents_view") + f"/{int(document_id)}"
    return path + (f"#claim-{int(claim_id)}" if claim_id is not None else "")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None:
        return None
    if column in SCORE_COLUMNS and isinstance(value, float):
        return f"{value:.2f}"
    if column == "document_id" and table and isinstance(value, int):
        claim_id = _get(row, "claim_id") if table == CLAIMS_TABLE else None
        href = document_path(datasette, database, value, claim_id)
        return markupsafe.Markup('<a href="{}" title="Read the document">{}</a>').format(
            href, value
        )
    if column == "title" and table in (CLAIMS_TABLE, "documents_view"):
        document_id = _get(row, "document_id")
        if isinstance(document_id, int):
            claim_id = _get(row, "claim_id") if table == CLAIMS_TABLE else None
            href = document_path(datasette, database, document_id, claim_id)
            return markupsafe.Markup('<a href="{}">{}</a>').format(href, value)
    return None


def _get(row, key):
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


# ---------------------------------------------------------------------- pages


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    async def inner():
        out = {"column_help": True}
        if not (database and request and template.startswith("query")):
            return out
        db = datasette.get_database(database)
        choices, defaults = {}, {}
        for name, (choices_sql, default_sql) in PARAM_CHOICES.items():
            try:
                choices[name] = [tuple(r) for r in (await db.execute(choices_sql)).rows]
                row = (await db.execute(default_sql)).first()
            except sqlite3.Error:  # pragma: no cover - corpus without the tables
                continue
            defaults[name] = row[0] if row else ""
        return {"param_choices": choices, "param_defaults": defaults}

    return inner


@hookimpl
def register_routes(datasette):
    return [(r"^/(?P<database>[^/]+)/documents_view/(?P<document_id>\d+)$", document_page)]


async def document_page(datasette, request):
    """One document with its claims marked: the web view of `discourse show`."""
    from discourse.store import Corpus
    from discourse.use.show import load, marked_css, marked_html

    database = urllib.parse.unquote(request.url_vars["database"])
    try:
        db = datasette.get_database(database)
    except KeyError:
        raise NotFound(f"Database not found: {database}") from None
    await datasette.ensure_permissions(
        request.actor,
        [
            ("view-table", (database, "documents_view")),
            ("view-database", database),
            "view-instance",
        ],
    )
    document_id = int(request.url_vars["document_id"])

    def read():
        with Corpus(db.path, readonly=True) as corpus:
            if corpus.documents.get(document_id) is None:
                return None
            return load(corpus, document_id)

    doc = await asyncio.get_running_loop().run_in_executor(None, read)
    if doc is None:
        raise NotFound(f"No document {document_id}")
    html = await datasette.render_template(
        "document.html",
        {
            "database": database,
            "doc": doc,
            "marked": marked_html(doc),
            "css": markupsafe.Markup(marked_css()),
            "claims_url": datasette.urls.table(database, CLAIMS_TABLE)
            + f"?document_id={document_id}",
        },
        request=request,
    )
    return Response.html(html)
