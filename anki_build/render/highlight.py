"""Code blocks: Pygments classes, and a day and a night palette whose every colour reads at ≥ 4.5:1.

Inline colours (Pygments' `noclasses`) cannot follow Anki's night mode, so tokens carry classes and the
note type's CSS holds both palettes, each colour nudged towards black (day) or white (night) until it
meets WCAG AA against its code box.
"""

from __future__ import annotations

from functools import cache

PREFIX = "ab-hl-"
DAY = ("friendly", "#f6f8fa", "#1d1d1f")  # (Pygments style, box background, plain text)
NIGHT = ("github-dark", "#16191d", "#e6e6e6")
NIGHT_SCOPES = (".nightMode", ".night_mode")
TARGET = 4.6  # a little above 4.5:1, so rounding in the browser never drops below it


@cache
def _lexer(language: str) -> object:
    """One lexer per language for the whole build: finding and building one costs more than lexing a block."""
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        return TextLexer()


@cache
def _formatter() -> object:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True, classprefix=PREFIX)


def highlight_code(code: str, language: str) -> str:
    from pygments import highlight

    html = highlight(code, _lexer(language), _formatter())  # type: ignore[arg-type]
    return f'<pre class="ab-code"><code>{html}</code></pre>\n'


def _rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    x, y = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (x + 0.05) / (y + 0.05)


def readable(colour: str, background: str) -> str:
    """`colour`, mixed towards black or white (whichever contrasts with `background`) until it reaches TARGET."""
    toward = (0.0, 0.0, 0.0) if _luminance(_rgb(background)) > 0.18 else (1.0, 1.0, 1.0)
    rgb = _rgb(colour)
    for step in range(0, 101, 2):
        t = step / 100
        mixed = tuple(c + (d - c) * t for c, d in zip(rgb, toward, strict=True))
        shown = "#" + "".join(f"{round(c * 255):02x}" for c in mixed)
        if contrast(shown, background) >= TARGET:
            return shown
    return "#000000" if toward == (0.0, 0.0, 0.0) else "#ffffff"


def _palette(style_name: str, background: str, text: str, scopes: tuple[str, ...]) -> list[str]:
    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES

    style = get_style_by_name(style_name)
    grouped: dict[str, list[str]] = {}
    for token, spec in style:
        short = STANDARD_TYPES.get(token)
        if not short:
            continue
        decl = []
        if spec["color"]:
            decl.append(f"color:{readable('#' + spec['color'], background)}")
        if spec["bold"]:
            decl.append("font-weight:600")
        if spec["italic"]:
            decl.append("font-style:italic")
        if decl:
            grouped.setdefault(";".join(decl), []).extend(f"{scope} pre.ab-code .{PREFIX}{short}" for scope in scopes)
    box = ",".join(f"{scope} pre.ab-code".strip() for scope in scopes)
    plain = readable(text, background)
    reset = ",".join(f'{scope} pre.ab-code [class^="{PREFIX}"]'.strip() for scope in scopes)
    rules = [f"{box}{{background:{background};color:{plain}}}"]
    rules.append(f"{reset}{{color:{plain};font-weight:inherit;font-style:inherit}}")
    rules += [f"{','.join(s.strip() for s in selectors)}{{{decl}}}" for decl, selectors in grouped.items()]
    return rules


@cache
def code_css() -> str:
    """Both palettes, for the note type's CSS (day first; night overrides under Anki's two class names)."""
    day = _palette(*DAY, ("",))
    night = _palette(*NIGHT, tuple(f"{scope}" for scope in NIGHT_SCOPES))
    return (
        "\n/* Code: Pygments classes, day and night palettes at >= 4.5:1 (generated). */\n"
        + "\n".join(day + night)
        + "\n"
    )
