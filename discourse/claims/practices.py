"""The ``discourse_practices`` component: mentions of engagement practices and policy agendas.

Patterns live in ``pipelines/practices.jsonl`` (one phrase per line with the practice id),
and ``pipelines/targets.toml`` maps practices to stance targets, so a researcher adds terms
and targets without touching code. Mentions go to ``doc.spans["practices"]`` with the
practice id as the span's label and ``span._.targets`` listing the targets it signals.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from discourse import pipelines
from discourse.datafiles import read_jsonl, read_toml
from discourse.errors import InputError

SPANS_KEY = "practices"

if not Span.has_extension("targets"):
    Span.set_extension("targets", default=[])


def load_practice_patterns(path: str | Path) -> dict[str, list[str]]:
    """{practice id: [phrases]} from a JSON Lines pattern file; bad lines name file and line."""
    out: dict[str, list[str]] = {}
    for n, row in read_jsonl(path):
        try:
            phrase, pid = row["pattern"], row["id"]
        except KeyError:
            raise InputError(f'{path}, line {n}: expected {{"pattern": ..., "id": ...}}.') from None
        if not isinstance(phrase, str) or not phrase.strip():
            raise InputError(f"{path}, line {n}: pattern must be a non-empty string.")
        out.setdefault(pid, []).append(phrase)
    return out


def load_targets(path: str | Path) -> list[dict]:
    """The [[target]] tables of a targets file, validated."""
    targets = read_toml(path).get("target", [])
    seen = set()
    for i, t in enumerate(targets, 1):
        if not isinstance(t.get("id"), str) or not t["id"]:
            raise InputError(f"{path}: target #{i} has no id.")
        if t["id"] in seen:
            raise InputError(f"{path}: target id {t['id']!r} is defined twice.")
        seen.add(t["id"])
        if not isinstance(t.get("practices", []), list):
            raise InputError(f"{path}: target {t['id']!r}: practices must be a list.")
    return targets


@Language.factory(
    "discourse_practices",
    default_config={
        "patterns": "",
        "targets": "",
    },
)
def make_practices(nlp: Language, name: str, patterns: str, targets: str) -> Practices:
    return Practices(
        nlp,
        load_practice_patterns(patterns or pipelines.path("practices.jsonl")),
        load_targets(targets or pipelines.path("targets.toml")),
    )


class Practices:
    def __init__(self, nlp: Language, patterns: dict[str, list[str]], targets: list[dict]):
        # NORM: lower case with typographic apostrophes and quotes made plain ("citizens’")
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.tokenizer = nlp.tokenizer
        for pid, phrases in patterns.items():
            self.matcher.add(pid, list(nlp.tokenizer.pipe(phrases)))
        self.targets_of: dict[str, list[str]] = {}
        for t in targets:
            for pid in t.get("practices", []):
                self.targets_of.setdefault(pid, []).append(t["id"])

    def __call__(self, doc: Doc) -> Doc:
        spans = [
            Span(doc, start, end, label=doc.vocab.strings[match_id])
            for match_id, start, end in self.matcher(doc)
        ]
        spans = filter_spans(spans)  # longest match wins: "participatory budgeting event"
        for span in spans:
            span._.targets = list(self.targets_of.get(span.label_, []))
        doc.spans[SPANS_KEY] = spans
        if Doc.has_extension("title") and doc._.title:
            # the title's own practice phrases: a page titled "Co-production week" is about it
            tdoc = self.tokenizer(doc._.title)
            doc._.title_targets = sorted(
                {
                    t
                    for m, _, _ in self.matcher(tdoc)
                    for t in self.targets_of.get(doc.vocab.strings[m], [])
                }
            )
        return doc
