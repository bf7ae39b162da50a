"""Rebuild costs against a cold build and the parse floor (markdown-it + dollarmath on the same files).

Run: python benchmarks/bench_incremental.py [NOTES_DIR] [--rounds N]   (default: ../shared/corpus/big)
CPU time of this process and of the worker processes it started (a cold build of a big folder
spreads over the cores), interleaved rounds; prints min and median of each ratio, and the cold
build's wall time against its CPU time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def floor(files: list[Path]) -> float:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark").use(dollarmath_plugin)
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    start = time.process_time()
    for text in texts:
        md.parse(text)
    return time.process_time() - start


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(root: Path, out: Path, walls: list[float] | None = None) -> float:
    from anki_build.commands.build import build

    start, children, wall = time.process_time(), _children(), time.perf_counter()
    build(root, "notes", out, now=1_900_000_000, write_lock=False, check=False)
    if walls is not None:
        walls.append(time.perf_counter() - wall)
    return time.process_time() - start + _children() - children


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notes", nargs="?", default=str(REPO.parent / "shared" / "corpus" / "big"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        shutil.copytree(args.notes, root)
        files = sorted(root.rglob("*.md"))
        edited = max(files, key=lambda p: p.stat().st_size)
        ratios: dict[str, list[float]] = {
            "cold/floor": [],
            "cold wall/floor": [],
            "no-op/cold": [],
            "one edit/cold": [],
        }
        for round_ in range(args.rounds):
            base = floor(files)
            os.environ["ANKI_BUILD_CACHE_DIR"] = str(Path(tmp) / f"cache{round_}")
            walls: list[float] = []
            cold = timed_build(root, Path(tmp) / "deck.apkg", walls)
            noop = timed_build(root, Path(tmp) / "deck.apkg")
            edited.write_text(edited.read_text(encoding="utf-8") + f"\n\n**term{round_}**: one more note.\n")
            one = timed_build(root, Path(tmp) / "deck.apkg")
            ratios["cold/floor"].append(cold / base)
            ratios["no-op/cold"].append(noop / cold)
            ratios["one edit/cold"].append(one / cold)
            ratios["cold wall/floor"].append(walls[0] / base)
            print(
                f"round {round_}: floor {base:.2f} s, cold {cold:.2f} s CPU ({walls[0]:.2f} s wall), "
                f"no-op {noop:.2f} s, one edit {one:.2f} s"
            )
        for name, values in ratios.items():
            print(f"{name}: min {min(values):.3f}, median {statistics.median(values):.3f}")


if __name__ == "__main__":
    main()
