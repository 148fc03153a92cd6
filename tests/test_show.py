"""`discourse show`: a document with its claims, holders and stances marked, in a terminal and
as a self-contained HTML page, over the shared web corpus (tests/webkit.py)."""

from __future__ import annotations

import os
import pty
import re
import subprocess

from discourse import Corpus
from discourse.use.show import display_url

from .conftest import DISCOURSE, run_cli
from .webkit import CREDENTIAL_URL, RAW_MARKER, SECRET


def _claims(db, document_id: int) -> list[tuple]:
    """(claim id, text, holder, holder kind, {target: stance}) in text order."""
    with Corpus(db) as c:
        rows = c.db.execute(
            "SELECT claim_id, text, holder, holder_kind, target, stance FROM claims_view "
            "WHERE document_id = ? ORDER BY start, claim_id",
            (document_id,),
        ).fetchall()
    out: dict[int, tuple] = {}
    for claim_id, text, holder, kind, target, stance in rows:
        out.setdefault(claim_id, (claim_id, text, holder, kind, {}))[4].update(
            {target: stance} if target else {}
        )
    return list(out.values())


def test_show_marks_every_claim_in_order_with_holder_and_stance(web_corpus):
    res = run_cli("--db", str(web_corpus), "show", "4")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "\x1b[" not in out  # not a terminal: no colour codes
    claims = _claims(web_corpus, 4)
    assert len(claims) >= 3
    marked = re.findall(r"\[(\d+): ([^\]]+)\]", out)
    assert [int(n) for n, _ in marked] == list(range(1, len(claims) + 1))
    assert [t for _, t in marked] == [c[1] for c in claims]
    listing = out.split(f"Claims ({len(claims)})", 1)[1]
    for n, (_, _, holder, kind, tags) in enumerate(claims, 1):
        entry = listing.split(f"[{n}] ", 1)[1].split("\n[", 1)[0]
        assert ("the author" if kind == "author" else f"{holder} (quoted)") in entry
        for stance in tags.values():
            assert f"{stance} toward" in entry
        if not tags:
            assert "no stance tag" in entry


def test_show_finds_a_document_by_url(web_corpus):
    by_id = run_cli("--db", str(web_corpus), "show", "5").stdout
    for ref in ("http://news.example/4", "  http://news.example/4 "):
        res = run_cli("--db", str(web_corpus), "show", ref)
        assert res.returncode == 0 and res.stdout == by_id


def test_show_colours_claims_only_on_a_terminal(web_corpus):
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR",)}
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(web_corpus), "show", "4"],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(60) == 0
    out = b"".join(chunks).decode()
    claims = _claims(web_corpus, 4)
    colours = {"favor": "32", "against": "31", "neutral": "33"}
    for _, text, _, _, tags in claims:
        stances = set(tags.values())
        code = colours[stances.pop()] if len(stances) == 1 else ("35" if stances else "36")
        assert f"\x1b[{code}m{text}\x1b[0m" in out.replace("\r\n", "\n"), text
    piped = run_cli("--db", str(web_corpus), "show", "4").stdout
    assert "\x1b" not in piped


def test_show_html_is_self_contained_escaped_and_marks_each_claim(web_corpus, tmp_path):
    out = tmp_path / "doc.html"
    res = run_cli("--db", str(web_corpus), "show", "2", "--format", "html", "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    # nothing to fetch, nothing to run
    assert not re.search(r"<(script|img|iframe|link)\b", html)
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html and "javascript:alert(3)" in html  # shown, not linked
    ids = [int(i) for i in re.findall(r'<mark class="claim stance-\w+" id="claim-(\d+)"', html)]
    assert ids == [c[0] for c in _claims(web_corpus, 2)] and ids
    # stdout gives the same page
    res = run_cli("--db", str(web_corpus), "show", "2", "--format", "html")
    assert res.stdout == html
    res = run_cli("--db", str(web_corpus), "show", "3", "--format", "html")
    assert SECRET not in res.stdout and RAW_MARKER not in res.stdout
    assert '<a href="http://intranet.example/report"' in res.stdout


def test_show_an_unknown_document_is_one_clear_error(web_corpus, tmp_path):
    for ref in ("99999", "http://nowhere.example/x"):
        res = run_cli("--db", str(web_corpus), "show", ref, cwd=tmp_path)
        assert res.returncode == 2
        assert f"'{ref}': no such document id or URL" in res.stderr
        assert "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_display_url_drops_userinfo_only():
    assert display_url(CREDENTIAL_URL) == "http://intranet.example/report"
    assert (
        display_url("https://u:p@ss@h.example:8443/a@b?c=@d") == "https://h.example:8443/a@b?c=@d"
    )
    assert display_url("http://h.example/@me") == "http://h.example/@me"
    assert display_url(None) is None and display_url("http://[::1") is None
