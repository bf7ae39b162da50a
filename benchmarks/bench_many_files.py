"""Build time and peak memory against the number of chapter files: time must grow linearly, and a
10,000-file (20,000-note) build must stay under 300 MB.

Each file is a chapter of its own (its own subdeck) with two notes, so both the walk and the
packaging of many decks are measured. Every build runs in a fresh process with a fresh cache: a cold
build, and then a no-op rebuild from that cache. Prints CPU seconds, CPU per 1,000 files and peak RSS.

Run: python benchmarks/bench_many_files.py [COUNT ...]   (default: 1000 2500 5000 10000)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from anki_build.commands.build import build
root, out = Path(sys.argv[1]), Path(sys.argv[2])
def cpu():  # this process and the worker processes a big cold build starts
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
rows = []
for _ in range(2):
    started = cpu()
    summary = build(root, "notes", out, check=False, write_lock=False)
    assert summary.exit_code == 0, [d.format() for d in summary.diagnostics[:5]]
    rows.append(cpu() - started)
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
row = {"notes": summary.notes, "decks": len(summary.by_chapter), "cold": rows[0], "noop": rows[1], "peak": peak}
print(json.dumps(row))
"""


def project(root: Path, count: int) -> Path:
    root.mkdir(parents=True)
    for i in range(count):
        (root / f"{i:05d}-第{i}章.md").write_text(
            f"# 第{i}章\n\n**术语{i}**：第{i}章的定义。\n\nQ: 第{i}章的问题？\nA: 第{i}章的回答。\n", encoding="utf-8"
        )
    return root


def main(counts: list[int]) -> None:
    print(f"{'files':>7} {'notes':>7} {'decks':>7} {'cold s':>8} {'no-op s':>8} {'cold s / 1k':>12} {'peak MB':>8}")
    first: float | None = None
    for count in counts:
        with tempfile.TemporaryDirectory() as scratch:
            root = project(Path(scratch) / "notes", count)
            env = {**os.environ, "ANKI_BUILD_CACHE_DIR": str(Path(scratch) / "cache")}
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, str(root), str(Path(scratch) / "deck.apkg")],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            per = row["cold"] / count * 1000
            first = first or per
            print(
                f"{count:>7} {row['notes']:>7} {row['decks']:>7} {row['cold']:>8.2f} {row['noop']:>8.2f} "
                f"{per:>8.3f} (×{per / first:.2f}) {row['peak']:>8.0f}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2500, 5000, 10000])
