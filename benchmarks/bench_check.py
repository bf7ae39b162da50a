"""`anki-build check NOTES_DIR` twice with an empty cache: the second run must cost < 10 % of the first.

Run: python benchmarks/bench_check.py [NOTES_DIR]   (default: notes/)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(notes: Path, cache: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "anki_build", "check", str(notes)],
        env={**os.environ, "ANKI_BUILD_CACHE_DIR": cache},
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def main() -> None:
    notes = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "notes"
    firsts, seconds = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as cache:
            firsts.append(run(notes, cache))
            seconds.append(statistics.median(run(notes, cache) for _ in range(3)))
    first, second = statistics.median(firsts), statistics.median(seconds)
    print(
        f"check {notes.name}: first run {first:.2f} s (empty cache), unchanged re-run {second:.2f} s "
        f"= {100 * second / first:.1f} % of the first"
    )


if __name__ == "__main__":
    main()
