"""Render-check results remembered by exactly what produced them, so a re-check renders only new sides.

A side's measurements depend on its HTML (the card CSS is inside it, images are content-hashed media
names), the engine, day or night, the viewport, and the renderer: Chromium's binary, Anki's MathJax
version and anki-build's own code (which holds the measuring script). The key covers all of them; an
entry that fails to parse, or whose key does not match, is rendered again. Deleting the folder is safe.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..files import JsonMemo
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


class SideMemo(JsonMemo):
    """One JSON file per side, keyed by the side's HTML, the mode and the renderer."""

    format = FORMAT

    def __init__(self, folder: Path | None, renderer: str) -> None:
        super().__init__(folder)
        self.renderer = renderer

    def key(self, mode: str, side_html: str) -> str:
        return hashlib.sha256(f"{self.renderer}\x00{mode}\x00{side_html}".encode()).hexdigest()

    def get(self, key: str, side_id: str) -> SideResult | None:
        data = self.read(key)
        if data is None:
            return None
        try:
            result = SideResult(
                id=side_id,
                math=int(data["math"]),  # type: ignore[call-overload]
                problems=[{str(k): str(v) for k, v in p.items()} for p in data["problems"]],  # type: ignore[attr-defined]
                viewport=[int(v) for v in data["viewport"]],  # type: ignore[attr-defined]
                measures=dict(data["measures"]),  # type: ignore[call-overload]
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        self.hit(key)
        return result

    def put(self, key: str, result: SideResult) -> None:
        data = {"math": result.math, "problems": result.problems, "viewport": result.viewport}
        self.write(key, {**data, "measures": result.measures})
