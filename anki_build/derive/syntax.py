"""Checkable derivations as written in markdown: a `<!-- check: … -->` comment, then a display block.

```
<!-- check: w, a real; \\lambda > 0 -->
$$
\\begin{aligned}
\\frac{d}{dw}\\left(\\frac{1}{2}(w-a)^2 + \\frac{\\lambda}{2} w^2\\right) &= w - a + \\lambda w \\\\
&= (1+\\lambda) w - a \\\\
\\Rightarrow w^{\\ast} &= \\frac{a}{1+\\lambda}
\\end{aligned}
$$
```

Clauses (`;`-separated): symbol domains (`w, a real`, `\\lambda > 0`, `x \\ge 0`, `p \\in (0, 1)`,
`n integer`), relations that restrict a case (`a > \\lambda`, `|a| \\le \\lambda`), `let f(x) = …`,
`where y_3 = 1 - y_1 - y_2`, `functions f, g`, and `nocheck`. No sympy here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

CHECK_COMMENT = re.compile(r"^\s*<!--\s*check\s*:?(.*?)-->\s*$", re.DOTALL | re.IGNORECASE)
_ENV = re.compile(r"\\(begin|end)\{(aligned|align\*?|split|gathered|eqnarray\*?)\}")
_IMPLIES = re.compile(r"^\s*(?:\\Rightarrow|\\implies|\\therefore|\\Longrightarrow|\\to)\s*(?:\\q?quad\s*)?")
_NOCHECK_TAG = re.compile(r"\\tag\*?\{\s*nocheck\s*\}")
_TAG = re.compile(r"\\(?:tag\*?|label)\{[^{}]*\}|\\nonumber|\\notag")
_OTHER_RELATION = re.compile(r"\\(?:approx|le|leq|ge|geq|ne|neq|propto|sim|in)(?![A-Za-z])|(?<![\\{])[<>]")


@dataclass(frozen=True)
class Directive:
    clauses: tuple[str, ...]
    lets: tuple[str, ...] = ()
    wheres: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    nocheck: bool = False


def parse_directive(comment: str) -> Directive | None:
    match = CHECK_COMMENT.match(comment)
    if not match:
        return None
    clauses, lets, wheres, functions = [], [], [], []
    nocheck = False
    for raw in match[1].split(";"):
        clause = " ".join(raw.split())
        lowered = clause.lower()
        if not clause:
            continue
        if lowered == "nocheck":
            nocheck = True
        elif lowered.startswith("let "):
            lets.append(clause[4:].strip())
        elif lowered.startswith("where "):
            wheres.append(clause[6:].strip())
        elif lowered.startswith("functions "):
            functions.extend(name.strip() for name in clause[10:].split(",") if name.strip())
        elif lowered.startswith("assume "):
            clauses.append(clause[7:].strip())
        else:
            clauses.append(clause)
    return Directive(tuple(clauses), tuple(lets), tuple(wheres), tuple(functions), nocheck)


_CASES_BODY = re.compile(r"\\begin\{cases\}.*?\\end\{cases\}", re.DOTALL)
_ORDER = {"<": "<", ">": ">", "\\le": "<=", "\\leq": "<=", "\\ge": ">=", "\\geq": ">="}


@dataclass(frozen=True)
class Row:
    """One line of the block: `lhs &= rhs` (start), `&= rhs` (continue), `\\Rightarrow v &= e` (implies)."""

    kind: str  # "start" | "continue" | "implies" | "relation" (an inequality: not checked) | "skip"
    lhs: str
    rhs: str
    text: str
    line: int  # 1-based line in the file
    reason: str = ""
    relation: str = ""  # for "relation" rows with one relation: "<", "<=", ">", ">=" (others stay "")


def split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text.startswith(sep, i) and depth == 0 and sep.startswith("\\"):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and not sep.startswith("\\") and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def split_rows(tex: str, first_line: int) -> list[Row]:
    """Rows of an `aligned` (or single-equation) block; `first_line` is the line the TeX starts on."""
    body = _ENV.sub(lambda m: " " * len(m[0]), tex)
    # a `cases` environment is one term of a row: its `\\\\`, `&` and relations are its own
    masks: dict[str, str] = {}

    def mask(match: re.Match[str]) -> str:
        token = "\\abcases" + "".join(chr(97 + int(d)) for d in str(len(masks)))
        masks[token] = match[0]
        return token + " " * max(0, len(match[0]) - len(token) - match[0].count("\n")) + "\n" * match[0].count("\n")

    body = _CASES_BODY.sub(mask, body)

    def unmask(text: str) -> str:
        for token, original in masks.items():
            text = re.sub(re.escape(token) + r"(?![a-z])", lambda _, o=original: o, text)
        return text

    rows: list[Row] = []
    offset = 0
    for piece in split_top(body, "\\\\"):
        start = offset + (len(piece) - len(piece.lstrip()))
        offset += len(piece) + 2
        line = first_line + body[:start].count("\n")
        text = " ".join(piece.split())
        if not text:
            continue
        if _NOCHECK_TAG.search(text):
            rows.append(Row("skip", "", "", text, line, "marked nocheck"))
            continue
        clean = _TAG.sub("", text).strip().rstrip(".,;")
        implies = _IMPLIES.match(clean)
        if implies:
            clean = clean[implies.end() :]
        relations = list(_OTHER_RELATION.finditer(clean))
        if relations:  # `&\le 2x^2 + 2`: not checked, and its right side is what the next row continues from
            last = relations[-1]
            lhs, rhs = clean[: relations[0].start()].replace("&", "").strip(), clean[last.end() :].replace("&", "")
            op = _ORDER.get(relations[0][0]) if len(relations) == 1 else None
            reason = "approximations and chained relations are not checked" if op is None else ""
            rows.append(Row("relation", lhs, rhs.strip(), text, line, reason, op or ""))
            continue
        sides = [s.replace("&", "").strip() for s in split_top(clean, "=")]
        if len(sides) != 2 or not sides[1]:
            reason = "not an equation 'a = b'" if len(sides) < 2 else "more than one '=' in the row"
            rows.append(Row("skip", "", "", text, line, reason))
            continue
        lhs, rhs = sides
        kind = "implies" if implies else ("continue" if not lhs else "start")
        rows.append(Row(kind, lhs, rhs, text, line))
    if masks:
        rows = [replace(r, lhs=unmask(r.lhs), rhs=unmask(r.rhs), text=" ".join(unmask(r.text).split())) for r in rows]
    return rows


@dataclass
class Block:
    """A checkable derivation: what the worker needs, and where to report."""

    tex: str
    directive: Directive
    path: str
    line: int
    rows: list[Row] = field(default_factory=list)

    def cache_key(self, version: str) -> str:
        import hashlib
        import json

        payload = json.dumps([version, " ".join(self.tex.split()), asdict(self.directive)], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()
