"""The package carries its data: the wheel built from this checkout, installed into a fresh
virtualenv outside it, runs `discourse analyze` and `discourse init/import/annotate/tag` with
nothing from the checkout.

The wheel is built offline (``pip wheel --no-build-isolation --no-index``, with the
setuptools and wheel that the test extra installs) from a copy of the sources, so a stale
``build/`` folder cannot leak files into it. The new virtualenv has no pip and downloads
nothing: a ``.pth`` file puts this environment's site-packages (spaCy, scikit-learn, the
English model, ...) on its path. Path entries added that way are not site folders, so their
own ``.pth`` files, among them the checkout's editable finder, never run there: ``discourse``
can only come from the wheel, and the test checks that it does."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, write_jsonl

pytestmark = pytest.mark.slow

# what a wheel needs from the checkout; tests, corpora, benchmarks and docs stay behind
SOURCES = ("pyproject.toml", "README.md", "discourse", "pipelines")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _run(args, **kw) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCOURSE_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    res = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, env=env, **kw
    )
    assert res.returncode == 0, f"{args}: exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def _data_files(folder: Path) -> set[str]:
    """Every file under ``folder`` that is not Python source or bytecode, relative to it."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")
    }


def _py(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=_SKIP)
        else:
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    _run(
        [
            sys.executable,
            *("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"),
            *("--wheel-dir", dist, src),
        ],
        cwd=tmp,
    )
    (built,) = dist.glob("discourse-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv outside the checkout with the wheel installed (no dependencies)."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", home])
    python = home / "bin" / "python"
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # this environment's packages, as plain path entries (see the module docstring)
    here = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    (purelib / "discourse-test-dependencies.pth").write_text("".join(f"{p}\n" for p in here))
    _run(
        [
            sys.executable,
            *("-m", "pip", "--python", python, "install"),
            *("--no-deps", "--no-index", "--no-compile", wheel),
        ]
    )
    return home


def test_the_wheel_carries_every_pipeline_template_and_migration_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    pipelines = {f"discourse/pipelines/{n}" for n in _data_files(ROOT / "pipelines")}
    package = {f"discourse/{n}" for n in _data_files(ROOT / "discourse")}
    assert "discourse/pipelines/models/stance/model.skops" in pipelines
    assert "discourse/pipelines/models/relevance/model.skops" in pipelines
    assert "discourse/pipelines/config.cfg" in pipelines
    assert sorted(pipelines - names) == []
    assert sorted(package - names) == []
    # the modules are exactly the checkout's: every one shipped, none stale from a build/ folder
    modules = {
        f"discourse/{p.relative_to(ROOT / 'discourse').as_posix()}" for p in _py(ROOT / "discourse")
    }
    modules |= {
        f"discourse/pipelines/{p.relative_to(ROOT / 'pipelines').as_posix()}"
        for p in _py(ROOT / "pipelines")
    }
    assert {n for n in names if n.endswith(".py")} == modules


def test_discourse_runs_from_the_wheel_outside_the_checkout(venv, tmp_path):
    python, discourse = venv / "bin" / "python", venv / "bin" / "discourse"
    where = _run(
        [
            python,
            "-c",
            "import discourse, discourse.pipelines as p; print(discourse.__file__); "
            "print(p.path('config.cfg'))",
        ],
        cwd=tmp_path,
    ).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where
    assert not any(Path(w).is_relative_to(ROOT) for w in where), where

    # analyze: one text, no corpus
    seed = [json.loads(line) for line in (ROOT / "corpora/labels/stance.jsonl").open()]
    text = tmp_path / "text.txt"
    text.write_text(" ".join(r["text"] for r in seed[:8]), encoding="utf-8")
    rows = [
        json.loads(line)
        for line in _run([discourse, "analyze", text], cwd=tmp_path).stdout.splitlines()
    ]
    assert len(rows) >= 8
    assert any(r["is_claim"] for r in rows)
    assert any(s["stance"] in ("favor", "against", "neutral") for r in rows for s in r["stances"])

    # init, import, annotate, tag: a corpus in the working directory
    docs = [
        {
            "url": f"http://news.example/{i}",
            "source": "Riverside Voices",
            "published": f"2010-0{1 + i}-10",
            "text": " ".join(r["text"] for r in seed[i * 5 : i * 5 + 5]),
        }
        for i in range(6)
    ]
    write_jsonl(tmp_path / "docs.jsonl", docs)
    _run([discourse, "--db", "corpus.db", "init"], cwd=tmp_path)
    imported = _run([discourse, "--db", "corpus.db", "import", "docs.jsonl"], cwd=tmp_path)
    assert "6 new" in imported.stdout
    annotated = _run([discourse, "--db", "corpus.db", "annotate", "--no-progress"], cwd=tmp_path)
    assert "6 documents annotated" in annotated.stdout
    tagged = _run([discourse, "--db", "corpus.db", "tag", "--no-progress"], cwd=tmp_path)
    with sqlite3.connect(tmp_path / "corpus.db") as db:
        claims = db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        tags = db.execute("SELECT label, COUNT(*) FROM stance_tags GROUP BY label").fetchall()
        model = db.execute(
            "SELECT version, path FROM models WHERE kind = 'stance' AND is_current = 1"
        ).fetchone()
    assert claims > 0
    assert sum(n for _, n in tags) > 0 and {s for s, _ in tags} <= {"favor", "against", "neutral"}
    assert model is not None and model[0] in tagged.stdout
    assert Path(model[1]).is_relative_to(venv), model  # the bundled model inside the wheel
