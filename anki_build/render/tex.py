"""TeX as Anki's MathJax needs it: known delimiters, escaped HTML, macros it has, cloze-safe braces."""

from __future__ import annotations

import html
import re

# Macros common in notes that MathJax 3 (as Anki ships it) does not define.
MACROS = {
    r"\bm": r"\boldsymbol",
    r"\argmax": r"\operatorname*{arg\,max}",
    r"\argmin": r"\operatorname*{arg\,min}",
    r"\mathds": r"\mathbb",
    r"\mathbbm": r"\mathbb",
}
_MACRO = re.compile(r"\\(bm|argmax|argmin|mathds|mathbbm)(?![A-Za-z])")


# Definitions leak from one card into the next in Anki's reviewer (one page, one MathJax), so a card
# may look right alone and wrong after another: they are removed, and the parse stage warns.
DEFINITIONS = re.compile(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|require|def|let)(?![A-Za-z])")
_ARGUMENTS = {"newcommand": 2, "renewcommand": 2, "providecommand": 2, "DeclareMathOperator": 2, "require": 1}


def _skip_group(tex: str, i: int) -> int:
    """Index after one argument at `i`: a {…} group, a control word, or one character."""
    while i < len(tex) and tex[i].isspace():
        i += 1
    if i >= len(tex):
        return i
    if tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            if tex[j] == "\\":
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0 and tex[j] == "}" and (j == 0 or tex[j - 1] != "\\"):
                return j + 1
        return len(tex)
    if tex[i] == "\\":
        j = i + 1
        while j < len(tex) and tex[j].isalpha():
            j += 1
        return max(j, i + 2)
    return i + 1


def strip_definitions(tex: str) -> str:
    while match := DEFINITIONS.search(tex):
        name, i = match[1], match.end()
        if tex[i : i + 1] == "*":
            i += 1
        if name in ("def", "let"):
            i = _skip_group(tex, i)  # the macro being defined
            while i < len(tex) and tex[i] not in "{" and not tex[i].isspace() and tex[i] != "=":
                i += 1  # parameter text such as #1#2
            if tex[i : i + 1] == "=":
                i += 1
            i = _skip_group(tex, i)
        else:
            i = _skip_group(tex, i)
            while tex[i : i + 1].isspace():
                i += 1
            if tex[i : i + 1] == "[":
                i = tex.find("]", i) + 1 or len(tex)
            for _ in range(_ARGUMENTS[name] - 1):
                i = _skip_group(tex, i)
        tex = tex[: match.start()] + tex[i:]
    return tex


_CIRCLED = re.compile(r"\\textcircled(?![A-Za-z])")


def normalise_tex(tex: str) -> str:
    tex = strip_definitions(tex.strip().replace("\u00a0", " ").replace("\u3000", " ")).strip()
    tex = _CIRCLED.sub(r"\\enclose{circle}", tex)  # ① in LaTeX; MathJax has the enclose extension
    return _MACRO.sub(lambda m: MACROS["\\" + m[1]], tex)


def cloze_safe(tex: str) -> str:
    """Anki ends a cloze at the first `}}` and splits its hint at `::`; TeX ignores the spaces."""
    while "}}" in tex:
        tex = tex.replace("}}", "} }")
    while "::" in tex:
        tex = tex.replace("::", ": :")
    return tex


def math_html(tex: str, display: bool, *, in_cloze: bool = False) -> str:
    tex = normalise_tex(tex)
    if in_cloze:
        tex = cloze_safe(tex)
    body = html.escape(tex, quote=False)
    return rf"\[{body}\]" if display else rf"\({body}\)"
