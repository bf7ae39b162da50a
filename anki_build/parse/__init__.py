"""Stage 1, parse: a notes folder → a :class:`~anki_build.structure.Project` of notes.

No HTML is produced here; notes carry markdown-it tokens for the render stage.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from ..diagnostics import internal_error
from ..structure import Chapter, Fragment, Location, Note, NoteKind, Project, SourceFile
from .assets import AssetResolver
from .discover import Found, NaturalKey, find_files, natural_key, navigation_order, split_number
from .front_matter import FrontMatter, read_front_matter
from .source import detect_language, read_source

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..config import Config
    from ..diagnostics import Report

__all__ = ["FileFacts", "chapters_of", "disambiguate_keys", "extract_file", "parse_file", "parse_project", "read_files"]


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


@dataclass(frozen=True)
class FileFacts:
    """What the rest of the project needs to know about a file without its tokens: chapter title, ordering,
    subdeck, tags and prompt language. Small and plain, so an incremental build can keep it for each file."""

    h1: str | None = None
    cards: bool = True
    chapter: str | None = None  # front matter `chapter:`
    deck: str | None = None  # front matter `deck:`
    tags: tuple[str, ...] = ()
    language: str = "zh"
    toc: tuple[str, ...] | None = None  # the lines of its ```` ```toc ```` blocks (None: it has none)


@dataclass
class ReadFiles:
    """Every notes file found, with its text when it could be read."""

    found: Found
    files: list[SourceFile] = field(default_factory=list)  # readable files, in path order
    paused: set[str] = field(default_factory=set)  # rel paths whose notes are kept as they were


def read_files(
    root: Path, display_root: str, config: Config, report: Report, skip: set[Path] | None = None
) -> ReadFiles:
    """Find the notes files and read each one's text (a file that cannot be read is paused, not dropped)."""
    found = find_files(root, config.exclude, skip or set(), report, display_root)
    resolved_root = root.resolve()
    result = ReadFiles(found)
    for path in found.notes:
        rel = path.relative_to(resolved_root).as_posix()
        file = SourceFile(path=path, rel=rel, display=_display(display_root, rel))
        text = read_source(path, file.display, report)
        if text is None:
            result.paused.add(rel)  # unreadable this time: its notes are kept as they were, not removed
            continue
        file.text = text
        result.files.append(file)
    return result


def parse_file(file: SourceFile, config: Config, report: Report) -> tuple[list[Token], FileFacts] | None:
    """markdown-it tokens and facts of one file; None (and an error) when the parser fails on it."""
    from .markdown import parser

    try:
        tokens = parser().parse(file.text)
    except Exception as exc:
        report.error(file.display, 1, 1, "parse-failed", f"markdown parser failed on this file: {exc!r}")
        return None
    meta = _front_matter(file, tokens, report)
    language = meta.language or (config.language if config.language != "auto" else detect_language(file.text))
    toc = None
    if "```toc" in file.text:
        lines = []
        for token in tokens:
            if token.type == "fence" and token.info.strip().startswith("toc"):
                lines.extend(token.content.splitlines())
        toc = tuple(lines)
    forced = meta.chapter
    return tokens, FileFacts(
        h1=_first_h1(tokens),
        cards=meta.cards,
        chapter=str(forced).strip() if isinstance(forced, str | int | float) and str(forced).strip() else None,
        deck=meta.deck.strip() if isinstance(meta.deck, str) and meta.deck.strip() else None,
        tags=meta.tags,
        language=language,
        toc=toc,
    )


def extract_file(
    file: SourceFile,
    tokens: list[Token],
    facts: FileFacts,
    chapter: Chapter,
    config: Config,
    report: Report,
    resolver: AssetResolver,
    explanations: list[object] | None = None,
) -> list[Note] | None:
    """The notes of one parsed file; None (and an error) when a rule fails on it."""
    from .extract import extract
    from .rules import NAMES

    try:
        notes = extract(
            file,
            chapter,
            tokens,
            report,
            resolver,
            config.kinds,
            frozenset(NAMES) - config.rules_off,
            facts.language,
            explanations,  # type: ignore[arg-type]
        )
    except Exception as exc:  # a bug in one rule costs this file's notes, never the build
        report.error(file.display, 1, 1, "internal-error", internal_error(exc))
        return None
    if facts.deck:
        for note in notes:
            note.deck = facts.deck
    return notes


def chapters_of(
    root: Path, found: Found, facts: dict[str, tuple[SourceFile, FileFacts]], config: Config
) -> dict[str, Chapter]:
    """Each file's chapter, from the facts of every file that makes cards (in path order)."""
    order = navigation_order(root.resolve(), found.navs, {rel: f.toc for rel, (_, f) in facts.items()})
    return _assign_chapters(list(facts.values()), config, order)


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
    project = Project(root=root, display_root=display_root, config=config)
    read = read_files(root, display_root, config, report, skip)
    resolved_root = root.resolve()
    parsed: dict[str, tuple[SourceFile, list[Token], FileFacts]] = {}
    paused = set(read.paused)
    for file in read.files:
        if containing is not None and containing not in file.text.lower():
            continue
        result = parse_file(file, config, report)
        if result is None:
            paused.add(file.rel)
            continue
        tokens, facts = result
        if not facts.cards:
            paused.add(file.rel)
            continue
        file.tags = facts.tags
        parsed[file.rel] = (file, tokens, facts)

    chapters = chapters_of(root, read.found, {rel: (f, facts) for rel, (f, _, facts) in parsed.items()}, config)
    for file, tokens, facts in parsed.values():
        resolver = AssetResolver(
            root=resolved_root, file=file.path, index=read.found.images, report=report, max_bytes=config.max_image_bytes
        )
        notes = extract_file(
            file,
            tokens,
            facts,
            chapters[file.rel],
            config,
            report,
            resolver,
            project.explanations.setdefault(file.display, []),
        )
        if notes is None:
            paused.add(file.rel)
            continue
        project.notes.extend(notes)
    # Course order (config, table of contents, natural sort) is the order new cards are shown in.
    project.notes.sort(key=lambda note: note.chapter.order)
    disambiguate_keys(project.notes, report)
    project.paused_files = frozenset(paused)
    project.source_files = frozenset(path.relative_to(resolved_root).as_posix() for path in read.found.notes)
    project.file_times = file_times(read.found.notes, resolved_root)
    used = {id(n.chapter) for n in project.notes}
    project.chapters = [
        c for c in sorted({id(c): c for c in chapters.values()}.values(), key=lambda c: c.order) if id(c) in used
    ]
    return project


def file_times(paths: list[Path], resolved_root: Path) -> dict[str, int]:
    """When each file was last saved (its mtime), by rel path."""
    times: dict[str, int] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            times[path.relative_to(resolved_root).as_posix()] = int(path.stat().st_mtime)
    return times


def _assign_chapters(parsed: list[tuple[SourceFile, FileFacts]], config: Config, nav: list[str]) -> dict[str, Chapter]:
    """A file at the root is a chapter; files in a folder belong to that folder's chapter."""
    h1 = {file.rel: facts.h1 for file, facts in parsed}
    position = {rel: i for i, rel in enumerate(nav)}
    groups: dict[str, list[SourceFile]] = {}
    titles: dict[str, tuple[str | None, str]] = {}
    for file, facts in parsed:
        forced = facts.chapter
        rel = PurePosixPath(file.rel)
        if forced:
            key = f"chapter:{forced}"
            number, title = split_number(forced)
            titles.setdefault(key, (number, title or forced))
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

    def rank(key: str) -> tuple[int, int, NaturalKey]:
        number, title = titles[key]
        label = f"{number} {title}" if number else title
        for i, wanted in enumerate(config.chapters):
            if wanted in (key, title, label, PurePosixPath(key).stem):
                return (0, i, ())
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


class Keyed(Protocol):
    key: str
    root: str
    kind: NoteKind
    location: Location


def disambiguate_keys(notes: Sequence[Keyed], report: Report) -> list[Keyed]:
    """Two notes with one key would share a GUID: keep both, warn, suffix the later one. Returns the renamed."""
    seen: Counter[str] = Counter()
    first: dict[str, str] = {}
    renamed: list[Keyed] = []
    for note in notes:
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
        renamed.append(note)
    return renamed
