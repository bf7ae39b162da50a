"""Stage 1, parse: a notes folder → a :class:`~anki_build.structure.Project` of notes.

No HTML is produced here; notes carry markdown-it tokens for the render stage.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..diagnostics import internal_error
from ..structure import Chapter, Fragment, Project, SourceFile
from .assets import AssetResolver
from .discover import find_files, natural_key, navigation_order, split_number
from .front_matter import FrontMatter, read_front_matter
from .source import detect_language, read_source

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..config import Config
    from ..diagnostics import Report

__all__ = ["parse_project"]


def _display(display_root: str, rel: str) -> str:
    root = display_root.rstrip("/")
    return rel if root in ("", ".") else f"{root}/{rel}"


def _front_matter(file: SourceFile, tokens: list[Token], report: Report) -> FrontMatter:
    if not tokens or tokens[0].type != "front_matter":
        return FrontMatter()
    return read_front_matter(tokens[0].content, file.display, report)


def _first_h1(tokens: list[Token]) -> str | None:
    """The file's title: its first `# heading` that names something (not `# Reference` or `# 目录`)."""
    from .rules.words import GENERIC_HEADINGS, bare

    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and i + 1 < len(tokens):
            text = Fragment(tokens[i + 1].children or [], True).plain()
            if text and bare(text).casefold() not in GENERIC_HEADINGS:
                return text
    return None


def parse_project(
    root: Path,
    display_root: str,
    config: Config,
    report: Report,
    skip: set[Path] | None = None,
    containing: str | None = None,
) -> Project:
    """Read every notes file under `root`; a problem in one file never stops the others.

    `containing` skips files whose text lacks that string (`check` only needs files with derivations).
    """
    from .extract import extract
    from .markdown import parser
    from .rules import NAMES

    project = Project(root=root, display_root=display_root, config=config)
    found = find_files(root, config.exclude, skip or set(), report, display_root)
    resolved_root = root.resolve()
    parsed: list[tuple[SourceFile, list[Token], FrontMatter]] = []
    paused: set[str] = set()
    for path in found.notes:
        rel = path.relative_to(resolved_root).as_posix()
        file = SourceFile(path=path, rel=rel, display=_display(display_root, rel))
        text = read_source(path, file.display, report)
        if text is None:
            paused.add(rel)  # unreadable this time: its notes are kept as they were, not removed
            continue
        if containing is not None and containing not in text.lower():
            continue
        file.text = text
        try:
            tokens = parser().parse(text)
        except Exception as exc:
            report.error(file.display, 1, 1, "parse-failed", f"markdown parser failed on this file: {exc!r}")
            paused.add(rel)
            continue
        meta = _front_matter(file, tokens, report)
        if not meta.cards:
            paused.add(file.rel)
            continue
        file.tags = meta.tags
        parsed.append((file, tokens, meta))

    chapters = _assign_chapters(
        project, parsed, config, navigation_order(resolved_root, found.navs, {f.rel: f.text for f, _, _ in parsed})
    )
    for file, tokens, meta in parsed:
        chapter = chapters[file.rel]
        deck = meta.deck
        resolver = AssetResolver(
            root=resolved_root, file=file.path, index=found.images, report=report, max_bytes=config.max_image_bytes
        )
        language = meta.language or (config.language if config.language != "auto" else detect_language(file.text))
        rules = frozenset(NAMES) - config.rules_off
        try:
            notes = extract(
                file,
                chapter,
                tokens,
                report,
                resolver,
                config.kinds,
                rules,
                language,
                project.explanations.setdefault(file.display, []),
            )
        except Exception as exc:  # a bug in one rule costs this file's notes, never the build
            report.error(file.display, 1, 1, "internal-error", internal_error(exc))
            paused.add(file.rel)
            continue
        if isinstance(deck, str) and deck.strip():
            for note in notes:
                note.deck = deck.strip()
        project.notes.extend(notes)
    # Course order (config, table of contents, natural sort) is the order new cards are shown in.
    project.notes.sort(key=lambda note: note.chapter.order)
    _disambiguate_keys(project, report)
    project.paused_files = frozenset(paused)
    project.source_files = frozenset(path.relative_to(resolved_root).as_posix() for path in found.notes)
    for path in found.notes:
        with contextlib.suppress(OSError):
            project.file_times[path.relative_to(resolved_root).as_posix()] = int(path.stat().st_mtime)
    used = {id(n.chapter) for n in project.notes}
    project.chapters = [
        c for c in sorted({id(c): c for c in chapters.values()}.values(), key=lambda c: c.order) if id(c) in used
    ]
    return project


def _assign_chapters(
    project: Project, parsed: list[tuple[SourceFile, list[Token], FrontMatter]], config: Config, nav: list[str]
) -> dict[str, Chapter]:
    """A file at the root is a chapter; files in a folder belong to that folder's chapter."""
    h1 = {file.rel: _first_h1(tokens) for file, tokens, _ in parsed}
    position = {rel: i for i, rel in enumerate(nav)}
    groups: dict[str, list[SourceFile]] = {}
    titles: dict[str, tuple[str | None, str]] = {}
    for file, _, meta in parsed:
        forced = meta.chapter
        rel = PurePosixPath(file.rel)
        if isinstance(forced, str | int | float) and str(forced).strip():
            key = f"chapter:{forced}"
            number, title = split_number(str(forced).strip())
            titles.setdefault(key, (number, title or str(forced).strip()))
        elif rel.parent == PurePosixPath("."):
            key = file.rel
            number, stem_title = split_number(rel.stem)
            titles[key] = (number, h1[file.rel] or stem_title or rel.stem)
        else:
            key = rel.parent.as_posix()
            if key not in titles:
                number, folder_title = split_number(rel.parent.name)
                index = next(
                    (f"{key}/{n}" for n in ("index.md", "README.md", "_index.md") if h1.get(f"{key}/{n}")), None
                )
                title = h1[index] if index else folder_title or h1[file.rel]
                titles[key] = (number, title or rel.parent.name)
        groups.setdefault(key, []).append(file)

    def rank(key: str) -> tuple[int, int, list[tuple[int, int | str]]]:
        number, title = titles[key]
        label = f"{number} {title}" if number else title
        for i, wanted in enumerate(config.chapters):
            if wanted in (key, title, label, PurePosixPath(key).stem):
                return (0, i, [])
        first = min(position.get(f.rel, len(position)) for f in groups[key])
        return (1, first, natural_key(min((f.rel for f in groups[key]), key=natural_key)))

    chapters: dict[str, Chapter] = {}
    for order, key in enumerate(sorted(groups, key=rank)):
        number, title = titles[key]
        title = re.sub(r"\s+", " ", title.replace("::", ":")).strip()
        if number and (title.startswith(number) or title.startswith(number.lstrip("0"))):
            number = None
        chapter = Chapter(title=title, number=number, order=order)
        for file in groups[key]:
            chapters[file.rel] = chapter
    return chapters


def _disambiguate_keys(project: Project, report: Report) -> None:
    """Two notes with one key would share a GUID: keep both, warn, suffix the later one."""
    seen: Counter[str] = Counter()
    first: dict[str, str] = {}
    for note in project.notes:
        seen[note.key] += 1
        if seen[note.key] == 1:
            first[note.key] = str(note.location)
            continue
        where = note.location
        report.warning(
            where.path,
            where.line,
            where.col,
            "duplicate-key",
            f"a {note.kind} note with the same text already exists at {first[note.key]}; "
            "both are kept, this one as a separate note",
        )
        note.root = note.root or note.key
        note.key = f"{note.key} #{seen[note.key]}"
