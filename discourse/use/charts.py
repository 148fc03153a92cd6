"""Charts of stance over time and by outlet (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

from discourse.errors import InputError
from discourse.stance.labels import STANCES
from discourse.use.output import check_output, is_stdout, open_output
from discourse.use.summary import summary

COLOURS = {"favor": "#1b7837", "against": "#b2182b", "neutral": "#878787"}
TIME_FIELDS = ("month", "quarter", "year")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def stance_figure(corpus, target: str, *, by: str = "month", **filters):
    """A figure: stance shares of ``target`` over time (Wilson 95% bands), and per outlet."""
    if by not in TIME_FIELDS:
        raise InputError(f"--by {by!r}: charts go over time; use {', '.join(TIME_FIELDS)}.")
    over_time = summary(corpus, target=target, by=[by], **filters)
    per_source = summary(corpus, target=target, by=["source"], **filters)
    rows = [r for r in over_time.rows if r[by]]
    if not rows:
        raise InputError(f"no dated, tagged claims about {target!r} to chart.")
    plt = _pyplot()
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2.2, 1]}, constrained_layout=True
    )
    x = list(range(len(rows)))
    for lb in STANCES:
        share = [r[f"share_{lb}"] for r in rows]
        lo = [r[f"share_{lb}_low"] for r in rows]
        hi = [r[f"share_{lb}_high"] for r in rows]
        ax.plot(x, share, marker="o", ms=3, color=COLOURS[lb], label=lb)
        ax.fill_between(x, lo, hi, color=COLOURS[lb], alpha=0.15, linewidth=0)
    step = max(1, len(rows) // 12)
    ax.set_xticks(x[::step], [r[by] for r in rows][::step], rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of tagged claims")
    ax.set_title(f"Stance toward {target} by {by} (bands: Wilson 95%)")
    ax.legend(loc="upper right", frameon=False)
    small = [i for i, r in enumerate(rows) if r["small"]]
    if small:
        ax.scatter(small, [0.02] * len(small), marker="|", color="black", s=30)
        ax.text(0, 0.05, "| fewer than 30 claims", fontsize=8)
    sources = [r for r in per_source.rows if r["source"]]
    names = [r["source"] for r in sources]
    left = [0.0] * len(sources)
    for lb in STANCES:
        share = [r[f"share_{lb}"] for r in sources]
        bx.barh(names, share, left=left, color=COLOURS[lb], label=lb)
        left = [a + b for a, b in zip(left, share)]
    for i, r in enumerate(sources):
        bx.text(1.01, i, f"n={r['claims']}", va="center", fontsize=8)
    bx.set_xlim(0, 1.15)
    bx.set_title("By outlet")
    bx.invert_yaxis()
    return fig


CHART_FORMATS = ("png", "svg")


def write_chart(
    corpus,
    target: str,
    out: str | Path,
    *,
    by: str = "month",
    fmt: str | None = None,
    force: bool = False,
    **filters,
) -> str:
    """Write the stance chart of ``target`` to ``out`` (``-``: standard output, with ``fmt``)
    as PNG or SVG (``fmt``, else the file's suffix); the format written."""
    fmt = chart_format(out, fmt)
    if not is_stdout(out):
        check_output(out, force=force)  # before the work, not after
    fig = stance_figure(corpus, target, by=by, **filters)
    return save_figure(fig, out, fmt, force=force)


def chart_format(out: str | Path, fmt: str | None) -> str:
    """``fmt`` if given, else the suffix of ``out``: png or svg."""
    if fmt is None:
        if is_stdout(out):
            raise InputError("writing a chart to standard output (-) needs --format png or svg.")
        fmt = Path(out).suffix.lower().lstrip(".")
        if fmt not in CHART_FORMATS:
            raise InputError(f"{out}: the chart is written as .png or .svg (or give --format).")
    if fmt not in CHART_FORMATS:
        raise InputError(f"unknown chart format {fmt!r}: use png or svg.")
    return fmt


def save_figure(fig, out: str | Path, fmt: str, *, force: bool = False) -> str:
    try:
        with open_output(out, force=force, binary=True, what=fmt.upper()) as fh:
            fig.savefig(fh, format=fmt, dpi=120)
    finally:
        _pyplot().close(fig)
    return fmt


def svg_of(fig) -> str:
    """The figure as an inline <svg> element (for the self-contained report)."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]
