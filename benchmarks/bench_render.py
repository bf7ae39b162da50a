"""Rendering the whole sample deck like a phone (`anki-build check --render notes`): target under 30 s.

Run: python benchmarks/bench_render.py [NOTES_DIR]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    notes = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "notes"
    runs, last = [], ""
    for _ in range(3):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "anki_build", "check", "--render", str(notes)], capture_output=True, text=True
        )
        runs.append(time.perf_counter() - started)
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    print(f"check --render {notes.name}: median {statistics.median(runs):.1f} s, best {min(runs):.1f} s — {last}")


if __name__ == "__main__":
    main()
