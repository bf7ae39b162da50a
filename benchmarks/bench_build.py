"""Speed of the things a user waits for: `anki-build --help`, building the sample and a 4 MB book.

Run: python benchmarks/bench_build.py [BIG_NOTES_DIR]   (default: ../shared/corpus/big when present)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def stages(root: Path, out: Path) -> dict[str, float]:
    """Each stage of a build, timed on its own (derivations checked with an empty cache)."""
    import tempfile

    from anki_build.config import load_config
    from anki_build.derive import check_project
    from anki_build.diagnostics import Report
    from anki_build.identity import identify
    from anki_build.notetypes import note_types
    from anki_build.package import write_package
    from anki_build.parse import parse_project
    from anki_build.render import render_project

    report = Report()
    config = load_config(root, str(root), report)
    t0 = time.perf_counter()
    project = parse_project(root, str(root), config, report)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        checks = check_project(project, report, cache=Path(cache))
    t2 = time.perf_counter()
    deck = render_project(project, report, checks)
    t3 = time.perf_counter()
    _, lock = identify(deck, None, int(time.time()), note_types())
    write_package(deck, out, {name: int(entry["changed"]) for name, entry in lock.notetypes.items()})
    t4 = time.perf_counter()
    return {"notes": len(deck.notes), "parse_s": t1 - t0, "check_s": t2 - t1, "render_s": t3 - t2, "package_s": t4 - t3}


def main() -> None:
    exe = Path(sys.executable).with_name("anki-build")
    median, best = timed(lambda: subprocess.run([str(exe), "--help"], capture_output=True, check=True), repeat=10)
    print(f"anki-build --help: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [REPO / "notes"]
        big = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "corpus" / "big"
        if big.is_dir():
            targets.append(big)
        for root in targets:
            result = stages(root, Path(tmp) / "deck.apkg")
            size = sum(p.stat().st_size for p in root.rglob("*.md"))
            print(
                f"{root.name}: {size / 1024:.0f} KiB markdown → {result['notes']} notes; "
                f"parse {result['parse_s']:.2f} s, derivations {result['check_s']:.2f} s, "
                f"render {result['render_s']:.2f} s, "
                f"identify + package {result['package_s']:.2f} s"
            )
            try:
                from anki.collection import Collection
            except ImportError:
                continue
            sys.path.insert(0, str(REPO / "tests"))
            from conftest import import_apkg

            folder = Path(tmp) / f"col-{root.name}"
            folder.mkdir()
            col = Collection(str(folder / "collection.anki2"))
            start = time.perf_counter()
            log = import_apkg(col, Path(tmp) / "deck.apkg")
            print(f"  first import into Anki: {time.perf_counter() - start:.2f} s ({log['new']} new)")
            col.close()


if __name__ == "__main__":
    main()
