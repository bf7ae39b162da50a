"""The one markdown-it configuration used to read notes."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .rules_callout import callout_plugin
from .rules_mark import mark_plugin
from .rules_math import math_plugin
from .rules_wikilink import wikilink_plugin


@cache
def parser() -> MarkdownIt:
    """CommonMark + GFM tables/strikethrough + front matter, definition lists, math, ==mark==, wikilinks,
    admonitions (`!!! note "…"`, `??? question`) and callouts (`> [!tip] …`)."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(deflist_plugin).use(math_plugin).use(mark_plugin).use(wikilink_plugin)
    md.use(admon_plugin).use(callout_plugin)
    return md
