"""The two Anki note types anki-build ships, read from `cards/`.

Ids and field lists are frozen: Anki matches note types by id and refuses to update
notes whose note type gained or lost a field (it makes a "+" copy instead). Templates and
CSS may change freely; they update in place on import.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
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


PACKAGED = "<anki-build>"  # where a packaged card file shows up in a diagnostic
TEMPLATE_FILES = (
    "style.css",
    "fit.js",
    "basic/front.html",
    "basic/back.html",
    "cloze/front.html",
    "cloze/back.html",
    "fields/concept.html.j2",
    "fields/formula.html.j2",
    "fields/qa.html.j2",
    "fields/cloze.html.j2",
    "fields/derivation.html.j2",
    "fields/context.html.j2",
)


@dataclass(frozen=True)
class CardFiles:
    """The text of every card file a build uses: the project's `cards/` file where it has one, else the
    package's. `origins` says where each came from, as a diagnostic shows it."""

    texts: dict[str, str]
    origins: dict[str, str]

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @cached_property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in TEMPLATE_FILES:
            digest.update(f"{name}\0{self.texts[name]}\0".encode())
        return digest.hexdigest()

    @property
    def overridden(self) -> list[str]:
        return [name for name in TEMPLATE_FILES if not self.origins[name].startswith(PACKAGED)]

    @property
    def overridden_origins(self) -> set[str]:
        return {self.origins[name] for name in self.overridden}

    def replaced(self, name: str, text: str, origin: str) -> CardFiles:
        return CardFiles({**self.texts, name: text}, {**self.origins, name: origin})


@cache
def packaged_cards() -> CardFiles:
    texts = {}
    for name in TEMPLATE_FILES:
        node = cards_dir()
        for part in name.split("/"):
            node = node / part
        texts[name] = node.read_text(encoding="utf-8")
    return CardFiles(texts, {name: f"{PACKAGED}/cards/{name}" for name in TEMPLATE_FILES})


def note_types(cards: CardFiles | None = None) -> dict[str, NoteType]:
    """The two note types, from `cards` (the packaged card files when None)."""
    return _note_types(cards or packaged_cards())


@lru_cache(maxsize=8)
def _note_types(cards: CardFiles) -> dict[str, NoteType]:
    from .render.highlight import code_css

    text = cards.texts
    css = text["style.css"] + code_css()
    script = f"\n<script>\n{text['fit.js']}</script>\n"
    return {
        "basic": NoteType(
            BASIC_ID,
            "anki-build Basic",
            BASIC_FIELDS,
            text["basic/front.html"] + script,
            text["basic/back.html"] + script,
            css,
            cloze=False,
        ),
        "cloze": NoteType(
            CLOZE_ID,
            "anki-build Cloze",
            CLOZE_FIELDS,
            text["cloze/front.html"] + script,
            text["cloze/back.html"] + script,
            css,
            cloze=True,
        ),
    }
