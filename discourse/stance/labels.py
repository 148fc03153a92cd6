"""Reading stance labels from CSV or JSON Lines files (columns ``text``, ``target``, ``label``),
with a label map and a column map so public stance data sets can be used as they are. Every
error names the file, the line and the value."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import re
from pathlib import Path

from discourse.datafiles import read_jsonl
from discourse.errors import InputError
from discourse.stance import targets as _targets
from discourse.vocabulary import NOT_ABOUT, STANCES

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


@dataclasses.dataclass(frozen=True)
class Label:
    text: str
    target: str
    label: str
    origin: str  # "file, line N" or "corpus"
    group: str = ""  # labels of one page share a group: cross-validation keeps them together
    # the claim's own sentiment toward what it is about (+1, -1, 0), where a file gives it
    sentiment: int | None = None


# spellings of a sentiment value (IBM claim-stance writes 1 and -1)
SENTIMENTS = {
    "1": 1,
    "+1": 1,
    "1.0": 1,
    "positive": 1,
    "pos": 1,
    "-1": -1,
    "-1.0": -1,
    "negative": -1,
    "neg": -1,
    "0": 0,
    "0.0": 0,
    "neutral": 0,
    "": None,
}


def parse_map(spec: str | None, option: str, keys: tuple[str, ...] | None = None) -> dict:
    """``"PRO=favor,CON=against"`` as a dict; a malformed item names the option."""
    out: dict[str, str] = {}
    if not spec:
        return out
    for item in spec.split(","):
        if "=" not in item:
            raise InputError(f"{option}: {item!r} is not of the form FROM=TO.")
        src, dst = (s.strip() for s in item.split("=", 1))
        if not src or not dst:
            raise InputError(f"{option}: {item!r} is not of the form FROM=TO.")
        if keys is not None and src not in keys:
            raise InputError(f"{option}: {src!r} is not one of {', '.join(keys)}.")
        out[src] = dst
    return out


def _records(path: Path):
    """(line number, dict) for each record of a CSV or JSON Lines file."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        yield from read_jsonl(path)
        return
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    with fh:
        try:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise InputError(f"{path}: empty file, expected a CSV header line.")
            yield 0, {"__header__": reader.fieldnames}
            for row in reader:
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise InputError(f"{path}: is not UTF-8 text.") from None
        except csv.Error as exc:
            raise InputError(f"{path}, line {reader.line_num}: not valid CSV ({exc}).") from None


def read_labels(
    paths,
    *,
    label_map: dict[str, str] | None = None,
    columns: dict[str, str] | None = None,
    split: str | None = None,
    registry: dict | None = None,
    keep_not_about: bool = False,
) -> list[Label]:
    """Every label of the files, validated. ``columns`` maps our column names (text, target,
    label, split, sentiment) to the file's; ``split`` keeps only rows whose split column
    equals it. A sentiment column is read only when ``columns`` names it (a file's own
    "sentiment" field may mean something else), and must then be there: the claim's own
    sentiment toward what it is about (1 / -1 / 0, or positive / negative / neutral; empty:
    unknown), which :meth:`StanceClassifier.fit` can learn for targets without labels."""
    label_map = label_map or {}
    columns = columns or {}
    registry = registry if registry is not None else _targets.target_registry()
    names = {k: columns.get(k, k) for k in ("text", "target", "label", "split")}
    if "sentiment" in columns:
        names["sentiment"] = columns["sentiment"]
    allowed = STANCES + ((NOT_ABOUT,) if keep_not_about else ())
    out: list[Label] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"{path}: no such label file.")
        checked = False
        for n, rec in _records(path):
            if "__header__" in rec:
                _check_columns(path, rec["__header__"], names, split)
                checked = True
                continue
            if not checked:
                _check_columns(path, list(rec), names, split)
                checked = True
            where = f"{path}, line {n}"
            if split is not None and str(rec.get(names["split"], "")) != split:
                continue
            if isinstance(rec.get("stances"), dict):
                out.extend(_sentence_record(rec, where, registry, allowed))
                continue
            for key in ("text", "target", "label"):
                if names[key] not in rec:
                    raise InputError(f"{where}: no {names[key]!r} value.")
            text, target = rec[names["text"]], rec[names["target"]]
            raw = str(rec[names["label"]]).strip()
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"{where}: empty text.")
            if not isinstance(target, str) or not target.strip():
                raise InputError(f"{where}: empty target.")
            target = target.strip()
            if _SLUG.match(target) and target not in registry:
                raise InputError(
                    f"{where}: target {target!r} looks like a target id but targets.toml does "
                    f"not define it (defined: {', '.join(registry)})."
                )
            label = label_map.get(raw, raw).lower()
            if label not in allowed:
                hint = "" if label_map else "; map other labels with --label-map"
                raise InputError(
                    f"{where}: unknown label {raw!r} (expected {', '.join(allowed)}{hint})."
                )
            group = str(rec.get("url") or rec.get("group") or "")
            sentiment = None
            if "sentiment" in names:
                if names["sentiment"] not in rec:
                    raise InputError(f"{where}: no {names['sentiment']!r} value.")
                sentiment = _sentiment(rec[names["sentiment"]], where, names["sentiment"])
            out.append(Label(" ".join(text.split()), target, label, where, group, sentiment))
        if not checked:
            raise InputError(f"{path}: no labels in the file.")
    return out


def _sentiment(value, where: str, column: str) -> int | None:
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in SENTIMENTS:
        raise InputError(
            f"{where}: unknown {column} value {value!r} (expected 1, -1, 0, positive, "
            "negative, neutral or empty)."
        )
    return SENTIMENTS[key]


def _sentence_record(rec: dict, where: str, registry: dict, allowed: tuple) -> list[Label]:
    """The labels of one engagement-real style record (``text`` and ``stances``: {target:
    label}): one per target it takes a stance on, or is about (neutral); ``none`` means not
    about the target and gives no stance label unless ``allowed`` keeps it."""
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: empty text.")
    out = []
    for target, label in rec["stances"].items():
        if target not in registry:
            raise InputError(f"{where}: target {target!r} is not defined in targets.toml.")
        if label not in STANCES + (NOT_ABOUT,):
            raise InputError(f"{where}: unknown label {label!r} for {target}.")
        if label in allowed:
            group = str(rec.get("url") or rec.get("id") or "")
            out.append(Label(" ".join(text.split()), target, label, where, group))
    return out


def _check_columns(path: Path, have: list[str], names: dict, split: str | None) -> None:
    if "stances" in have and "text" in have:  # a sentence record file (engagement-real)
        return
    need = [names[k] for k in ("text", "target", "label", "sentiment") if k in names]
    if split is not None:
        need.append(names["split"])
    missing = [c for c in need if c not in have]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)} (the file has: "
            f"{', '.join(map(str, have)) or 'none'}); map columns with --columns."
        )


def data_hash(labels: list[Label]) -> str:
    """sha256 over the sorted (text, target, label) triples, with the sentiment where a label
    has one: the training data's identity."""
    h = hashlib.sha256()
    for t in sorted(
        (lb.text, lb.target, lb.label, *(() if lb.sentiment is None else (str(lb.sentiment),)))
        for lb in labels
    ):
        h.update("\x1f".join(t).encode())
        h.update(b"\x1e")
    return h.hexdigest()
