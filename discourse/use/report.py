"""`discourse report`: one self-contained HTML file (charts inline as SVG, no scripts, no
network) with the corpus overview, stance over time per target, the top claims for and
against each target with links, the holders most quoted, and how the numbers were made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from discourse import __version__
from discourse.errors import InputError
from discourse.links import is_http_url
from discourse.stance.targets import target_registry
from discourse.use.charts import COLOURS, attention_figure, overview_figure, stance_figure, svg_of
from discourse.use.output import check_output, is_stdout, open_output
from discourse.use.summary import MIN_CLAIMS, require_tags, summary
from discourse.vocabulary import STANCES

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _claim_view(c: dict) -> dict:
    """A claim as the report shows it: whitespace collapsed, no quote marks added (the text
    may carry its own), the source line from the parts that exist, a link only to http(s)."""
    url = c.get("url")
    when = (c.get("published") or "")[:10]
    parts = [c.get("source"), when]
    return {
        "text": " ".join((c.get("text") or "").split()),
        "holder": "the author" if c.get("holder_kind") == "author" else c.get("holder"),
        "href": url if is_http_url(url) else None,
        "label": " ".join((c.get("title") or url or "untitled").split()),
        "url": url,
        "details": [p for p in parts if p],
        "confidence": c.get("stance_score"),
    }


def attention_svg(corpus, target: str, by: str) -> str | None:
    try:
        return svg_of(attention_figure(corpus, by=by, target=target))
    except InputError:
        return None


def build_report(corpus, *, title: str = "Stance in the corpus") -> str:
    """The report as one HTML string."""
    current = require_tags(corpus)
    registry = target_registry()
    overall = summary(corpus)
    by_holder = summary(corpus, by=["holder"])
    per_year = corpus.queries.documents_per_source("year")
    period = "year" if len({r[0] for r in per_year}) > 12 else "quarter"
    targets = []
    for row in overall.rows:
        tid = row["target"]
        try:
            chart = svg_of(stance_figure(corpus, tid, by=period))
        except InputError:
            chart = None
        targets.append(
            {
                "id": tid,
                "name": registry.get(tid, {}).get("name", tid),
                "description": registry.get(tid, {}).get("description", ""),
                "overall": row,
                "holders": [r for r in by_holder.rows if r["target"] == tid],
                "quoted": corpus.queries.quoted_holders(10, target=tid),
                "chart": chart,
                "attention": attention_svg(corpus, tid, period),
                "top": {
                    lb: [_claim_view(c) for c in corpus.queries.top_claims(tid, lb, 5)]
                    for lb in ("favor", "against")
                },
            }
        )
    meta = current["metadata"]
    cv = (meta.get("cross_validation") or {}).get("per_target", {})
    stats = corpus.stats()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("report.html").render(
        title=title,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        corpus=str(corpus.path),
        stats=stats,
        sources=corpus.sources.health(),
        overview=svg_of(overview_figure(per_year)) if per_year else None,
        period=period,
        targets=targets,
        holders=corpus.queries.quoted_holders(15),
        model=current,
        cv=cv,
        real=meta.get("real_test"),
        notes=overall.notes,
        min_claims=MIN_CLAIMS,
        stances=STANCES,
        colours=COLOURS,
    )


def write_report(corpus, out: str | Path, *, force: bool = False, **kw) -> str:
    """Write the report to ``out`` (``-``: standard output; an existing file only with
    ``force``)."""
    if not is_stdout(out):
        check_output(out, force=force)  # before the work, not after
    html = build_report(corpus, **kw)
    with open_output(out, force=force) as fh:
        fh.write(html)
    return str(out)
