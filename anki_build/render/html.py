"""Markdown tokens → field HTML: math for Anki's MathJax, highlighted code, images as media, sanitised.

Every field passes through :func:`sanitise` last, so whatever HTML a note contains, a card
never gets a script, an event handler, or anything that loads from the network.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ..parse.assets import Asset
from ..parse.markdown import parser
from ..structure.notes import plain_text
from .tex import math_html

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "span": {"style"},
    "div": {"style"},
    "pre": {"style"},
    "ol": {"start"},
    "a": {"href"},
}
STYLE_PROPERTIES = {"color", "background-color", "font-weight", "font-style", "text-decoration", "text-align", "border"}
_CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass
class Media:
    """Images a deck ships, by content-hash name (Anki keeps media in one flat folder)."""

    files: dict[str, Asset] = field(default_factory=dict)
    _names: dict[tuple[Asset, str], str] = field(default_factory=dict)

    def add(self, asset: Asset, hint: str) -> str:
        """The media name for `asset`; each file is read and hashed once however many cards show it."""
        if (asset, hint) not in self._names:
            digest = hashlib.sha256(asset.read()).hexdigest()[:12]
            stem = re.sub(r"[^\w-]+", "-", hint.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-_")[:40] or "image"
            name = f"{stem}-{digest}{asset.suffix}"
            self.files.setdefault(name, asset)
            self._names[(asset, hint)] = name
        return self._names[(asset, hint)]


def sanitise(fragment: str) -> str:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("src", "href") and re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", value, re.IGNORECASE):
            return None  # nothing on a card may load from, or link to, the network
        return value

    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=set(),
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=None,
    )


def _highlight(code: str, language: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style="friendly")
    return f'<pre class="ab-code"><code>{highlight(code, lexer, formatter)}</code></pre>\n'


class FieldRenderer(RendererHTML):
    """markdown-it's HTML renderer with Anki-specific rules for math, marks, images and code.

    ``env`` carries per-field switches: ``cloze`` (highlights become `{{cN::…}}`) and
    ``media`` (the deck's :class:`Media`).
    """

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return math_html(tokens[idx].content, False, in_cloze=bool(env.get("cloze")))

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # `$$x$$` inside a sentence is inline math to the author (GitBook/Typora habit); `\[x\]` is display.
        token = tokens[idx]
        return math_html(token.content, token.markup == "\\[", in_cloze=bool(env.get("cloze")))

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f'<div class="ab-math">{math_html(tokens[idx].content, True, in_cloze=bool(env.get("cloze")))}</div>\n'

    def mark_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if env.get("cloze"):
            env["cloze_n"] = env.get("cloze_n", 0) + 1
            return f"{{{{c{env['cloze_n']}::"
        return "<mark>"

    def mark_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "}}" if env.get("cloze") else "</mark>"

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        alt = html.escape(self.renderInlineAsText(token.children or [], options, env))
        asset: Asset | None = token.meta.get("asset")
        if asset is None:
            return f'<span class="ab-missing-image">{alt}</span>' if alt else ""
        name = env["media"].add(asset, str(token.attrs.get("src", "")))
        width = token.meta.get("width") or ""
        size = f' width="{width}"' if width else ""
        return f'<img src="{html.escape(name)}" alt="{alt}"{size}>'

    def _html(self, token: Token, env: EnvType) -> str:
        assets: dict[str, Asset | None] = token.meta.get("assets", {})

        def swap(match: re.Match[str]) -> str:
            tag = match[0]
            src = _SRC.search(tag)
            value = next((g for g in src.groups() if g is not None), "") if src else ""
            asset = assets.get(value)
            if asset is None:
                alt = _ALT.search(tag)
                return html.escape(next((g for g in alt.groups() if g is not None), "")) if alt else ""
            name = env["media"].add(asset, value)
            return tag[: src.start()] + f'src="{html.escape(name)}"' + tag[src.end() :] if src else tag

        return _IMG_TAG.sub(swap, token.content)

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self._html(tokens[idx], env)

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self._html(tokens[idx], env)

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        return _highlight(token.content, language.strip("{}"))

    def code_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return _highlight(tokens[idx].content, "")


def render_tokens(tokens: list[Token], *, inline: bool, media: Media, cloze: bool = False) -> str:
    """Render a fragment to sanitised HTML; `cloze` turns highlights into numbered deletions."""
    options = parser().options
    renderer = FieldRenderer()
    env: dict[str, Any] = {"cloze": cloze, "media": media}
    if cloze:  # `==x==` numbers continue after any `{{cN::` the author wrote by hand
        env["cloze_n"] = max((int(n) for n in _CLOZE_NUMBER.findall(plain_text(tokens))), default=0)
    out = renderer.renderInline(tokens, options, env) if inline else renderer.render(tokens, options, env)
    return sanitise(out).strip()
