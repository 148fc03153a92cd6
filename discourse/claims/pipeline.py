"""Building the claims pipeline from pipelines/config.cfg, and its version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spacy.language import Language
from spacy.util import load_config

from discourse import __version__, pipelines
from discourse.claims import components, stance_view  # noqa: F401  (registers the factories)
from discourse.claims.attribute_rules import use_table_ruler
from discourse.claims.model import load_english
from discourse.errors import InputError


def _config(path: str | Path | None):
    path = Path(path) if path else pipelines.path("config.cfg")
    if not path.exists():
        raise InputError(f"{path}: no such pipeline config.")
    try:
        return path, load_config(
            path, overrides={"paths.pipelines": str(path.resolve().parent)}, interpolate=True
        )
    except Exception as exc:  # spaCy raises ConfigValidationError and friends
        raise InputError(f"{path}: not a valid pipeline config ({exc}).") from None


def about_threshold(config: str | Path | None = None) -> float:
    """P(about) from which the pipeline makes a sentence a statement about a target (the
    ``discourse_claims`` component's ``about`` setting in the config)."""
    _, cfg = _config(config)
    return float(cfg["components"]["discourse_claims"].get("about", 0.5))


def load_pipeline(
    config: str | Path | None = None,
    *,
    disable_claims: bool = False,
    stance_view_only: bool = False,
) -> Language:
    """The English model's components named in the config, then the project's own.
    ``disable_claims`` keeps only the practices matcher of the project's components;
    ``stance_view_only`` keeps the practices matcher and the stance view (and drops NER), which
    is what stance training needs to parse labelled sentences."""
    path, cfg = _config(config)
    keep = [c for c in cfg["nlp"]["base_components"] if not (stance_view_only and c == "ner")]
    nlp = load_english(
        exclude=[
            n
            for n in (
                "tok2vec",
                "tagger",
                "parser",
                "attribute_ruler",
                "lemmatizer",
                "ner",
                "senter",
            )
            if n not in keep
        ]
    )
    # the same tags, a sixth of the model's time faster (attribute_rules.py)
    use_table_ruler(nlp)
    if "parser" in nlp.pipe_names:  # paragraphs and headings end sentences (components.py)
        nlp.add_pipe("discourse_paragraphs", before="parser")
    for name in cfg["nlp"]["pipeline"]:
        section = dict(cfg["components"][name])
        factory = section.pop("factory")
        if disable_claims and factory != "discourse_practices":
            continue
        if stance_view_only and factory not in ("discourse_practices", "discourse_stance_view"):
            continue
        nlp.add_pipe(factory, name=name, config=section)
    nlp.add_pipe("discourse_release", last=True)  # a finished Doc serialises (components.py)
    return nlp


def pipeline_version(config: str | Path | None = None) -> str:
    """A version that changes whenever the config, its pattern and cue files, the claim
    model or discourse itself change: documents annotated by another version are redone."""
    path, cfg = _config(config)
    h = hashlib.sha256(__version__.encode())
    h.update(path.read_bytes())
    files = []
    for section in cfg["components"].values():
        for value in section.values():
            if isinstance(value, str) and Path(value).exists():
                p = Path(value)
                files += sorted(p.rglob("*")) if p.is_dir() else [p]
    cues = path.resolve().parent / "claim_cues.toml"
    if cues.exists():
        files.append(cues)
    # the components' own code: a change to how claims, targets or views are found redoes
    # the documents even before the package version moves
    package = Path(__file__).resolve().parent.parent
    files += sorted((package / "claims").glob("*.py"))
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return "claims-" + h.hexdigest()[:12]
