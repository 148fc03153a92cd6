"""Bad input gets one line naming the input and what to do, never a traceback; a bad import
line stores nothing."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from discourse import Corpus

from .conftest import invoke


def _one_line(res, *words, code=2):
    assert res.exit_code == code, res.output
    line = res.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, res.stderr
    for word in words:
        assert word in line, line
    return line


@pytest.mark.parametrize(
    "args, words",
    [
        (["query", '"x'], ["query '\"x'", "unterminated string", "quoted phrases"]),
        (["query", "*"], ["query '*'", "not valid full-text syntax"]),
        (["query", '"x', "--facet", "source"], ["unterminated string"]),
        (["query", '"x', "--documents"], ["unterminated string"]),
        (
            ["export", "claims", "--format", "jsonl", "--out", "-", "--query", '"x'],
            ["unterminated string"],
        ),
        (
            ["export", "documents", "--format", "csv", "--out", "-", "--query", "AND"],
            ["not valid full-text syntax"],
        ),
        (["summary", "--holder", "x", "--since", "2009-14"], ["is not a date"]),
        (["query", "consultation", "--format", "kwic", "--window", "-10"], ["--window -10"]),
        (["query", "consultation", "--format", "kwic", "--window", "0"], ["--window 0"]),
    ],
)
def test_bad_queries_are_one_line(tagged, args, words):
    res = invoke("--db", str(tagged), *args)
    _one_line(res, *words)
    assert res.stdout == ""  # no half-written output before the error


def _import(tmp_path, lines, *extra):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    db = tmp_path / "c.db"
    res = invoke("--db", str(db), "import", str(src), *extra)
    with Corpus(db) as c:
        stored = c.documents.count()
    return res, stored


GOOD = [json.dumps({"url": f"http://e.org/{i}", "text": f"Fine text {i}."}) for i in range(5)]


@pytest.mark.parametrize(
    "bad, words",
    [
        # json.dumps would escape a lone surrogate the same way: "\ud800" is valid JSON
        ('{"url": "http://e.org/x", "text": "a", "title": "\\ud800 broken"}', ["lone surrogate"]),
        ('{"url": "http://e.org/x", "text": "ok \\udfff"}', ["'text'", "lone surrogate"]),
        ('{"url": "http://e.org/x", "text": "a", "title": {"en": "Panel"}}', ["'title'", "dict"]),
        ('{"url": "http://e.org/x", "text": "a", "author": ["A", "B"]}', ["'author'", "list"]),
        ('{"url": "http://e.org/x", "text": "a", "date": "21/07/2008"}', ["ISO 8601"]),
        ('{"url": "javascript:alert(document.cookie)", "text": "a"}', ["http:// or https://"]),
        ('{"url": "  JavaScript:alert(1)", "text": "a"}', ["http:// or https://"]),
        ('{"url": "data:text/html,<b>x</b>", "text": "a"}', ["http:// or https://"]),
        ('{"url": "http://e.org:99999/x", "text": "a"}', ["http:// or https://"]),
        ("not json at all", ["not valid JSON"]),
    ],
)
def test_a_bad_line_anywhere_stores_nothing_and_says_so(tmp_path, bad, words):
    res, stored = _import(tmp_path, [*GOOD, bad, *GOOD[:1]], "--batch-size", "2")
    _one_line(res, "in.jsonl, line 6", "Nothing was imported", *words)
    assert stored == 0  # lines 1-5 were good, and two batches of them would have been committed


def test_a_bad_line_in_the_second_file_stores_nothing_from_the_first(tmp_path):
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(GOOD) + "\n")
    second = tmp_path / "second.jsonl"
    second.write_text('{"url": "ftp://e.org/x", "text": "a"}\n')
    res = invoke("--db", str(tmp_path / "c.db"), "import", str(first), str(second))
    _one_line(res, "second.jsonl, line 1", "Nothing was imported")
    with Corpus(tmp_path / "c.db") as c:
        assert c.documents.count() == 0


def test_good_lines_are_all_imported_with_their_urls(tmp_path):
    res, stored = _import(tmp_path, GOOD, "--batch-size", "2")
    assert res.exit_code == 0 and stored == 5 and "5 new" in res.stdout


def test_a_settings_file_that_is_a_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "discourse.toml").mkdir()
    line = _one_line(invoke("config"), "discourse.toml", "is a folder")
    assert "Rename or remove it" in line


def test_the_no_corpus_hint_is_a_command_that_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _one_line(invoke("--db", "my corpus.db", "query", "x"), "no such corpus", code=1)
    hint = re.search(r"`(discourse [^`]+)`", line).group(1)
    assert hint == "discourse --db 'my corpus.db' init"
    res = invoke(*shlex.split(hint)[1:])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "my corpus.db").exists()
