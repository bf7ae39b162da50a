"""Small helpers over markdown-it tokens and syntax-tree nodes, shared by the note rules.

A token is copied only when its content changes (:func:`with_content`); everything else is passed on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ..structure import Fragment

COLONS = (":", "：")
LONE_PUNCT = " \t,，.。;；"  # what may stand next to a formula alone in its paragraph


_T = TypeVar("_T")


class _remembered(Generic[_T]):
    """`functools.cached_property` without its lock (Python 3.11 takes one on every first read): the walk is
    single-threaded and reads a few properties of every node once."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn, self.name = fn, fn.__name__

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        value = node.__dict__[self.name] = self.fn(node)
        return value


class Node(SyntaxTreeNode):
    """A syntax-tree node that remembers what every rule asks of it: the rules read a block's type and
    text many times, and the tokens under a node do not change once the walk starts."""

    @_remembered
    def type(self) -> str:  # type: ignore[override]
        return SyntaxTreeNode.type.fget(self)  # type: ignore[attr-defined]

    @_remembered
    def inline(self) -> tuple[Token, ...]:
        for child in self.children:
            if child.type == "inline" and child.token is not None:
                return tuple(child.token.children or ())
        return ()

    @_remembered
    def text(self) -> str:
        return plain(list(self.inline))

    @_remembered
    def lone_math(self) -> Token | None:
        return lone_math(list(self.inline))


def lone_math(children: list[Token]) -> Token | None:
    """The one inline formula of a paragraph that holds nothing else (bar spaces and punctuation)."""
    kept = [t for t in trim(children) if not (t.type == "text" and not t.content.strip(LONE_PUNCT))]
    return kept[0] if len(kept) == 1 and kept[0].type in ("math_inline", "math_inline_double") else None


def inline_children(node: SyntaxTreeNode) -> list[Token]:
    """The inline children of a paragraph, heading, dt or table cell node."""
    if isinstance(node, Node):
        return list(node.inline)
    for child in node.children:
        if child.type == "inline" and child.token is not None:
            return list(child.token.children or [])
    return []


def node_text(node: SyntaxTreeNode) -> str:
    """`plain(inline_children(node))`, computed once per node."""
    return node.text if isinstance(node, Node) else plain(inline_children(node))


def inline_meta_id(node: SyntaxTreeNode) -> str | None:
    for child in node.children:
        if child.type == "inline" and child.token is not None:
            return child.token.meta.get("id")
    return None


def blocks_of(nodes: list[SyntaxTreeNode]) -> list[Token]:
    tokens: list[Token] = []
    for node in nodes:
        tokens.extend(node.to_tokens())
    return tokens


def plain(children: list[Token]) -> str:
    return Fragment(children, True).plain()


def inline_fragment(children: list[Token]) -> Fragment:
    return Fragment(trim(children), inline=True)


def with_content(token: Token, content: str) -> Token:
    if token.content == content:
        return token
    clone = copy.copy(token)
    clone.content = content
    return clone


def _blank(token: Token) -> bool:
    kind = token.type
    return kind == "softbreak" or kind == "hardbreak" or (kind == "text" and not token.content.strip())


def trim(children: list[Token]) -> list[Token]:
    """Drop leading/trailing breaks and whitespace, copying only the tokens it changes."""
    start, end = 0, len(children)
    if not end:
        return []
    while start < end and _blank(children[start]):
        start += 1
    while end > start and _blank(children[end - 1]):
        end -= 1
    out = children[start:end]
    if out and out[0].type == "text":
        out[0] = with_content(out[0], out[0].content.lstrip())
    if out and out[-1].type == "text":
        out[-1] = with_content(out[-1], out[-1].content.rstrip())
    return out


def text_token(text: str) -> Token:
    token = Token("text", "", 0)
    token.content = text
    return token


def inline_token(children: list[Token]) -> Token:
    token = Token("inline", "", 0)
    token.children = children
    token.content = plain(children)
    return token


def paragraph_tokens(children: list[Token], source: list[int] | None = None) -> list[Token]:
    """Block tokens for one paragraph holding `children` (with the source lines it came from, if known)."""
    inline = inline_token(children)
    inline.map = source
    opening = Token("paragraph_open", "p", 1)
    opening.map = source
    return [opening, inline, Token("paragraph_close", "p", -1)]


def strip_prefix(children: list[Token], pattern: re.Pattern[str]) -> list[Token] | None:
    """Remove a `Q:`-style prefix from the first text token (also inside bold); None when it is not there."""
    children = trim(children)
    if not children:
        return None
    first = children[0]
    if first.type == "strong_open":  # `**问：…？**`
        inner_end = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
        if inner_end is not None and len(children) > 1 and children[1].type == "text":
            match = pattern.match(children[1].content)
            if match:
                head = with_content(children[1], children[1].content[match.end() :])
                return trim([head, *children[2:inner_end], *children[inner_end + 1 :]])
        return None
    if first.type != "text":
        return None
    match = pattern.match(first.content)
    if not match:
        return None
    return trim([with_content(first, first.content[match.end() :]), *children[1:]])


def split_lines(children: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = [[]]
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(token)
    return lines


def join_lines(lines: list[list[Token]]) -> list[Token]:
    return trim([tok for n, line in enumerate(lines) for tok in ([Token("softbreak", "br", 0)] if n else []) + line])


def leading_bold(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`**X** rest` → (X, rest); None when the inline content does not start with bold."""
    first = next((token for token in children if not _blank(token)), None)
    if first is None or first.type != "strong_open":
        return None  # most blocks: known before anything is copied
    children = trim(children)
    if not children or children[0].type != "strong_open":
        return None
    close = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
    if close is None or close == 1:
        return None
    return children[1:close], children[close + 1 :]


def bold_term(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`**Term**：rest` or `**Term：**rest` → (term tokens, rest tokens)."""
    found = leading_bold(children)
    if found is None:
        return None
    term, rest = found
    if term and term[-1].type == "text" and term[-1].content.rstrip().endswith(COLONS):
        term = [*term[:-1], with_content(term[-1], term[-1].content.rstrip()[:-1])]
    elif rest and rest[0].type == "text" and rest[0].content.lstrip().startswith(COLONS):
        rest = [with_content(rest[0], rest[0].content.lstrip()[1:]), *rest[1:]]
    else:
        return None
    return trim(term), trim(rest)


def ends_with_colon(children: list[Token]) -> bool:
    return bool(children) and children[-1].type == "text" and children[-1].content.rstrip().endswith(COLONS)


def strip_trailing_colon(children: list[Token]) -> list[Token]:
    if ends_with_colon(children):
        last = children[-1]
        return trim([*children[:-1], with_content(last, last.content.rstrip()[:-1])])
    return children


def only_images(node: SyntaxTreeNode) -> bool:
    """A paragraph that is just a picture (or an <img>) belongs to the answer above it."""
    if node.type == "html_block":
        return node.content.lstrip().lower().startswith(("<img", "<div", "<p", "<figure"))
    children = inline_children(node) if node.type == "paragraph" else []
    meaningful = [t for t in children if not _blank(t)]
    return bool(meaningful) and all(t.type in ("image", "html_inline") for t in meaningful)


_CLOZE = re.compile(r"\{\{c\d+::")


def is_cloze(children: list[Token]) -> bool:
    return any(t.type == "mark_open" or (t.type == "text" and _CLOZE.search(t.content)) for t in children)


_ATTRIBUTES = re.compile(r"\s*\{\s*[#.:][^{}]*\}\s*$")


def without_attributes(children: list[Token]) -> list[Token]:
    """A heading without a trailing attribute list (`### 3.2.1 Activation Function {#sec-3.2.1}`, `{: .x}`):
    an anchor for the site, not words of the heading."""
    if children and children[-1].type == "text" and _ATTRIBUTES.search(children[-1].content):
        return trim([*children[:-1], with_content(children[-1], _ATTRIBUTES.sub("", children[-1].content))])
    return children


_ANSWER_LABEL = re.compile(r"^\s*(?:答|答案|参考答案|回答|解答|A|Answer)\s*[:：]\s*", re.IGNORECASE)
_ANSWER_WORD = re.compile(r"^\s*(?:答|答案|参考答案|回答|解答|A|Answer)\s*[:：]?\s*$", re.IGNORECASE)


def without_answer_label(back: list[Token]) -> list[Token]:
    """An answer whose first paragraph opens with `答：`, `**答案**：` or `Answer:`: the label is not part of it."""
    at = next((n for n, t in enumerate(back) if t.type == "inline"), None)
    if at is None or at == 0 or back[at - 1].type != "paragraph_open":
        return back
    children = trim(back[at].children or [])
    rest: list[Token] | None = None
    found = bold_term(children)
    if found is not None and _ANSWER_WORD.match(plain(found[0])):
        rest = found[1]
    elif (stripped := strip_prefix(children, _ANSWER_LABEL)) is not None:
        rest = stripped
    if not rest:
        return back
    inline = copy.copy(back[at])
    inline.children = rest
    inline.content = plain(rest)
    return [*back[:at], inline, *back[at + 1 :]]
