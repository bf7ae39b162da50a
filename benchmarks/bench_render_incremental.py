"""`check --render` after a one-note edit against a cold render check (target ≤ 15 %).

Run: python benchmarks/bench_render_incremental.py [NOTES_DIR] [--rounds N]   (default: the sample notes)
Each round: a fresh cache (Anki's MathJax linked in), a cold check, one note appended, a second check.
Prints wall time and CPU time (this process and every browser it launched) with min / median ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(notes: Path, env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "anki_build", "check", "--render", str(notes)], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return wall, cpu, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notes", nargs="?", default=str(REPO / "notes"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import fetch_mathjax

    assets = fetch_mathjax(cache_dir(), announce=print).root  # as `anki-build setup-render` does
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        shutil.copytree(args.notes, root)
        edited = max(root.rglob("*.md"), key=lambda p: p.stat().st_size)
        for round_ in range(args.rounds):
            cache = Path(tmp) / f"cache{round_}"
            cache.mkdir()
            (cache / assets.name).symlink_to(assets)
            env = {**os.environ, "ANKI_BUILD_CACHE_DIR": str(cache)}
            cold_wall, cold_cpu, cold_line = timed(root, env)
            with edited.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\n**benchterm{round_}**: one more note to render.\n")
            one_wall, one_cpu, one_line = timed(root, env)
            walls.append(one_wall / cold_wall)
            cpus.append(one_cpu / cold_cpu)
            print(
                f"round {round_}: cold {cold_wall:.1f} s wall / {cold_cpu:.1f} s CPU; after one edit "
                f"{one_wall:.1f} s / {one_cpu:.1f} s\n  {cold_line}\n  {one_line}"
            )
    print(f"one edit / cold, wall: min {min(walls):.3f}, median {statistics.median(walls):.3f}")
    print(f"one edit / cold, CPU:  min {min(cpus):.3f}, median {statistics.median(cpus):.3f}")


if __name__ == "__main__":
    main()
