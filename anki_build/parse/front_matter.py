"""YAML front matter: the few keys anki-build reads (`tags`, `deck`, `chapter`, `cards`), safely.

Front matter comes from strangers too. It is parsed with PyYAML's safe loader, refusing what
makes YAML expensive rather than useful in a note header: aliases (a "billion laughs" alias bomb
grows without bound once expanded), nesting deeper than a few levels, and headers over 64 KiB.
Values of the wrong type are a warning at their key, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..diagnostics import Report

MAX_BYTES = 64 * 1024
MAX_DEPTH = 20


@dataclass(frozen=True)
class FrontMatter:
    tags: tuple[str, ...] = ()
    deck: str | None = None
    chapter: str | None = None
    cards: bool = True
    language: str | None = None  # `zh` or `en`: the prompts of this file's cards


def _loader(text: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in front matter", event.start_mark
                )
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"values are nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return yaml.load(text, Loader=Loader)


def _key_line(text: str, key: str) -> tuple[int, int]:
    for number, line in enumerate(text.split("\n"), 2):  # line 1 of the file is `---`
        match = re.match(rf"\s*({re.escape(key)})\s*:", line)
        if match:
            return number, match.start(1) + 1
    return 1, 1


def _scalar(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip() if isinstance(value, str | int | float) else None


def read_front_matter(text: str, display: str, report: Report) -> FrontMatter:
    """The keys anki-build uses from a front matter block's `text`; problems are warnings and are ignored."""
    import yaml

    def warn(line: int, col: int, message: str) -> None:
        report.warning(display, line, col, "front-matter", message)

    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        warn(1, 1, f"front matter is over {MAX_BYTES // 1024} KiB; ignored")
        return FrontMatter()
    try:
        data = _loader(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 2, mark.column + 1) if mark else (1, 1)
        warn(line, col, f"front matter is not valid YAML ({getattr(exc, 'problem', None) or exc}); ignored")
        return FrontMatter()
    except RecursionError:
        warn(1, 1, "front matter is nested too deeply; ignored")
        return FrontMatter()
    if not isinstance(data, dict):
        return FrontMatter()

    tags: tuple[str, ...] = ()
    value = data.get("tags")
    if isinstance(value, list) and all(_scalar(t) is not None for t in value):
        tags = tuple(re.sub(r"\s+", "_", _scalar(t) or "") for t in value if _scalar(t))
    elif _scalar(value):
        tags = tuple(t for t in re.split(r"[,\s]+", _scalar(value) or "") if t)
    elif value is not None:
        warn(*_key_line(text, "tags"), "tags: must be a list of words or a comma-separated string; ignored")
    tags = tuple(t for t in (re.sub(r"[\x00-\x1f\x7f]", "", t) for t in tags) if t)

    deck = data.get("deck")
    if deck is not None and not (isinstance(deck, str) and deck.strip()):
        warn(*_key_line(text, "deck"), "deck: must be a non-empty string; ignored")
        deck = None
    chapter = data.get("chapter")
    if chapter is not None and _scalar(chapter) is None:
        warn(*_key_line(text, "chapter"), "chapter: must be a string or a number; ignored")
        chapter = None
    cards = data.get("cards", True)
    if not isinstance(cards, bool):
        warn(*_key_line(text, "cards"), "cards: must be true or false; ignored")
        cards = True
    language = data.get("language", data.get("lang"))
    if language is not None and language not in ("zh", "en"):
        warn(*_key_line(text, "language"), "language: must be zh or en; ignored")
        language = None
    return FrontMatter(
        tags=tags,
        deck=re.sub(r"[\x00-\x1f\x7f]", "", deck).strip() if isinstance(deck, str) else None,
        chapter=_scalar(chapter) or None,
        cards=cards,
        language=language,
    )
