"""`make bench`: every benchmark, each printing our figures beside a peer's from the same run."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    ["benchmarks.realtext"],  # real text first
    ["benchmarks.speakers"],
    ["benchmarks.agreement"],
    ["benchmarks.polar_threshold"],
    ["benchmarks.extraction"],
    ["benchmarks.crawl"],
    ["benchmarks.claims"],
    ["benchmarks.stance"],
    ["benchmarks.annotate"],
    ["benchmarks.query"],
    ["benchmarks.store"],
    ["benchmarks.dedup"],
    ["benchmarks.copies"],
    ["benchmarks.serve"],
]


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"\n=== python -m {' '.join(module)}", flush=True)
        failed += subprocess.call([sys.executable, "-m", *module]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
