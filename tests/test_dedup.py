"""Near-duplicate detection from the stored LSH bands flags exactly the documents the in-memory
index it replaced flagged (benchmarks/dedup.py keeps that one as the reference)."""

from __future__ import annotations

import random

import pytest
from datasketch import MinHashLSH

from benchmarks.dedup import InMemoryIndex
from discourse import Corpus
from discourse.gather import dedup
from discourse.gather.importer import import_files
from discourse.store import NewDocument, bands

from .conftest import write_jsonl

WORDS = [
    f"{a}{b}{c}"
    for a in ("ba", "co", "di", "fu", "ge", "hi", "ko", "lu", "me", "no", "pa", "ri", "so", "tu")
    for b in ("ran", "lem", "tis", "vor", "nab", "quel", "dix", "mur")
    for c in ("a", "o", "en", "ix", "um", "")
]


def test_the_stored_bands_are_the_ones_datasketch_chooses():
    lsh = MinHashLSH(threshold=dedup.NearDuplicateIndex.CANDIDATE_JACCARD, num_perm=dedup.NUM_PERM)
    assert (bands.BANDS, bands.ROWS) == (lsh.b, lsh.r)
    assert lsh.hashranges == [(i * bands.ROWS, (i + 1) * bands.ROWS) for i in range(bands.BANDS)]
    sig = dedup.minhash(" ".join(WORDS[:200]))
    keys = bands.band_keys(dedup.to_bytes(sig))
    assert [b for b, _ in keys] == list(range(lsh.b))
    # band i holds signature values [i*r, (i+1)*r), the ones datasketch hashes for band i
    assert [k for _, k in keys] == [
        sig.hashvalues[s:e].astype("<u8").tobytes() for s, e in lsh.hashranges
    ]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def planted_corpus(seed: int = 12, originals: int = 220) -> list[dict]:
    """Originals of 30-400 words, and near-duplicates planted among them: syndicated copies
    (credit line, trimmed ending), copies published before their original (so the copy
    becomes the original), copies of copies, edited copies near the threshold, and short
    copies (under 50 words: never near-duplicates). Shuffled, seeded."""
    rng = random.Random(seed)
    docs = []
    for i in range(originals):
        docs.append({"text": _text(rng, rng.randint(30, 400)), "date": f"2012-{1 + i % 12:02d}-15"})
    planted = []
    for k in range(140):
        base = rng.choice(docs + planted)
        words = base["text"].split()
        kind = k % 5
        if kind == 0:  # syndicated: credit line, last tenth dropped
            words = ["Syndicated", "from", "a", "partner", *words[: max(1, len(words) * 9 // 10)]]
        elif kind == 1:  # edited: a share of the words replaced, some near the threshold
            share = rng.choice((0.01, 0.03, 0.05, 0.08, 0.15))
            words = [rng.choice(WORDS) if rng.random() < share else w for w in words]
        elif kind == 2:  # extended: a paragraph of its own added
            words = words + _text(rng, rng.randint(5, 80)).split()
        elif kind == 3:  # trimmed hard
            words = words[: max(1, int(len(words) * rng.uniform(0.5, 0.95)))]
        else:  # the same text with a different opening
            words = [*_text(rng, 4).split(), *words[4:]]
        year = rng.choice((2010, 2011, 2013))  # before or after the originals' 2012
        planted.append({"text": " ".join(words), "date": f"{year}-{rng.randint(1, 12):02d}-01"})
    rows = docs + planted
    rng.shuffle(rows)
    return [
        {"url": f"http://planted.example/{i}", "source": f"Outlet {i % 4}", "title": f"T{i}", **r}
        for i, r in enumerate(rows)
    ]


def flags(url: str) -> dict[str, tuple[str | None, float | None]]:
    """canonical URL -> (its original's URL, similarity) for every stored document."""
    with Corpus.open(url) as c:
        return {
            r[0]: (r[1], r[2])
            for r in c.db.execute(
                "SELECT d.canonical_url, o.canonical_url, d.similarity FROM documents d "
                "LEFT JOIN documents o ON o.id = d.duplicate_of"
            )
        }


def import_runs(url: str, runs: list, index=None, batch_size: int = 16) -> None:
    """Import each file of ``runs`` in its own run (one index per file), as `discourse import`."""
    with Corpus.open(url) as c:
        import_files(c, runs, batch_size=batch_size, near_duplicates=index)


@pytest.fixture(scope="module")
def planted_files(tmp_path_factory):
    """The planted corpus in two files: a stored corpus, then a later run into it."""
    tmp = tmp_path_factory.mktemp("planted")
    rows = planted_corpus()
    cut = len(rows) * 3 // 5
    return [
        write_jsonl(tmp / "first.jsonl", rows[:cut]),
        write_jsonl(tmp / "later.jsonl", rows[cut:]),
    ]


@pytest.fixture(scope="module")
def reference_flags(planted_files, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'c.db'}"
    import_runs(url, planted_files, InMemoryIndex)
    return flags(url)


def test_planted_corpus_exercises_every_path(reference_flags):
    """The reference run flags planted copies, lets an earlier copy replace its original, and
    leaves short copies alone: the comparison below is not between two empty sets."""
    near = [u for u, (orig, _) in reference_flags.items() if orig]
    assert len(near) >= 60
    sims = [s for _, s in reference_flags.values() if s is not None]
    assert min(sims) < 0.9 < max(sims)


def test_stored_bands_flag_the_same_documents_as_the_in_memory_index(
    planted_files, reference_flags, corpus_url
):
    import_runs(corpus_url, planted_files)
    assert flags(corpus_url) == reference_flags


def test_an_earlier_published_copy_replaces_its_original_in_both(tmp_path):
    """Replacement mid-run: the demoted original still matches later copies in that run."""
    rng = random.Random(3)
    text = _text(rng, 300)
    rows = [
        {"url": "http://r.example/orig", "text": text, "date": "2012-05-01"},
        {"url": "http://r.example/early", "text": "Via a wire " + text, "date": "2011-01-01"},
        {"url": "http://r.example/late", "text": text + " Copyright a paper", "date": "2013-01-01"},
    ]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    got = {}
    for name, index in (("stored", None), ("reference", InMemoryIndex)):
        url = f"sqlite:///{tmp_path / name}.db"
        import_runs(url, [path], index)
        got[name] = flags(url)
    assert got["stored"] == got["reference"]
    assert got["stored"]["http://r.example/orig"][0] == "http://r.example/early"
    assert got["stored"]["http://r.example/early"][0] is None


def test_an_import_reads_the_signatures_of_band_sharing_originals_only(tmp_path):
    """A run loads no signature but its candidates': stored signatures nothing can read (too
    short for any band) stop the in-memory index, which loaded them all, and not this one."""
    rng = random.Random(5)
    text = _text(rng, 250)
    path = tmp_path / "c.db"
    with Corpus(path) as c:
        for i in range(40):
            c.documents.add(
                NewDocument(url=f"http://u.example/{i}", canonical_url=f"http://u.example/{i}",
                            text=_text(rng, 120), content_hash=f"u{i}",
                            minhash=(2).to_bytes(8, "little") * 2)
            )  # fmt: skip
    rows = [{"url": "http://o.example/a", "text": text, "date": "2012-01-01"}]
    copies = [
        {"url": "http://o.example/b", "text": "From the wires. " + text, "date": "2012-02-01"}
    ]
    with Corpus(path) as c:
        import_files(c, [write_jsonl(tmp_path / "a.jsonl", rows)])
        report = import_files(c, [write_jsonl(tmp_path / "b.jsonl", copies)])[0][1]
        assert report.near_duplicates == 1
        with pytest.raises(ValueError, match="hash values and permutations mismatch"):
            import_files(c, [tmp_path / "b.jsonl"], near_duplicates=InMemoryIndex)
    assert flags(f"sqlite:///{path}")["http://o.example/b"][0] == "http://o.example/a"
