"""Stance summaries, exports, charts, the HTML report, the Datasette view (in a real headless
Chromium) and the pandas API, over a real annotated and tagged SQLite corpus."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from discourse import Corpus
from discourse.use.summary import adjusted_shares, summary, wilson

from .conftest import DISCOURSE, run_cli, write_jsonl

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# ------------------------------------------------------------------ the arithmetic


def test_wilson_interval_matches_published_values():
    lo, hi = wilson(8, 10)  # Wilson (1927) / Newcombe (1998) worked example: 0.490-0.943
    assert round(lo, 3) == 0.490 and round(hi, 3) == 0.943
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and round(hi, 3) == 0.161
    assert wilson(0, 0) == (0.0, 1.0)


def test_adjusted_classify_and_count_recovers_the_true_shares():
    # confusion rows = true (favor, against, neutral), columns = tagged
    confusion = [[70, 20, 10], [15, 75, 10], [10, 10, 80]]
    true = np.array([0.5, 0.2, 0.3])
    M = (np.array(confusion) / np.array(confusion).sum(1, keepdims=True)).T
    observed = M @ true  # what a classifier with these error rates would report
    counts = {lb: int(round(v * 10000)) for lb, v in zip(("favor", "against", "neutral"), observed)}
    adj = adjusted_shares(counts, confusion)
    assert adj == pytest.approx(dict(zip(("favor", "against", "neutral"), true)), abs=2e-3)
    raw_favor = counts["favor"] / sum(counts.values())
    assert abs(raw_favor - 0.5) > 0.05  # classify-and-count alone is off
    assert adjusted_shares(counts, None) is None
    assert adjusted_shares(counts, [[1, 0, 0], [1, 0, 0], [0, 0, 1]]) is None  # not invertible


# ------------------------------------------------------------------ summaries


def _sql_counts(db, by_holder=False):
    with Corpus(db) as c:
        rows = c.db.execute(
            "SELECT t.target, c.holder_kind, t.label, COUNT(*), COUNT(DISTINCT c.document_id) "
            "FROM stance_tags t JOIN claims c ON c.id = t.claim_id "
            "JOIN models m ON m.version = t.model_version AND m.is_current = 1 "
            "GROUP BY 1, 2, 3"
        ).fetchall()
    out: dict = {}
    for target, holder, label, n, _ in rows:
        key = (target, holder) if by_holder else (target,)
        out.setdefault(key, {}).setdefault(label, 0)
        out[key][label] += n
    return out


def test_summary_counts_shares_and_intervals_agree_with_the_tags(tagged):
    with Corpus(tagged) as c:
        s = summary(c, by=["holder"])
    expected = _sql_counts(tagged, by_holder=True)
    assert {(r["target"], r["holder"]) for r in s.rows} == set(expected)
    for r in s.rows:
        counts = expected[(r["target"], r["holder"])]
        n = sum(counts.values())
        assert r["claims"] == n and all(r[lb] == counts.get(lb, 0) for lb in counts)
        assert r["share_favor"] == pytest.approx(counts.get("favor", 0) / n)
        lo, hi = wilson(counts.get("against", 0), n)
        assert (r["share_against_low"], r["share_against_high"]) == pytest.approx((lo, hi))
        assert r["small"] == (n < 30)
        assert 0 < r["documents"] <= n
        adjusted = [r[f"adjusted_{lb}"] for lb in ("favor", "against", "neutral")]
        assert sum(adjusted) == pytest.approx(1.0)  # the bundled model has rates per target
    assert any(r["small"] for r in s.rows) and any(not r["small"] for r in s.rows)


def test_summary_cli_formats_and_export_read_back_with_pandas(tagged, tmp_path):
    pd = pytest.importorskip("pandas")
    res = run_cli("--db", str(tagged), "summary", "--by", "source,year", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    assert {r["source"] for r in rows} == {
        "Riverside Voices",
        "Northgate Gazette",
        "Ashford Council",
    }
    res = run_cli("--db", str(tagged), "summary", "--by", "source,year", "--format", "csv")
    from_csv = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [int(r["claims"]) for r in from_csv] == [r["claims"] for r in rows]
    out = tmp_path / "s.parquet"
    res = run_cli(
        "--db",
        str(tagged),
        "export",
        "summary",
        "--by",
        "source,year",
        "--format",
        "parquet",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out)
    assert list(df["claims"]) == [r["claims"] for r in rows]
    assert df["share_favor"].tolist() == pytest.approx([r["share_favor"] for r in rows])
    table = run_cli("--db", str(tagged), "summary", "--target", "co-production").stdout
    assert "co-production" in table and "community-engagement" not in table.split("\n")[1]
    assert "adjusted" in table and "Wilson" in table


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary", "--by", "colour"], "--by 'colour': unknown field"),
        (["summary", "--target", "localism"], "unknown target 'localism'"),
        (["summary", "--since", "last year"], "--since 'last year' is not a date"),
        (["chart", "--target", "co-production", "--out", "c.jpg"], ".png or .svg"),
    ],
)
def test_bad_summary_requests_get_one_clear_message(tagged, tmp_path, args, message):
    res = run_cli("--db", str(tagged), *args, cwd=tmp_path)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_empty_or_untagged_corpus_says_so(tmp_path):
    db = tmp_path / "c.db"
    res = run_cli("--db", str(db), "init")
    assert res.returncode == 0
    for cmd in (["summary"], ["report", "--out", "r.html"]):
        res = run_cli("--db", str(db), *cmd, cwd=tmp_path)
        assert res.returncode == 2 and "empty" in res.stderr
    write_jsonl(tmp_path / "d.jsonl", [{"url": "http://a.example/1", "text": "Some words here."}])
    run_cli("--db", str(db), "import", str(tmp_path / "d.jsonl"))
    for cmd in (
        ["summary"],
        ["report", "--out", "r.html"],
        ["chart", "--target", "co-production", "--out", "c.png"],
    ):
        res = run_cli("--db", str(db), *cmd, cwd=tmp_path)
        assert res.returncode == 2 and "no stance tags yet" in res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.png").exists()


# ------------------------------------------------------------------ charts and report


def test_chart_png_and_svg(tagged, tmp_path):
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    for out, by in ((png, "year"), (svg, "quarter")):
        res = run_cli(
            "--db",
            str(tagged),
            "chart",
            "--target",
            "community-engagement",
            "--by",
            by,
            "--out",
            str(out),
        )
        assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    text = svg.read_text()
    assert text.count("<path") > 20 and "2009-Q" in text and "Northgate Gazette" in text


def test_report_is_self_contained_and_complete(tagged, tmp_path):
    out = tmp_path / "report.html"
    res = run_cli("--db", str(tagged), "report", "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text()
    import re

    # nothing to fetch: no scripts, stylesheets or images from anywhere
    assert not re.search(r"<(script|img|iframe)\b", html)
    assert not re.search(r"<link\b[^>]*href=", html) and "@import" not in html
    assert html.count("<svg") >= 4  # overview + one per target
    with Corpus(tagged) as c:
        version = c.stance.current_model()["version"]
        favorite = c.queries.top_claims("co-production", "favor", 1)[0]
    assert version in html and "adjusted" in html and "Wilson" in html
    assert f'href="{favorite["url"]}"' in html
    for name in ("Co-production", "Community engagement", "The communities agenda"):
        assert name in html
    assert "Holders most often quoted" in html


def test_query_results_to_pandas(tagged):
    pytest.importorskip("pandas")
    with Corpus(tagged) as c:
        hits = c.query("co-production", target="co-production", limit=20)
        df = hits.to_pandas()
    assert len(df) == len(hits) > 0
    assert {"text", "source", "published", "url", "stance", "model_version"} <= set(df.columns)
    assert df["stance"].isin(["favor", "against", "neutral"]).all()


# ------------------------------------------------------------------ Datasette


def test_every_view_column_has_a_description(tagged):
    from discourse.use.serve import metadata

    meta = metadata("corpus")["databases"]["corpus"]["tables"]
    with Corpus(tagged) as c:
        for view in ("claims_view", "documents_view"):
            cols = [r[1] for r in c.db.execute(f"PRAGMA table_info({view})")]
            assert cols and set(cols) == set(meta[view]["columns"]), view
            assert all(meta[view]["columns"].values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_serve(db, *args):
    """`discourse serve` on a free loopback port, once it answers: (process, base URL)."""
    port = _free_port()
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("discourse serve did not start: " + proc.stdout.read().decode())


@pytest.fixture(scope="module")
def server(tagged):
    proc, base = _start_serve(tagged)
    yield base, tagged
    proc.terminate()
    proc.wait(10)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_serve_stops_its_datasette(tagged, sig):
    proc, base = _start_serve(tagged)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 1 and _alive(int(children[0]))
    proc.send_signal(sig)
    proc.wait(10)
    deadline = time.monotonic() + 15
    while _alive(int(children[0])) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(int(children[0])), f"datasette outlived discourse serve after {sig!r}"
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/-/versions.json", timeout=2)


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url).status
    except urllib.error.HTTPError as e:
        return e.code


def test_serve_binds_to_loopback_and_is_read_only(server, tagged):
    base, db = server
    data = json.load(urllib.request.urlopen(base + "/-/databases.json"))
    assert data[0]["name"] == "corpus" and data[0]["is_mutable"] is True
    sql = base + "/corpus.json?sql="
    # visitors' own SQL is off by default; the canned queries still run
    assert _status(sql + urllib.request.quote("select count(*) from documents")) == 403
    rows = json.load(urllib.request.urlopen(base + "/corpus/most_quoted_holders.json?_shape=array"))
    assert rows and all("holder" in r for r in rows)
    # with --allow-sql they may read, and still never write
    proc, open_base = _start_serve(tagged, "--allow-sql")
    try:
        sql = open_base + "/corpus.json?_shape=array&sql="
        got = json.load(
            urllib.request.urlopen(sql + urllib.request.quote("select count(*) n from documents"))
        )
        with Corpus(db) as c:
            assert got == [{"n": c.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]}]
        assert _status(sql + urllib.request.quote("delete from stance_tags")) >= 400
    finally:
        proc.terminate()
        proc.wait(10)
    with Corpus(db) as c:
        assert c.db.execute("SELECT COUNT(*) FROM stance_tags").fetchone()[0] > 0


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def test_browser_search_facet_and_csv_download(server, browser, tmp_path):
    base, db = server
    page = browser.new_page(accept_downloads=True)
    page.goto(base + "/corpus/claims_view")
    assert page.locator("h1").first.inner_text().startswith("Claims")  # the metadata title
    assert "Every claim about engagement practice" in page.content()
    page.fill("input[name=_search]", "co-production")
    page.press("input[name=_search]", "Enter")
    page.wait_for_load_state()
    assert "_search=co-production" in page.url
    texts = page.locator("td.col-text").all_inner_texts()
    assert texts and all("co-production" in t.lower() or "co-produc" in t.lower() for t in texts)
    # apply the stance facet: click the "against" value in the stance facet
    page.click(".facet-info[data-column=stance] a:has-text('against')")
    page.wait_for_load_state()
    assert "stance=against" in page.url
    stances = page.locator("td.col-stance").all_inner_texts()
    assert stances and set(stances) == {"against"}
    # download the filtered rows as CSV, as a user would ("Advanced export" -> CSV file)
    csv_href = page.locator("a[href*='.csv']").first.get_attribute("href")
    with page.expect_download() as info:
        page.evaluate(
            "href => { const a = document.createElement('a'); a.href = href + '&_dl=1';"
            " document.body.appendChild(a); a.click(); }",
            csv_href,
        )
    path = tmp_path / "claims.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows and {r["stance"] for r in rows} == {"against"}
    with Corpus(db) as c:
        n = c.db.execute(
            "SELECT COUNT(*) FROM claims_view WHERE stance = 'against' AND sentence_id IN "
            "(SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH '\"co-production\"')"
        ).fetchone()[0]
    assert len(rows) == n
    page.close()


def test_browser_screenshot_of_the_report_shows_its_charts(tagged, browser, tmp_path):
    from PIL import Image

    out = tmp_path / "report.html"
    assert run_cli("--db", str(tagged), "report", "--out", str(out)).returncode == 0
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(out.as_uri())
    charts = page.locator(".chart svg")
    assert charts.count() >= 4
    box = charts.nth(1).bounding_box()  # the first target's stance chart
    assert box and box["width"] > 600 and box["height"] > 200
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    img = Image.open(shot).convert("RGB")
    pixels = np.asarray(img).reshape(-1, 3).astype(int)

    def near(rgb):
        return int((np.abs(pixels - np.array(rgb)).sum(1) < 40).sum())

    assert near((0x1B, 0x78, 0x37)) > 2000  # favor green: lines, bands and outlet bars drawn
    assert near((0xB2, 0x18, 0x2B)) > 2000  # against red
    assert img.height > 2000  # the whole report, not a blank first screen


def test_claims_export_carries_the_current_stance_tags(tagged, tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "claims.parquet"
    res = run_cli("--db", str(tagged), "export", "claims", "--format", "parquet", "--out", str(out))
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out)
    with Corpus(tagged) as c:
        tags = c.db.execute(
            "SELECT COUNT(*) FROM stance_tags t JOIN models m ON m.version = t.model_version "
            "AND m.is_current = 1"
        ).fetchone()[0]
        claims = c.db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        untagged = c.db.execute(
            "SELECT COUNT(*) FROM claims c WHERE NOT EXISTS "
            "(SELECT 1 FROM stance_tags t WHERE t.claim_id = c.id)"
        ).fetchone()[0]
    assert df["stance"].notna().sum() == tags and df["stance"].isna().sum() == untagged
    assert df["claim_id"].nunique() == claims
    assert set(df["stance"].dropna()) <= {"favor", "against", "neutral"}
    assert {"target", "stance_score", "stance_uncertain", "model_version", "url"} <= set(df.columns)
