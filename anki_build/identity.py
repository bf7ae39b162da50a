"""Stage 3 of 4, identify: give every rendered note its GUID and `mod`, and say what an import will do.

The lock file (`anki-build.lock`, in the notes root, meant to be committed) remembers, per
note key, the GUID, a hash of what Anki stores and when that last changed. With it:

* a note whose term or question got a small edit keeps its GUID (rename matching, below);
* a note's `mod` is the time its content last changed, so Anki's "update if newer" skips
  unchanged notes and keeps edits the user made inside Anki;
* the plan can list new, changed, renamed, moved and removed notes before anything is imported.

Rename rule: a note whose key is not in the lock is matched to a note of the same kind that
disappeared from the lock when their texts are close: front ≥ 0.8 and back ≥ 0.5 similar, or
front ≥ 0.5 and back ≥ 0.9 (difflib ratio on the plain text). Best pairs are taken first, each
old note at most once. Without the lock, GUIDs still come from the keys alone.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .diagnostics import Report
from .files import write_atomic
from .notetypes import NoteType
from .render import RenderedDeck, RenderedNote

LOCK_NAME = "anki-build.lock"
LOCK_VERSION = 1
_TEXT_LIMIT = 240


def guid_for(namespace: str, key: str) -> str:
    import genanki

    return str(genanki.guid_for("anki-build", namespace, key))


def _plain(fragment: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", text).strip()


def _front_back(note: RenderedNote) -> tuple[str, str]:
    if note.notetype == "cloze":
        text = _plain(note.fields["Text"])
        return text[:_TEXT_LIMIT], text[:_TEXT_LIMIT]
    return _plain(note.fields["Front"])[:_TEXT_LIMIT], _plain(note.fields["Back"])[:_TEXT_LIMIT]


def content_hash(note: RenderedNote) -> str:
    """Everything an import writes into the note, except `Source` (line numbers move on every edit above)."""
    fields = {k: v for k, v in note.fields.items() if k != "Source"}
    payload = json.dumps([note.notetype, fields, sorted(note.tags), note.deck], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class LockEntry:
    guid: str
    kind: str
    hash: str
    changed: int
    deck: str
    front: str
    back: str


@dataclass
class Lock:
    notes: dict[str, LockEntry] = field(default_factory=dict)
    notetypes: dict[str, dict[str, object]] = field(default_factory=dict)

    def dumps(self) -> str:
        data = {
            "version": LOCK_VERSION,
            "generated-by": "anki-build; commit this file: it keeps note identity across renames",
            "notetypes": self.notetypes,
            "notes": {key: asdict(entry) for key, entry in self.notes.items()},
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


MAX_LOCK_BYTES = 256 * 1024 * 1024


class LockError(ValueError):
    """The lock file exists but cannot be used; the message says why, for a diagnostic."""


def _entry(key: object, data: object) -> LockEntry:
    if not isinstance(key, str) or not isinstance(data, dict) or set(data) != set(LockEntry.__dataclass_fields__):
        raise LockError(f"entry {str(key)[:60]!r} is not a note entry")
    entry = LockEntry(**data)
    strings = (entry.guid, entry.kind, entry.hash, entry.deck, entry.front, entry.back)
    if not all(isinstance(v, str) for v in strings) or not _is_int(entry.changed):
        raise LockError(f"entry {key[:60]!r} has a value of the wrong type")
    return entry


def _notetype(name: object, data: object) -> dict[str, object]:
    fine = (
        isinstance(name, str)
        and isinstance(data, dict)
        and isinstance(data.get("hash"), str)
        and _is_int(data.get("changed"))
        and isinstance(data.get("fields"), list)
        and all(isinstance(f, str) for f in data["fields"])
    )
    if not fine:
        raise LockError(f"note type {str(name)[:60]!r} is not a note type entry")
    return {"hash": data["hash"], "changed": data["changed"], "fields": list(data["fields"])}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_lock(text: str) -> Lock:
    """The lock as `Lock.dumps` wrote it; raises LockError for anything else."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise LockError("it is nested too deeply to be a lock file") from None
    except ValueError as exc:
        raise LockError(f"it is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        version = data.get("version") if isinstance(data, dict) else None
        raise LockError(f"unknown lock version {version!r}")
    notes, notetypes = data.get("notes"), data.get("notetypes", {})
    if not isinstance(notes, dict) or not isinstance(notetypes, dict):
        raise LockError("it has no table of notes")
    return Lock(
        notes={key: _entry(key, entry) for key, entry in notes.items()},
        notetypes={name: _notetype(name, entry) for name, entry in notetypes.items()},
    )


def _inside(path: Path) -> bool:
    """The lock is read and written only as a file of the notes folder, never through a link out of it."""
    return path.resolve().is_relative_to(path.parent.resolve())


def load_lock(path: Path, shown: str, report: Report) -> Lock | None:
    from .files import read_regular

    if not path.exists() and not path.is_symlink():
        return None
    try:
        if not _inside(path):
            raise LockError("it is a symlink to a file outside the notes folder")
        return parse_lock(read_regular(path, MAX_LOCK_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, LockError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report.warning(shown, 1, 1, "lock-invalid", f"lock file ignored ({reason}); GUIDs come from note keys alone")
        return None


def write_lock(path: Path, lock: Lock) -> bool:
    """Write atomically, and only when the content changed (so an unchanged build touches nothing)."""
    from .files import read_regular

    if not _inside(path):
        raise OSError(0, "the lock file is a symlink out of the notes folder; it is left as it is")
    text = lock.dumps()
    try:
        if read_regular(path, MAX_LOCK_BYTES) == text.encode("utf-8"):
            return False
    except OSError:
        pass
    write_atomic(path, text)
    return True


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


@dataclass
class Plan:
    new: list[PlanItem] = field(default_factory=list)
    changed: list[PlanItem] = field(default_factory=list)
    unchanged: list[PlanItem] = field(default_factory=list)
    renamed: list[PlanItem] = field(default_factory=list)
    moved: list[PlanItem] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)
    schema_changed: list[str] = field(default_factory=list)  # note types whose field list changed

    def counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name)) for name in ("new", "changed", "unchanged", "renamed", "moved", "removed")
        }

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


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


_MAX_POSTINGS = 1000  # a token in more old fronts than this says nothing about which one a note was
_MAX_CANDIDATES = 30  # old notes compared (with difflib) per new note, the most alike first


def _tokens(text: str) -> set[str]:
    """What two fronts must share to be ≥ 0.5 alike: CJK characters, and words or 3-grams of other text."""
    found = {ch for ch in text if ord(ch) >= 0x2E80}
    for word in re.findall(r"[^\W_]+", text.casefold()):
        if ord(word[0]) >= 0x2E80:
            continue
        found.update([word] if len(word) < 3 else (word[i : i + 3] for i in range(len(word) - 2)))
    return found


def _rename_pairs(new: list[RenderedNote], gone: dict[str, LockEntry]) -> dict[str, str]:
    """New key → old key, for notes that are edits of a note that disappeared.

    Only old notes sharing something with a new note's front are compared, the most alike first, so
    a large reorganisation (or a lock with a million entries) costs time linear in the notes.
    """
    index: dict[tuple[str, str], list[str]] = {}
    for old_key, entry in gone.items():
        for token in _tokens(entry.front):
            index.setdefault((entry.kind, token), []).append(old_key)
    candidates: list[tuple[float, str, str]] = []
    for note in new:
        front, back = _front_back(note)
        shared: Counter[str] = Counter()
        for token in _tokens(front):
            postings = index.get((note.kind.value, token), [])
            if len(postings) <= _MAX_POSTINGS:
                shared.update(postings)
        for old_key, _ in shared.most_common(_MAX_CANDIDATES):
            entry = gone[old_key]
            f = _similar(front, entry.front)
            if f < 0.5:
                continue
            b = _similar(back, entry.back)
            if (f >= 0.8 and b >= 0.5) or (f >= 0.5 and b >= 0.9):
                candidates.append((f + b, note.key, old_key))
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for _, new_key, old_key in sorted(candidates, reverse=True):
        if new_key not in pairs and old_key not in taken:
            pairs[new_key] = old_key
            taken.add(old_key)
    return pairs


def identify(deck: RenderedDeck, lock: Lock | None, now: int, note_types: dict[str, NoteType]) -> tuple[Plan, Lock]:
    """Set `guid` and `mod` on every note of `deck`; return the plan and the lock to write."""
    old = lock.notes if lock else {}
    plan = Plan()
    current = {note.key for note in deck.notes}
    unmatched = [note for note in deck.notes if note.key not in old]
    gone = {key: entry for key, entry in old.items() if key not in current}
    renames = _rename_pairs(unmatched, gone)
    new_lock = Lock()
    for note in deck.notes:
        front, back = _front_back(note)
        digest = content_hash(note)
        previous_key = note.key if note.key in old else renames.get(note.key)
        entry = old.get(previous_key) if previous_key else None
        item = PlanItem(key=note.key, kind=note.kind.value, front=front, source=note.source, deck=note.deck)
        if entry is None:
            note.guid, note.mod = guid_for(deck.namespace, note.key), now
            plan.new.append(item)
        else:
            note.guid = entry.guid
            note.mod = entry.changed if entry.hash == digest else now
            (plan.unchanged if entry.hash == digest else plan.changed).append(item)
            if previous_key != note.key:
                plan.renamed.append(
                    PlanItem(**{**asdict(item), "old_front": entry.front, "old_key": previous_key or ""})
                )
            if entry.deck != note.deck:
                plan.moved.append(PlanItem(**{**asdict(item), "old_deck": entry.deck}))
        new_lock.notes[note.key] = LockEntry(note.guid, note.kind.value, digest, note.mod, note.deck, front, back)
    renamed_from = set(renames.values())
    for key, entry in gone.items():
        if key not in renamed_from:
            plan.removed.append(PlanItem(key=key, kind=entry.kind, front=entry.front, deck=entry.deck))
    old_types = lock.notetypes if lock else {}
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
