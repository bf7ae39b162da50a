"""What the parser finds in a notes folder.

Note content is kept as markdown-it tokens (:class:`Fragment`), not as HTML: the render
stage decides how it looks, the parse stage only decides what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..config import Config


class NoteKind(StrEnum):
    CONCEPT = "concept"
    FORMULA = "formula"
    QA = "qa"
    CLOZE = "cloze"
    DERIVATION = "derivation"


@dataclass(frozen=True)
class Location:
    path: str  # as shown to the user: the notes root as given + the file's relative path
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass
class Fragment:
    """A piece of a note: inline tokens (one line of text) or a list of block tokens."""

    tokens: list[Token]
    inline: bool

    def plain(self) -> str:
        """Text without markup (math kept as its TeX source); used for keys and names."""
        return plain_text(self.tokens).strip()


def walk_tokens(tokens: list[Token]) -> list[Token]:
    """Every token, depth first, children (inline tokens) included."""
    out: list[Token] = []
    for token in tokens:
        out.append(token)
        if token.children:
            out.extend(walk_tokens(token.children))
    return out


def walk_with_maps(tokens: list[Token], block: list[int] | None = None) -> list[tuple[Token, list[int] | None]]:
    """Every token with the source lines of the nearest block around it (inline tokens have none of their own)."""
    out: list[tuple[Token, list[int] | None]] = []
    for token in tokens:
        here = token.map or block
        out.append((token, here))
        if token.children:
            out.extend(walk_with_maps(token.children, here))
    return out


def plain_text(tokens: list[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        kind = token.type
        if kind == "text":
            parts.append(token.content)
        elif token.children:
            parts.append(plain_text(token.children))
        elif kind in ("code_inline", "math_inline", "math_inline_double", "math_block"):
            parts.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\x00")
        elif kind == "image":
            parts.append(plain_text(token.children or []))
    joined = "".join(parts)
    return _CJK_BREAK.sub("", joined).replace("\x00", " ") if "\x00" in joined else joined


# A line break inside Chinese text joins the two lines (`求和号内的⏎积分项` is `求和号内的积分项`), as a browser does.
WIDE = "\u3000-\u9fff\uff00-\uffef"  # CJK characters and punctuation: a line break between two of them joins them
_CJK_BREAK = re.compile(f"(?<=[{WIDE}])\x00(?=[{WIDE}])")


@dataclass
class Chapter:
    title: str
    number: str | None
    order: int

    @property
    def label(self) -> str:
        """`03 模型正则化`: the number comes from the file name, so it never shifts when chapters are added."""
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass
class SourceFile:
    path: Path
    rel: str  # posix path relative to the notes root
    display: str
    text: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class Note:
    kind: NoteKind
    key: str  # identity: normalised term/question/label, unique in the project
    front: Fragment | None  # term, question or formula label; None for clozes
    back: Fragment  # definition, answer, formula block or cloze text
    extra: Fragment | None
    chapter: Chapter
    section: Fragment | None
    location: Location
    tags: tuple[str, ...] = ()
    explicit_id: str | None = None
    deck: str | None = None  # front matter `deck:` puts a file's notes in another subdeck
    sentence_label: bool = False  # formula labelled by a whole sentence rather than a term
    check: str = ""  # a derivation's `<!-- check: … -->` comment
    check_line: int = 0  # the line its TeX starts on
    check_tex: str = ""  # the TeX the check comment is for (a `$$`, `\[`, or bare `\begin{aligned}` block)
    rule: str = ""  # the name of the rule that made it (see anki_build.parse.rules)
    language: str = "zh"  # the language of its prompts: the file's, or the project's
    root: str = ""  # the key before positional numbering (several formulas under one label, `#2` duplicates)


@dataclass
class Project:
    root: Path
    display_root: str
    config: Config
    chapters: list[Chapter] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    explanations: dict[str, list[object]] = field(default_factory=dict)  # file display path → what made each note
    paused_files: frozenset[str] = frozenset()  # files switched off with `cards: false` (their notes are paused)
    source_files: frozenset[str] = frozenset()  # every notes file found, paused or not
    file_times: dict[str, int] = field(default_factory=dict)  # file → when it was last saved (its mtime)
