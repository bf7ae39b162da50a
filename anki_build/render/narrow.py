r"""Display formulas laid out for a 390 px phone: a chain too wide for the screen puts each relation on its own line.

Anki's MathJax 3.2.2 has no automatic line breaking, so the layout is decided here, from the TeX: when the
estimated width of a formula (or of a row of its `aligned` block) is more than a phone line holds, the formula
becomes a left-aligned column, the left-hand side alone and then one `= step` per line:

    \begin{aligned} &L \\ &\quad = a + b \\ &\quad = c \end{aligned}

Formulas that fit are left exactly as written; the card's script scales whatever is still too wide.
"""

from __future__ import annotations

import re

from .tex import _argument_end, _inner, _optional_end

BUDGET = 30.0  # estimated width (≈ one letter per unit) that fits 358 px at the card's math size

_RELATIONS = (
    r"\leftarrow", r"\Leftarrow", r"\rightarrow", r"\Rightarrow", r"\implies", r"\iff", r"\coloneqq", r"\approx",
    r"\propto", r"\equiv", r"\leq", r"\geq", r"\neq", r"\le", r"\ge", r"\ne", r"\simeq", r"\cong",
)  # fmt: skip
_ALIGN = re.compile(r"\s*\\begin\{(aligned|align\*?|split)\}(?P<body>.*)\\end\{\1\}\s*", re.S)
_UNSAFE = re.compile(r"\\(?:tag|label|nonumber|notag|intertext|begin\{(?:cases|array|matrix|[pbvBV]matrix))")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_ZERO = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "displaystyle",
    "textstyle", "limits", "nolimits", "mathbf", "mathrm", "mathit", "mathcal", "mathbb", "mathsf", "mathscr",
    "boldsymbol", "bm", "hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot", "ddot", "mathfrak",
    "operatorname", "underline", "color",
}  # fmt: skip
_SPACES = {"quad": 1.7, "qquad": 3.4, ",": 0.3, ";": 0.5, ":": 0.4, "!": -0.2, " ": 0.4}
_WIDE_OPS = set("=+-<>") | {"times", "cdot", "pm", "mp", "in", "sim", "to", "mid"}


def width(tex: str) -> float:
    """A rough width in letters: fractions count their wider part, scripts two thirds, spacing its size."""
    total, i = 0.0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            match = _COMMAND.match(tex, i)
            name = match.group(1) if match else ""
            i = match.end() if match else i + 1
            if name in ("frac", "dfrac", "tfrac", "cfrac", "binom"):
                a_end = _argument_end(tex, i)
                b_end = _argument_end(tex, a_end)
                total += max(width(_inner(tex, i, a_end)), width(_inner(tex, a_end, b_end))) + 0.6
                i = b_end
            elif name == "sqrt":
                i = _optional_end(tex, i) or i
                end = _argument_end(tex, i)
                total += width(_inner(tex, i, end)) + 1.2
                i = end
            elif name in ("text", "mathrm", "textrm", "textbf", "mbox", "operatorname") and i < len(tex):
                end = _argument_end(tex, i)
                inner = _inner(tex, i, end)
                total += len(inner) * (0.55 if name != "operatorname" else 0.6) + (0.4 if name == "operatorname" else 0)
                i = end
            elif name in _SPACES:
                total += _SPACES[name]
            elif name in _ZERO:
                pass
            elif name in _WIDE_OPS or f"\\{name}" in _RELATIONS:
                total += 1.8
            else:
                total += 1.0
        elif c in "_^":
            end = _argument_end(tex, i + 1)
            total += 0.7 * width(_inner(tex, i + 1, end))
            i = end
        elif c in "{} &":
            i += 1
        elif c in "=<>":
            total += 1.8
            i += 1
        elif c in "+-":
            total += 1.6
            i += 1
        elif c in ",.;":
            total += 0.5
            i += 1
        else:
            total += 1.0 if not re.match(r"[\u4e00-\u9fff]", c) else 1.8
            i += 1
    return total


def _top_level(tex: str) -> list[tuple[int, int, str]]:
    r"""(start, end, text) of each top-level piece that ends a row (`\\`), aligns (`&`) or relates (`=`, `\le`…)."""
    out: list[tuple[int, int, str]] = []
    depth, i = 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            match = _COMMAND.match(tex, i)
            name = match.group(0) if match else "\\"
            end = match.end() if match else i + 1
            if name in (r"\left", r"\begin"):
                depth += 1
            elif name in (r"\right", r"\end"):
                depth -= 1
            elif depth == 0 and name == "\\\\":
                if end < len(tex) and tex[end] == "[":
                    end = tex.find("]", end) + 1 or len(tex)
                out.append((i, end, "\\\\"))
            elif depth == 0 and name in _RELATIONS:
                out.append((i, end, name))
            i = end
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c in "&=<>" and not (c == "=" and i and tex[i - 1] in ":!<>"):
            out.append((i, i + 1, c))
        elif depth == 0 and c in "+-" and tex[:i].strip() and tex[:i].rstrip()[-1] not in "=<>(&^_{+-":
            out.append((i, i + 1, "op"))
        i += 1
    return out


def _rows(tex: str) -> list[str]:
    cuts = [(s, e) for s, e, text in _top_level(tex) if text == "\\\\"]
    rows, last = [], 0
    for start, end in cuts:
        rows.append(tex[last:start])
        last = end
    rows.append(tex[last:])
    return [row for row in rows if row.strip()]


def _steps(row: str) -> list[str] | None:
    """A row as its left-hand side and `relation rest` steps; None when it aligns more than one column."""
    marks = _top_level(row)
    if sum(1 for _, _, text in marks if text == "&") > 1:
        return None
    row = "".join(row[:s] + row[e:] for s, e, text in marks if text == "&") if any(t == "&" for *_, t in marks) else row
    cuts = [s for s, _, text in _top_level(row) if text not in ("&", "\\\\", "op")]
    pieces, last = [], 0
    for start in cuts:
        pieces.append(row[last:start])
        last = start
    pieces.append(row[last:])
    return [piece.strip() for piece in pieces if piece.strip()]


def narrow(tex: str) -> str:
    """`tex` unchanged when every line fits a phone; else one relation per line (see the module docstring)."""
    if _UNSAFE.search(tex) or "{{c" in tex:
        return tex
    aligned = _ALIGN.fullmatch(tex)
    rows = _rows(aligned["body"]) if aligned else [tex]
    if not aligned and len(rows) > 1:
        return tex  # `\\` outside an alignment: the author's own lines
    if max((width(row) for row in rows), default=0) <= BUDGET:
        return tex
    lines: list[str] = []
    for row in rows:
        steps = _steps(row)
        if steps is None:
            return tex
        line = ""
        for piece in [term for step in steps for term in _terms(step)]:
            if line and width(f"{line} {piece}") <= BUDGET:
                line = f"{line} {piece}"  # short steps share a line
                continue
            if line:
                lines.append(line)
            line = piece
        lines.append(line)
    lines = [f"&{line}" if not _starts_with_relation(line) else f"&\\quad {line}" for line in lines]
    if len(lines) < 2:
        return tex
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _starts_with_relation(piece: str) -> bool:
    return piece[:1] in "=<>+-" or any(piece.startswith(r) for r in _RELATIONS)


def _terms(step: str) -> list[str]:
    """A step still too wide, cut before its top-level `+` and `-` (as printed mathematics breaks lines)."""
    if width(step) <= BUDGET:
        return [step]
    cuts = [start for start, _, text in _top_level(step) if text == "op"]
    pieces, last = [], 0
    for start in cuts:
        pieces.append(step[last:start])
        last = start
    pieces.append(step[last:])
    return [piece.strip() for piece in pieces if piece.strip()]
