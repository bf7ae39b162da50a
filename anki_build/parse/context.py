"""What the walk over one file knows at a point: the file, the sections above, the notes found so far.

Rules add notes through :meth:`Context.add`, which gives each its key, resolves its images and
reports unsafe TeX at their own line, and records which rule made it (for `--explain`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ..diagnostics import Report
from ..render.tex import DEFINITIONS as TEX_DEFINITIONS
from ..render.tex import tex_hazards
from ..structure import Chapter, Fragment, Location, Note, NoteKind, SourceFile
from ..structure.notes import walk_with_maps
from .assets import Asset, AssetResolver, html_image_sources
from .tokens import inline_fragment, plain

_LOCATE_WINDOW = 4000  # characters searched past the last find, for an image's or command's position


def normalise_key(text: str) -> str:
    """Case, width, punctuation and spacing do not change a note's identity."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"[^\W_]+|[<>=+\-*/^|≤≥≠]", text))


@dataclass(frozen=True)
class Explanation:
    """One line of `--explain`: which rule made which note at a line, or why nothing was made there."""

    line: int
    rule: str  # the rule's name, or "" when no rule made a note
    message: str


@dataclass
class Context:
    file: SourceFile
    chapter: Chapter
    lines: list[str]
    report: Report
    assets: AssetResolver
    kinds: frozenset[str]
    rules: frozenset[str] = frozenset()  # names of the enabled rules
    language: str = "zh"
    sections: dict[int, Fragment] = field(default_factory=dict)
    numbered_points: bool = False  # after `**工作原理**:` / `**常见问题**:`, `**1. 前向传播**:` is a step, not a term
    titles: int = 0  # level-1 headings so far: the first is the chapter's title, a later one a section
    subject: Fragment | None = None  # what a formula label named last (`（3）Sigmoid 函数：`): `其导数` is its
    formula_labels: dict[str, int] = field(default_factory=dict)
    pending_id: str | None = None  # from `{#id}` or `<!-- id: … -->`, for the next note
    pending_check: str = ""  # a `<!-- check: … -->` comment waiting for its display block
    block_check: str = ""  # that comment, for the block being looked at
    pending_check_line: int = 0
    block_check_line: int = 0
    checks_used: set[int] = field(default_factory=set)  # lines of check comments that made a derivation
    previous: SyntaxTreeNode | None = None  # the paragraph right before the block being looked at, if any
    skipping: bool = False
    answering: bool = False  # inside an answer or a list of points: bold labels there are points, not terms
    points: set[int] = field(default_factory=set)  # ids of lists that follow a generic label (`**优点**：`)
    answers: set[int] = field(default_factory=set)  # ids of lists that answer a question line above them
    kind_lists: set[int] = field(
        default_factory=set
    )  # ids of lists that follow a label of named kinds (`**关键概念**：`)
    question: str = ""  # the question heading whose answer the walk is in
    claimed_items: set[int] = field(default_factory=set)  # ids of list items an earlier item's note took (`- 答：…`)
    answer_until: SyntaxTreeNode | None = None  # the block where that answer stops (a question written below it)
    points_only: bool = False  # in such a list, or under a facet heading (`#### 优点`): even technical names are points
    rule: str = ""  # the rule running now; notes it adds carry its name
    claimed_by: str = ""  # for rules that look at every block: the rule that claimed this one, if any
    previous_rule: str = ""  # the rule that claimed the paragraph right before this block (a run of one form)
    notes: list[Note] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    cursors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # see `locate`

    @property
    def section(self) -> Fragment | None:
        if not self.sections:
            return None
        return self.sections[max(self.sections)]

    def location(self, node: SyntaxTreeNode | Token, line_offset: int = 0) -> Location:
        start = (node.map[0] if node.map else 0) + line_offset
        text = self.lines[start] if start < len(self.lines) else ""
        stripped = re.match(r"[\s>]*(?:[-+*]\s+|\d+[.)]\s+)?", text)
        col = (stripped.end() if stripped else 0) + 1
        return Location(self.file.display, start + 1, col)

    def warn(self, where: Location, code: str, message: str) -> None:
        self.report.warning(where.path, where.line, where.col, code, message)

    def explain(self, line: int, message: str, rule: str | None = None) -> None:
        self.explanations.append(Explanation(line, self.rule if rule is None else rule, message))

    def add_pair(
        self, kind: NoteKind, front: list[Token], back: list[Token], where: Location, key_text: str | None = None
    ) -> None:
        """A note asked by inline `front` and answered by block tokens `back`."""
        from .tokens import without_answer_label

        if kind is NoteKind.QA:
            back = without_answer_label(back)  # `### 什么是偏差` ⏎ `**答案**：……`
        key = plain(front) if key_text is None else key_text
        self.add(kind, key, inline_fragment(front), Fragment(back, inline=False), where)

    def add(
        self,
        kind: NoteKind,
        key_text: str,
        front: Fragment | None,
        back: Fragment,
        where: Location,
        extra: Fragment | None = None,
        *,
        sentence_label: bool = False,
        root_text: str | None = None,
    ) -> Note | None:
        if kind.value not in self.kinds:
            self.explain(where.line, f"would make a {kind} note, but kinds.{kind} is off")
            return None
        explicit, self.pending_id = self.pending_id, None
        key = f"id:{explicit}" if explicit else f"{kind}:{normalise_key(key_text)}"
        if key.endswith(":"):
            self.warn(where, "empty-key", f"{kind} note has no text to identify it; skipped")
            return None
        self._inspect(back.tokens + (front.tokens if front else []) + (extra.tokens if extra else []), where)
        note = Note(
            kind=kind,
            key=key,
            front=front,
            back=back,
            extra=extra,
            chapter=self.chapter,
            section=self.section,
            location=where,
            tags=self.file.tags,
            explicit_id=explicit,
            sentence_label=sentence_label,
            rule=self.rule,
            language=self.language,
            root=key if explicit or root_text is None else f"{kind}:{normalise_key(root_text)}",
        )
        self.notes.append(note)
        self.explain(where.line, f"{kind} note '{key.split(':', 1)[1][:60]}'")
        return note

    def locate(self, block: list[int] | None, needles: list[str], default: Location) -> Location:
        """Where the first of `needles` next occurs in the block's lines (after the last thing found there).

        The search looks a bounded distance past the last find, so that a thousand images whose source
        is spelled differently in the text (entities, say) cost a thousand short searches, not a rescan each.
        """
        if not block:
            return default
        first, last = block[0], min(block[1], len(self.lines))
        line, col = self.cursors.get((first, last), (first, 0))
        for needle in (n for n in needles if n):
            budget = _LOCATE_WINDOW
            for number in range(line, last):
                text = self.lines[number]
                start = col if number == line else 0
                at = text.find(needle, start, start + budget)
                if at >= 0:
                    self.cursors[(first, last)] = (number, at + len(needle))
                    return Location(self.file.display, number + 1, at + 1)
                budget -= len(text) - start + 1
                if budget <= 0:
                    break
        return default

    def _inspect(self, tokens: list[Token], where: Location) -> None:
        """Resolve each image (and warn at its own position) and warn about TeX the render stage neutralises."""
        # Tokens the rules made (a definition split off its term) have no lines: search the note's paragraph.
        end = where.line
        while end < len(self.lines) and self.lines[end].strip():
            end += 1
        fallback = [where.line - 1, end]
        for token, block in walk_with_maps(tokens):
            block = block or fallback
            if token.type == "image" and "asset" not in token.meta:
                src = str(token.attrs.get("src", ""))
                embed = bool(token.meta.get("embed"))
                at = self.locate(block, [f"![[{src}" if embed else "", unquote(src), src], where)
                if not embed and at != where:
                    at = Location(at.path, at.line, self.lines[at.line - 1].rfind("![", 0, at.col) + 1 or at.col)
                token.meta["asset"] = self.assets.resolve(src, at, embed=embed)
            elif token.type in ("html_inline", "html_block") and "assets" not in token.meta:
                found: dict[str, Asset | None] = {}
                for src in html_image_sources(token.content):
                    found[src] = self.assets.resolve(src, self.locate(block, [src, "<img"], where))
                token.meta["assets"] = found
            elif token.type.startswith("math") and not token.meta.get("tex_checked"):
                token.meta["tex_checked"] = True
                for hazard in tex_hazards(token.content):
                    at = self.locate(block, ["\\" + hazard.command], where)
                    code = "tex-definition" if hazard.command in TEX_DEFINITIONS else "tex-unsafe"
                    self.warn(at, code, f"\\{hazard.command} is changed on the card: {hazard.reason}")
