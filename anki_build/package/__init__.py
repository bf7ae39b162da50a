"""Stage 3, package: rendered notes → an `.apkg` file, written atomically.

GUIDs come from each note's stable key, never from its content, so editing an answer
updates the note in Anki instead of adding a second one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import genanki

from ..files import atomic_writer
from ..identity.lock import LOCK_TABLE
from ..notetypes import NoteType, note_types
from ..render import RenderedDeck

__all__ = ["PackageResult", "write_package"]


class _Note(genanki.Note):
    """A note whose `mod` is the time its content last changed, not the build time."""

    def __init__(self, *args: object, mod: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.mod = mod

    def write_to_db(self, cursor, timestamp, deck_id, id_gen):  # type: ignore[no-untyped-def]
        return super().write_to_db(cursor, self.mod, deck_id, id_gen.for_note(self.mod, self.guid))


class _Ids:
    """Note and card ids from each note's own time and GUID, unique within the package.

    Anki keeps an imported note's (and card's) id when it is free, and shows it as the note's creation
    date; a counter would give a deleted note's ids, and with them its review log, to the next new note.
    """

    def __init__(self) -> None:
        self._after: dict[int, int] = {}  # a taken id → an id at or before the next free one

    def _free(self, candidate: int) -> int:
        """The first free id at or after `candidate`. Notes of one build share a second (1,000 ids), so
        probing one by one was quadratic past a few thousand notes; the jumps are shortened as they are
        followed (union-find path compression), which gives the same ids in near-constant time."""
        seen: list[int] = []
        while candidate in self._after:
            seen.append(candidate)
            candidate = self._after[candidate]
        for taken in seen:
            self._after[taken] = candidate
        return candidate

    def for_note(self, mod: int, guid: str) -> Iterator[int]:
        digest = int.from_bytes(hashlib.sha256(guid.encode()).digest()[:4], "big")
        candidate = max(mod, 1) * 1000 + digest % 1000
        while True:
            candidate = self._free(candidate)
            self._after[candidate] = candidate + 1
            yield candidate


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


def write_package(deck: RenderedDeck, out: Path, notetype_mods: dict[str, int], lock_text: str = "") -> PackageResult:
    """Write `out` via a temporary file in the same folder and an atomic rename.

    Notes carry the GUID and `mod` the identify stage gave them. `lock_text` (the lock this build writes)
    is stored in a table of its own, so a lost `anki-build.lock` can be recovered whole from the deck.
    """
    with warnings.catch_warnings():
        # genanki guesses at "invalid HTML" in fields (e.g. an escaped `&lt;eos&gt;`); ours are sanitised
        warnings.simplefilter("ignore", UserWarning)
        return _write_package(deck, out, notetype_mods, lock_text)


def _write_package(deck: RenderedDeck, out: Path, notetype_mods: dict[str, int], lock_text: str) -> PackageResult:
    types = note_types(deck.cards)
    models = {name: _model(spec, notetype_mods[name]) for name, spec in types.items()}
    decks: dict[str, genanki.Deck] = {}
    for position, note in enumerate(deck.notes):
        model = models[note.notetype]
        target = decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        target.add_note(
            _Note(
                model=model,
                fields=[note.fields[f] for f in types[note.notetype].fields],
                guid=note.guid,
                mod=note.mod,
                tags=note.tags,
                due=position,  # new cards come in course order, whatever the subdecks' names
            )
        )
    first = min((note.mod for note in deck.notes), default=0)
    collection = _collection(list(decks.values()), list(models.values()), first, lock_text)
    names = sorted(deck.media.files)
    with atomic_writer(out) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "collection.anki2", collection)
        _add(archive, "media", json.dumps({str(i): name for i, name in enumerate(names)}, ensure_ascii=False))
        for i, name in enumerate(names):
            _add(archive, str(i), deck.media.files[name])
    return PackageResult(path=out, size=out.stat().st_size, media=len(names))


def _zip_time() -> tuple[int, int, int, int, int, int]:
    """Entry dates come from `SOURCE_DATE_EPOCH` when set, else a fixed date: the same notes give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = time.gmtime(max(int(epoch), 315532800))  # zip dates start in 1980
        return moment[:6]
    return (1980, 1, 1, 0, 0, 0)


def _add(archive: zipfile.ZipFile, name: str, data: bytes | str) -> None:
    info = zipfile.ZipInfo(name, date_time=_zip_time())
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _collection(decks: list[genanki.Deck], models: list[genanki.Model], first: int, lock_text: str) -> bytes:
    """The package's SQLite collection, built in memory (no scratch files to leave behind).

    genanki's own `Deck.write_to_db` rewrites the whole decks and models JSON once per deck, which is
    quadratic in the number of chapters; here each is written once. Note and card ids come from each
    note's time and GUID (see `_Ids`), never the build time, so the same notes always give the same bytes;
    Anki matches notes by GUID and gives imported notes new ids where these are taken.
    """
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    timestamp = float(first)
    ids = _Ids()
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
        if lock_text:
            cursor.execute(f"CREATE TABLE {LOCK_TABLE} (lock TEXT NOT NULL)")
            cursor.execute(f"INSERT INTO {LOCK_TABLE} VALUES (?)", (lock_text,))
        conn.commit()
        return conn.serialize()
