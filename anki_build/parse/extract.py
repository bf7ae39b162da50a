"""Rules that find notes in one file's markdown-it syntax tree.

Each rule looks at one block (and, for answers, the blocks after it) and returns the
notes it found; :func:`extract` walks the tree and applies them in order.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
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

COLONS = (":", "：")
_LOCATE_WINDOW = 4000  # characters searched past the last find, for an image's or command's position
_QUESTION = re.compile(r"^\s*(?:Q|问|问题|Question)\s*[:：]\s*", re.IGNORECASE)
_ANSWER = re.compile(r"^\s*(?:A|答|回答|答案|Answer)\s*[:：]\s*", re.IGNORECASE)
_WHERE = re.compile(r"^\s*(?:其中|式中|这里|where\b)", re.IGNORECASE)
_CLOZE = re.compile(r"\{\{c\d+::")
_DEFINITION_LINE = re.compile(r"^(?P<term>[^:：{}\n]{1,80}?)\s+::\s+(?=\S)")
_STRAY_DOLLAR = re.compile(r"(?<![\\\d])\$(?=[^\s\d$])")
_ID_COMMENT = re.compile(r"<!--\s*id:\s*([\w.-]+)\s*-->")
_ID_ATTR = re.compile(r"\s*\{#([^\W_][\w.-]*)\}")
_CHECK = re.compile(r"^\s*<!--\s*check\b", re.IGNORECASE)
_NO_CARDS = re.compile(r"<!--\s*no-cards\s*-->")
_CARDS = re.compile(r"<!--\s*cards\s*-->")


def normalise_key(text: str) -> str:
    """Case, width, punctuation and spacing do not change a note's identity."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"[^\W_]+|[<>=+\-*/^|≤≥≠]", text))


@dataclass
class Context:
    """What the walk knows at a point in the file."""

    file: SourceFile
    chapter: Chapter
    lines: list[str]
    report: Report
    assets: AssetResolver
    kinds: frozenset[str]
    sections: dict[int, Fragment] = field(default_factory=dict)
    formula_labels: dict[str, int] = field(default_factory=dict)
    pending_id: str | None = None  # from `{#id}` or `<!-- id: … -->`, for the next note
    pending_check: str = ""  # a `<!-- check: … -->` comment waiting for its display block
    cursors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # see `locate`
    skipping: bool = False
    notes: list[Note] = field(default_factory=list)

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

    def add_pair(
        self, kind: NoteKind, front: list[Token], back: list[Token], where: Location, key_text: str | None = None
    ) -> None:
        """A note asked by inline `front` and answered by block tokens `back`."""
        key = Fragment(front, True).plain() if key_text is None else key_text
        self.add(kind, key, _inline_fragment(front), Fragment(back, inline=False), where)

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
    ) -> None:
        if kind.value not in self.kinds:
            return
        explicit, self.pending_id = self.pending_id, None
        key = f"id:{explicit}" if explicit else f"{kind}:{normalise_key(key_text)}"
        if key.endswith(":"):
            self.warn(where, "empty-key", f"{kind} note has no text to identify it; skipped")
            return
        self._inspect(back.tokens + (front.tokens if front else []) + (extra.tokens if extra else []), where)
        self.notes.append(
            Note(
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
            )
        )


def take_id(children: list[Token]) -> tuple[list[Token], str | None]:
    """Remove an explicit id (`{#l1-sparsity}` or `<!-- id: l1-sparsity -->`) from inline tokens."""
    found: str | None = None
    out: list[Token] = []
    for token in children:
        if found is None and token.type == "text":
            match = _ID_ATTR.search(token.content)
            if match:
                found = match[1]
                token = _with_content(token, token.content[: match.start()] + token.content[match.end() :])
        elif found is None and token.type == "html_inline":
            match = _ID_COMMENT.fullmatch(token.content.strip())
            if match:
                found = match[1]
                continue
        out.append(token)
    return out, found


def _nested_blocks(node: SyntaxTreeNode) -> list[list[SyntaxTreeNode]]:
    if node.type in ("bullet_list", "ordered_list"):
        return [item.children for item in node.children]
    if node.type == "blockquote":
        return [node.children]
    return []


def _inline_meta_id(node: SyntaxTreeNode) -> str | None:
    for child in node.children:
        if child.type == "inline" and child.token is not None:
            return child.token.meta.get("id")
    return None


def _inline(node: SyntaxTreeNode) -> list[Token]:
    """The inline children of a paragraph/heading/dt node."""
    for child in node.children:
        if child.type == "inline" and child.token is not None:
            return list(child.token.children or [])
    return []


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Token]:
    tokens: list[Token] = []
    for node in nodes:
        tokens.extend(node.to_tokens())
    return tokens


def _inline_fragment(children: list[Token]) -> Fragment:
    return Fragment(_trim(children), inline=True)


def _trim(children: list[Token]) -> list[Token]:
    """Drop leading/trailing breaks and whitespace, copying the tokens it changes."""
    children = list(children)
    while children and (
        children[0].type in ("softbreak", "hardbreak")
        or (children[0].type == "text" and not children[0].content.strip())
    ):
        children.pop(0)
    while children and (
        children[-1].type in ("softbreak", "hardbreak")
        or (children[-1].type == "text" and not children[-1].content.strip())
    ):
        children.pop()
    if children and children[0].type == "text":
        children[0] = _with_content(children[0], children[0].content.lstrip())
    if children and children[-1].type == "text":
        children[-1] = _with_content(children[-1], children[-1].content.rstrip())
    return children


def _with_content(token: Token, content: str) -> Token:
    clone = copy.copy(token)
    clone.content = content
    return clone


def _strip_prefix(children: list[Token], pattern: re.Pattern[str]) -> list[Token] | None:
    """Remove a `Q:`-style prefix from the first text token; None when it is not there."""
    children = _trim(children)
    if not children:
        return None
    first = children[0]
    if first.type == "strong_open":  # `**问：…？**`
        inner_end = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
        if inner_end is not None and len(children) > 1 and children[1].type == "text":
            match = pattern.match(children[1].content)
            if match:
                head = _with_content(children[1], children[1].content[match.end() :])
                return _trim([head, *children[2:inner_end], *children[inner_end + 1 :]])
        return None
    if first.type != "text":
        return None
    match = pattern.match(first.content)
    if not match:
        return None
    return _trim([_with_content(first, first.content[match.end() :]), *children[1:]])


def _split_lines(children: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = [[]]
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(token)
    return lines


def _bold_term(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`**Term**：rest` or `**Term：**rest` → (term tokens, rest tokens)."""
    children = _trim(children)
    if not children or children[0].type != "strong_open":
        return None
    close = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
    if close is None or close == 1:
        return None
    term = children[1:close]
    rest = children[close + 1 :]
    if term and term[-1].type == "text" and term[-1].content.rstrip().endswith(COLONS):
        term = [*term[:-1], _with_content(term[-1], term[-1].content.rstrip()[:-1])]
    elif rest and rest[0].type == "text" and rest[0].content.lstrip().startswith(COLONS):
        rest = [_with_content(rest[0], rest[0].content.lstrip()[1:]), *rest[1:]]
    else:
        return None
    return _trim(term), _trim(rest)


def _ends_with_colon(children: list[Token]) -> bool:
    return bool(children) and children[-1].type == "text" and children[-1].content.rstrip().endswith(COLONS)


def _strip_trailing_colon(children: list[Token]) -> list[Token]:
    if _ends_with_colon(children):
        last = children[-1]
        return _trim([*children[:-1], _with_content(last, last.content.rstrip()[:-1])])
    return children


def _only_images(node: SyntaxTreeNode) -> bool:
    """A paragraph that is just a picture (or an <img>) belongs to the answer above it."""
    if node.type == "html_block":
        return node.content.lstrip().lower().startswith(("<img", "<div", "<p", "<figure"))
    children = _inline(node) if node.type == "paragraph" else []
    meaningful = [
        t
        for t in children
        if not (t.type in ("softbreak", "hardbreak") or (t.type == "text" and not t.content.strip()))
    ]
    return bool(meaningful) and all(t.type in ("image", "html_inline") for t in meaningful)


def _is_cloze(children: list[Token]) -> bool:
    return any(t.type == "mark_open" or (t.type == "text" and _CLOZE.search(t.content)) for t in children)


class Extractor:
    """Walks sibling blocks, applying the note rules in order."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- walking -----------------------------------------------------------------------
    def blocks(self, nodes: list[SyntaxTreeNode]) -> None:
        handlers: dict[str, Callable[[list[SyntaxTreeNode], int], int | None]] = {
            "heading": self.heading,
            "paragraph": self.paragraph,
            "dl": self.definition_list,
        }
        label: tuple[list[Token], bool] | None = None  # text right before a formula
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if node.type == "html_block":
                self._html_marker(node)
                i += 1
                continue
            check, self.ctx.pending_check = self.ctx.pending_check, ""
            if self.ctx.skipping:
                i += 1
                continue
            if node.type == "math_block":
                i = self.formula(nodes, i, label, check)
                continue
            handler = handlers.get(node.type)
            if handler is None:  # lists and quotes hold notes of their own; anything else ends a label
                for children in _nested_blocks(node):
                    self.blocks(children)
                label = None
                i += 1
                continue
            if node.type in ("paragraph", "heading"):
                self.ctx.pending_id = _inline_meta_id(node) or self.ctx.pending_id
            consumed = handler(nodes, i)
            label = self._label_of(node) if node.type == "paragraph" else None
            i = consumed if consumed is not None else i + 1
            if not (node.type == "paragraph" and i < len(nodes) and nodes[i].type == "math_block"):
                self.ctx.pending_id = None  # an id labels the note of its own block (or the formula after it)

    def _html_marker(self, node: SyntaxTreeNode) -> None:
        text = node.content
        explicit = _ID_COMMENT.search(text)
        if explicit:
            self.ctx.pending_id = explicit[1]
        if _CHECK.match(text):
            self.ctx.pending_check = text.strip()
        if _NO_CARDS.search(text):
            self.ctx.skipping = True
        if _CARDS.search(text):
            self.ctx.skipping = False

    def _label_of(self, node: SyntaxTreeNode) -> tuple[list[Token], bool] | None:
        children = _inline(node)
        found = _bold_term(children)
        if found:
            return found[0], False
        if children and children[0].type == "strong_open":
            close = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
            if close:
                return _trim(children[1:close]), False
        text = _trim(children)
        if not text:
            return None
        return _strip_trailing_colon(text), True

    def _answer_blocks(self, nodes: list[SyntaxTreeNode], start: int) -> int:
        """Index after the blocks that continue an answer (lists, code, tables, math, quotes)."""
        end = start
        while end < len(nodes) and (
            nodes[end].type in ("bullet_list", "ordered_list", "fence", "code_block", "table", "math_block")
            or _only_images(nodes[end])
        ):
            end += 1
        return end

    # -- rules -------------------------------------------------------------------------
    def heading(self, nodes: list[SyntaxTreeNode], i: int) -> int | None:
        node = nodes[i]
        level = int(node.tag[1])
        children = _trim(_inline(node))
        for deeper in [lv for lv in self.ctx.sections if lv >= level]:
            del self.ctx.sections[deeper]
        plain = Fragment(children, True).plain()
        if not plain.endswith(("?", "？")):
            if level >= 2:
                self.ctx.sections[level] = _inline_fragment(children)
            return None
        end = i + 1
        while (
            end < len(nodes)
            and nodes[end].type != "heading"
            and not (
                nodes[end].type == "html_block"
                and (_NO_CARDS.search(nodes[end].content) or _CARDS.search(nodes[end].content))
            )
        ):
            end += 1
        where = self.ctx.location(node)
        answer = _blocks(nodes[i + 1 : end])
        if not any(t.type in ("inline", "math_block", "fence", "code_block") for t in answer):
            self.ctx.warn(where, "empty-answer", "question heading has no answer below it")
            return None
        self.ctx.add_pair(NoteKind.QA, children, answer, where)
        return end

    def paragraph(self, nodes: list[SyntaxTreeNode], i: int) -> int | None:
        node = nodes[i]
        children = _inline(node)
        self._check_stray_dollars(node, children)
        question = _strip_prefix(children, _QUESTION)
        if question is not None:
            return self.question(nodes, i, question)
        if _is_cloze(children):
            where = self.ctx.location(node)
            self.ctx.add(
                NoteKind.CLOZE, Fragment(children, True).plain(), None, Fragment(node.to_tokens(), inline=False), where
            )
            return None
        found = _bold_term(children)
        if found:
            term, rest = found
            where = self.ctx.location(node)
            followed_by_formula = i + 1 < len(nodes) and nodes[i + 1].type == "math_block"
            if not rest:
                if not followed_by_formula:
                    self.ctx.warn(
                        where,
                        "empty-answer",
                        f"'{Fragment(term, True).plain()}' has no definition after the colon",
                    )
                return None
            back: list[Token] = _paragraph(_strip_trailing_colon(rest))
            tail = nodes[i + 1 :]
            if node.parent is not None and node.parent.type == "list_item":
                back += _blocks([n for n in tail if n.type != "math_block"])
            self.ctx.add_pair(NoteKind.CONCEPT, term, back, where)
            return None
        for offset, line in enumerate(_split_lines(children)):
            self._definition_line(node, line, offset)
        return None

    def _definition_line(self, node: SyntaxTreeNode, line: list[Token], offset: int) -> None:
        """`Term :: sentence` on a line of its own."""
        line = _trim(line)
        if not line or line[0].type != "text":
            return
        match = _DEFINITION_LINE.match(line[0].content)
        if not match:
            return
        term = [_with_content(line[0], match["term"].strip())]
        rest = _trim([_with_content(line[0], line[0].content[match.end() :]), *line[1:]])
        if not rest:
            return
        back = _paragraph(rest)
        self.ctx.add_pair(NoteKind.CONCEPT, term, back, self.ctx.location(node, offset), match["term"])

    def question(self, nodes: list[SyntaxTreeNode], i: int, question: list[Token]) -> int:
        node = nodes[i]
        where = self.ctx.location(node)
        lines = _split_lines(question)
        answer_tokens: list[Token] = []
        q_lines: list[list[Token]] = []
        for n, line in enumerate(lines):
            stripped = _strip_prefix(line, _ANSWER)
            if stripped is not None:
                rest = [tok for ln in lines[n + 1 :] for tok in ([Token("softbreak", "br", 0), *ln])]
                answer_tokens = _trim(stripped + rest)
                break
            q_lines.append(line)
        q_children = _trim(
            [tok for n, ln in enumerate(q_lines) for tok in ([Token("softbreak", "br", 0)] if n else []) + ln]
        )
        end = i + 1
        if not answer_tokens and end < len(nodes) and nodes[end].type == "paragraph":
            stripped = _strip_prefix(_inline(nodes[end]), _ANSWER)
            if stripped is not None:
                answer_tokens = stripped
                end += 1
        if not answer_tokens:
            self.ctx.warn(
                where,
                "empty-answer",
                "question has no answer (expected a line starting with 'A:' or '答：')",
            )
            return end
        back = _paragraph(answer_tokens)
        stop = self._answer_blocks(nodes, end)
        back += _blocks(nodes[end:stop])
        self.ctx.add_pair(NoteKind.QA, q_children, back, where)
        return stop

    def definition_list(self, nodes: list[SyntaxTreeNode], i: int) -> int | None:
        node = nodes[i]
        term: SyntaxTreeNode | None = None
        for child in node.children:
            if child.type == "dt":
                term = child
            elif child.type == "dd" and term is not None:
                self.ctx.pending_id = _inline_meta_id(term)
                children = _trim(_inline(term))
                self.ctx.add_pair(NoteKind.CONCEPT, children, _blocks(child.children), self.ctx.location(term))
        return None

    def formula(
        self, nodes: list[SyntaxTreeNode], i: int, label: tuple[list[Token], bool] | None, check: str = ""
    ) -> int:
        start = i
        end = i
        while end < len(nodes) and nodes[end].type == "math_block":
            end += 1
        extra: Fragment | None = None
        if (
            end < len(nodes)
            and nodes[end].type == "paragraph"
            and _WHERE.match(Fragment(_inline(nodes[end]), True).plain())
        ):
            extra = Fragment(nodes[end].to_tokens(), inline=False)
            end_after = end + 1
        else:
            end_after = end
        sentence = False
        if label is not None and normalise_key(Fragment(label[0], True).plain()):
            label_tokens, sentence = label
        elif self.ctx.section is not None:
            label_tokens = self.ctx.section.tokens
        else:
            label_tokens = [_text_token(self.ctx.chapter.title)]
        text = Fragment(label_tokens, True).plain()
        for node in nodes[start:end]:
            if not node.content.strip():
                continue
            if check:  # a checkable derivation: the comment applies to this block only
                where = self.ctx.location(node)
                self.ctx.add(
                    NoteKind.DERIVATION,
                    text,
                    _inline_fragment(label_tokens),
                    Fragment(node.to_tokens(), inline=False),
                    where,
                    extra,
                )
                if self.ctx.notes and self.ctx.notes[-1].kind is NoteKind.DERIVATION:
                    self.ctx.notes[-1].check = check
                    self.ctx.notes[-1].check_line = where.line  # the TeX starts right after `$$`
                check = ""
                continue
            counts = self.ctx.formula_labels
            counts[text] = counts.get(text, 0) + 1  # several formulas under one label: numbered in order
            key = text if counts[text] == 1 else f"{text} {counts[text]}"
            self.ctx.add(
                NoteKind.FORMULA,
                key,
                _inline_fragment(label_tokens),
                Fragment(node.to_tokens(), inline=False),
                self.ctx.location(node),
                extra,
                sentence_label=sentence,
            )
        return end_after

    def _check_stray_dollars(self, node: SyntaxTreeNode, children: list[Token]) -> None:
        for token in children:
            if token.type == "text" and _STRAY_DOLLAR.search(token.content):
                where = self._find(node, "$", token.content)
                self.ctx.warn(
                    where,
                    "unclosed-math",
                    "'$' opens math that is never closed; it is shown as a literal '$' (write '\\$' for a dollar sign)",
                )
                return

    def _find(self, node: SyntaxTreeNode, needle: str, near: str) -> Location:
        """Best source position of `needle` inside a block: the line that holds the text around it."""
        first, last = node.map if node.map else (0, 1)
        probe = near[: near.find(needle) + 1][-12:]
        for number in range(first, min(last, len(self.ctx.lines))):
            line = self.ctx.lines[number]
            at = line.find(probe)
            if at >= 0:
                return Location(self.ctx.file.display, number + 1, at + len(probe))
        return self.ctx.location(node)


def _paragraph(children: list[Token]) -> list[Token]:
    """Block tokens for one paragraph holding `children`."""
    return [Token("paragraph_open", "p", 1), _inline_token(children), Token("paragraph_close", "p", -1)]


def _text_token(text: str) -> Token:
    token = Token("text", "", 0)
    token.content = text
    return token


def _inline_token(children: list[Token]) -> Token:
    token = Token("inline", "", 0)
    token.children = children
    token.content = Fragment(children, True).plain()
    return token


def extract(
    file: SourceFile,
    chapter: Chapter,
    tokens: list[Token],
    report: Report,
    assets: AssetResolver,
    kinds: frozenset[str],
) -> list[Note]:
    ctx = Context(file=file, chapter=chapter, lines=file.text.split("\n"), report=report, assets=assets, kinds=kinds)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children, found = take_id(token.children)
            if found:
                token.meta["id"] = found
    tree = SyntaxTreeNode(tokens)
    Extractor(ctx).blocks(tree.children)
    return ctx.notes
