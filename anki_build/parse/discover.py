"""Which files are notes, in which order, and which chapter each belongs to.

Order comes from the project's own table of contents when it has one (`_sidebar.md`,
`SUMMARY.md`, d2l's ```` ```toc ```` blocks), else from a natural sort of the paths, so
`3.2` < `3.10` and `chapter2` < `chapter10`.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from ..structure.notes import walk_tokens
from .assets import IMAGE_SUFFIXES

NOTE_SUFFIXES = {".md", ".markdown"}
NAV_FILES = ("_sidebar.md", "SUMMARY.md", "summary.md")
SKIP_FILES = {"_sidebar.md", "summary.md", "_navbar.md", "_coverpage.md"}
SKIP_DIRS = {"node_modules", "__pycache__", "site", "_build"}
_CHAPTER_WORD = re.compile(r"^(?:chapter|chap|ch)[\s_-]+(?=\D)", re.IGNORECASE)
_NUMBER = re.compile(
    r"^(?:chapter|chap|ch|lesson|week|part|第)?[\s_-]*(\d+(?:\.\d+)*)(?:[\s_.、-]+|(?=[^\d.])|$)", re.IGNORECASE
)


def natural_key(text: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", text) if part]


def split_number(name: str) -> tuple[str | None, str]:
    """`03-模型正则化` → ("03", "模型正则化"); `chapter10` → ("10", ""); `3.2_mlp` → ("03.2", "mlp")."""
    match = _NUMBER.match(name)
    if not match:
        return None, _CHAPTER_WORD.sub("", name)
    first, *rest = match[1].split(".")
    number = ".".join([first.zfill(2), *rest])
    return number, name[match.end() :].strip(" _-.、")


def find_files(
    root: Path, exclude: tuple[str, ...], skip: set[Path]
) -> tuple[list[Path], dict[str, list[Path]], list[Path]]:
    """Markdown files (sorted naturally), image files by lower-cased name, and navigation files."""
    notes: list[Path] = []
    navs: list[Path] = []
    images: dict[str, list[Path]] = {}
    resolved_root = root.resolve()
    stack = [resolved_root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry in skip:
                continue
            rel = entry.relative_to(resolved_root).as_posix()
            if any(fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(entry.name, pattern) for pattern in exclude):
                continue
            if entry.is_symlink() and not entry.resolve().is_relative_to(resolved_root):
                continue  # never follow a link out of the notes root
            if entry.is_dir():
                if entry.name not in SKIP_DIRS:
                    stack.append(entry)
            elif entry.name in NAV_FILES:
                navs.append(entry)
            elif entry.suffix.lower() in NOTE_SUFFIXES and entry.name.casefold() not in SKIP_FILES:
                notes.append(entry)
            elif entry.suffix.lower() in IMAGE_SUFFIXES:
                images.setdefault(entry.name.casefold(), []).append(entry)
    notes.sort(key=lambda p: natural_key(p.relative_to(resolved_root).as_posix()))
    navs.sort(key=lambda p: (len(p.parts), natural_key(str(p))))
    return notes, images, navs


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


def navigation_order(root: Path, navs: list[Path], texts: dict[str, str]) -> list[str]:
    """Relative paths in the order the project's tables of contents list them."""
    from .markdown import parser

    order: list[str] = []
    for nav in navs:
        base = PurePosixPath(nav.relative_to(root).as_posix()).parent
        try:
            tokens = parser().parse(nav.read_text(encoding="utf-8-sig", errors="replace"))
        except (OSError, ValueError):
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
        text = texts.get(rel)
        if text is None or "```toc" not in text:
            return
        base = PurePosixPath(rel).parent
        for token in parser().parse(text):
            if token.type == "fence" and token.info.strip().startswith("toc"):
                for line in token.content.splitlines():
                    line = line.strip()
                    if line and not line.startswith(":"):
                        target = _normalise_target(base, line)
                        if target:
                            visit(target, seen)

    seen: set[str] = set()
    for rel in sorted(texts, key=lambda r: (r.count("/"), natural_key(r))):
        if PurePosixPath(rel).name in ("index.md", "README.md") and "```toc" in texts[rel]:
            visit(rel, seen)
    return order
