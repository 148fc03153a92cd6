"""Commands that discourse prints for the user to run next work where they were printed, and
`train` shows its progress on a terminal only."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, invoke, write_jsonl
from .test_cli_docs import _parses

# A shell as a new user would open it: the virtualenv not activated.
FRESH_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}


def test_a_printed_command_runs_in_a_fresh_shell(tmp_path):
    """What `make demo` prints as its closing hint: built the same way, run in a new shell."""
    hint = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from discourse.hints import command; "
            "print(command('--db', Path('out dir/corpus.db').resolve(), 'init'))",
        ],
        cwd=tmp_path,
        env=FRESH_ENV,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert hint.endswith("--db 'out dir/corpus.db' init"), hint  # relative, quoted
    (tmp_path / "out dir").mkdir()
    res = subprocess.run(
        ["sh", "-c", hint], cwd=tmp_path, env=FRESH_ENV, capture_output=True, text=True
    )
    assert res.returncode == 0, (hint, res.stderr)
    assert (tmp_path / "out dir" / "corpus.db").exists()


def test_label_prints_a_retrain_command_that_works_from_where_it_ran(tagged, tmp_path, monkeypatch):
    db = tmp_path / "corpora" / "study.db"
    db.parent.mkdir()
    with sqlite3.connect(tagged) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    elsewhere = tmp_path / "notes"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    res = invoke("--db", str(db), "label", "--target", "co-production", "--n", "2", input="f\nq\n")
    assert res.exit_code == 0, res.output
    last = res.stdout.strip().splitlines()[-1]
    assert "1 labels saved" in last
    retrain = shlex.split(last.split("retrain: ", 1)[1])
    assert Path(retrain[0]).name == "discourse" and (
        shutil.which(retrain[0]) or Path(retrain[0]).is_file()
    )
    assert _parses(retrain[1:]) == ["train"]
    given = dict(zip(retrain[1::1], retrain[2::1]))
    assert (elsewhere / given["--db"]).resolve() == db.resolve()  # the corpus holding the label
    assert (elsewhere / given["--labels"]).is_file()  # the bundled labels, found from here
    assert given["--split"] == "train"  # never the held-out test split
    export = shlex.split(last.split("Export: ", 1)[1].split(";")[0])
    assert _parses(export[1:]) == ["export"] and "--db" in export


def _small_labels(tmp_path, n=60) -> Path:
    rows = []
    for line in (ROOT / "corpora" / "labels" / "stance.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("split") == "train" and r["target"] == "co-production":
            rows.append({"text": r["text"], "target": r["target"], "label": r["label"]})
        if len(rows) == n:
            break
    return write_jsonl(tmp_path / "labels.jsonl", rows)


def test_train_shows_progress_when_asked_and_is_quiet_otherwise(tmp_path):
    labels = _small_labels(tmp_path)
    base = ["train", "--labels", str(labels), "--no-corpus-labels"]
    shown = invoke(*base, "--out", str(tmp_path / "m1"), "--progress")
    assert shown.exit_code == 0, shown.output
    bar = shown.stderr.replace("\r", "\n")
    # parse, five folds for each of the three default kinds, the final fit
    assert "train: 100%" in bar and "17/17" in bar
    assert "fold 3/5 done" in bar
    # stderr is not a terminal here; two kinds are enough to see it stay quiet
    quiet = invoke(*base, "--kinds", "target-aware,ngram", "--out", str(tmp_path / "m2"))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert "cross-validated" in quiet.stdout
