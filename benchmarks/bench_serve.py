"""Save → updated preview, in wall time, through the real `anki-build serve` (watcher, rebuild, HTTP).

Run: python benchmarks/bench_serve.py [NOTES_DIR] [--saves N]   (default: ../shared/corpus/big)
Each save appends a note to a different file while a long poll waits, then fetches that file's page;
prints min / median / max seconds from the write to the page holding the new card.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _poll(url: str, reply: dict[str, object]) -> None:
    reply.update(json.loads(urllib.request.urlopen(url, timeout=60).read()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notes", nargs="?", default=str(REPO.parent / "shared" / "corpus" / "big"))
    parser.add_argument("--saves", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        shutil.copytree(args.notes, root)
        from anki_build.derive.worker import cache_dir
        from anki_build.phone.assets import fetch_mathjax

        assets = fetch_mathjax(cache_dir(), announce=print).root  # as `anki-build setup-render` does
        cache = Path(tmp) / "cache"  # a cold build cache, with Anki's MathJax linked in
        cache.mkdir()
        (cache / assets.name).symlink_to(assets)
        env = {**os.environ, "ANKI_BUILD_CACHE_DIR": str(cache)}
        script = Path(sys.executable).parent / "anki-build"
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(script), "serve", str(root), "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
        )
        try:
            assert server.stdout is not None
            first = server.stdout.readline()
            base = re.search(r"http://127\.0\.0\.1:\d+/", first).group(0)  # type: ignore[union-attr]
            print(f"first build and render: {time.perf_counter() - started:.1f} s ({first.strip()})")
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
            files = sorted(root.rglob("*.md"), key=lambda p: -p.stat().st_size)[: args.saves]
            times = []
            for n, path in enumerate(files):
                page = urllib.request.urlopen(base, timeout=60).read().decode()
                version = int(re.search(r'data-version="(\d+)"', page).group(1))  # type: ignore[union-attr]
                rel = path.relative_to(root).as_posix()
                term = f"benchterm{n}"
                reply: dict[str, object] = {}
                poll = threading.Thread(target=_poll, args=(f"{base}_events?since={version}", reply))
                poll.start()
                time.sleep(0.5)
                saved = time.perf_counter()
                path.write_text(path.read_text(encoding="utf-8") + f"\n\n**{term}**: a note saved by the benchmark.\n")
                poll.join()
                shown = urllib.request.urlopen(f"{base}?file={urllib.parse.quote(rel)}", timeout=60).read().decode()
                elapsed = time.perf_counter() - saved
                assert term in shown and reply.get("changed") == rel, (reply, rel)
                times.append(elapsed)
                print(f"{rel}: {elapsed:.3f} s ({path.stat().st_size // 1024} KiB)")
            print(
                f"save → updated page: min {min(times):.3f} s, median {statistics.median(times):.3f} s, "
                f"max {max(times):.3f} s over {len(times)} saves"
            )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
