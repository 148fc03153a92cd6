"""Stance of claims toward targets (favor / against / neutral): the target-aware classifier,
its training and evaluation, tagging the corpus and labelling in the terminal."""

from discourse.stance.model import LABELS, StanceClassifier

__all__ = ["LABELS", "StanceClassifier"]
