"""The claims stage: a spaCy pipeline over documents, declared in pipelines/config.cfg.

Components (components.py, practices.py): engagement practices, claim sentences and their
type (detector.py), holders (attribution.py), hedging and negation (hedging.py), the stance
view of each statement that tagging reads (stance_view.py); running it over the corpus is
annotate.py.
"""

from discourse.torchless import torch_hidden

with torch_hidden():  # thinc would import torch if installed (discourse/torchless.py)
    import thinc.compat  # noqa: F401
