"""The package's arrows point one way: use -> stance -> claims -> store, gather -> store, and
the shared modules (errors, settings, vocabulary, ...) below every stage. Each module under
discourse/ is read as source (no import), so a forbidden import inside a function, or a module
named in a string for importlib, is caught as well as one at the top."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "discourse"
STAGES = ("gather", "claims", "stance", "store", "use")
SHARED = (
    "charngrams",
    "datafiles",
    "engines",
    "errors",
    "hints",
    "labelsets",
    "language",
    "links",
    "modelio",
    "pipelines",
    "settings",
    "torchless",
    "vocabulary",
)
# what each part of the package must never import
FORBIDDEN = {
    "store": {"gather", "claims", "stance", "use", "cli", "demo"},
    "gather": {"claims", "stance", "use", "cli", "demo"},
    "claims": {"gather", "stance", "use", "cli", "demo"},
    "stance": {"gather", "use", "cli", "demo"},
    "use": {"gather", "cli", "demo"},
    **{name: {*STAGES, "cli", "demo"} for name in SHARED},
}
_DOTTED = re.compile(r"discourse(?:\.\w+)+(?::\w+)?")


def _part(module: str) -> str:
    """discourse.claims.pipeline -> claims; discourse.errors -> errors."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) for every discourse module ``path`` (under ``root``) imports or names
    for importlib."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DOTTED.fullmatch(node.value):
                found.append((node.lineno, node.value.split(":")[0]))
    return [(line, m) for line, m in found if m == "discourse" or m.startswith("discourse.")]


def violations(root: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        own = _part(".".join(rel.with_suffix("").parts))
        banned = FORBIDDEN.get(own, set())
        lines = set()  # one report per import statement
        for line, module in imported_modules(path, root):
            if _part(module) in banned and line not in lines:
                lines.add(line)
                out.append(f"{rel}:{line}: {own} imports {module}")
    return out


def test_every_stage_and_shared_module_has_its_rules():
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    parts -= {"__init__", "__pycache__", "cli", "demo", "sampleserver"}
    assert parts <= set(FORBIDDEN), f"no arrow rules for {sorted(parts - set(FORBIDDEN))}"


def test_no_module_imports_against_the_arrows():
    assert violations() == []


@pytest.mark.parametrize(
    "where, source, expected",
    [
        ("claims", "from discourse.stance import view\n", "claims imports discourse.stance"),
        (
            "claims",
            "def f():\n    from discourse.stance.tag import stances_for\n",
            "claims imports discourse.stance.tag",
        ),
        ("store", "import discourse.use.query\n", "store imports discourse.use.query"),
        ("store", "from ..use import query\n", "store imports discourse.use"),
        (
            "gather",
            'KINDS = {"x": "discourse.claims.model:M"}\n',
            "gather imports discourse.claims.model",
        ),
        ("errors.py", "from discourse.store import Corpus\n", "errors imports discourse.store"),
    ],
)
def test_a_forbidden_import_is_reported(tmp_path, where, source, expected):
    root = tmp_path / "discourse"
    if where.endswith(".py"):
        root.mkdir()
        (root / where).write_text(source)
    else:
        (root / where).mkdir(parents=True)
        (root / where / "mod.py").write_text(source)
    found = violations(root)
    assert len(found) == 1 and expected in found[0], found


def test_an_allowed_import_is_not_reported(tmp_path):
    root = tmp_path / "discourse" / "stance"
    root.mkdir(parents=True)
    (root / "mod.py").write_text(
        "from discourse.claims.pipeline import load_pipeline\nfrom discourse.store import Corpus\n"
    )
    assert violations(tmp_path / "discourse") == []
