"""The web view (`discourse serve`, Datasette with discourse's plugin) over a real annotated and
tagged corpus: what it denies, how it counts facets, how it presents claims, and a claim read
in its article, over real HTTP and in headless Debian chromium."""

from __future__ import annotations

import asyncio
import csv
import html as html_module
import json
import re
import signal
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from discourse import Corpus
from discourse.store.browse import FACETS, ROW_COLUMNS

from .webkit import (
    HOSTILE_TITLE,
    RAW_MARKER,
    SECRET,
    copy_corpus,
    fetch,
    fetch_json,
    start_serve,
)

DENIED = ["fetch_log", "feeds", "items", "documents", "document_aliases", "sources"]


def test_every_served_column_has_a_description(web_corpus):
    from discourse.use.serve import metadata

    meta = metadata("corpus")["databases"]["corpus"]["tables"]
    with Corpus(web_corpus) as c:
        for view in ("claim_rows", "documents_view", "sources_view"):
            cols = [r[1] for r in c.db.execute(f"PRAGMA table_info({view})")]
            described = set(meta[view]["columns"])
            assert cols and set(cols) == described, view
            assert all(meta[view]["columns"].values())


@pytest.fixture(scope="module")
def server(web_corpus):
    proc, base = start_serve(web_corpus)
    yield base + "/corpus"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def sql_server(web_corpus):
    """A second server where visitors may run their own SQL (--allow-sql)."""
    proc, base = start_serve(web_corpus, "--allow-sql")
    yield base + "/corpus"
    proc.terminate()
    proc.wait(10)


def _sql(db_url: str, sql: str) -> tuple[int, str]:
    return fetch(db_url + ".json?_shape=array&sql=" + urllib.parse.quote(sql))


def _rows(db, sql: str, params=()) -> list[tuple]:
    with Corpus(db) as c:
        return [tuple(r) for r in c.db.execute(sql, params)]


# ------------------------------------------------------------------ credentials and internals


@pytest.mark.parametrize("table", DENIED)
def test_internal_tables_are_denied_by_url_not_just_hidden(server, table):
    for suffix in ("", ".json", ".csv", "/1", "/1.json", "?_facet=id"):
        status, body = fetch(f"{server}/{table}{suffix}")
        assert status == 403, (table, suffix, status)
        assert SECRET not in body and RAW_MARKER not in body
    listed = {t["name"] for t in fetch_json(server + ".json")["tables"]}
    assert table not in listed


@pytest.mark.parametrize(
    "path",
    [
        "/-/threads",
        "/-/threads.json",
        "/-/versions.json",
        "/-/plugins.json",
        "/-/settings.json",
        "/-/databases.json",
        "/-/metadata.json",
        "/-/actor.json",
        "/-/permissions",
        "/-/allow-debug",
        "/-/messages",
        "/-/patterns",
    ],
)
def test_debug_and_introspection_endpoints_are_denied(server, path):
    base = server.rsplit("/", 1)[0]
    assert fetch(base + path)[0] == 403
    assert fetch(base + "/-/static/app.css")[0] == 200  # the pages still get their styles


def test_no_served_page_shows_credentials_or_raw_html(server, web_corpus):
    base = server.rsplit("/", 1)[0]
    pages = [
        base + "/",
        server,
        server + ".json",
        server + "/claim_rows",
        server + "/claim_rows.json?_size=max",
        server + "/claim_rows.csv?_size=max",
        server + "/documents_view.json?_size=max",
        server + "/documents_view.csv?_size=max",
        server + "/sources_view.json",
        server + "/claims_view.json?_size=max",
        server + "/claims.json?_size=max",
        server + "/documents_fts.json",
        server + "/stance_by_month",
        server + "/most_quoted_holders.json",
    ]
    pages += [f"{server}/documents_view/{i}" for i in (1, 2, 3, 4)]
    for url in pages:
        status, body = fetch(url)
        assert status == 200, (url, status)
        assert SECRET not in body and "alice:" not in body and RAW_MARKER not in body, url
    # the credential-carrying document is still served, under its URL without them
    docs = fetch_json(server + "/documents_view.json?_shape=array&document_id=3")
    assert docs[0]["url"] == "http://intranet.example/report"
    sources = fetch_json(server + "/sources_view.json?_shape=array&source_id=1")
    assert sources[0]["homepage"] == "http://intranet.example/report"
    assert "config" not in sources[0]


def test_visitors_own_sql_cannot_read_denied_tables_or_columns(sql_server, web_corpus):
    for sql in (
        "select raw_html from documents",
        "select * from documents",
        "select url from documents",
        "select canonical_url from documents",
        "select * from feeds",
        "select url from items",
        "select * from fetch_log",
        "select alias from document_aliases",
        "select homepage, config from sources",
        "with documents_view as (select raw_html from documents) select * from documents_view",
        "select (select group_concat(url) from feeds) as x from claim_rows limit 1",
    ):
        status, body = _sql(sql_server, sql)
        assert status >= 400, (sql, status, body[:300])
        assert SECRET not in body and RAW_MARKER not in body and "alice" not in body, sql
    # what is not secret stays readable, and the cleaning views still work
    status, body = _sql(sql_server, "select count(*) as n, max(title) as t from documents")
    assert status == 200 and '"n": 24' in body
    status, body = _sql(sql_server, "select url from documents_view where document_id = 3")
    assert status == 200 and "http://intranet.example/report" in body and SECRET not in body


def test_serve_is_read_only_and_own_sql_is_off_by_default(server, sql_server, web_corpus):
    # visitors' own SQL is off by default; the canned queries still run
    assert _sql(server, "select count(*) from claims")[0] == 403
    rows = fetch_json(server + "/most_quoted_holders.json?_shape=array")
    assert rows and all("holder" in r for r in rows)
    # with --allow-sql they may read, and still never write
    got = fetch_json(
        sql_server + ".json?_shape=array&sql=" + urllib.parse.quote("select count(*) n from claims")
    )
    assert got == [{"n": _rows(web_corpus, "SELECT COUNT(*) FROM claims")[0][0]}]
    assert _sql(sql_server, "delete from stance_tags")[0] >= 400
    assert _rows(web_corpus, "SELECT COUNT(*) FROM stance_tags")[0][0] > 0


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_serve_stops_its_datasette(web_corpus, sig):
    proc, base = start_serve(web_corpus)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 1 and _alive(int(children[0]))
    proc.send_signal(sig)
    proc.wait(10)
    deadline = time.monotonic() + 15
    while _alive(int(children[0])) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(int(children[0])), f"datasette outlived discourse serve after {sig!r}"
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/", timeout=2)


# ------------------------------------------------------------------ claim rows and facets


def _view_rows(c: Corpus, table: str) -> Counter:
    cols = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
    return Counter(tuple(r) for r in c.db.execute(f"SELECT {cols} FROM {table}"))


def _facet_truth(c: Corpus, facet: str, where: str = "", params=()) -> dict:
    return {
        v: n
        for v, n in c.db.execute(
            f"SELECT {facet}, COUNT(*) FROM claims_view WHERE {facet} IS NOT NULL {where} "
            f"GROUP BY {facet}",
            params,
        )
    }


def test_claim_rows_follow_annotate_tag_and_a_new_current_model(web_corpus, tmp_path):
    db = copy_corpus(web_corpus, tmp_path / "c.db")
    with Corpus(db) as c:
        assert _view_rows(c, "claim_rows") == _view_rows(c, "claims_view")
        assert c.check() == []
        tagged = c.db.execute("SELECT COUNT(*) FROM claim_rows WHERE stance IS NOT NULL")
        assert tagged.fetchone()[0] > 20
        # a new current model: its tags replace the old model's on every row
        c.stance.register_model("stance-other", "elsewhere", {})
        assert c.db.execute("SELECT COUNT(*) FROM claim_rows WHERE stance IS NOT NULL").fetchone()[
            0
        ] == (0)
        ids = [r[0] for r in c.db.execute("SELECT id FROM claims ORDER BY id LIMIT 7")]
        c.stance.store_tags(
            [(i, "co-production", "favor", 0.9, False, 0.95) for i in ids]
            + [(ids[0], "community-engagement", "against", 0.7, False, 0.8)],
            "stance-other",
        )
        assert _view_rows(c, "claim_rows") == _view_rows(c, "claims_view")
        assert c.browse.facet_counts("stance") == [("favor", 7), ("against", 1)]
        # tags of a model that is not current change nothing shown
        before = _view_rows(c, "claim_rows")
        c.stance.store_tags([(ids[1], "co-production", "against", 0.6, False, 0.9)], "stance-old")
        assert _view_rows(c, "claim_rows") == before
        # re-annotation by a new pipeline version: the document's rows are its new claims
        from discourse.store.analysis import Annotation, SentenceRecord

        sentence = SentenceRecord(
            idx=0,
            start=0,
            end=10,
            text="A new claim",
            statement=True,
            is_claim=True,
            claim_type="normative",
            holder="author",
            holder_kind="author",
        )
        c.analysis.store([Annotation(document_id=5, sentences=[sentence])], "pipeline-2")
        assert _view_rows(c, "claim_rows") == _view_rows(c, "claims_view")
        assert [
            r[0] for r in c.db.execute("SELECT text FROM claim_rows WHERE document_id = 5")
        ] == ["A new claim"]
        for facet in FACETS:
            assert dict(c.browse.facet_counts(facet, limit=-1)) == _facet_truth(c, facet)
        assert c.check() == []


def test_facets_of_the_claims_page_and_of_one_facet_value_are_precomputed(server, web_corpus):
    with Corpus(web_corpus) as c:
        for query, where, params in (
            ("", "", ()),
            ("?stance=against", "AND stance = ?", ("against",)),
            ("?source=Northgate+Gazette", "AND source = ?", ("Northgate Gazette",)),
            ("?month=2009-03", "AND month = ?", ("2009-03",)),
        ):
            data = fetch_json(server + "/claim_rows.json" + query)
            assert set(data["facet_results"]) == set(FACETS)
            for facet, info in data["facet_results"].items():
                assert info["precomputed"] is True and info["cut_short"] is False
                got = {r["value"]: r["count"] for r in info["results"]}
                assert got == _facet_truth(c, facet, where, params), (query, facet)
            # every statement shown: claims, and sentences about a target that are not claims
            # (which have no claim type)
            assert (
                data["filtered_table_rows_count"]
                == c.db.execute(
                    f"SELECT COUNT(*) FROM claims_view WHERE 1 {where}", params
                ).fetchone()[0]
            )
        # two filters or a search: counted in SQL, and still right
        data = fetch_json(server + "/claim_rows.json?stance=against&_search=council")
        info = data["facet_results"]["source"]
        assert info["precomputed"] is False and info["cut_short"] is False
        truth = _facet_truth(
            c,
            "source",
            "AND stance = 'against' AND sentence_id IN (SELECT rowid FROM sentences_fts "
            "WHERE sentences_fts MATCH 'council')",
        )
        assert {r["value"]: r["count"] for r in info["results"]} == truth and truth


def test_month_facets_are_sorted_by_date(server):
    for table in ("claim_rows", "documents_view"):
        data = fetch_json(f"{server}/{table}.json")
        results = data["facet_results"]["month"]["results"]
        months = [r["value"] for r in results]
        assert months == sorted(months, reverse=True) and len(months) == 4, table
        by_count = [r["value"] for r in sorted(results, key=lambda r: -r["count"])]
        assert by_count != months  # the corpus is built so that the two orders differ


def test_scores_are_rounded_to_two_decimals(server):
    _, html = fetch(server + "/claim_rows?stance__notblank=1")
    scores = re.findall(r'<td class="col-stance_score[^"]*">([^<]*)</td>', html)
    assert scores and all(re.fullmatch(r"[01]\.\d\d", s) for s in scores), scores[:5]
    _, html = fetch(server + "/stance_tags")
    scores = re.findall(r'<td class="col-score[^"]*">([^<]*)</td>', html)
    assert scores and all(re.fullmatch(r"[01]\.\d\d", s) for s in scores), scores[:5]


def test_stance_by_month_opens_with_a_target_chosen_from_a_list_any_case(server, web_corpus):
    _, html = fetch(server + "/stance_by_month")
    options = re.findall(r'<option value="([^"]+)"( selected)?>', html)
    assert {v for v, _ in options} == {
        "co-production",
        "community-engagement",
        "communities-agenda",
    }
    chosen = [v for v, s in options if s]
    most = _rows(
        web_corpus,
        "SELECT target FROM claims_view WHERE target IS NOT NULL GROUP BY target "
        "ORDER BY COUNT(*) DESC, target LIMIT 1",
    )[0][0]
    assert chosen == [most]
    opened = fetch_json(server + "/stance_by_month.json?_shape=array")
    expected = _rows(
        web_corpus,
        "SELECT month, COUNT(*) FROM claims_view WHERE target = ? GROUP BY month ORDER BY month",
        (most,),
    )
    assert [(r["month"], r["claims"]) for r in opened] == expected and expected
    for spelling in (most.upper(), most.title(), f"  {most} "):
        got = fetch_json(
            server + "/stance_by_month.json?_shape=array&target=" + urllib.parse.quote(spelling)
        )
        assert got == opened, spelling
    name = _rows(web_corpus, "SELECT name FROM targets WHERE id = ?", (most,))[0][0]
    by_name = fetch_json(
        server + "/stance_by_month.json?_shape=array&target=" + urllib.parse.quote(name.lower())
    )
    assert by_name == opened


def test_every_claim_row_links_to_its_document(server, web_corpus):
    _, html = fetch(server + "/claim_rows?_size=max")
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td" in r]
    links = [re.search(r'col-document_id[^>]*><a href="([^"]+)"', r) for r in rows]
    ids = [re.search(r"col-claim_id[^>]*>(\d+)<", r) for r in rows]
    count = _rows(web_corpus, "SELECT COUNT(*) FROM claim_rows")[0][0]
    assert len(links) == count and all(links) and all(ids)
    doc_of = dict(_rows(web_corpus, "SELECT id, document_id FROM claims"))
    for link, claim in zip(links, ids):
        claim_id = int(claim.group(1))
        assert link.group(1) == f"/corpus/documents_view/{doc_of[claim_id]}#claim-{claim_id}"


def test_document_page_marks_claims_and_escapes_text_and_urls(server, web_corpus):
    status, html = fetch(server + "/documents_view/2")  # hostile title, text and URL
    assert status == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=&#34;alert(1)&#34;&gt;Hostile&lt;/b&gt;" in html
    assert HOSTILE_TITLE not in html
    assert 'href="javascript:' not in html
    status, html = fetch(server + "/documents_view/3")
    assert SECRET not in html and 'href="http://intranet.example/report"' in html
    assert RAW_MARKER not in html
    claims = _rows(
        web_corpus,
        "SELECT claim_id, holder, stance FROM claims_view WHERE document_id = 3 ORDER BY start",
    )
    marks = re.findall(
        r'<mark class="claim stance-(\w+)" id="claim-(\d+)"[^>]*data-holder="([^"]*)"', html
    )
    assert [int(m[1]) for m in marks] == list(dict.fromkeys(c[0] for c in claims))
    for stance, claim_id, holder in marks:
        mine = [c for c in claims if c[0] == int(claim_id)]
        assert html_module.unescape(holder) == mine[0][1]
        stances = {c[2] for c in mine if c[2]}
        assert stance == (
            stances.pop() if len(stances) == 1 else "mixed" if stances else "untagged"
        )
    assert fetch(server + "/documents_view/99999")[0] == 404


def test_a_page_is_served_again_until_the_corpus_changes(web_corpus, tmp_path):
    db = copy_corpus(web_corpus, tmp_path / "c.db")
    proc, base = start_serve(db)
    try:
        url = base + "/c/claim_rows.json?stance=favor"
        first, again = fetch_json(url), fetch_json(url)
        assert again == first  # "query_ms" too: the kept page, not a second rendering
        with Corpus(db) as c:
            version = c.stance.current_model()["version"]
            claim = c.db.execute("SELECT claim_id FROM claim_rows WHERE stance IS NULL").fetchone()
            c.stance.store_tags([(claim[0], "co-production", "favor", 0.99, False, 0.9)], version)
        after = fetch_json(url)
        assert after["filtered_table_rows_count"] == first["filtered_table_rows_count"] + 1
        rows = fetch_json(base + f"/c/claim_rows.json?_shape=array&claim_id={claim[0]}")
        assert [(r["target"], r["stance"]) for r in rows] == [("co-production", "favor")]
        assert fetch_json(url) == after
    finally:
        proc.terminate()
        proc.wait(10)


# ------------------------------------------------------------------ facets under a time limit


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """20,000 generated claims (benchmarks/query.py's corpus), browse tables built."""
    from benchmarks.query import build

    path = tmp_path_factory.mktemp("gen") / "gen.db"
    build(path, 20_000)
    with Corpus(path) as c:
        c.browse.rebuild()
    return path


def _in_process(path: Path, url: str, **settings):
    """GET url from an in-process Datasette set up as serve sets it up, with settings."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from discourse.use import web
    from discourse.use.serve import TEMPLATES, metadata

    pm.register(web, name="discourse-web-test")
    try:
        ds = Datasette(
            [str(path)],
            metadata=metadata(path.stem),
            template_dir=str(TEMPLATES),
            settings={"suggest_facets": False, **settings},
        )

        async def get():
            response = await ds.client.get(url)
            return response.status_code, response.text

        return asyncio.run(get())
    finally:
        pm.unregister(name="discourse-web-test")


def test_a_facet_cut_short_by_the_time_limit_says_so(generated):
    # 1 ms: far too short to count 20,000 rows, long enough to look counts up
    status, html = _in_process(generated, "/gen/claim_rows", facet_time_limit_ms=1)
    assert status == 200 and "Cut short" not in html and "timed out" not in html
    for facet in ("source", "claim_type", "month"):
        assert f'data-column="{facet}"' in html
    status, body = _in_process(generated, "/gen/claim_rows.json", facet_time_limit_ms=1)
    data = json.loads(body)
    with Corpus(generated) as c:
        truth = dict(c.db.execute("SELECT claim_type, COUNT(*) FROM claims GROUP BY 1").fetchall())
    assert {r["value"]: r["count"] for r in data["facet_results"]["claim_type"]["results"]} == truth
    # two filters: counted in SQL, cut short, and the page says so beside the facet and above
    url = "/gen/claim_rows?holder_kind=author&hedged=0"
    status, html = _in_process(generated, url, facet_time_limit_ms=1)
    assert status == 200
    assert html.count('class="facet-cut-short"') >= 3
    assert "Facet counts cut short after 1 ms" in html
    status, body = _in_process(
        generated, url.replace("claim_rows", "claim_rows.json"), facet_time_limit_ms=1
    )
    facets = json.loads(body)["facet_results"]  # the JSON says so too
    assert facets["source"]["cut_short"] is True and facets["month"]["cut_short"] is True
    assert facets["source"]["results"] == []


# ------------------------------------------------------------------ in a browser


def test_browser_search_facet_and_csv_download(server, browser, web_corpus, tmp_path):
    page = browser.new_page(accept_downloads=True)
    page.goto(server + "/claim_rows")
    assert page.locator("h1").first.inner_text().startswith("Claims")  # the metadata title
    assert "Every claim about engagement practice" in page.content()
    page.fill("input[name=_search]", "council")
    page.press("input[name=_search]", "Enter")
    page.wait_for_load_state()
    assert "_search=council" in page.url
    texts = page.locator("td.col-text").all_inner_texts()
    assert texts and all("council" in t.lower() for t in texts)
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
    n = _rows(
        web_corpus,
        "SELECT COUNT(*) FROM claims_view WHERE stance = 'against' AND sentence_id IN "
        "(SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH 'council')",
    )[0][0]
    assert len(rows) == n
    page.close()


def test_browser_claim_opens_highlighted_in_its_document(server, browser, web_corpus):
    page = browser.new_page()
    page.goto(server + "/claim_rows?stance=against")
    row = page.locator("table.rows-and-columns tbody tr").first
    claim_id = int(row.locator("td.col-claim_id").inner_text())
    text, holder = (
        row.locator("td.col-text").inner_text(),
        row.locator("td.col-holder").inner_text(),
    )
    row.locator("td.col-document_id a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"#claim-{claim_id}")
    assert "/documents_view/" in page.url
    mark = page.locator(f"mark#claim-{claim_id}")
    assert mark.is_visible() and mark.get_attribute("data-holder") == holder
    assert "stance-against" in mark.get_attribute("class")
    assert text.strip() in mark.inner_text()
    # the claim stands out: its background is not the page's
    colour = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    # every claim of the document is marked, in order, and nothing else
    doc_id = int(page.url.split("/documents_view/")[1].split("#")[0])
    expected = list(
        dict.fromkeys(
            r[0]
            for r in _rows(
                web_corpus,
                "SELECT claim_id FROM claims_view WHERE document_id = ? ORDER BY start",
                (doc_id,),
            )
        )
    )
    ids = [
        int(i)
        for i in page.locator("mark.claim").evaluate_all("ms => ms.map(m => m.dataset.claim)")
    ]
    assert ids == expected
    page.close()


def test_browser_hostile_document_runs_nothing_and_denied_tables_answer_403(server, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(server + "/documents_view/2")
    assert response.status == 200
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("img").count() == 0 and page.locator("b[onmouseover]").count() == 0
    assert 'alert("xss")' in page.locator(".doc-text").inner_text()
    assert page.locator("a[href^='javascript:']").count() == 0
    for table in DENIED:
        assert page.goto(f"{server}/{table}").status == 403
    page.close()


def test_browser_column_descriptions_are_out_of_the_way(server, browser, web_corpus):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server + "/claim_rows")
    assert not page.locator("dl.column-descriptions").is_visible()
    help_block = page.locator("details.column-help")
    assert help_block.count() == 1 and help_block.get_attribute("open") is None
    assert not page.locator("details.column-help dd").first.is_visible()
    header = page.locator("th.col-stance_score")
    assert header.get_attribute("title") == "The model's probability for that stance."
    # the data starts within the first screen
    top = page.locator("table.rows-and-columns").bounding_box()["y"]
    assert top < 800, top
    help_block.locator("summary").click()
    assert page.locator("details.column-help dd").first.is_visible()
    page.close()
