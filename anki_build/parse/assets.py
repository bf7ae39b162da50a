"""Resolving image references to files inside the notes root, and nowhere else.

Notes may come from strangers: a path that leaves the root (`../../etc/passwd.png`,
`C:/…`, a symlink pointing out) is refused with a warning, and nothing is fetched from
the network.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..diagnostics import Report
    from ..structure import Location

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|svg\+xml|webp);base64,(.*)", re.IGNORECASE | re.DOTALL)
_DATA_SUFFIX = {"png": ".png", "jpeg": ".jpg", "gif": ".gif", "svg+xml": ".svg", "webp": ".webp"}


@dataclass(frozen=True)
class Asset:
    """An image to ship with the deck: a file in the notes root, or bytes from a data: URI."""

    path: Path | None = None
    data: bytes | None = None
    suffix: str = ""

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


@dataclass
class AssetResolver:
    root: Path
    file: Path
    index: dict[str, list[Path]]
    report: Report
    _seen: set[str] = field(default_factory=set)

    def resolve_token(self, token: Token, where: Location) -> None:
        if token.type == "image" and "asset" not in token.meta:
            src = str(token.attrs.get("src", ""))
            token.meta["asset"] = self.resolve(src, where, embed=bool(token.meta.get("embed")))
        elif token.type in ("html_inline", "html_block") and "assets" not in token.meta:
            token.meta["assets"] = {
                src: self.resolve(src, where)
                for src in (next(g for g in m.groups() if g is not None) for m in _IMG_SRC.finditer(token.content))
            }

    def _warn(self, where: Location, code: str, message: str) -> None:
        if (code, message) in self._seen:
            return
        self._seen.add((code, message))  # type: ignore[arg-type]
        self.report.warning(where.path, where.line, where.col, code, message)

    def resolve(self, src: str, where: Location, *, embed: bool = False) -> Asset | None:
        src = src.strip()
        data = _DATA_URI.match(src)
        if data:
            try:
                return Asset(data=base64.b64decode(data[2], validate=False), suffix=_DATA_SUFFIX[data[1].lower()])
            except (binascii.Error, ValueError):
                self._warn(where, "image-invalid", "data: URI image is not valid base64; left out")
                return None
        if (
            re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) and not re.match(r"^[a-z]:[\\/]", src, re.IGNORECASE)
        ) or src.startswith("//"):
            self._warn(
                where,
                "image-remote",
                f"'{_short(src)}' is on the network; cards never load remote files, so it is left out",
            )
            return None
        path_text = unquote(src.split("?")[0].split("#")[0]).replace("\\", "/")
        if not path_text:
            return None
        root = self.root.resolve()
        if embed:
            return self._embed(path_text, where)
        if re.match(r"^[a-z]:/", path_text, re.IGNORECASE):
            self._warn(
                where, "image-outside-root", f"'{_short(src)}' is an absolute path outside the notes folder; left out"
            )
            return None
        candidate = (root / path_text.lstrip("/")) if path_text.startswith("/") else (self.file.parent / path_text)
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            resolved = candidate
        if not resolved.is_relative_to(root):
            self._warn(where, "image-outside-root", f"'{_short(src)}' points outside the notes folder; left out")
            return None
        return self._checked(resolved, src, where)

    def _embed(self, name: str, where: Location) -> Asset | None:
        candidates = self.index.get(Path(name).name.casefold(), [])
        if not candidates:
            self._warn(where, "image-missing", f"embedded image '{name}' is not anywhere in the notes folder")
            return None
        nearest = min(candidates, key=lambda p: (not p.is_relative_to(self.file.parent), len(p.parts), str(p)))
        return self._checked(nearest, name, where)

    def _checked(self, path: Path, src: str, where: Location) -> Asset | None:
        if not path.is_file():
            self._warn(where, "image-missing", f"image '{_short(src)}' not found")
            return None
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self._warn(
                where,
                "image-type",
                f"'{_short(src)}' is not an image type Anki shows ({', '.join(sorted(IMAGE_SUFFIXES))})",
            )
            return None
        return Asset(path=path, suffix=path.suffix.lower())


def _short(src: str) -> str:
    return src if len(src) <= 80 else src[:77] + "..."
