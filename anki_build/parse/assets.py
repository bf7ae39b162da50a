"""Resolving image references to files inside the notes root, and nowhere else.

Notes may come from strangers. A reference is read the way a browser reads it (WHATWG URL rules:
tabs and newlines ignored, `\\` is `/`, `//host` and `/\\host` are network addresses), and only a
relative path that stays inside the root, through no symlink out of it, to a regular image file
under the size limit becomes media. Everything else is left out with a warning; nothing is ever
fetched from the network.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from ..files import NotRegularFile, TooLarge, check_regular, human_size, read_regular

if TYPE_CHECKING:
    from ..diagnostics import Report
    from ..structure import Location

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|svg\+xml|webp);base64,(.*)", re.IGNORECASE | re.DOTALL)
_DATA_SUFFIX = {"png": ".png", "jpeg": ".jpg", "gif": ".gif", "svg+xml": ".svg", "webp": ".webp"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Schemes nh3 must let through so that every <img src> is seen (and warned about), not only relative ones.
_ANY_SCHEME = {
    *"abcdefghijklmnopqrstuvwxyz",
    *("http", "https", "ftp", "ftps", "sftp", "file", "data", "blob", "javascript", "vbscript", "about"),
    *("ws", "wss", "mailto", "chrome", "filesystem", "jar", "smb", "gopher", "ldap", "irc", "tel", "ssh"),
}


def classify(src: str) -> tuple[str, str]:
    """(kind, value): `data`, `remote` (a network or other URL), `absolute` (a local path outside) or `relative`."""
    text = re.sub(r"[\t\n\r]", "", src).strip(" \x00-\x1f")
    scheme = _SCHEME.match(text)
    if scheme:
        name = scheme[1].lower()
        if name == "data":
            return "data", text
        if len(name) == 1:  # `C:\Windows\…`, `C:/…`, even percent-encoded: a Windows drive
            return "absolute", text
        if name == "file":
            return "absolute", text
        return "remote", text
    decoded = unquote(text).replace("\\", "/")
    if text.replace("\\", "/").startswith("//") or decoded.startswith("//"):
        return "remote", text
    return "relative", decoded.split("?")[0].split("#")[0]


def html_image_sources(fragment: str) -> list[str]:
    """Every `<img src>` in raw HTML, as a browser's parser (html5ever, through nh3) reads it."""
    import nh3

    found: list[str] = []

    def collect(tag: str, attribute: str, value: str) -> None:
        found.append(value)

    nh3.clean(fragment, tags={"img"}, attributes={"img": {"src"}}, attribute_filter=collect, url_schemes=_ANY_SCHEME)
    return found


@dataclass(frozen=True)
class Asset:
    """An image to ship with the deck: a file in the notes root, or bytes from a data: URI."""

    path: Path | None = None
    data: bytes | None = None
    suffix: str = ""

    def read(self, limit: int) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return read_regular(self.path, limit)


@dataclass
class AssetResolver:
    root: Path
    file: Path
    index: dict[str, list[Path]]
    report: Report
    max_bytes: int = MAX_IMAGE_BYTES
    _seen: set[tuple[str, str, Location]] = field(default_factory=set)
    trace: list[list[object]] = field(default_factory=list)  # every file-system answer used (see `replay`)

    def _warn(self, where: Location, code: str, message: str) -> None:
        if (code, message, where) in self._seen:
            return
        self._seen.add((code, message, where))
        self.report.warning(where.path, where.line, where.col, code, message)

    def resolve(self, src: str, where: Location, *, embed: bool = False) -> Asset | None:
        kind, value = classify(src)
        shown = _short(unquote(src.strip()) if kind == "relative" else src.strip())
        if kind == "data":
            return self._data_uri(value, where)
        if kind == "remote":
            self._warn(where, "image-remote", f"'{shown}' is a URL; cards never load anything remote; left out")
            return None
        if kind == "absolute":
            self._warn(where, "image-outside-root", f"'{shown}' is an absolute path outside the notes folder; left out")
            return None
        if not value:
            return None
        if "\x00" in value:
            self._warn(where, "image-missing", f"'{shown}' is not a valid file name (it holds a NUL); left out")
            return None
        if embed:
            return self._embed(value, where)
        root = self.root.resolve()
        candidate = (root / value.lstrip("/")) if value.startswith("/") else (self.file.parent / value)
        resolved = _resolved(candidate)
        self.trace.append(["resolve", str(candidate), str(resolved)])
        if not resolved.is_relative_to(root):
            self._warn(where, "image-outside-root", f"'{shown}' points outside the notes folder; left out")
            return None
        return self._checked(resolved, shown, where)

    def _data_uri(self, value: str, where: Location) -> Asset | None:
        data = _DATA_URI.match(value)
        if not data:
            self._warn(where, "image-invalid", "data: URI is not a base64 PNG, JPEG, GIF, SVG or WebP image; left out")
            return None
        try:
            decoded = base64.b64decode(re.sub(r"\s+", "", data[2]), validate=False)
        except (binascii.Error, ValueError):
            self._warn(where, "image-invalid", "data: URI image is not valid base64; left out")
            return None
        if len(decoded) > self.max_bytes:
            self._too_large(where, "data: URI image", len(decoded))
            return None
        return Asset(data=decoded, suffix=_DATA_SUFFIX[data[1].lower()])

    def _embed(self, name: str, where: Location) -> Asset | None:
        candidates = self.index.get(Path(name).name.casefold(), [])
        self.trace.append(["embed", Path(name).name.casefold(), [str(p) for p in candidates]])
        if not candidates:
            self._warn(where, "image-missing", f"embedded image '{_short(name)}' is not anywhere in the notes folder")
            return None
        nearest = min(candidates, key=lambda p: (not p.is_relative_to(self.file.parent), len(p.parts), str(p)))
        return self._checked(nearest, _short(name), where)

    def _too_large(self, where: Location, what: str, size: int) -> None:
        self._warn(
            where,
            "image-too-large",
            f"{what} is {human_size(size)}; the limit is {human_size(self.max_bytes)} "
            "(max_image_mb in anki-build.toml); left out",
        )

    def _checked(self, path: Path, shown: str, where: Location) -> Asset | None:
        self.trace.append(["stat", str(path), fingerprint(path)])
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self._warn(
                where,
                "image-type",
                f"'{shown}' is not an image type Anki shows ({', '.join(sorted(IMAGE_SUFFIXES))})",
            )
            return None
        try:
            check_regular(path, self.max_bytes)
        except FileNotFoundError:
            self._warn(where, "image-missing", f"image '{shown}' not found")
            return None
        except TooLarge as exc:
            self._too_large(where, f"'{shown}'", exc.size)
            return None
        except NotRegularFile:
            self._warn(where, "image-missing", f"'{shown}' is not a regular file; left out")
            return None
        except OSError as exc:
            self._warn(where, "image-missing", f"cannot read '{shown}': {exc.strerror or exc}")
            return None
        return Asset(path=path, suffix=path.suffix.lower())


def _resolved(candidate: Path) -> Path:
    try:
        return candidate.resolve()
    except (OSError, RuntimeError, ValueError):
        return candidate


def fingerprint(path: Path) -> list[int] | None:
    """What a file looked like (type, size, change time): equal fingerprints mean the same answers."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return [info.st_mode, info.st_size, info.st_mtime_ns]


def replay(trace: list[list[object]], index: dict[str, list[Path]]) -> bool:
    """True when the file system still answers every question in `trace` the way it did."""
    for entry in trace:
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[1], str)):
            return False
        kind, name, answer = entry
        if kind == "resolve":
            ok = str(_resolved(Path(name))) == answer
        elif kind == "embed":
            ok = [str(p) for p in index.get(name, [])] == answer
        elif kind == "stat":
            ok = fingerprint(Path(name)) == answer
        else:
            ok = False
        if not ok:
            return False
    return True


def _short(src: str) -> str:
    return src if len(src) <= 80 else src[:77] + "..."
