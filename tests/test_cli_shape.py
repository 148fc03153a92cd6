"""The CLI stays thin: every filter option is defined once and reads the same in every command
that takes it, and rows reach a file or standard output through one renderer."""

from __future__ import annotations

import csv
import json

import click
import pyarrow.parquet as pq
import pytest

from discourse.cli import main
from discourse.use.output import write_rows

FILTERS = ("--documents", "--source", "--tag", "--since", "--until", "--stance", "--claim-type")
FILTERS += ("--holder", "--hedged", "--min-score")


def _options(command: click.Command) -> dict[str, click.Option]:
    return {decl: p for p in command.params if isinstance(p, click.Option) for decl in p.opts}


def test_a_filter_option_reads_the_same_in_every_command_that_takes_it():
    seen: dict[str, dict[str, tuple]] = {}
    for name in ("query", "export", "summary", "chart"):
        for decl, option in _options(main.commands[name]).items():
            if decl in FILTERS:
                seen.setdefault(decl, {})[name] = (option.help, option.type.name, option.is_flag)
    assert {"--source", "--tag", "--since", "--until", "--holder"} <= set(seen)
    assert len(seen["--source"]) == 4  # query, export, summary and chart all filter by source
    differing = {decl: by for decl, by in seen.items() if len(set(by.values())) > 1}
    assert differing == {}


@pytest.mark.parametrize("flag", ["--target", "--holder"])
def test_export_documents_refuses_a_claim_filter(corpus, flag):
    from .conftest import invoke

    args = ("export", "documents", "--format", "csv", "--out", "-", flag, "x")
    res = invoke("--db", str(corpus.path), *args)
    assert res.exit_code == 2
    assert "--target and --holder apply to claims, not documents" in res.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_rows_with_a_list_are_written_as_json_text_or_as_the_list(tmp_path, fmt):
    rows = [{"id": 1, "practices": ["co-production", "citizens-jury"], "note": None}]
    schema = [("id", "int64"), ("practices", "string"), ("note", "string")]
    out = tmp_path / f"rows.{fmt}"
    assert write_rows(iter(rows), fmt, out, schema) == 1
    if fmt == "csv":
        (row,) = csv.DictReader(out.open(encoding="utf-8"))
        assert json.loads(row["practices"]) == rows[0]["practices"] and row["note"] == ""
    elif fmt == "jsonl":
        assert json.loads(out.read_text(encoding="utf-8")) == rows[0]
    else:
        (row,) = pq.read_table(out).to_pylist()
        assert json.loads(row["practices"]) == rows[0]["practices"] and row["id"] == 1
