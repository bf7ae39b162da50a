"""The Jinja2 field templates in `cards/fields/`, loaded once per process."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from ..notetypes import cards_dir


class _CardsLoader(BaseLoader):
    """Loads from the installed `cards/` package data (works from a wheel, an sdist or a checkout)."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        node = cards_dir() / "fields" / template
        if not node.is_file():
            raise TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), template, lambda: True


@cache
def field_templates() -> dict[str, Any]:
    env = Environment(
        loader=_CardsLoader(), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    names = ("concept", "formula", "qa", "cloze", "derivation", "context")
    return {name: env.get_template(f"{name}.html.j2").module for name in names}
