"""Build time against the number of chapter files: it must grow linearly (10,000 files once never finished).

Each file is a chapter of its own (its own subdeck) with two notes, so both the walk and the
packaging of many decks are measured. Prints CPU seconds per build and per 1,000 files.

Run: python benchmarks/bench_many_files.py [COUNT ...]   (default: 1000 2500 5000 10000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def project(root: Path, count: int) -> Path:
    root.mkdir(parents=True)
    for i in range(count):
        (root / f"{i:05d}-第{i}章.md").write_text(
            f"# 第{i}章\n\n**术语{i}**：第{i}章的定义。\n\nQ: 第{i}章的问题？\nA: 第{i}章的回答。\n", encoding="utf-8"
        )
    return root


def main(counts: list[int]) -> None:
    from anki_build.commands.build import build

    print(f"{'files':>7} {'notes':>7} {'decks':>7} {'cpu s':>8} {'wall s':>8} {'cpu s / 1k files':>17}")
    first: float | None = None
    for count in counts:
        with tempfile.TemporaryDirectory() as scratch:
            root = project(Path(scratch) / "notes", count)
            cpu, wall = time.process_time(), time.perf_counter()
            summary = build(root, "notes", Path(scratch) / "deck.apkg", check=False, write_lock=False)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert summary.exit_code == 0, [d.format() for d in summary.diagnostics[:5]]
            per = cpu / count * 1000
            first = first or per
            print(
                f"{count:>7} {summary.notes:>7} {len(summary.by_chapter):>7} {cpu:>8.2f} {wall:>8.2f} "
                f"{per:>12.3f} (×{per / first:.2f})"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2500, 5000, 10000])
