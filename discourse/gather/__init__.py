"""Gather: fetch feeds, sitemaps and pages politely, extract the main text and metadata,
deduplicate, and store documents in the corpus (``discourse crawl``, ``discourse import``)."""
