"""Charts and attention over time: real time axes with gaps, one panel per stance, legends
off the data, targets by name, labelled bar charts; documents and claims mentioning each
target per period in `chart --attention`, `summary --by month` and the report."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict

import matplotlib.dates as mdates
import pytest
from matplotlib.collections import PolyCollection

from discourse import Corpus
from discourse.use.charts import COLOURS, _pyplot, stance_figure

from .conftest import invoke

TARGET, NAME = "community-engagement", "Community engagement"


@pytest.fixture(scope="module")
def corpus(tagged):
    with Corpus(tagged) as c:
        yield c


@pytest.fixture
def figures():
    made = []
    yield made
    for fig in made:
        _pyplot().close(fig)


def _month(d: dt.date, k: int = 1) -> dt.date:
    total = d.year * 12 + d.month - 1 + k
    return dt.date(total // 12, total % 12 + 1, 1)


def _time_axes(fig):
    return {
        ax.get_ylabel().split("\n")[0]: ax
        for ax in fig.axes
        if "share of claims" in ax.get_ylabel()
    }


def test_stance_over_time_is_drawn_on_real_time_with_gaps(corpus, figures):
    fig = stance_figure(corpus, TARGET, by="month")
    figures.append(fig)
    with_claims = {
        r[0][:7]
        for r in corpus.db.execute(
            "SELECT d.published FROM stance_tags t JOIN claims c ON c.id = t.claim_id "
            "JOIN documents d ON d.id = c.document_id WHERE t.target = ?",
            (TARGET,),
        )
    }
    first = dt.date.fromisoformat(min(with_claims) + "-01")
    last = dt.date.fromisoformat(max(with_claims) + "-01")
    months = [first]
    while months[-1] < last:
        months.append(_month(months[-1]))
    assert len(months) > len(with_claims)  # the corpus has empty months between them
    lines = [line for ax in fig.axes for line in ax.get_lines() if line.get_label() in COLOURS]
    assert len(lines) == 3
    for line in lines:
        x = mdates.date2num(list(line.get_xdata()))
        assert list(x) == list(mdates.date2num(months))  # positions are dates, not ranks
        gaps = [math.isnan(y) for y in line.get_ydata()]
        assert gaps == [m.strftime("%Y-%m") not in with_claims for m in months]


def test_each_stance_has_its_own_panel_and_band(corpus, figures):
    fig = stance_figure(corpus, TARGET, by="quarter")
    figures.append(fig)
    panels = _time_axes(fig)
    assert sorted(panels) == sorted(COLOURS)
    for stance, ax in panels.items():
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1  # one band per panel, none overlapping another stance's
        colour = bands[0].get_facecolor()[0][:3]
        expected = tuple(int(COLOURS[stance][i : i + 2], 16) / 255 for i in (1, 3, 5))
        assert tuple(round(v, 3) for v in colour) == tuple(round(v, 3) for v in expected)


def _all_figures(corpus):
    from discourse.use.charts import attention_figure, overview_figure

    rows = corpus.queries.documents_per_source("year")
    return [
        stance_figure(corpus, TARGET, by="quarter"),
        attention_figure(corpus, by="quarter"),
        overview_figure(rows),
    ]


def test_legends_never_cover_the_data(corpus, figures):
    for fig in _all_figures(corpus):
        figures.append(fig)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        assert legends, fig
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), fig.get_suptitle()


def test_titles_name_the_target_and_bar_charts_have_axis_labels(corpus, figures, tmp_path):
    stance, attn, overview = _all_figures(corpus)
    figures += [stance, attn, overview]
    assert NAME in stance.get_suptitle() and TARGET not in stance.get_suptitle()
    panel_titles = [ax.get_title(loc="left") for ax in attn.axes]
    assert panel_titles == ["Co-production", NAME, "The communities agenda"]
    outlets = next(ax for ax in stance.axes if ax.get_title() == "By outlet, all periods")
    bars = [outlets, overview.axes[0], *attn.axes]
    for ax in bars:
        assert ax.get_ylabel() and (ax.get_xlabel() or ax is not attn.axes[-1])
    assert attn.axes[-1].get_xlabel() == "quarter of publication"
    assert overview.axes[0].get_xlabel() == "year of publication"
    out = tmp_path / "c.svg"
    res = invoke("--db", str(corpus.path), "chart", "--target", TARGET, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert f"Stance toward {NAME} by month" in out.read_text()


def test_the_overview_keeps_years_without_documents_on_the_axis(figures):
    from discourse.use.charts import overview_figure

    fig = overview_figure([("2008", "Blog", 3), ("2011", "Blog", 2), ("2011", "Gazette", 1)])
    figures.append(fig)
    bars = fig.axes[0].patches
    heights = defaultdict(float)
    for bar in bars:
        heights[round(bar.get_x() + bar.get_width() / 2)] += bar.get_height()
    assert dict(heights) == {2008: 3, 2009: 0, 2010: 0, 2011: 3}


# ------------------------------------------------------------------ attention


def _expected_mentions(db_corpus):
    """(target, month) -> (documents, claims) from the stored claims, in Python."""
    docs, claims = defaultdict(set), defaultdict(set)
    per_month = defaultdict(set)
    rows = db_corpus.db.execute(
        "SELECT c.id, c.targets, d.id, d.published FROM claims c "
        "JOIN documents d ON d.id = c.document_id JOIN annotations a ON a.document_id = d.id "
        "AND a.pipeline_version = c.pipeline_version"
    )
    for claim_id, targets, doc_id, published in rows:
        for t in json.loads(targets):
            docs[(t, published[:7])].add(doc_id)
            claims[(t, published[:7])].add(claim_id)
    for doc_id, published in db_corpus.db.execute(
        "SELECT d.id, d.published FROM documents d JOIN annotations a ON a.document_id = d.id "
        "WHERE a.status = 'done' AND d.duplicate_of IS NULL"
    ):
        per_month[published[:7]].add(doc_id)
    return docs, claims, per_month


def test_attention_counts_documents_and_claims_mentioning_each_target(corpus):
    from discourse.use.attention import attention

    docs, claims, per_month = _expected_mentions(corpus)
    a = attention(corpus, by="month")
    assert list(a.targets) == ["co-production", TARGET, "communities-agenda"]
    first = dt.date.fromisoformat(min(per_month) + "-01")
    for tid in a.targets:
        rows = [r for r in a.rows if r["target"] == tid]
        assert [r["start"] for r in rows][:2] == [first, _month(first)]  # every month listed
        for r in rows:
            key = (tid, r["period"])
            assert r["documents"] == len(docs.get(key, ()))
            assert r["claims"] == len(claims.get(key, ()))
            assert r["documents_in_period"] == len(per_month.get(r["period"], ()))
            if r["documents_in_period"]:
                assert r["share"] == pytest.approx(r["documents"] / r["documents_in_period"])
            else:
                assert r["share"] is None  # a gap, not a zero
    assert any(r["share"] is None for r in a.rows) and any(r["share"] for r in a.rows)


def test_summary_by_month_shows_attention_beside_stance(corpus):
    docs, claims, per_month = _expected_mentions(corpus)
    res = invoke("--db", str(corpus.path), "summary", "--by", "month", "--format", "json")
    rows = json.loads(res.stdout)["rows"]
    assert rows
    for r in rows:
        key = (r["target"], r["month"])
        assert r["documents_mentioning"] == len(docs[key])
        assert r["claims_mentioning"] == len(claims[key])
        assert r["documents_in_period"] == len(per_month[r["month"]])
        assert r["attention"] == pytest.approx(len(docs[key]) / len(per_month[r["month"]]))
        assert r["favor"] + r["against"] + r["neutral"] == r["claims"]
    table = invoke("--db", str(corpus.path), "summary", "--by", "month").stdout
    assert "mentions" in table.splitlines()[0] and "attention" in table.splitlines()[0]


@pytest.mark.parametrize("by", ["week", "month", "quarter"])
def test_chart_attention_writes_every_target_by_name(corpus, tmp_path, by):
    out = tmp_path / f"attention-{by}.svg"
    res = invoke("--db", str(corpus.path), "chart", "--attention", "--by", by, "--out", str(out))
    assert res.exit_code == 0, res.output
    svg = out.read_text()
    for name in ("Co-production", NAME, "The communities agenda"):
        assert name in svg
    assert f"{by} of publication" in svg


def test_the_report_has_an_attention_chart_per_target(corpus):
    from discourse.use.report import build_report

    html = build_report(corpus)
    for tid in ("co-production", TARGET, "communities-agenda"):
        assert f'id="attention-{tid}"><svg' in html
