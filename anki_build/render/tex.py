"""TeX as Anki's MathJax needs it: known delimiters, escaped HTML, macros it has, cloze-safe braces, nothing unsafe.

Anki's MathJax (3.2.2, the full TeX bundle) runs every extension a formula asks for. Some make links
(``\\href``), set styles, classes, ids or attributes (``\\style``, ``\\class``, ``\\cssId``, ``\\bbox[…]``,
``\\enclose{…}[…]``, ``\\mmlToken``), load things (``\\require``, ``\\unicode[font]``), define macros that leak
into every later card of a review session (``\\def``, ``\\newcommand``, …) or change options. Those
commands pass only in forms that can do none of this; otherwise they are removed (their visible
content is kept) and :func:`tex_hazards` says so, so the parse stage can warn at the note.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

# Macros common in notes that MathJax 3 (as Anki ships it) does not define.
MACROS = {
    "bm": r"\boldsymbol",
    "argmax": r"\operatorname*{arg\,max}",
    "argmin": r"\operatorname*{arg\,min}",
    "mathds": r"\mathbb",
    "mathbbm": r"\mathbb",
    "textcircled": r"\enclose{circle}",  # ① in LaTeX; MathJax has the enclose extension
}

_CS = re.compile(r"\\([A-Za-z]+|[\s\S])")
_SAFE_COLOR = re.compile(r"^[A-Za-z0-9#.,!\s-]{1,40}$")
_SAFE_MODEL = re.compile(r"^\s*(?:rgb|RGB|gray|HTML|named|cmyk|hsb|Hsb|HSB|wave)?\s*$")
_BBOX_PART = r"\s*(?:#?[A-Za-z0-9]{1,20}|\d*\.?\d+\s*(?:px|pt|em|ex|mu|in|cm|mm|%)?)\s*"
_SAFE_BBOX = re.compile(rf"^{_BBOX_PART}(?:,{_BBOX_PART})*$")  # colours and padding, never `style:…`
_SAFE_NOTATION = re.compile(r"^[a-z ]{1,80}$")


@dataclass(frozen=True)
class Hazard:
    """An unsafe command found in a formula, and what the card gets instead."""

    command: str
    offset: int
    reason: str


def _skip_space(tex: str, i: int) -> int:
    while i < len(tex) and tex[i] in " \t\n\r":
        i += 1
    return i


def _balanced_end(tex: str, j: int, closer: str) -> int:
    """Index after `closer` at brace depth 0, scanning from `j` (just past the opener); the end if it never comes."""
    depth = 0
    while j < len(tex):
        ch = tex[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if closer == "}" and depth < 0:
                return j + 1
        elif ch == closer and depth <= 0:
            return j + 1
        j += 1
    return len(tex)


def _argument_end(tex: str, i: int) -> int:
    """Index after one mandatory argument at `i`, read as MathJax reads it: a {group}, a control sequence or a char."""
    i = _skip_space(tex, i)
    if i >= len(tex):
        return i
    if tex[i] == "{":
        return _balanced_end(tex, i + 1, "}")
    if tex[i] == "\\":
        match = _CS.match(tex, i)
        return match.end() if match else len(tex)
    return i + 1


def _optional_end(tex: str, i: int) -> int | None:
    """Index after an optional `[…]` argument at `i` (braces nest, `]` at depth 0 ends it); None if there is none."""
    i = _skip_space(tex, i)
    if i >= len(tex) or tex[i] != "[":
        return None
    return _balanced_end(tex, i + 1, "]")


def _inner(tex: str, start: int, end: int) -> str:
    text = tex[start:end].strip()
    return text[1:-1] if len(text) >= 2 and text[0] in "{[" and text[-1] in "}]" else text


def _skip_optionals(tex: str, i: int, limit: int = 2) -> int:
    for _ in range(limit):
        end = _optional_end(tex, i)
        if end is None:
            break
        i = end
    return i


# A rule gets the TeX and the index right after the command name; it returns (text to emit, index to go on
# scanning from, reason or "" when the command is kept as written). What is not emitted is dropped unscanned;
# everything from the returned index on is scanned again, so content kept from a removed command is checked too.
Rule = Callable[[str, str, int], tuple[str, int, str]]


def _drop_arguments(mandatory: int, optional: int = 0, *, reason: str) -> Rule:
    def rule(name: str, tex: str, i: int) -> tuple[str, int, str]:
        i = _skip_optionals(tex, i, optional)
        for _ in range(mandatory):
            i = _argument_end(tex, i)
            i = _skip_optionals(tex, i, optional)
        return "", i, reason

    return rule


def _drop_command(reason: str) -> Rule:
    return lambda name, tex, i: ("", i, reason)


def _definition(name: str, tex: str, i: int) -> tuple[str, int, str]:
    """`\\def\\x#1{…}`, `\\let\\a=\\b`, `\\newcommand{\\x}[1][d]{…}`, `\\newenvironment{e}[n]{…}{…}`, …: all removed."""
    if tex[i : i + 1] == "*":
        i += 1
    if name in ("def", "gdef", "edef", "xdef"):
        i = _argument_end(tex, i)  # the macro being defined
        while i < len(tex) and tex[i] not in "{" and tex[i] != "\\":
            i += 1  # parameter text such as #1#2
        i = _argument_end(tex, i)
    elif name == "let":
        i = _argument_end(tex, i)
        i = _skip_space(tex, i)
        if tex[i : i + 1] == "=":
            i += 1
        i = _argument_end(tex, i)
    else:
        i = _argument_end(tex, i)
        i = _skip_optionals(tex, i)
        for _ in range(_DEFINITION_BODIES.get(name, 1)):
            i = _argument_end(tex, i)
    return "", i, "it defines a macro, which in Anki leaks into every later card; write the macro out"


_DEFINITION_BODIES = {
    "newenvironment": 2,
    "renewenvironment": 2,
    "Newextarrow": 2,
    "definecolor": 2,
    "DeclarePairedDelimiter": 2,
    "DeclarePairedDelimiterX": 3,
    "DeclarePairedDelimiterXPP": 5,
    "newtagform": 2,
}


def _color(mandatory_colors: int) -> Rule:
    """`\\color[model]{spec}`, `\\colorbox`, `\\fcolorbox`: kept when the model and colours are plain names/numbers."""

    def rule(name: str, tex: str, i: int) -> tuple[str, int, str]:
        start = i
        model_end = _optional_end(tex, i)
        safe = model_end is None or bool(_SAFE_MODEL.match(_inner(tex, i, model_end)))
        i = model_end if model_end is not None else i
        for _ in range(mandatory_colors):
            end = _argument_end(tex, i)
            safe = safe and tex[_skip_space(tex, i) : _skip_space(tex, i) + 1] == "{"
            safe = safe and bool(_SAFE_COLOR.match(_inner(tex, i, end)))
            i = end
        if safe:
            return "\\" + name + tex[start:i], i, ""
        return "", i, "its colour is not a plain colour name or number"

    return rule


def _without_options(name: str, tex: str, i: int) -> tuple[str, int, str]:
    """`\\cancel[attributes]{x}` → `\\cancel{x}`: the stroke stays, the attributes go."""
    end = _optional_end(tex, i)
    return "\\" + name, i if end is None else end, "" if end is None else _ATTRIBUTE_OPTIONS


def _bbox(name: str, tex: str, i: int) -> tuple[str, int, str]:
    end = _optional_end(tex, i)
    if end is None:
        return "\\bbox", i, ""
    if _SAFE_BBOX.match(_inner(tex, i, end)):
        return "\\bbox" + tex[i:end], end, ""
    return "\\bbox", end, "its options set a style; only colours and padding are kept"


def _enclose(name: str, tex: str, i: int) -> tuple[str, int, str]:
    end = _argument_end(tex, i)
    notation = _inner(tex, i, end)
    attributes = _optional_end(tex, end)
    if not _SAFE_NOTATION.match(notation):
        return "", end if attributes is None else attributes, "its notation is not a list of words"
    kept = "\\enclose{" + notation + "}"
    if attributes is None:
        return kept, end, ""
    return kept, attributes, "its attributes could set links or styles; they are dropped"


def _unicode(name: str, tex: str, i: int) -> tuple[str, int, str]:
    """`\\unicode[h,d][font]{x2211}` → the character itself (a font could be loaded from anywhere)."""
    i = _skip_optionals(tex, i)
    end = _argument_end(tex, i)
    code = _inner(tex, i, end).strip()
    try:
        value = int(code[1:], 16) if code[:1] in "xX" else int(code, 10)
        char = chr(value)
    except (ValueError, OverflowError):
        return "", end, "it loads a font; write the character itself"
    if not char.isprintable() or char in "\\{}%$#&^_~" or char.isspace():
        return "", end, "it loads a font; write the character itself"
    return "{" + char + "}", end, "it loads a font; the character itself is kept"


_LINK = "it would make a link on the card; only its content is kept"
_ATTRIBUTE = "it sets a style, class, id or attribute on the card; only its content is kept"
_ATTRIBUTE_OPTIONS = "its [attributes] could set links or styles; they are dropped"
_INTERACTIVE = "it makes the formula interactive; only its content is kept"
_LOAD = "it would load an extension or a file"
_OPTIONS = "it changes MathJax's options for every later card"

POLICY: dict[str, Rule] = {
    "href": _drop_arguments(1, reason=_LINK),
    "class": _drop_arguments(1, reason=_ATTRIBUTE),
    "cssId": _drop_arguments(1, reason=_ATTRIBUTE),
    "style": _drop_arguments(1, reason=_ATTRIBUTE),
    "data": _drop_arguments(1, reason=_ATTRIBUTE),
    "attr": _drop_arguments(1, reason=_ATTRIBUTE),
    "mmlToken": _drop_arguments(1, 1, reason=_ATTRIBUTE),
    "require": _drop_arguments(1, reason=_LOAD),
    "unicode": _unicode,
    "setOptions": _drop_arguments(1, 1, reason=_OPTIONS),
    "mathtoolsset": _drop_arguments(1, reason=_OPTIONS),
    "usetagform": _drop_arguments(1, reason=_OPTIONS),
    "toggle": _drop_command(_INTERACTIVE),
    "endtoggle": _drop_command(_INTERACTIVE),
    "mathtip": _drop_command(_INTERACTIVE),
    "texttip": _drop_command(_INTERACTIVE),
    "bbox": _bbox,
    "cancel": _without_options,
    "bcancel": _without_options,
    "xcancel": _without_options,
    "cancelto": _without_options,
    "enclose": _enclose,
    "color": _color(1),
    "textcolor": _color(1),
    "colorbox": _color(1),
    "fcolorbox": _color(2),
    "pagecolor": _color(1),
    "rowcolor": _color(1),
    "columncolor": _color(1),
    "cellcolor": _color(1),
    "arrayrulecolor": _color(1),
    **{
        name: _definition
        for name in (
            "def",
            "gdef",
            "edef",
            "xdef",
            "let",
            "newcommand",
            "renewcommand",
            "providecommand",
            "newenvironment",
            "renewenvironment",
            "DeclareMathOperator",
            "Newextarrow",
            "definecolor",
            "DeclarePairedDelimiter",
            "DeclarePairedDelimiterX",
            "DeclarePairedDelimiterXPP",
            "newtagform",
        )
    },
}
DEFINITIONS = frozenset(name for name, rule in POLICY.items() if rule is _definition)


def _make_safe(tex: str) -> tuple[str, list[Hazard]]:
    r"""One left-to-right scan; `\(`, `\)`, `\[`, `\]` inside a formula become plain brackets (they would end it)."""
    out: list[str] = []
    hazards: list[Hazard] = []
    i = 0
    while True:
        match = _CS.search(tex, i)
        if match is None:
            out.append(tex[i:])
            break
        out.append(tex[i : match.start()])
        name = match[1]
        if name in "()[]":
            out.append(name)
            i = match.end()
            continue
        rule = POLICY.get(name)
        if rule is None:
            out.append(MACROS.get(name, match[0]))
            i = match.end()
            continue
        emitted, i, reason = rule(name, tex, match.end())
        out.append(emitted)
        if reason:
            hazards.append(Hazard(name, match.start(), reason))
    return "".join(out), hazards


def tex_hazards(tex: str) -> list[Hazard]:
    """What :func:`normalise_tex` removes or changes for safety, for the parse stage to warn about."""
    return _make_safe(tex)[1]


def normalise_tex(tex: str) -> str:
    tex = tex.strip().replace("\u00a0", " ").replace("\u3000", " ")
    return _make_safe(tex)[0].strip()


def cloze_safe(tex: str) -> str:
    """Anki ends a cloze at the first `}}` and splits its hint at `::`; TeX ignores the spaces."""
    while "}}" in tex:
        tex = tex.replace("}}", "} }")
    while "::" in tex:
        tex = tex.replace("::", ": :")
    return tex


def closed(tex: str) -> str:
    r"""TeX whose closing delimiter MathJax is sure to find: braces balanced and no trailing lone backslash.

    MathJax ends a formula at the first `\)` (or `\]`) outside braces; an unbalanced `{` would make it read
    on past the formula, into the text that follows (which never passed the checks above).
    """
    depth = 0
    i = 0
    while i < len(tex):
        if tex[i] == "\\":
            i += 2
            continue
        if tex[i] == "{":
            depth += 1
        elif tex[i] == "}" and depth:
            depth -= 1
        i += 1
    if i > len(tex):  # it ended in an unpaired backslash, which would escape the closing delimiter
        tex += " "
    return tex + " }" * depth


def math_html(tex: str, display: bool, *, in_cloze: bool = False) -> str:
    from .narrow import narrow

    tex = normalise_tex(tex)
    if in_cloze:
        tex = cloze_safe(tex)
    elif display:
        tex = narrow(tex)  # a chain too wide for a phone: one relation per line
    body = html.escape(closed(tex), quote=False)
    return rf"\[{body}\]" if display else rf"\({body}\)"
