"""markdown-it rules for math, so TeX is taken out before emphasis and escapes can touch it.

Produces the token types of mdit-py-plugins' dollarmath (``math_inline``,
``math_inline_double``, ``math_block``) for every delimiter style found in notes:
``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` and bare ``\\begin{aligned}…\\end{aligned}`` blocks.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath.index import math_block_dollar

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MATHY = re.compile(r"[A-Za-z\\^_=+\-*/<>|{}]")
_ENV_OPEN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
_INTERRUPTS = ["paragraph", "reference", "blockquote", "list"]


def _escaped(src: str, pos: int) -> bool:
    backslashes = 0
    while pos > 0 and src[pos - 1] == "\\":
        backslashes += 1
        pos -= 1
    return backslashes % 2 == 1


def looks_like_prose(content: str) -> bool:
    r"""`\(1\)`, `\[15\]`, `\[解析\]`: escaped brackets used as text, not math."""
    return not _MATHY.search(content)


def _find_dollar_close(src: str, start: int, double: bool) -> int:
    pos = start
    while True:
        end = src.find("$$" if double else "$", pos)
        if end < 0:
            return -1
        if _escaped(src, end):
            pos = end + 1
            continue
        if not double and src.startswith("$$", end) and end == start:
            return -1
        return end


def math_inline_dollar(state: StateInline, silent: bool) -> bool:
    """`$x$` and `$$x$$` inside a line; money (`$5 and $6`, `| $10 |`) stays text."""
    src, pos = state.src, state.pos
    if src[pos] != "$" or _escaped(src, pos):
        return False
    double = src.startswith("$$", pos)
    open_len = 2 if double else 1
    start = pos + open_len
    end = _find_dollar_close(src, start, double)
    if end < 0:
        return False
    content = src[start:end]
    if not content.strip():
        return False
    after = src[end + open_len : end + open_len + 1]
    if not double:
        if pos > 0 and src[pos - 1].isdigit():
            return False
        if after.isdigit():
            return False
        if content[0].isdigit() and (content[-1].isspace() or (not _MATHY.search(content) and " " in content.strip())):
            return False
        if content[0].isspace() != content[-1].isspace():
            return False
    if not silent:
        token = state.push("math_inline_double" if double else "math_inline", "math", 0)
        token.content = content
        token.markup = "$$" if double else "$"
    state.pos = end + open_len
    return True


def math_inline_bracket(state: StateInline, silent: bool) -> bool:
    r"""`\(x\)` inline and `\[x\]` inside a line."""
    src, pos = state.src, state.pos
    if src[pos] != "\\" or pos + 1 >= len(src) or src[pos + 1] not in "([" or _escaped(src, pos):
        return False
    display = src[pos + 1] == "["
    closer = "\\]" if display else "\\)"
    search = pos + 2
    while True:
        end = src.find(closer, search)
        if end < 0:
            return False
        if _escaped(src, end):
            search = end + 1
            continue
        break
    content = src[pos + 2 : end]
    if not content.strip() or looks_like_prose(content):
        return False
    if not silent:
        token = state.push("math_inline_double" if display else "math_inline", "math", 0)
        token.content = content
        token.markup = "\\[" if display else "\\("
    state.pos = end + 2
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _block_lines(state: StateBlock, start: int, end: int) -> str:
    return "\n".join(
        state.src[state.bMarks[n] + min(state.tShift[n], state.blkIndent) : state.eMarks[n]]
        for n in range(start, end + 1)
    )


def _push_block(state: StateBlock, start: int, last: int, content: str, markup: str) -> None:
    state.line = last + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = content
    token.markup = markup
    token.map = [start, state.line]


def math_block_bracket(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    r"""A display block opened by `\[` at the start of a line and closed by `\]` at a line end."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = _line(state, start)
    if not first.startswith("\\["):
        return False
    for last in range(start, end):
        text = _line(state, last).rstrip()
        if last > start and text and state.sCount[last] < state.blkIndent:
            return False
        if text.endswith("\\]") and (last > start or len(text) >= 4):
            body = _block_lines(state, start, last).strip()
            content = body[2:-2]
            if not content.strip() or looks_like_prose(content):
                return False
            if silent:
                return True
            _push_block(state, start, last, content, "\\[")
            return True
    return False


def math_block_env(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    r"""A bare `\begin{aligned} … \end{aligned}` block (no dollars), as Typora writes them."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    match = _ENV_OPEN.match(_line(state, start))
    if not match:
        return False
    closing = f"\\end{{{match[1]}}}"
    for last in range(start, end):
        if last > start and state.sCount[last] < state.blkIndent and _line(state, last):
            return False
        if _line(state, last).rstrip().endswith(closing):
            if silent:
                return True
            _push_block(state, start, last, _block_lines(state, start, last).strip(), "env")
            return True
    return False


_dollar_block = math_block_dollar(False, None, True)


def math_block_dollars(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """dollarmath's `$$` block rule, made to honour `silent` so it can interrupt paragraphs."""
    line, count = state.line, len(state.tokens)
    found = _dollar_block(state, start, end, False)
    if not found:
        return False
    if silent:
        del state.tokens[count:]
        state.line = line
        return True
    token = state.tokens[-1]
    parts = [p for p in token.content.split("$$") if p.strip()]
    if len(parts) > 1:  # `$$a$$ $$b$$` or `$$a$$$$b$$` on one line: one block each
        del state.tokens[-1]
        for part in parts:
            extra = state.push("math_block", "math", 0)
            extra.block, extra.content, extra.markup, extra.map = True, part, "$$", token.map
    return True


def math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_inline", math_inline_dollar)
    md.inline.ruler.before("escape", "math_inline_bracket", math_inline_bracket)
    md.block.ruler.before("fence", "math_block", math_block_dollars, {"alt": _INTERRUPTS})
    md.block.ruler.before("fence", "math_block_bracket", math_block_bracket, {"alt": _INTERRUPTS})
    md.block.ruler.before("fence", "math_block_env", math_block_env, {"alt": _INTERRUPTS})
