"""Render-check results remembered by exactly what produced them, so a re-check renders only new sides.

A side's measurements depend on its HTML (the card CSS is inside it, images are content-hashed media
names), the engine, day or night, the viewport, and the renderer: Chromium's binary, Anki's MathJax
version and anki-build's own code (which holds the measuring script). The key covers all of them; an
entry that fails to parse, or whose key does not match, is rendered again. Deleting the folder is safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path

from ..files import write_cache
from .browser import SideResult

FORMAT = 1


def renderer_id(engine: str, height: int) -> str:
    """Everything outside the card that shapes its measurements."""
    from ..incremental import code_version
    from .assets import AQT_VERSION
    from .browser import find_chromium, find_webkit

    parts = [f"format {FORMAT}", code_version(), AQT_VERSION, engine, str(height)]
    if engine == "chromium":
        binary = Path(find_chromium()).resolve()
        stat = binary.stat()
        parts += [str(binary), str(stat.st_size), str(stat.st_mtime_ns)]
    else:
        parts += [repr(find_webkit())]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class SideMemo:
    """One JSON file per side under `folder` (None: remember nothing)."""

    def __init__(self, folder: Path | None, renderer: str) -> None:
        self.folder, self.renderer = folder, renderer
        self.reused = 0

    def key(self, mode: str, side_html: str) -> str:
        return hashlib.sha256(f"{self.renderer}\x00{mode}\x00{side_html}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, side_id: str) -> SideResult | None:
        if self.folder is None:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            result = SideResult(
                id=side_id,
                math=int(data["math"]),
                problems=[{str(k): str(v) for k, v in p.items()} for p in data["problems"]],
                viewport=[int(v) for v in data["viewport"]],
                measures=dict(data["measures"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(self._path(key))  # still in use: prune keeps it
        self.reused += 1
        return result

    def put(self, key: str, result: SideResult) -> None:
        if self.folder is None:
            return
        path = self._path(key)
        data = {
            "format": FORMAT,
            "key": key,
            "math": result.math,
            "problems": result.problems,
            "viewport": result.viewport,
            "measures": result.measures,
        }
        try:
            text = json.dumps(data, ensure_ascii=False)
        except (TypeError, ValueError):  # measurements the memo cannot hold: measured again next time
            return
        write_cache(path, text.encode())

    def prune(self, age: float = 30 * 86400) -> None:
        """Sides nobody has checked for a month go (old versions of edited cards)."""
        prune_folder(self.folder, age)


def prune_folder(folder: Path | None, age: float) -> None:
    """Remove the entries (`folder/xx/key.json`) not used for `age` seconds: a hit touches its file."""
    if folder is None:
        return
    now = time.time()
    with contextlib.suppress(OSError):
        for path in folder.glob("*/*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > age:
                    path.unlink()


def due_for_pruning(stamp: Path, every: float = 86400) -> bool:
    """True at most once per `every` seconds (the time of the `stamp` file): pruning walks every entry."""
    try:
        if time.time() - stamp.stat().st_mtime < every:
            return False
    except OSError:
        pass
    with contextlib.suppress(OSError):
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    return True
