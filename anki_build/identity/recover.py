"""A lock rebuilt from what Anki already holds, when `anki-build.lock` is gone.

Every note anki-build writes carries its key in a hidden `Key` field, so the previous `.apkg` (or, on
`install`, the collection itself) says which GUID each key had, what the fields were and when they
last changed. Notes whose fields still match keep their `mod`, so nothing is re-imported and no edit
made in Anki is overwritten; renamed notes keep the GUID they had.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zipfile
from pathlib import Path

from ..notetypes import NoteType
from . import Lock, LockEntry, content_hash, place_hash
from .match import CLOZE_DELETION, plain

MAX_PACKAGE_BYTES = 2 * 1024 * 1024 * 1024


def _entry(notetype: str, fields: dict[str, str], guid: str, mod: int, deck: str, tags: list[str]) -> LockEntry:
    text = plain(fields.get("Text", "")) if notetype == "cloze" else ""
    front = text or plain(fields.get("Front", ""))
    back = text or plain(fields.get("Back", ""))
    source = plain(fields.get("Source", ""))
    return LockEntry(
        guid=guid,
        kind=fields.get("Kind", "") or ("cloze" if notetype == "cloze" else "concept"),
        hash=content_hash(notetype, fields),
        changed=mod,
        deck=deck,
        front=front[:240],
        back=back[:240],
        place=place_hash(deck, tags, fields),
        file=source.rsplit(":", 1)[0] if ":" in source else source,
        clozes={plain(m[2]): int(m[1]) for m in CLOZE_DELETION.finditer(fields.get("Text", ""))} if text else {},
    )


def _ours(types: dict[str, NoteType]) -> dict[int, tuple[str, tuple[str, ...]]]:
    return {spec.id: (name, tuple(spec.fields)) for name, spec in types.items()}


def lock_from_package(path: Path, types: dict[str, NoteType]) -> Lock | None:
    """The lock an earlier build of this deck would have written, from its `.apkg`; None if it holds none."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("collection.anki2")
            if info.file_size > MAX_PACKAGE_BYTES:
                return None
            data = archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        try:
            conn.deserialize(data)
            embedded = _embedded_lock(conn)
            if embedded is not None:
                return embedded
            models = json.loads(conn.execute("select models from col").fetchone()[0])
            deck_table = json.loads(conn.execute("select decks from col").fetchone()[0])
            decks = {int(k): v["name"] for k, v in deck_table.items()}
            rows = conn.execute(
                "select n.guid, n.mid, n.mod, n.tags, n.flds, (select did from cards c where c.nid = n.id limit 1)"
                " from notes n"
            ).fetchall()
        except (sqlite3.Error, TypeError, ValueError, KeyError, AttributeError):
            return None
    ours = _ours(types)
    lock = Lock()
    for guid, mid, mod, tags, flds, did in rows:
        if mid not in ours or str(mid) not in models:
            continue
        name, wanted = ours[mid]
        names = [f["name"] for f in models[str(mid)].get("flds", [])]
        values = str(flds).split("\x1f")
        if names != list(wanted) or len(values) != len(names):
            continue
        fields = dict(zip(names, values, strict=True))
        key = fields.get("Key", "")
        if key and key not in lock.notes:
            lock.notes[key] = _entry(name, fields, str(guid), int(mod), decks.get(did, ""), str(tags).split())
    return lock if lock.notes else None


def _embedded_lock(conn: sqlite3.Connection) -> Lock | None:
    """The whole lock (tombstones, paused notes, cloze ordinals) a build of version 2 or later stored in its deck."""
    from .lock import LOCK_TABLE, LockError, parse_lock

    try:
        row = conn.execute(f"select lock from {LOCK_TABLE}").fetchone()
    except sqlite3.Error:
        return None  # a deck from an earlier version: rebuilt from its notes instead
    try:
        lock, _ = parse_lock(str(row[0])) if row else (None, [])
    except LockError:
        return None
    return lock if lock is not None and (lock.notes or lock.removed or lock.paused) else None


def lock_from_collection(col: object, types: dict[str, NoteType], top: str) -> Lock | None:
    """The same from an open Anki collection (`anki.collection.Collection`): this course's notes under `top`."""
    ours = _ours(types)
    lock = Lock()
    db = col.db  # type: ignore[attr-defined]
    decks = col.decks  # type: ignore[attr-defined]
    ids = ",".join(str(i) for i in ours)
    for guid, mid, mod, tags, flds, did in db.all(
        f"select n.guid, n.mid, n.mod, n.tags, n.flds, (select did from cards c where c.nid = n.id limit 1)"
        f" from notes n where n.mid in ({ids}) order by n.id"  # a copy made in Anki is younger than its original
    ):
        name, wanted = ours[mid]
        values = str(flds).split("\x1f")
        if len(values) != len(wanted):
            continue
        deck = decks.name(did) if did else ""
        if deck != top and not deck.startswith(top + "::"):
            continue
        fields = dict(zip(wanted, values, strict=True))
        key = fields.get("Key", "")
        if key and key not in lock.notes:
            lock.notes[key] = _entry(name, fields, str(guid), int(mod), deck, str(tags).split())
    return lock if lock.notes else None
