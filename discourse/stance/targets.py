"""Stance targets: the ids of ``pipelines/targets.toml``, or free text naming a target as public
stance data sets do ("This house believes that the sale of violent video games to minors should
be banned")."""

from __future__ import annotations

import re
from pathlib import Path

from discourse import pipelines
from discourse.claims.practices import load_targets
from discourse.errors import InputError

_MOTION = re.compile(
    r"^\s*(this house|we)\s+(believes? that|believes?|would|should|supports?)\s*", re.I
)
_WORD = re.compile(r"[a-z][a-z'-]*")
STOPWORDS = frozenset(
    "a an the of to in on for and or by with at from as is are be been being that this these "
    "those it its should would could will can may must all any some more most other such than "
    "there their they them we our us you your he she his her not no".split()
)


def target_registry(path: str | Path | None = None) -> dict[str, dict]:
    """{id: {"name", "description", "polarity"}} for every target in the targets file."""
    path = Path(path) if path else pipelines.path("targets.toml")
    out = {}
    for t in load_targets(path):
        polarity = t.get("polarity", 1)
        if polarity not in (1, -1):
            raise InputError(f"{path}: target {t['id']!r}: polarity must be 1 or -1.")
        out[t["id"]] = {
            "name": str(t.get("name", t["id"])),
            "description": str(t.get("description", "")),
            "polarity": polarity,
        }
    return out


def check_target(target_id: str, path: str | Path | None = None) -> dict:
    """The registry entry of ``target_id``, or an InputError listing the defined ids."""
    path = Path(path) if path else pipelines.path("targets.toml")
    registry = target_registry(path)
    if target_id not in registry:
        raise InputError(
            f"--target {target_id!r}: not defined in {path} (defined: {', '.join(registry)})."
        )
    return registry[target_id]


def normalise(target: str) -> str:
    """The key a free-text target is known by: lower case, single spaces."""
    return " ".join(target.lower().split())


# "against" opposes after these ("This house is/votes/would legislate against X"); after a
# noun it only names what the thing is aimed at ("the military operations against Gaza were
# justified", "the war against drugs").
_OPPOSING_AGAINST = frozenset(
    "be is are was were been being am stand stands stood vote votes voted voting campaign "
    "campaigns campaigned argue argues argued speak speaks spoke legislate legislates rule "
    "rules ruled decide decides decided turn turns turned come comes go goes went".split()
)


def polarity(target: str, flip_words: frozenset[str]) -> int:
    """+1 if a free-text target supports the thing it names, -1 if it opposes it: each flip
    word ("ban", "abolish", "not", ...) turns the sign once; "against" only where it opposes
    (after a form of "be" or a verb such as "vote"), not where it follows a noun."""
    text = _MOTION.sub("", target.lower())
    sign = 1
    words = _WORD.findall(text)
    for i, word in enumerate(words):
        if word == "against" and i > 0 and words[i - 1] not in _OPPOSING_AGAINST:
            continue
        if word in flip_words:
            sign = -sign
    return sign


def keywords(target: str) -> frozenset[str]:
    """Content words of a free-text target, with a crude stem, to find it in a claim."""
    text = _MOTION.sub("", target.lower())
    return frozenset(stem(w) for w in _WORD.findall(text) if w not in STOPWORDS and len(w) > 2)


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
