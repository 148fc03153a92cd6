"""Active learning in the terminal (`discourse label`): show the claims the model is least sure
about, with their context, and save each label to the corpus at once."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections import Counter
from pathlib import Path

import click

from discourse.errors import InputError
from discourse.hints import command
from discourse.stance.targets import check_target
from discourse.stance.train import LABELS_PATH, load_stance_model
from discourse.store import Corpus

KEYS = {"f": "favor", "a": "against", "n": "neutral", "x": "none"}
HELP = "[f]avor [a]gainst [n]eutral [x] not about target  [s]kip [u]ndo [q]uit"


def _read_key(prompt: str) -> str | None:
    """One key: a keypress on a terminal, else one line of the piped input (None at EOF)."""
    click.echo(prompt, nl=False)
    if sys.stdin.isatty():
        key = click.getchar()
        click.echo(key)
        return key.lower()
    line = sys.stdin.readline()
    if not line:
        click.echo()
        return None
    key = line.strip().lower()[:1]
    click.echo(key)
    return key


def least_certain(corpus: Corpus, target: str, model, count: int, pool: int = 5000) -> list:
    """(claim id, text, model label, probability) of the ``count`` candidates with the lowest
    top probability (uncertainty sampling), out of the newest ``pool`` unlabelled claims."""
    candidates = corpus.stance.candidates(target, limit=pool)
    if not candidates:
        return []
    rows = [(text, target, view) for _, text, view in candidates]
    proba = model.predict_proba(rows)
    order = proba.max(1).argsort(kind="stable")[:count]
    return [
        (
            candidates[i][0],
            candidates[i][1],
            str(model.classes_[proba[i].argmax()]),
            float(proba[i].max()),
        )
        for i in order
    ]


def _show(corpus: Corpus, k: int, total: int, item: tuple, target: str) -> None:
    claim_id, text, guess, p = item
    ctx = corpus.stance.context(claim_id)
    holder = "author" if ctx["holder_kind"] == "author" else f"quoted: {ctx['holder']}"
    wrap = textwrap.TextWrapper(width=88, initial_indent="    ", subsequent_indent="    ")
    click.echo("")
    click.echo(f"[{k}/{total}] claim {claim_id} | target {target} | model: {guess} ({p:.2f})")
    click.echo(f"  {ctx['source'] or '-'} | {(ctx['published'] or '')[:10]} | {ctx['title'] or ''}")
    click.echo(f"  holder: {holder} | type: {ctx['claim_type']}")
    if ctx["before"]:
        click.echo(wrap.fill("... " + ctx["before"]))
    click.echo(click.style(wrap.fill(">>> " + text), bold=True))
    if ctx["after"]:
        click.echo(wrap.fill(ctx["after"] + " ..."))


def run_session(
    corpus: Corpus,
    target: str,
    *,
    count: int = 50,
    model_dir=None,
    annotator: str | None = None,
) -> str:
    """Label up to ``count`` claims about ``target``; return a one-line summary."""
    check_target(target)
    if count < 1:
        raise InputError(f"--n {count}: must be at least 1.")
    model = load_stance_model(model_dir)
    items = least_certain(corpus, target, model, count)
    if not items:
        return (
            f"no unlabelled claims mention {target!r}; crawl and `discourse annotate` first, "
            "or every such claim is labelled already."
        )
    session = uuid.uuid4().hex[:12]
    click.echo(f"{len(items)} claims to label for {target!r}, least certain first. {HELP}")
    history: list[tuple[int, int, str]] = []  # (item index, label id, label)
    done: Counter = Counter()
    skipped = 0
    k = 0
    try:
        while k < len(items):
            _show(corpus, k + 1, len(items), items[k], target)
            key = _read_key(f"  {HELP} > ")
            if key is None or key == "q":
                break
            if key == "u":
                if not history:
                    click.echo("  nothing to undo")
                    continue
                k, label_id, undone = history.pop()
                corpus.stance.delete_label(label_id)
                done[undone] -= 1
                click.echo(f"  undone: {undone}")
                continue
            if key == "s":
                skipped += 1
                k += 1
                continue
            if key not in KEYS:
                click.echo(f"  unknown key {key!r}: {HELP}")
                continue
            claim_id, text, _, _ = items[k]
            label = KEYS[key]
            label_id = corpus.stance.add_label(
                claim_id, text, target, label, annotator=annotator, session=session
            )
            history.append((k, label_id, label))
            done[label] += 1
            k += 1
    except (KeyboardInterrupt, click.Abort):
        click.echo("\ninterrupted")
    shown = ", ".join(f"{lb} {n}" for lb, n in sorted(done.items()) if n) or "none"
    export = command(
        "--db", Path(corpus.path), "export", "labels", "--format", "jsonl", "--out", "labels.jsonl"
    )
    return (
        f"{sum(done.values())} labels saved for {target!r} ({shown}), {skipped} skipped. "
        f"Export: {export}; retrain: {retrain_command(corpus.path)}"
    )


def retrain_command(db) -> str:
    """`discourse train` on the bundled training labels (when this checkout has them) plus
    the corpus's own labels, which train reads from the --db given."""
    args: list = ["--db", Path(db), "train"]
    if LABELS_PATH.exists():
        args += ["--labels", LABELS_PATH, "--split", "train"]
    return command(*args, "--out", "stance-model")
