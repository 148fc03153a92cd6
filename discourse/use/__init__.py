"""Use: search the tagged corpus, summarise stance, export, chart, report and serve it."""
