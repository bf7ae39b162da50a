"""Stage 3, package: rendered notes → an `.apkg` file, written atomically.

GUIDs come from each note's stable key, never from its content, so editing an answer
updates the note in Anki instead of adding a second one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
import warnings
import zipfile
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import genanki

from ..files import atomic_writer
from ..notetypes import NoteType, note_types
from ..render import RenderedDeck

__all__ = ["PackageResult", "write_package"]


class _Note(genanki.Note):
    """A note whose `mod` is the time its content last changed, not the build time."""

    def __init__(self, *args: object, mod: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.mod = mod

    def write_to_db(self, cursor, timestamp, deck_id, id_gen):  # type: ignore[no-untyped-def]
        return super().write_to_db(cursor, self.mod, deck_id, id_gen)


class _Model(genanki.Model):
    """A note type whose `mod` moves only when its templates or CSS change."""

    def __init__(self, *args: object, mod: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.mod = mod

    def to_json(self, timestamp, deck_id):  # type: ignore[no-untyped-def]
        data = super().to_json(timestamp, deck_id)
        data["mod"] = int(self.mod)
        return data


def deck_id(name: str) -> int:
    """Anki matches decks by name; the id only has to be a stable int."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % (1 << 50) + (1 << 30)


def _model(spec: NoteType, mod: int) -> genanki.Model:
    return _Model(
        spec.id,
        spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": "Cloze" if spec.cloze else "Card 1", "qfmt": spec.qfmt, "afmt": spec.afmt}],
        css=spec.css,
        model_type=genanki.Model.CLOZE if spec.cloze else genanki.Model.FRONT_BACK,
        sort_field_index=1,
        mod=mod,
    )


@dataclass
class PackageResult:
    path: Path
    size: int
    media: int


def write_package(deck: RenderedDeck, out: Path, notetype_mods: dict[str, int]) -> PackageResult:
    """Write `out` via a temporary file in the same folder and an atomic rename.

    Notes carry the GUID and `mod` the identify stage gave them.
    """
    with warnings.catch_warnings():
        # genanki guesses at "invalid HTML" in fields (e.g. an escaped `&lt;eos&gt;`); ours are sanitised
        warnings.simplefilter("ignore", UserWarning)
        return _write_package(deck, out, notetype_mods)


def _write_package(deck: RenderedDeck, out: Path, notetype_mods: dict[str, int]) -> PackageResult:
    models = {name: _model(spec, notetype_mods[name]) for name, spec in note_types().items()}
    decks: dict[str, genanki.Deck] = {}
    for position, note in enumerate(deck.notes):
        model = models[note.notetype]
        target = decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        target.add_note(
            _Note(
                model=model,
                fields=[note.fields[f] for f in note_types()[note.notetype].fields],
                guid=note.guid,
                mod=note.mod,
                tags=note.tags,
                due=position,  # new cards come in course order, whatever the subdecks' names
            )
        )
    collection = _collection(list(decks.values()), list(models.values()))
    names = sorted(deck.media.files)
    with atomic_writer(out) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}, ensure_ascii=False))
        for i, name in enumerate(names):
            archive.writestr(str(i), deck.media.files[name])
    return PackageResult(path=out, size=out.stat().st_size, media=len(names))


def _collection(decks: list[genanki.Deck], models: list[genanki.Model]) -> bytes:
    """The package's SQLite collection, built in memory (no scratch files to leave behind).

    genanki's own `Deck.write_to_db` rewrites the whole decks and models JSON once per deck, which is
    quadratic in the number of chapters; here each is written once.
    """
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    timestamp = time.time()
    ids = count(int(timestamp * 1000))
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        cursor = conn.cursor()
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        (decks_json,) = cursor.execute("SELECT decks FROM col").fetchone()
        all_decks = json.loads(decks_json)
        all_decks.update({str(d.deck_id): d.to_json() for d in decks})
        (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
        all_models = json.loads(models_json)
        home = decks[0].deck_id if decks else 1
        all_models.update({str(m.model_id): m.to_json(timestamp, home) for m in models})
        cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(all_decks), json.dumps(all_models)))
        for target in decks:
            for note in target.notes:
                note.write_to_db(cursor, timestamp, target.deck_id, ids)
        conn.commit()
        return conn.serialize()
