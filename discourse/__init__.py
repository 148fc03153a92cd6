"""discourse: text mining for community-engagement discourse."""

__version__ = "0.1.0"

from discourse.settings import Settings  # noqa: E402
from discourse.store import Corpus  # noqa: E402

__all__ = ["Corpus", "Settings", "__version__"]
