"""`make demo`: the main job on the bundled sample corpus, offline.

Serves corpora/sample/site on 127.0.0.1, crawls its feeds into demo-output/corpus.db,
and runs every later stage that exists. Run with ``python -m discourse.demo``.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

from discourse.gather.crawler import Crawler
from discourse.gather.sources import load_sources
from discourse.hints import command, here
from discourse.sampleserver import SampleServer
from discourse.settings import Settings
from discourse.store import Corpus

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"


def write_sources(manifest: Path, base: str, out: Path) -> Path:
    """sources.toml for the sample corpus served at ``base``."""
    import tomli_w

    sources = json.loads(manifest.read_text())["sources"]
    entries = []
    for src in sources:
        entry = {
            "name": src["name"],
            "kind": src["kind"],
            "urls": [base + u for u in src["urls"]],
            "tags": src.get("tags", []),
        }
        if src.get("homepage"):
            entry["homepage"] = base + src["homepage"]
        entries.append(entry)
    out.write_text(tomli_w.dumps({"source": entries}))
    return out


class _Collect(logging.Handler):
    """Holds the crawl's warnings so the demo can explain them instead of printing them bare."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _crawl(corpus: Corpus, settings: Settings, sources: Path, manifest: Path) -> None:
    """Step 1: crawl the sample, then say what the crawl found, explaining the feed that is
    malformed on purpose (the sample includes one to show tolerant parsing)."""
    on_purpose = {
        s["name"]: s["malformed_on_purpose"]
        for s in json.loads(manifest.read_text())["sources"]
        if s.get("malformed_on_purpose")
    }
    logger = logging.getLogger("discourse")
    held, propagate = _Collect(), logger.propagate
    logger.addHandler(held)
    logger.propagate = False
    try:
        crawler = Crawler(corpus, settings, progress=sys.stderr.isatty(), log_fetches=False)
        crawler.sync_sources(load_sources(sources))
        report = crawler.run_once()
    finally:
        logger.removeHandler(held)
        logger.propagate = propagate
    print(f"   {report.summary()}")
    explained = set()
    for h in corpus.sources.health():
        print(f"   {h.name:<36} {h.status:<8} {h.documents:>3} documents")
        if h.parse_problem and h.name in on_purpose:
            explained.add(h.parse_problem)
            print(
                f"     its feed is malformed on purpose ({on_purpose[h.name]}); discourse read "
                f"it as far as it could and stored its {h.documents} articles (the parser "
                f"said: {h.parse_problem}; `discourse sources list` shows it too)"
            )
    for record in held.records:
        message = record.getMessage()
        if not any(problem in message for problem in explained):
            print(f"   warning: {message}")


def _show_claims(corpus: Corpus, n: int = 8) -> None:
    """A few claims of the archetype post: who holds what, how firmly, for or against what."""
    version = (corpus.stance.current_model() or {}).get("version")
    for doc in corpus.documents.all():
        if "long overdue" not in doc.text:
            continue
        print(f"   claims in {doc.source}: {doc.title!r} ({doc.published})")
        shown = 0
        for row in corpus.analysis.sentences(doc.id):
            if row["claim_id"] and row["targets"] != "[]" and shown < n:
                flags = "".join(
                    f" [{k}: {row[k + '_cue']}]" for k in ("hedge", "negation") if row[k + "_cue"]
                )
                stances = "".join(
                    f" [{t['target']}: {t['label']}{'?' if t['uncertain'] else ''}]"
                    for t in corpus.stance.tags_of(row["claim_id"], version)
                )
                # a statement that is about a target but makes no claim has no type or holder
                kind = row["claim_type"] or "about"
                print(
                    f"   - {kind:<10} {row['holder'] or '-':<22.22} "
                    f"{row['text'][:90]!r}{flags}{stances}"
                )
                shown += 1
        return


def main(out: str = "demo-output", *, gather_only: bool = False) -> int:
    """Run the demo into ``out`` (relative to the project); ``gather_only`` stops after step 1."""
    out_dir = ROOT / out
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    db = out_dir / "corpus.db"
    with SampleServer(SAMPLE / "site") as server:
        sources = write_sources(SAMPLE / "manifest.json", server.base, out_dir / "sources.toml")
        settings = Settings.resolve(
            {
                "db": str(db),
                "sources": str(sources),
                "allow_private_addresses": True,
                "per_host_delay": 0.05,
                "contact": "demo@localhost",
            },
            cwd=out_dir,
            env={},
        )
        print(f"1. gather: serving the sample corpus at {server.base}; crawling its feeds")
        print(
            f"   ({command('--db', db, 'crawl', '--sources', sources, '--allow-private-addresses')})"
        )
        with Corpus(db) as corpus:
            _crawl(corpus, settings, sources, SAMPLE / "manifest.json")
            dups = [d for d in corpus.documents.all() if d.duplicate_of]
            for d in dups:
                original = corpus.documents.get(d.duplicate_of)
                print(
                    f"   near-duplicate: {d.source}: {d.title!r} -> {original.source}: {original.title!r}"
                )
            if gather_only:
                return 0
            print("\n2. claims: the spaCy pipeline over every original document")
            print(f"   ({command('--db', db, 'annotate')})")
            from discourse.claims.annotate import annotate

            report = annotate(corpus, batch_size=settings.batch_size, progress=False)
            print(f"   {report.summary()}")
            print("\n3. stance: the bundled model over every claim that mentions a target")
            print(f"   ({command('--db', db, 'tag')})")
            from discourse.stance.tag import tag

            tagged = tag(corpus, progress=False)
            print(f"   {tagged.summary()}")
            for target, counts in tagged.counts.items():
                shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                print(f"   {target:<22} {shown}")
            _show_claims(corpus)
            print("\n4. use: stance summary by holder, and the HTML report")
            summary_cmd = command("--db", db, "summary", "--by", "holder")
            print(f"   ({summary_cmd}; {command('--db', db, 'report')})")
            from discourse.use.report import write_report
            from discourse.use.summary import format_table, summary

            table = format_table(summary(corpus, by=["holder"]))
            print("\n".join("   " + line for line in table.splitlines()[:7]))
            report_path = write_report(corpus, out_dir / "report.html")
            stats = corpus.stats()
    print(f"\ncorpus: {here(db)} ({stats['documents']} documents, {stats['claims']} claims)")
    print(f"report: {here(report_path)}")
    print(f"next: {command('--db', db, 'serve')}   # browse it at http://127.0.0.1:8001/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
