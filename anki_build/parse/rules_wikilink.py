"""Obsidian `[[wikilinks]]` (→ a link without an address, showing their text) and `![[embeds]]`
(→ an image found by file name)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

MAX_TARGET = 400  # a note name or file name, with a `|alias`, fits in this


def wikilink(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    start = pos + (3 if embed else 2)
    if not (embed or src.startswith("[[", pos)):
        return False
    end = src.find("]]", start, start + MAX_TARGET)  # bounded look-ahead: `[[` repeated stays linear
    if end < 0 or "\n" in src[start:end] or "[" in src[start:end]:
        return False
    inner = src[start:end]
    if not inner.strip() or inner[0].isspace() or inner[0].isdigit() or src.startswith("(", end + 2):
        return False  # `[[ 0.]]` (numpy) and `![[公式]](url)` (a normal image) are not wikilinks
    target, _, alias = inner.partition("|")
    if not silent:
        if embed:
            token = state.push("image", "img", 0)
            token.attrs = {"src": target.strip(), "alt": ""}
            token.meta = {"embed": True, "width": alias.strip() if alias.strip().isdigit() else ""}
            token.children = []
            token.content = ""
        else:
            # A link to another note (no address: the sanitiser keeps no href anyway), so rules see a link.
            state.push("link_open", "a", 1).meta = {"wikilink": True}
            token = state.push("text", "", 0)
            token.content = (alias or target.split("#")[0]).strip()
            state.push("link_close", "a", -1).meta = {"wikilink": True}
    state.pos = end + 2
    return True


def wikilink_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", wikilink)
