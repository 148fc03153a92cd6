"""Storage: the only part of discourse that speaks SQL."""

from discourse.store.corpus import Corpus
from discourse.store.records import NewDocument, SourceSpec
from discourse.store.sqlite import LATEST_VERSION, Database

__all__ = ["Corpus", "Database", "LATEST_VERSION", "NewDocument", "SourceSpec"]
