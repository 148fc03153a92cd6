"""The claims stage: a spaCy pipeline over documents (see pipelines/).

Built so far: loading the English model under either package name, and the
``discourse_practices`` component that marks engagement practices and maps them to
stance targets. Claim detection, attribution, hedging and negation are not built yet.
"""
