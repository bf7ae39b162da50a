"""Obsidian and GitHub callouts (`> [!question] 为什么…？`) read as the admonitions mdit-py-plugins parses
(`!!! question "为什么…？"`), so one token shape, one note rule and one card style serve both.

A core rule between block and inline parsing: a blockquote whose first line is `[!type]` (with an
optional `+`/`-` fold mark and a title) becomes ``admonition_open``/``admonition_close`` with a title;
the rest of that first paragraph stays a paragraph.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_CALLOUT = re.compile(r"^\[!(?P<type>[A-Za-z][\w-]{0,30})\][+-]?[ \t]*(?P<title>[^\n]*)(?:\n(?P<rest>.*))?$", re.S)


def _convert(state: StateCore) -> None:
    tokens = state.tokens
    opens: list[int] = []
    pairs: list[tuple[int, Token]] = []
    for i, token in enumerate(tokens):
        if token.type == "blockquote_open":
            opens.append(i)
        elif token.type == "blockquote_close" and opens:
            pairs.append((opens.pop(), token))
    # Last first: tokens are only inserted after a callout's start, so earlier starts keep their index.
    for start, closing in sorted(pairs, key=lambda pair: pair[0], reverse=True):
        opening = tokens[start]
        if not (tokens[start + 1].type == "paragraph_open" and tokens[start + 2].type == "inline"):
            continue
        found = _CALLOUT.match(tokens[start + 2].content)
        if not found:
            continue
        kind, title, rest = found["type"].lower(), found["title"].strip(), found["rest"] or ""
        opening.type, opening.tag, opening.meta, opening.info = "admonition_open", "div", {"tag": kind}, f" {kind}"
        closing.type, closing.tag = "admonition_close", "div"
        paragraph_open, inline = tokens[start + 1], tokens[start + 2]
        first_line = paragraph_open.map[0] if paragraph_open.map else 0
        title_tokens = [
            Token("admonition_title_open", "p", 1, map=[first_line, first_line + 1], block=True),
            Token("inline", "", 0, content=title or kind.capitalize(), map=[first_line, first_line + 1], children=[]),
            Token("admonition_title_close", "p", -1, block=True),
        ]
        if rest.strip():  # the callout's first paragraph goes on below its title
            inline.content = rest
            if paragraph_open.map:
                paragraph_open.map = [paragraph_open.map[0] + 1, paragraph_open.map[1]]
                inline.map = paragraph_open.map
            tokens[start + 1 : start + 1] = title_tokens
        else:
            tokens[start + 1 : start + 4] = title_tokens


def callout_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "callout", _convert)
