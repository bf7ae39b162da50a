"""Stage 3 of 4, identify: give every rendered note its GUID and `mod`, and say what an import will do.

The lock file (`lock.py`) remembers, per note key, the GUID, a hash of the fields an import writes,
a hash of where the note sits (deck, tags, breadcrumb) and when its fields last changed. With it:

* a note keeps its GUID through edits of its term (renames), a move to another chapter, a re-add after
  a delete (tombstones), and notes that share a key keep theirs by content, not by position;
* a note's `mod` is the time its fields last changed, never older than Anki's copy of a changed note
  (so the import really updates it, even on a machine whose clock is behind) and unchanged otherwise
  (so Anki's "update if newer" keeps what the user edited on the phone); a move changes no `mod`;
* the plan lists new, changed, renamed, moved, re-added, paused and removed notes before any import.

Without a lock, GUIDs come from the keys (under the course's namespace), and the lock can be
recovered from the previous `.apkg` (`recover.py`) or, on `install`, from the collection.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from itertools import count

from ..notetypes import NoteType
from ..render import RenderedDeck, RenderedNote
from .lock import LOCK_NAME, Lock, LockEntry, LockError, load_lock, parse_lock, write_lock
from .match import assign_keys, family, front_back, remap_clozes, rename_pairs, unused_guid

__all__ = [
    "CLOCK_TOLERANCE",
    "LOCK_NAME",
    "Lock",
    "LockEntry",
    "LockError",
    "Plan",
    "PlanItem",
    "content_hash",
    "guid_for",
    "identify",
    "load_lock",
    "parse_lock",
    "place_hash",
    "write_lock",
]

_PLACE_FIELDS = ("Source", "Context", "Key")  # where a note sits and what it is called: a move, not an edit
CLOCK_TOLERANCE = 300  # seconds a lock's times may be ahead of this machine's clock before it is reported


def guid_for(namespace: str, key: str) -> str:
    import genanki

    return str(genanki.guid_for("anki-build", namespace, key))


def content_hash(notetype: str, fields: dict[str, str]) -> str:
    """What an import writes into the note, except where it sits: `Source` (line numbers move on every edit
    above), `Context` (the breadcrumb changes when the note moves) and the hidden `Key` (giving a note an
    explicit `{#id}` changes nothing a reader sees, so it must not overwrite an edit made on the phone)."""
    kept = {k: v for k, v in fields.items() if k not in _PLACE_FIELDS}
    payload = json.dumps([notetype, kept], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def place_hash(deck: str, tags: list[str], fields: dict[str, str]) -> str:
    payload = json.dumps([deck, sorted(tags), fields.get("Context", "")], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def legacy_hash(note: RenderedNote) -> str:
    """The whole-note hash of lock version 1, to tell whether a note changed since a version-1 build."""
    kept = {k: v for k, v in note.fields.items() if k != "Source"}
    payload = json.dumps([note.notetype, kept, sorted(note.tags), note.deck], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class PlanItem:
    key: str
    kind: str
    front: str
    source: str = ""
    deck: str = ""
    old_front: str = ""
    old_deck: str = ""
    old_key: str = ""
    guid: str = ""


@dataclass
class Plan:
    new: list[PlanItem] = field(default_factory=list)
    changed: list[PlanItem] = field(default_factory=list)
    unchanged: list[PlanItem] = field(default_factory=list)
    renamed: list[PlanItem] = field(default_factory=list)
    moved: list[PlanItem] = field(default_factory=list)
    readded: list[PlanItem] = field(default_factory=list)
    paused: list[PlanItem] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)
    schema_changed: list[str] = field(default_factory=list)  # note types whose field list changed
    clock_behind: int = 0  # seconds the lock's newest time is ahead of this machine's clock
    recovered_from: str = ""  # where identities came from when there was no lock

    def counts(self) -> dict[str, int]:
        names = ("new", "changed", "unchanged", "renamed", "moved", "readded", "paused", "removed")
        return {name: len(getattr(self, name)) for name in names}

    def removed_search(self) -> str:
        """An Anki browser search that finds exactly the removed notes, by their hidden Key field."""
        return " OR ".join(f'"Key:{anki_search_escape(item.key)}"' for item in self.removed)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            name: [asdict(i) for i in getattr(self, name)] for name in self.counts() if name != "unchanged"
        }
        data["counts"] = self.counts()
        data["removed_search"] = self.removed_search()
        return data


def anki_search_escape(text: str) -> str:
    """Anki's search treats `*`, `_`, `"` and `\\` specially; a literal match needs them escaped."""
    return re.sub(r'([\\*_"])', r"\\\1", text)


def _file_of(note: RenderedNote) -> str:
    return note.source.rsplit(":", 1)[0] if ":" in note.source else note.source


def identify(
    deck: RenderedDeck,
    lock: Lock | None,
    now: int,
    note_types: dict[str, NoteType],
    *,
    paused_files: frozenset[str] = frozenset(),
    source_files: frozenset[str] | None = None,
    file_times: dict[str, int] | None = None,
    namespace: str | None = None,
) -> tuple[Plan, Lock]:
    """Set `key`, `guid` and `mod` on every note of `deck` (and renumber `==…==` clozes); return the plan and
    the lock to write."""
    old = lock or Lock()
    space = namespace or old.namespace or deck.namespace
    plan = Plan()
    every = {**old.removed, **old.paused, **old.notes}  # a key in several tables: the current note wins
    taken_guids = old.all_guids()

    # 1. Notes sharing a root keep their keys by content.
    hashes = {id(n): content_hash(n.notetype, n.fields) for n in deck.notes}
    still_paused = frozenset(k for k, e in old.paused.items() if e.file in paused_files and k not in old.notes)
    keys = assign_keys(deck.notes, every, hashes, set(every), live=set(old.notes), blocked=still_paused)
    for note in deck.notes:
        if keys[id(note)] != note.key:
            note.key = keys[id(note)]
            note.fields["Key"] = note.key
            hashes[id(note)] = content_hash(note.notetype, note.fields)

    # 2. Renames: a note whose key is new may be an edit of a note that left (now, or earlier: a tombstone).
    current = {note.key for note in deck.notes}
    unmatched = [note for note in deck.notes if note.key not in every]
    gone = {k: e for k, e in every.items() if k not in current and k not in still_paused and k not in old.adopted}
    renames = rename_pairs(unmatched, gone)

    new_lock = Lock(namespace=space)
    behind = 0
    used_old: set[str] = set()
    for note in deck.notes:
        previous_key = note.key if note.key in every else renames.get(note.key)
        entry = every.get(previous_key) if previous_key else None
        if entry is not None and family(entry.kind) != family(note.kind.value):
            entry = None
        clozes: dict[str, int] = {}
        if note.notetype == "cloze":
            text, clozes = remap_clozes(note.fields["Text"], note.cloze_auto_from, entry.clozes if entry else {})
            if text != note.fields["Text"]:
                note.fields["Text"] = text
                hashes[id(note)] = content_hash(note.notetype, note.fields)
        digest = hashes[id(note)]
        place = place_hash(note.deck, note.tags, note.fields)
        front, back = front_back(note)
        item = PlanItem(key=note.key, kind=note.kind.value, front=front, source=note.source, deck=note.deck)
        if entry is None:
            candidates = (guid_for(space, note.key if n == 0 else f"{note.key}\x00{n}") for n in count())
            # no earlier build knew it: its content is no newer than its file. If Anki has it all the same
            # (the lock and the deck were lost), an edit made there since the file was saved is kept
            saved = (file_times or {}).get(_file_of(note), now)
            note.guid, note.mod = unused_guid(candidates, taken_guids), max(1, min(now, saved))
            taken_guids.add(note.guid)
            plan.new.append(item)
        else:
            assert previous_key is not None
            used_old.add(previous_key)
            note.guid = entry.guid
            unchanged = entry.hash == digest if not entry.legacy else entry.legacy == legacy_hash(note)
            if unchanged:
                note.mod = entry.changed
                plan.unchanged.append(item)
            else:
                note.mod = max(now, entry.changed + 1)  # newer than Anki's copy, or the import would skip it
                behind = max(behind, entry.changed - now)
                plan.changed.append(item)
            item.guid = note.guid
            if previous_key in old.removed and previous_key not in old.notes:
                plan.readded.append(PlanItem(**{**asdict(item), "old_key": previous_key, "old_front": entry.front}))
            elif previous_key != note.key:
                plan.renamed.append(PlanItem(**{**asdict(item), "old_front": entry.front, "old_key": previous_key}))
            moved_place = entry.place and entry.place != place and not entry.legacy
            if entry.deck != note.deck or moved_place:
                plan.moved.append(PlanItem(**{**asdict(item), "old_deck": entry.deck}))
        item.guid = note.guid
        new_lock.notes[note.key] = LockEntry(
            guid=note.guid,
            kind=note.kind.value,
            hash=digest,
            changed=note.mod,
            deck=note.deck,
            front=front,
            back=back,
            place=place,
            file=_file_of(note),
            root=note.root if note.root and note.root != note.key else "",
            clozes=clozes,
            kept=entry.kept if entry is not None else "",
        )
    plan.clock_behind = max([behind, *(e.changed - now for e in old.notes.values())], default=0)

    # 3. What left: paused with its file, or a tombstone (kept, so a re-added note gets its GUID back).
    def away(file: str) -> bool:
        """Its file is paused, or gone while some file is paused (a paused chapter renamed): not removed."""
        missing = source_files is not None and file not in source_files
        return file in paused_files or (missing and bool(paused_files))

    for key, entry in old.notes.items():
        if key in used_old or key in new_lock.notes or key in old.adopted:
            continue
        item = PlanItem(key=key, kind=entry.kind, front=entry.front, deck=entry.deck, guid=entry.guid)
        if entry.file and away(entry.file):
            new_lock.paused[key] = entry
            plan.paused.append(item)
        else:
            new_lock.removed[key] = LockEntry(**{**asdict(entry), "removed": now})
            plan.removed.append(item)
    for key, entry in old.paused.items():
        if key in used_old or key in new_lock.notes or key in new_lock.removed:
            continue
        if away(entry.file):
            new_lock.paused[key] = entry
        else:
            new_lock.removed[key] = LockEntry(**{**asdict(entry), "removed": now})
            plan.removed.append(PlanItem(key=key, kind=entry.kind, front=entry.front, deck=entry.deck, guid=entry.guid))
    for key, entry in old.removed.items():
        if key not in used_old and key not in new_lock.notes and key not in new_lock.paused:
            new_lock.removed.setdefault(key, entry)

    old_types = old.notetypes
    for name, spec in note_types.items():
        known = old_types.get(name, {})
        changed = known.get("changed") if known.get("hash") == spec.fingerprint else None
        if "fields" in known and list(known["fields"]) != list(spec.fields):  # type: ignore[call-overload]
            plan.schema_changed.append(spec.name)
        new_lock.notetypes[name] = {
            "hash": spec.fingerprint,
            "changed": int(changed) if isinstance(changed, int) else now,
            "fields": list(spec.fields),
        }
    return plan, new_lock
