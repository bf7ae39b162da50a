"""Markdown tokens → field HTML: math for Anki's MathJax, highlighted code, images as media.

Each fragment is cleaned on its own (so a stray tag cannot swallow the template around it), with
formulas held back as placeholders; :func:`~anki_build.render.sanitise.finish` is the gate every
whole field passes last.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ..parse.assets import MAX_IMAGE_BYTES, Asset
from ..parse.markdown import parser
from ..structure.notes import WIDE, plain_text
from .sanitise import MathSlots, clean
from .tex import math_html

CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")


@dataclass
class Media:
    """Images a deck ships, by content-hash name (Anki keeps media in one flat folder).

    Each file is read once, when a card first shows it; the bytes are what the package stage
    writes, so an image that changes or vanishes mid-build cannot make the deck inconsistent.
    """

    max_bytes: int = MAX_IMAGE_BYTES
    files: dict[str, bytes] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source as written, why), for the report
    sources: dict[str, Asset] = field(default_factory=dict)  # media name → where its bytes came from
    _names: dict[tuple[Asset, str], str | None] = field(default_factory=dict)

    def add(self, asset: Asset, hint: str) -> str | None:
        """The media name for `asset`, or None when it can no longer be read."""
        if (asset, hint) not in self._names:
            try:
                data = asset.read(self.max_bytes)
            except OSError as exc:
                self.failed.append((hint, exc.strerror or str(exc)))
                self._names[(asset, hint)] = None
                return None
            digest = hashlib.sha256(data).hexdigest()[:12]
            stem = re.sub(r"[^\w-]+", "-", hint.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-_")[:40] or "image"
            name = f"{stem}-{digest}{asset.suffix}"
            self.files.setdefault(name, data)
            self.sources.setdefault(name, asset)
            self._names[(asset, hint)] = name
        return self._names[(asset, hint)]


def _highlight(code: str, language: str) -> str:
    from .highlight import highlight_code

    return highlight_code(code, language)


_WIDE = re.compile(f"[{WIDE}]")


class FieldRenderer(RendererHTML):
    """markdown-it's HTML renderer with Anki-specific rules for math, marks, images and code.

    ``env`` carries per-field switches: ``cloze`` (highlights become `{{cN::…}}`) and
    ``media`` (the deck's :class:`Media`).
    """

    def _math(self, tex: str, display: bool, env: EnvType) -> str:
        return env["slots"].add(math_html(tex, display, in_cloze=bool(env.get("cloze"))))

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self._math(tokens[idx].content, False, env)

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # `$$x$$` inside a sentence is inline math to the author (GitBook/Typora habit); `\[x\]` is display.
        token = tokens[idx]
        return self._math(token.content, token.markup == "\\[", env)

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f'<div class="ab-math">{self._math(tokens[idx].content, True, env)}</div>\n'

    def softbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A line break inside Chinese text joins the lines: Chromium (Anki's, AnkiDroid's) would show a space."""
        before = tokens[idx - 1].content[-1:] if idx > 0 and tokens[idx - 1].type == "text" else ""
        after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) and tokens[idx + 1].type == "text" else ""
        if _WIDE.match(before) and _WIDE.match(after):
            return ""
        return super().softbreak(tokens, idx, options, env)

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
        name = env["media"].add(asset, str(token.attrs.get("src", ""))) if asset is not None else None
        if name is None:
            return f'<span class="ab-missing-image">{alt}</span>' if alt else ""
        width = token.meta.get("width") or ""
        size = f' width="{width}"' if width else ""
        return f'<img src="{html.escape(name)}" alt="{alt}"{size}>'

    def _html(self, token: Token, env: EnvType) -> str:
        """Raw HTML goes through as written; its image sources were resolved by the parse stage."""
        env["html_assets"].update(token.meta.get("assets", {}))
        env["raw_html"] = True
        return token.content

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

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if (tokens[idx].meta or {}).get("wikilink"):
            return ""  # `[[卷积层|卷积]]` shows its text: the other note is not on the card
        return self.renderToken(tokens, idx, options, env)

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if (tokens[idx].meta or {}).get("wikilink"):
            return ""
        return self.renderToken(tokens, idx, options, env)

    def admonition_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        kind = re.sub(r"[^a-z0-9-]", "", str(tokens[idx].meta.get("tag", "note")).lower())[:30] or "note"
        return f'<div class="ab-admonition ab-admonition-{kind}">\n'

    def admonition_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</div>\n"

    def admonition_title_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return '<p class="ab-admonition-title">'

    def admonition_title_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</p>\n"


def render_tokens(tokens: list[Token], *, inline: bool, media: Media, slots: MathSlots, cloze: bool = False) -> str:
    """Render a fragment to clean HTML with formulas as `slots` placeholders; `cloze` numbers the highlights."""
    options = parser().options
    env: dict[str, Any] = {"cloze": cloze, "media": media, "slots": slots, "html_assets": {}}
    if cloze:  # `==x==` numbers continue after any `{{cN::` the author wrote by hand
        env["cloze_n"] = max((int(n) for n in CLOZE_NUMBER.findall(plain_text(tokens))), default=0)
    out = _RENDERER.renderInline(tokens, options, env) if inline else _RENDERER.render(tokens, options, env)
    if not env.get("raw_html"):
        return out.strip()  # the renderer's own HTML is balanced and escaped; the field's gate cleans it once
    assets: dict[str, Asset | None] = env["html_assets"]

    def sources(value: str) -> str | None:
        if value in media.files:
            return value
        asset = assets.get(value)
        return media.add(asset, value) if asset is not None else None

    return clean(out, sources).strip()


_RENDERER = FieldRenderer()
