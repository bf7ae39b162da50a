"""The last gate before a card: whatever a note contains, a field can neither run code nor load anything.

A field is finished in three steps, and nothing rewrites it afterwards:

1. ``nh3`` (ammonia, built on html5ever, the HTML parser browsers use) parses the field exactly as a
   browser would and keeps only allow-listed tags and attributes. An image ``src`` survives only when it
   names a media file this build wrote; every other URL, whatever its spelling, is dropped. No ``href``
   survives at all.
2. The canonical HTML is re-emitted with what a browser's parse cannot catch made inert: text that
   MathJax or Anki would act on (``\\(``, ``\\[``, ``[sound:…]``, ``[latex]``…) gets an empty
   ``<span>`` in the middle, control characters go, and an image left without a source shows its alt
   text. Formulas the math rules produced are put back in only here, from placeholders.
3. ``nh3`` runs once more on the result, so the output is a fixed point of the sanitiser.

A field that step 2 would not change skips steps 2 and 3 (nh3's output is already its own fixed point), and
plain text with nothing to parse skips all three; a property test holds both shortcuts to the full gate.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Container
from functools import lru_cache
from html.parser import HTMLParser

import nh3

from ..parse.source import CONTROL

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
}
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "title"}
STYLE_PROPERTIES = {"color", "background-color", "font-weight", "font-style", "text-decoration", "text-align"}
VOID = {"br", "hr", "img"}
INERT = '<span class="ab-nomath"></span>'

_NUMBER = re.compile(r"^\d{1,5}%?$")
_CLASS = re.compile(r"^ab-[a-z0-9-]{1,40}$")
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_UNSAFE_STYLE = re.compile(r"[()\\@<>]|/\*|url|expression|image", re.IGNORECASE)
# What MathJax would typeset in text (Anki: `\(…\)`, `\[…\]`, no `$`), and Anki's own text syntax.
_LIVE_TEXT = re.compile(r"\\(?=[()\[\]])|\[(?=/?(?:latex|\$\$?)\])|\[(?=sound:|anki:)", re.IGNORECASE)
_LIVE_ATTRIBUTE = re.compile(r"\[(?=/?(?:latex|\$\$?)\]|sound:|anki:)", re.IGNORECASE)

SourceMap = Callable[[str], str | None]


def _attribute_filter(sources: SourceMap) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "src":
            return sources(value) if tag == "img" else None
        if attribute in ("width", "height", "colspan", "rowspan", "start"):
            return value.strip() if _NUMBER.match(value.strip()) else None
        if attribute == "class":
            kept = [word for word in value.split() if _CLASS.match(word)]
            return " ".join(kept) or None
        if attribute == "style":
            return None if _UNSAFE_STYLE.search(value) else value
        if attribute == "lang":
            return value if _LANG.match(value) else None
        if attribute == "dir":
            return value if value.lower() in ("ltr", "rtl", "auto") else None
        return value  # title, alt: text

    return keep


def clean(fragment: str, sources: SourceMap) -> str:
    """Parse like a browser, keep the allow-list; `sources` maps an image source to a media name (or None)."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter(sources),
        url_schemes=set(),
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )


class _Emitter(HTMLParser):
    """Re-emits nh3's canonical HTML with live text made inert and the formulas put back."""

    def __init__(self, slots: MathSlots | None) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.slots = slots

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> str:
        parts = []
        for name, value in attrs:
            text = CONTROL.sub("", self.slots.drop(value or "") if self.slots else value or "")
            text = _LIVE_ATTRIBUTE.sub("[\u200b", text)
            parts.append(f' {name}="{html.escape(text, quote=True)}"')
        return "".join(parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not any(name == "src" for name, _ in attrs):
            alt = next((value for name, value in attrs if name == "alt" and value), "")
            if alt:
                self.out.append('<span class="ab-missing-image">')
                self.handle_data(alt)
                self.out.append("</span>")
            return
        self.out.append(f"<{tag}{self._attributes(attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        text = _LIVE_TEXT.sub(lambda m: m[0] + INERT, html.escape(CONTROL.sub("", data), quote=False))
        self.out.append(self.slots.restore(text) if self.slots else text)


_SLOT = re.compile("\ue000([0-9a-f]+):(\\d+)\ue001")  # one pattern for every field (compiling per field was slow)


class MathSlots:
    """Formulas wait here as placeholders while the HTML around them is sanitised."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(6)
        self.items: list[str] = []

    def add(self, math: str) -> str:
        self.items.append(math)
        return f"\ue000{self.nonce}:{len(self.items) - 1}\ue001"

    def _ours(self, found: re.Match[str], replacement: str | None) -> str:
        if found[1] != self.nonce or int(found[2]) >= len(self.items):
            return found[0]  # another nonce (or a guess at ours): plain text, left for the sanitiser
        return self.items[int(found[2])] if replacement is None else replacement

    def restore(self, text: str) -> str:
        return _SLOT.sub(lambda m: self._ours(m, None), text) if "\ue000" in text else text

    def drop(self, text: str) -> str:
        return _SLOT.sub(lambda m: self._ours(m, ""), text) if "\ue000" in text else text


def finish(field: str, media_names: Container[str], slots: MathSlots | None = None) -> str:
    """The gate every field passes last (see the module docstring)."""
    if not field.strip():
        return ""
    if not _MARKUP.search(field) and not CONTROL.search(field):
        return field.strip()  # text with nothing to parse, escape or make inert is its own clean form
    if "\ue000" not in field and not _IMAGE.search(field):
        return _finish_alone(field)  # nothing in it depends on this note's formulas or this build's media
    return _finish(field, media_names, slots)


_MARKUP = re.compile("[<>&\\\\\\[\u00a0\ue000\ue001]")
_IMAGE = re.compile(r"<\s*im", re.IGNORECASE)  # `<img`, and `<image>`, which a browser reads as `<img>`


@lru_cache(maxsize=4096)
def _finish_alone(field: str) -> str:
    """Fields repeat across notes (a section's context line, a file's template text): each is done once."""
    return _finish(field, (), None)


def _finish(field: str, media_names: Container[str], slots: MathSlots | None, *, shortcut: bool = True) -> str:
    def media_only(value: str) -> str | None:
        return value if value in media_names else None

    canonical = clean(field, media_only)
    if shortcut and not _INERTED.search(canonical) and not CONTROL.search(canonical):
        return canonical.strip()  # step 2 would change nothing, and step 3 of a clean field is that field
    emitter = _Emitter(slots)
    emitter.feed(canonical)
    emitter.close()
    return clean("".join(emitter.out), media_only).strip()


_INERTED = re.compile("[\\\\\\[\ue000]|<img")  # what step 2 acts on: live text, formulas, images
