"""Charts of stance and attention over real time, and stance by outlet (matplotlib, no
display needed): one panel per stance or target, legends outside the data."""

from __future__ import annotations

from pathlib import Path

from discourse.errors import InputError
from discourse.stance.targets import target_registry
from discourse.store.queries import TIME_GROUPS
from discourse.use.attention import attention, next_period, periods
from discourse.use.output import check_output, is_stdout, open_output
from discourse.use.summary import MIN_CLAIMS, summary
from discourse.vocabulary import STANCES

COLOURS = {"favor": "#1b7837", "against": "#b2182b", "neutral": "#878787"}
ATTENTION_COLOURS = ("#2166ac", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d")
TIME_FIELDS = TIME_GROUPS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def target_name(target: str) -> str:
    """The target's name from pipelines/targets.toml (its id if it is not defined there)."""
    return target_registry().get(target, {}).get("name", target)


def _date_axis(ax, by: str, n_periods: int) -> None:
    """Dates on the x axis; quarters labelled as quarters (2009-Q3) while they fit."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    if by == "quarter" and n_periods <= 16:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))

        def quarter(x, _pos):
            d = mdates.num2date(x)
            return f"{d.year}-Q{(d.month - 1) // 3 + 1}"

        ax.xaxis.set_major_formatter(FuncFormatter(quarter))
        ax.tick_params(axis="x", labelrotation=45)
    else:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(f"{by} of publication")


def stance_figure(corpus, target: str, *, by: str = "month", **filters):
    """A figure: the stance shares of ``target`` over real time, one panel per stance with its
    Wilson 95% band (periods without tagged claims are gaps), and the shares per outlet."""
    if by not in TIME_FIELDS:
        raise InputError(f"--by {by!r}: charts go over time; use {', '.join(TIME_FIELDS)}.")
    over_time = summary(corpus, target=target, by=[by], **filters)
    per_source = summary(corpus, target=target, by=["source"], **filters)
    rows = {r[by]: r for r in over_time.rows if r[by]}
    if not rows:
        raise InputError(f"no dated, tagged claims about {target!r} to chart.")
    span = periods(min(rows), max(rows), by)
    x = [start for _, start in span]
    plt = _pyplot()
    fig = plt.figure(figsize=(12, 7), layout="constrained")
    axes = fig.subplot_mosaic(
        [[lb, "outlets"] for lb in STANCES], gridspec_kw={"width_ratios": [2.2, 1]}
    )
    nan = float("nan")
    for k, lb in enumerate(STANCES):
        ax = axes[lb]
        if k:
            ax.sharex(axes[STANCES[0]])

        def series(key, lb=lb):
            return [rows[p][key.format(lb)] if p in rows else nan for p, _ in span]

        ax.fill_between(
            x,
            series("share_{}_low"),
            series("share_{}_high"),
            color=COLOURS[lb],
            alpha=0.18,
            linewidth=0,
        )
        ax.plot(x, series("share_{}"), color=COLOURS[lb], marker="o", ms=3.5, label=lb)
        # a period with empty neighbours has no band to draw: show its interval as a bar
        alone = [
            i
            for i, (p, _) in enumerate(span)
            if p in rows
            and (i == 0 or span[i - 1][0] not in rows)
            and (i == len(span) - 1 or span[i + 1][0] not in rows)
        ]
        if alone:
            ax.vlines(
                [x[i] for i in alone],
                [rows[span[i][0]][f"share_{lb}_low"] for i in alone],
                [rows[span[i][0]][f"share_{lb}_high"] for i in alone],
                color=COLOURS[lb],
                alpha=0.3,
                linewidth=3,
            )
        small = [
            (start, rows[p][f"share_{lb}"]) for p, start in span if p in rows and rows[p]["small"]
        ]
        if small:
            ax.plot(
                *zip(*small),
                linestyle="none",
                marker="o",
                ms=5,
                mfc="white",
                mec=COLOURS[lb],
                zorder=3,
            )
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"{lb}\n(share of claims)", color=COLOURS[lb])
        ax.grid(axis="y", alpha=0.3)
        if k < len(STANCES) - 1:
            ax.tick_params(labelbottom=False)
    _date_axis(axes[STANCES[-1]], by, len(span))
    bx = axes["outlets"]
    sources = [r for r in per_source.rows if r["source"]]
    names = [r["source"] for r in sources]
    left = [0.0] * len(sources)
    for lb in STANCES:
        share = [r[f"share_{lb}"] for r in sources]
        bx.barh(names, share, left=left, color=COLOURS[lb])
        left = [a + b for a, b in zip(left, share)]
    for i, r in enumerate(sources):
        bx.text(1.01, i, f"n={r['claims']}", va="center", fontsize=8)
    bx.set_xlim(0, 1.15)
    bx.set_xlabel("share of tagged claims")
    bx.set_ylabel("outlet")
    bx.set_title("By outlet, all periods")
    bx.invert_yaxis()
    fig.suptitle(f"Stance toward {target_name(target)} by {by}")
    _legend(
        fig,
        [
            *[_patch(COLOURS[lb], lb) for lb in STANCES],
            _patch("#bbbbbb", "Wilson 95% interval", alpha=0.4),
            _hollow(f"fewer than {MIN_CLAIMS} claims in the {by}"),
        ],
    )
    return fig


def attention_figure(corpus, *, by: str = "month", target: str | None = None, **filters):
    """A figure: per target (small multiples), the documents (bars) and claims (line) that
    mention it per period, over real time; periods without any documents are shaded."""
    a = attention(corpus, by=by, target=target, **filters)
    if not a.targets or not any(r["documents"] for r in a.rows):
        what = f"{target!r}" if target else "any target"
        raise InputError(f"no claims mention {what}: nothing to chart. Run `discourse annotate`?")
    plt = _pyplot()
    ids = list(a.targets)
    fig, axes = plt.subplots(
        len(ids),
        1,
        sharex=True,
        squeeze=False,
        figsize=(12, 1.6 + 2.2 * len(ids)),
        layout="constrained",
    )
    nan = float("nan")
    for k, (ax, tid) in enumerate(zip(axes[:, 0], ids)):
        rows = [r for r in a.rows if r["target"] == tid]
        colour = ATTENTION_COLOURS[k % len(ATTENTION_COLOURS)]
        starts = [r["start"] for r in rows]
        ends = [next_period(s, by) for s in starts]
        width = [(e - s).days * 0.85 for s, e in zip(starts, ends)]
        docs = [r["documents"] if r["documents_in_period"] else nan for r in rows]
        ax.bar(starts, docs, width=width, align="edge", color=colour, alpha=0.55)
        mid = [s + (e - s) / 2 for s, e in zip(starts, ends)]
        claims = [r["claims"] if r["documents_in_period"] else nan for r in rows]
        ax.plot(mid, claims, color=colour, marker="o", ms=3)
        run = None  # shade each run of periods without documents once
        for r, end in zip(rows, ends):
            if not r["documents_in_period"]:
                run = (run[0] if run else r["start"], end)
            elif run:
                ax.axvspan(*run, color="#eeeeee", linewidth=0, zorder=0)
                run = None
        if run:
            ax.axvspan(*run, color="#eeeeee", linewidth=0, zorder=0)
        ax.set_title(a.targets[tid], loc="left", fontsize=10)
        ax.set_ylabel("documents / claims")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.set_xlim(starts[0], ends[-1])
        if k < len(ids) - 1:
            ax.tick_params(labelbottom=False)
    _date_axis(axes[-1, 0], by, len(a.rows) // len(ids))
    subject = a.targets[target] if target else "each target"
    fig.suptitle(f"Attention: documents and claims mentioning {subject}, by {by}")
    _legend(
        fig,
        [
            _patch("#777777", "documents mentioning the target (bars)", alpha=0.55),
            _line("#777777", "claims mentioning the target (line)"),
            _patch("#eeeeee", f"no documents in the corpus that {by}"),
        ],
    )
    return fig


def overview_figure(rows: list[tuple[str, str, int]]):
    """Stacked bars of (year, source, documents) rows: every year from the first to the
    last on the axis (a year without documents is an empty slot, not closed up)."""
    plt = _pyplot()
    years = list(range(int(min(r[0] for r in rows)), int(max(r[0] for r in rows)) + 1))
    sources = sorted({r[1] for r in rows})
    counts = {(int(y), s): n for y, s, n in rows}
    fig, ax = plt.subplots(figsize=(10, 3.6), layout="constrained")
    bottom = [0] * len(years)
    handles = []
    for k, src in enumerate(sources):
        vals = [counts.get((y, src), 0) for y in years]
        handles.append(ax.bar(years, vals, bottom=bottom, label=src, color=plt.cm.tab10(k % 10)))
        bottom = [a + b for a, b in zip(bottom, vals)]
    ax.set_xticks(years, [str(y) for y in years], rotation=45 if len(years) > 12 else 0)
    ax.set_xlabel("year of publication")
    ax.set_ylabel("documents")
    fig.suptitle("Documents per source and year")
    _legend(fig, handles)
    return fig


def _patch(colour: str, label: str, alpha: float = 1.0):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, alpha=alpha, label=label)


def _line(colour: str, label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, marker="o", ms=3, label=label)


def _hollow(label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", ms=5, mfc="white", mec="black", label=label)


def _legend(fig, handles) -> None:
    """One legend below every panel (constrained layout makes room), never on the data."""
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 5),
        frameon=False,
        fontsize=9,
    )


CHART_FORMATS = ("png", "svg")


def write_attention_chart(
    corpus,
    out: str | Path,
    *,
    by: str = "month",
    target: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    **filters,
) -> str:
    """Write the attention chart (every target, or ``target``) to ``out``; the format."""
    fmt = chart_format(out, fmt)
    if not is_stdout(out):
        check_output(out, force=force)
    fig = attention_figure(corpus, by=by, target=target, **filters)
    return save_figure(fig, out, fmt, force=force)


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
