"""Precision guards: blocks that look like notes and are not. Each claims its block so no heuristic fires.

They run before the heuristic rules (never before the explicit ones), and `--explain` names them.
"""

from __future__ import annotations

import re

from markdown_it.tree import SyntaxTreeNode

from ..context import Context
from ..tokens import inline_children, node_text, trim
from .words import METADATA, bare, tag_line

_TOC_MARK = re.compile(r"^\s*(?:\[TOC\]|\[\[_TOC_\]\]|\[\[toc\]\]|<!--\s*TOC\s*-->)\s*$", re.IGNORECASE)
_TOC_HEADING = re.compile(r"^(?:目录|目\s*录|contents|table of contents|toc|index|索引)$", re.IGNORECASE)
_META = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:" + "|".join(sorted(map(re.escape, METADATA), key=len, reverse=True)) + r")\s*[:：]",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\s*(?:[-*+]\s+)?\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?\s*[:：]")
_PROMPT = re.compile(r"^\s*(?:In|Out)\s*\[\d*\]\s*:")
_EXERCISES = re.compile(
    r"^(?:exercises?|problems|quiz(?:zes)?|习题|练习|练习题|思考题|作业|课后题|课后习题)$", re.IGNORECASE
)
# A worked example's section (`### 3. 举个 1 分钟能算完的例子`, `## Example`): one instance, not what to learn
_EXAMPLE = re.compile(
    r"^(?:(?:一个|几个|简单的?)?(?:例子|示例|举例|例题|实例)|举个.{0,12}例子|.{0,12}的例子|"
    r"(?:an? |worked )?examples?(?:\s*\d+)?|example:.*)$",
    re.IGNORECASE,
)


def _links_only(item: SyntaxTreeNode) -> bool:
    """A list item that is only a link (or a wikilink), with at most a few words around it."""
    paragraphs = [c for c in item.children if c.type == "paragraph"]
    if not paragraphs or len(paragraphs) != len([c for c in item.children if c.type != "bullet_list"]):
        return False
    children = trim(inline_children(paragraphs[0]))
    inside = False
    outside = ""
    links = 0
    for token in children:
        if token.type == "link_open":
            inside, links = True, links + 1
        elif token.type == "link_close":
            inside = False
        elif not inside and token.type == "text":
            outside += token.content
    if links == 0:
        return False
    return len(bare(outside)) <= 12


def link_list(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A list whose items are only links (a reading list, an index of questions, a table of contents)."""
    node = nodes[i]
    items = [c for c in node.children if c.type == "list_item"]
    if len(items) < 2 or sum(_links_only(item) for item in items) < 0.8 * len(items):
        return None
    ctx.explain(ctx.location(node).line, "a list of links (reading list or table of contents): no cards")
    return i + 1


def toc(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`[TOC]` markers and a `目录`/`Contents` heading with the list under it."""
    node = nodes[i]
    if node.type == "paragraph" and _TOC_MARK.match(node_text(node)):
        ctx.explain(ctx.location(node).line, "a table-of-contents marker")
        return i + 1
    if node.type == "heading" and _TOC_HEADING.match(bare(node_text(node))):
        end = i + 1
        while end < len(nodes) and nodes[end].type in ("bullet_list", "ordered_list", "paragraph"):
            end += 1
        ctx.explain(ctx.location(node).line, "a table of contents: no cards")
        return end
    return None


def metadata(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`作者：…`, `日期：…`, `2023-04-06：…`, `In [5]:` lines: facts about the note, not in it."""
    node = nodes[i]
    text = node_text(node)
    first = text.split("\n", 1)[0]
    if _META.match(first) or _DATE.match(first) or _PROMPT.match(first) or tag_line(text):
        ctx.explain(ctx.location(node).line, "metadata (author, date, source, tags, …): no card")
        return i + 1
    return None


def exercises(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """An `## Exercises` / `## 练习` section (tasks for the reader, with no answers to learn from), or a worked
    example's (`### 举个例子`): one instance of what the notes around it teach."""
    node = nodes[i]
    heading = bare(node_text(node))
    example = _EXAMPLE.match(heading) is not None
    if not _EXERCISES.match(heading) and not example:
        return None
    end = i + 1
    while end < len(nodes) and not (nodes[end].type == "heading" and nodes[end].tag <= node.tag):
        end += 1
    ctx.explain(
        ctx.location(node).line, "a worked example: no cards" if example else "exercises for the reader: no cards"
    )
    return end
