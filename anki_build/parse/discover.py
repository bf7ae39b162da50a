"""Which files are notes, in which order, and which chapter each belongs to.

Order comes from the project's own table of contents when it has one (`_sidebar.md`,
`SUMMARY.md`, d2l's ```` ```toc ```` blocks), else from a natural sort of the paths, so
`3.2` < `3.10` and `chapter2` < `chapter10`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..files import read_regular
from ..structure.notes import walk_tokens
from .assets import IMAGE_SUFFIXES
from .source import MAX_FILE_BYTES

if TYPE_CHECKING:
    from ..diagnostics import Report

NOTE_SUFFIXES = {".md", ".markdown"}
NAV_FILES = ("_sidebar.md", "SUMMARY.md", "summary.md")
SKIP_FILES = {"_sidebar.md", "summary.md", "_navbar.md", "_coverpage.md"}
SKIP_DIRS = {"node_modules", "__pycache__", "site", "_build"}
_CHAPTER_WORD = re.compile(r"^(?:chapter|chap|ch)[\s_-]+(?=\D)", re.IGNORECASE)
_NUMBER = re.compile(
    r"^(?:chapter|chap|ch|lesson|week|part|第)?[\s_-]*(\d+(?:\.\d+)*)(?:[\s_.、-]+|(?=[^\d.])|$)", re.IGNORECASE
)


NaturalKey = tuple[Any, ...]


@functools.cache
def _natsort_key() -> Callable[[str], NaturalKey]:
    import natsort  # only when a project is walked, never at `anki-build --help`

    return natsort.natsort_keygen(alg=natsort.ns.IGNORECASE)


def natural_key(text: str) -> NaturalKey:
    """`3.2` < `3.10`, `chapter2` < `chapter10`, case ignored; accented letters beside their base letter (natsort
    compares names decomposed, so a name reads the same whether the file system stores it NFC or NFD)."""
    return _natsort_key()(text)


def split_number(name: str) -> tuple[str | None, str]:
    """`03-模型正则化` → ("03", "模型正则化"); `chapter10` → ("10", ""); `3.2_mlp` → ("03.2", "mlp")."""
    match = _NUMBER.match(name)
    if not match:
        return None, _CHAPTER_WORD.sub("", name)
    first, *rest = match[1].split(".")
    number = ".".join([first.zfill(2), *rest])
    return number, name[match.end() :].strip(" _-.、")


@dataclass
class Found:
    """What a walk of the notes folder found: markdown files (in natural order), images by name, tables of contents."""

    notes: list[Path] = field(default_factory=list)
    images: dict[str, list[Path]] = field(default_factory=dict)
    navs: list[Path] = field(default_factory=list)


def find_files(
    root: Path, exclude: tuple[str, ...], skip: set[Path], report: Report | None = None, display_root: str = "."
) -> Found:
    """Walk the notes folder once. Each real folder and file is visited once, whatever symlinks point at it, so
    a link loop ends and a linked copy adds no duplicate notes; links out of the root are never followed.
    """
    found = Found()
    resolved_root = root.resolve()
    prefix = "" if display_root.rstrip("/") in ("", ".") else display_root.rstrip("/") + "/"

    def warn(rel: str, code: str, message: str) -> None:
        if report is not None:
            report.warning(prefix + rel, 1, 1, code, message)

    seen: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):
        info = os.stat(resolved_root)
        seen.add((info.st_dev, info.st_ino))
    stack = [resolved_root]
    while stack:
        folder = stack.pop()
        rel_folder = folder.relative_to(resolved_root).as_posix()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            warn(rel_folder, "unreadable", f"cannot read this folder ({exc.strerror or exc}); its notes are skipped")
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or path in skip:
                continue
            rel = path.relative_to(resolved_root).as_posix()
            if any(fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(entry.name, pattern) for pattern in exclude):
                continue
            try:
                link = entry.is_symlink()
                if link and not path.resolve().is_relative_to(resolved_root):
                    if _interesting(entry.name) or os.path.isdir(path):
                        warn(rel, "symlink-outside-root", "a symlink out of the notes folder; not followed")
                    continue
                info = entry.stat()  # follows a link inside the root
            except (OSError, RuntimeError) as exc:
                if _interesting(entry.name) or entry.is_dir(follow_symlinks=False):
                    warn(rel, "unreadable", f"cannot read this entry ({getattr(exc, 'strerror', None) or exc})")
                continue
            identity = (info.st_dev, info.st_ino)
            if stat.S_ISDIR(info.st_mode):
                if entry.name in SKIP_DIRS:
                    continue
                if identity in seen:
                    if link:
                        warn(rel, "symlink-loop", "a symlink to a folder that is already read; not followed again")
                    continue
                seen.add(identity)
                stack.append(path)
                continue
            if not _interesting(entry.name):
                continue
            if not stat.S_ISREG(info.st_mode):
                warn(rel, "not-a-file", "not a regular file (a FIFO, socket or device); skipped")
                continue
            if identity in seen:
                continue  # a second name (symlink or hard link) for a file already read
            seen.add(identity)
            suffix = path.suffix.lower()
            if entry.name in NAV_FILES:
                found.navs.append(path)
            elif suffix in NOTE_SUFFIXES and entry.name.casefold() not in SKIP_FILES:
                found.notes.append(path)
            elif suffix in IMAGE_SUFFIXES:
                found.images.setdefault(entry.name.casefold(), []).append(path)
    found.notes.sort(key=lambda p: natural_key(p.relative_to(resolved_root).as_posix()))
    found.navs.sort(key=lambda p: (len(p.parts), natural_key(str(p))))
    return found


def _interesting(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    return name in NAV_FILES or suffix in NOTE_SUFFIXES or suffix in IMAGE_SUFFIXES


def _normalise_target(base: PurePosixPath, href: str) -> str | None:
    href = unquote(href.split("#")[0].split("?")[0]).strip()
    if not href or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        return None
    path = PurePosixPath(href.lstrip("/")) if href.startswith("/") else base / href
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    text = "/".join(parts)
    if text.endswith("/") or not text:
        text += "README.md"
    if not PurePosixPath(text).suffix:
        text += ".md"
    return text


def navigation_order(root: Path, navs: list[Path], tocs: dict[str, tuple[str, ...] | None]) -> list[str]:
    """Relative paths in the order the project's tables of contents list them.

    `tocs` maps each notes file to the lines of its ```` ```toc ```` blocks (None: it has none).
    """
    from .markdown import parser

    order: list[str] = []
    for nav in navs:
        base = PurePosixPath(nav.relative_to(root).as_posix()).parent
        try:
            text = read_regular(nav, MAX_FILE_BYTES).decode("utf-8-sig", errors="replace")
            tokens = parser().parse(text)
        except (OSError, ValueError, RecursionError):
            continue
        for token in walk_tokens(tokens):
            if token.type == "link_open":
                target = _normalise_target(base, str(token.attrs.get("href", "")))
                if target and target not in order:
                    order.append(target)

    def visit(rel: str, seen: set[str]) -> None:
        if rel in seen:
            return
        seen.add(rel)
        if rel not in order:
            order.append(rel)
        base = PurePosixPath(rel).parent
        for line in tocs.get(rel) or ():
            line = line.strip()
            if line and not line.startswith(":"):
                target = _normalise_target(base, line)
                if target:
                    visit(target, seen)

    seen: set[str] = set()
    for rel in sorted(tocs, key=lambda r: (r.count("/"), natural_key(r))):
        if PurePosixPath(rel).name in ("index.md", "README.md") and tocs[rel] is not None:
            visit(rel, seen)
    return order
