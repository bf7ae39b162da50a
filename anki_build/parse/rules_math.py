"""markdown-it rules for math, so TeX is taken out before emphasis and escapes can touch it.

Produces the token types of mdit-py-plugins' dollarmath (``math_inline``,
``math_inline_double``, ``math_block``) for every delimiter style found in notes:
``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` and bare ``\\begin{aligned}…\\end{aligned}`` blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

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


def _memo(state: StateInline | StateBlock) -> dict[object, int]:
    """Per-parse memory that keeps the rules linear (see :func:`_no_closer_after`)."""
    memo = state.env.get("anki_build_memo")
    if memo is None:
        memo = state.env["anki_build_memo"] = {}
    return memo


def _find_closer(state: StateInline, closer: str, start: int) -> int:
    """Index of the next unescaped `closer` at or after `start` in this inline's source, or -1.

    Once a search fails from some position, every later search for the same closer in the same
    source fails too; remembering that keeps `$a $b $c …` or `\\( \\( \\( …` linear.
    """
    src = state.src
    memo = _memo(state)
    key = ("inline", closer, id(src), len(src))
    if start >= memo.get(key, len(src) + 1):
        return -1
    pos = start
    while True:
        end = src.find(closer, pos)
        if end < 0:
            memo[key] = min(start, memo.get(key, len(src) + 1))
            return -1
        if _escaped(src, end):
            pos = end + 1
            continue
        return end


def _find_dollar_close(state: StateInline, start: int, double: bool) -> int:
    end = _find_closer(state, "$$" if double else "$", start)
    if end >= 0 and not double and state.src.startswith("$$", end) and end == start:
        return -1
    return end


_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def _padded_math(content: str) -> bool:
    """`$ J$`, `$\\theta $`: math padded on one side (Typora and MathJax accept it), never prose or money."""
    core = content.strip()
    if not core or _CJK.search(core) or len(core) > 60 or core[0].isdigit():
        return False
    return bool(_MATHY.search(core)) and not _WORDS.search(re.sub(r"\\[A-Za-z]+", " ", core))


def math_inline_dollar(state: StateInline, silent: bool) -> bool:
    """`$x$` and `$$x$$` inside a line; money (`$5 and $6`, `| $10 |`) stays text."""
    src, pos = state.src, state.pos
    if src[pos] != "$" or _escaped(src, pos):
        return False
    double = src.startswith("$$", pos)
    open_len = 2 if double else 1
    start = pos + open_len
    end = _find_dollar_close(state, start, double)
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
        if content[0].isspace() != content[-1].isspace() and not _padded_math(content):
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
    end = _find_closer(state, "\\]" if display else "\\)", pos + 2)
    if end < 0:
        return False
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


def _closing_line(
    state: StateBlock, start: int, end: int, rule: str, closes: Callable[[int, str], bool], *, dedent_stops: bool = True
) -> int | None:
    """The line that closes a block opened at `start`, or None; linear over a whole document.

    A block that is never closed is the worst case: every later line that looks like an opener
    would scan to the end again. When a scan from `start` fails at line `stop` (the end, or a
    line indented less than the block), no line in between closes, so every scan that starts in
    between fails at `stop` too; the memo answers those at once.
    """
    memo = _memo(state)
    key = ("block", rule, end, state.blkIndent if dedent_stops else -1, id(state.src))
    failed = memo.get(key)
    if isinstance(failed, tuple) and failed[0] < start < failed[1]:
        return None
    for last in range(start, end):
        text = _line(state, last).rstrip()
        if last > start and dedent_stops and text and state.sCount[last] < state.blkIndent:
            memo[key] = (start, last)
            return None
        if closes(last, text):
            return last
    memo[key] = (start, end)
    return None


def math_block_bracket(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    r"""A display block opened by `\[` at the start of a line and closed by `\]` at a line end."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    if not _line(state, start).startswith("\\["):
        return False
    last = _closing_line(
        state, start, end, "bracket", lambda n, text: text.endswith("\\]") and (n > start or len(text) >= 4)
    )
    if last is None:
        return False
    body = _block_lines(state, start, last).strip()
    content = body[2:-2]
    if not content.strip() or looks_like_prose(content):
        return False
    if silent:
        return True
    _push_block(state, start, last, content, "\\[")
    return True


def _open_dollar(line: str) -> bool:
    """The line leaves a single `$` open (an odd number of unescaped single dollars)."""
    singles = [m.start() for m in re.finditer(r"(?<!\$)\$(?!\$)", line) if not _escaped(line, m.start())]
    return len(singles) % 2 == 1


def math_block_single_dollar(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A formula opened by a `$` line and closed by a line ending in `$` (`$` ⏎ `\\begin{aligned}…` ⏎ `$`)."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = _line(state, start).rstrip()
    if not first.startswith("$") or first.startswith("$$") or not _open_dollar(first) or _CJK.search(first):
        return False
    if len(first) > 1 and not _ENV_OPEN.match(_line(state, start + 1) if start + 1 < end else ""):
        return False  # `$ A=` opens a block only when an environment follows on the next line
    last = _closing_line(
        state,
        start,
        end,
        "single-dollar",
        lambda n, text: n > start and text.endswith("$") and not text.endswith("$$") and _open_dollar(text),
    )
    if last is None:
        return False
    if silent:
        return True
    body = _block_lines(state, start, last).strip()
    _push_block(state, start, last, body[1:-1].strip(), "$")
    return True


def math_block_env(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    r"""A bare `\begin{aligned} … \end{aligned}` block (no dollars), as Typora writes them."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    match = _ENV_OPEN.match(_line(state, start))
    if not match:
        return False
    if silent and start > 0 and _open_dollar(_line(state, start - 1)):
        return False  # `$ A=` ⏎ `\begin{bmatrix}…` ⏎ `$`: inline math across lines, not a bare block
    closing = f"\\end{{{match[1]}}}"
    last = _closing_line(state, start, end, f"env:{match[1]}", lambda n, text: text.endswith(closing))
    if last is None:
        return False
    if silent:
        return True
    _push_block(state, start, last, _block_lines(state, start, last).strip(), "env")
    return True


def math_block_dollars(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`$$` blocks as dollarmath reads them (blank lines allowed inside), linear even when never closed."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    line_end = state.eMarks[start]
    if not state.src.startswith("$$", begin) or begin + 2 > line_end:
        return False
    first = state.src[begin:line_end]
    if len(first.strip()) > 3:
        if first.strip().endswith("$$"):
            last, close = start, line_end - 2 - (len(first) - len(first.strip()))
        elif "$$" in first[2:]:
            return False  # `$$a$$ and more`: inline math in a paragraph, not a block
        else:
            last, close = None, 0
    else:
        last, close = None, 0
    if last is None:
        found = _closing_line(
            state, start, end, "dollars", lambda n, text: n > start and text.strip().endswith("$$"), dedent_stops=False
        )
        if found is None:
            return False
        text = state.src[state.bMarks[found] + state.tShift[found] : state.eMarks[found]]
        last, close = found, state.eMarks[found] - 2 - (len(text) - len(text.strip()))
    if silent:
        return True
    if last == start:
        content = state.src[begin + 2 : close]
    else:
        parts = [state.src[begin + 2 : state.eMarks[start]]]
        parts += [state.src[state.bMarks[n] : state.eMarks[n]] for n in range(start + 1, last)]
        parts.append(state.src[state.bMarks[last] : close])
        content = "\n".join(parts)
    parts = [p for p in content.split("$$") if p.strip()]
    for part in parts if len(parts) > 1 else [content]:  # `$$a$$ $$b$$` or `$$a$$$$b$$` on one line: one block each
        token = state.push("math_block", "math", 0)
        token.block, token.content, token.markup, token.map = True, part, "$$", [start, last + 1]
    state.line = last + 1
    return True


def math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Every display form, chosen by the line's first character: the block rules run on every line of a
    file, and most lines start with neither `$` nor `\\`."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    first = state.src[begin : begin + 1]
    if first == "$":
        return math_block_dollars(state, start, end, silent) or math_block_single_dollar(state, start, end, silent)
    if first == "\\":
        return math_block_bracket(state, start, end, silent) or math_block_env(state, start, end, silent)
    return False


def math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_inline", math_inline_dollar)
    md.inline.ruler.before("escape", "math_inline_bracket", math_inline_bracket)
    md.block.ruler.before("fence", "math_block", math_block, {"alt": _INTERRUPTS})
