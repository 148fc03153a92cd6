"""The project's one vocabulary: stance labels, claim types, holder kinds. Every stage and
every command that names them imports them from here, so two exports never disagree."""

from __future__ import annotations

STANCES = ("favor", "against", "neutral")
NOT_ABOUT = "none"  # a sentence that is not about the target (engagement-real, `label` key x)
CLAIM_TYPES = ("normative", "evaluative", "causal", "predictive", "factual")
NOT_A_CLAIM = "none"
HOLDER_KINDS = ("author", "quoted")
# A quoted holder written as one of these is a speaker the page never names near the claim
# ('"...," he said'): quoted, but no one a list of sources can show.
PRONOUN_HOLDERS = ("he", "she", "they", "it", "him", "her", "them", "his", "its", "their")
