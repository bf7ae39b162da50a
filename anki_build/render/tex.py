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


def normalise_tex(tex: str) -> str:
    tex = tex.strip().replace("\u00a0", " ").replace("\u3000", " ")
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
