"""The two Anki note types anki-build ships, read from `cards/`.

Ids and field lists are frozen: Anki matches note types by id and refuses to update
notes whose note type gained or lost a field (it makes a "+" copy instead). Templates and
CSS may change freely; they update in place on import.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

BASIC_ID = 1_718_204_331
CLOZE_ID = 1_718_204_332
BASIC_FIELDS = ("Key", "Front", "Back", "Extra", "Context", "Source", "Kind")
CLOZE_FIELDS = ("Key", "Text", "Extra", "Context", "Source", "Kind")


@dataclass(frozen=True)
class NoteType:
    id: int
    name: str
    fields: tuple[str, ...]
    qfmt: str
    afmt: str
    css: str
    cloze: bool

    @property
    def fingerprint(self) -> str:
        """Changes whenever what Anki stores for the note type changes."""
        text = "\0".join([self.name, *self.fields, self.qfmt, self.afmt, self.css])
        return hashlib.sha256(text.encode()).hexdigest()


def cards_dir() -> Traversable:
    """`cards/` as installed (inside the wheel as `anki_build.cards`), or beside the package in a checkout."""
    try:
        return files("anki_build.cards")
    except ModuleNotFoundError:  # an editable install maps only `anki_build/`; `cards/` is its sibling
        return Path(__file__).resolve().parent.parent / "cards"


def _read(*parts: str) -> str:
    node = cards_dir()
    for part in parts:
        node = node / part
    return node.read_text(encoding="utf-8")


@cache
def note_types() -> dict[str, NoteType]:
    from .render.highlight import code_css

    css = _read("style.css") + code_css()
    script = f"\n<script>\n{_read('fit.js')}</script>\n"
    return {
        "basic": NoteType(
            BASIC_ID,
            "anki-build Basic",
            BASIC_FIELDS,
            _read("basic", "front.html") + script,
            _read("basic", "back.html") + script,
            css,
            cloze=False,
        ),
        "cloze": NoteType(
            CLOZE_ID,
            "anki-build Cloze",
            CLOZE_FIELDS,
            _read("cloze", "front.html") + script,
            _read("cloze", "back.html") + script,
            css,
            cloze=True,
        ),
    }
