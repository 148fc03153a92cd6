"""Storage: the only part of discourse that speaks SQL."""

from .corpus import Corpus
from .records import NewDocument, SourceSpec
from .sqlite import LATEST_VERSION, Database

__all__ = ["Corpus", "Database", "LATEST_VERSION", "NewDocument", "SourceSpec"]
