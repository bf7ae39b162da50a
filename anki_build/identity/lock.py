"""`anki-build.lock`: what the last build gave each note (GUID, content, place, time), in a file made for git.

Format (version 2): JSON with one note per line, sorted by key, so that two branches that touched
different notes merge without a conflict, and a conflict that does happen is one line per note and
can be resolved by taking both sides (`merge_conflicted`). Three tables:

* `notes`: every note of the last build;
* `removed`: tombstones of notes that left the markdown (a re-added note gets its GUID back, and
  `install --prune` may delete only these);
* `paused`: notes of files switched off with `cards: false` (kept, never pruned without asking).

Version 1 (one JSON document, whole-note hashes) is still read; the next build writes version 2.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..diagnostics import Report
from ..files import write_atomic

LOCK_NAME = "anki-build.lock"
LOCK_VERSION = 2
MAX_LOCK_BYTES = 256 * 1024 * 1024
TABLES = ("notes", "removed", "paused")


@dataclass
class LockEntry:
    guid: str
    kind: str
    hash: str  # the fields an import writes, except Source and Context (see `content_hash`)
    changed: int  # when `hash` last changed: the note's `mod`
    deck: str
    front: str
    back: str
    place: str = ""  # deck, tags and breadcrumb (see `place_hash`): a change there is a move, not an edit
    file: str = ""  # the notes file it came from
    root: str = ""  # the key before positional numbering (`formula:梯度下降 2` → `formula:梯度下降`)
    clozes: dict[str, int] = field(default_factory=dict)  # deletion text → card ordinal (negative: deleted earlier)
    removed: int = 0  # when it left the markdown (tombstones only)
    kept: str = ""  # hash of Anki's own version, kept by `install` in an unsettled edit conflict
    legacy: str = ""  # a version-1 whole-note hash, until the next build replaces it


@dataclass
class Lock:
    namespace: str = ""
    notes: dict[str, LockEntry] = field(default_factory=dict)
    removed: dict[str, LockEntry] = field(default_factory=dict)
    paused: dict[str, LockEntry] = field(default_factory=dict)
    notetypes: dict[str, dict[str, object]] = field(default_factory=dict)

    def notetype_mods(self) -> dict[str, int]:
        """Each note type's `mod`: when its templates or CSS last changed (what the package writes)."""
        return {name: int(entry["changed"]) for name, entry in self.notetypes.items()}  # type: ignore[call-overload]

    # keys known only from an Anki collection (a lost lock): a note of the build may claim its key, but such a
    # note is never renamed into, never a tombstone, never pruned: it may be one the user made by hand
    adopted: set[str] = field(default_factory=set)

    def dumps(self) -> str:
        def line(key: str, value: object, last: bool) -> str:
            body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
            return f"  {json.dumps(key, ensure_ascii=False)}: {body}{'' if last else ','}\n"

        def table(name: str, rows: dict[str, object], last: bool) -> str:
            keys = sorted(rows)
            body = "".join(line(k, rows[k], i == len(keys) - 1) for i, k in enumerate(keys))
            return f' "{name}": {{\n{body} }}{"" if last else ","}\n'

        head = {
            "version": LOCK_VERSION,
            "generated-by": "anki-build; commit this file: it keeps note identity across renames, moves and merges",
            "namespace": self.namespace,
        }
        out = "{\n" + "".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in head.items())
        out += table("notetypes", dict(self.notetypes), False)
        for i, name in enumerate(TABLES):
            rows = {k: _compact(v) for k, v in getattr(self, name).items()}
            out += table(name, rows, i == len(TABLES) - 1)
        return out + "}\n"

    def all_guids(self) -> set[str]:
        return {e.guid for name in TABLES for e in getattr(self, name).values()}


def _compact(entry: LockEntry) -> dict[str, object]:
    """Defaults left out, so an entry stays one short line."""
    defaults = LockEntry("", "", "", 0, "", "", "")
    return {k: v for k, v in asdict(entry).items() if k in _REQUIRED or v != getattr(defaults, k)}


_REQUIRED = ("guid", "kind", "hash", "changed", "deck", "front", "back")
_OPTIONAL = {f.name: f.type for f in fields(LockEntry) if f.name not in _REQUIRED}


LOCK_TABLE = "anki_build_lock"  # the table inside each .apkg that carries its lock (Anki's importers never read it)


class LockError(ValueError):
    """The lock file exists but cannot be used; the message says why, for a diagnostic."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry(key: object, data: object) -> LockEntry:
    if not isinstance(key, str) or not isinstance(data, dict) or not set(_REQUIRED) <= set(data):
        raise LockError(f"entry {str(key)[:60]!r} is not a note entry")
    unknown = set(data) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise LockError(f"entry {key[:60]!r} has unknown fields {sorted(unknown)}")
    entry = LockEntry(**data)
    strings = (entry.guid, entry.kind, entry.hash, entry.deck, entry.front, entry.back, entry.place, entry.file)
    ints = (entry.changed, entry.removed)
    clozes_fine = isinstance(entry.clozes, dict) and all(
        isinstance(k, str) and _is_int(v) and 0 < abs(v) < 10_000 for k, v in entry.clozes.items()
    )
    texts = (*strings, entry.root, entry.legacy, entry.kept)
    if not all(isinstance(v, str) for v in texts) or not all(map(_is_int, ints)):
        raise LockError(f"entry {key[:60]!r} has a value of the wrong type")
    if not clozes_fine or not entry.guid:
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


def _v1_entry(key: object, data: object) -> LockEntry:
    v1 = ("guid", "kind", "hash", "changed", "deck", "front", "back")
    if not isinstance(data, dict) or set(data) != set(v1):
        raise LockError(f"entry {str(key)[:60]!r} is not a note entry")
    entry = _entry(key, {**data, "hash": "", "legacy": data.get("hash")})
    return entry


def _from_data(data: object) -> Lock:
    if not isinstance(data, dict) or data.get("version") not in (1, LOCK_VERSION):
        version = data.get("version") if isinstance(data, dict) else None
        raise LockError(f"unknown lock version {version!r}")
    notetypes = data.get("notetypes", {})
    if not isinstance(notetypes, dict):
        raise LockError("its note types are not a table")
    lock = Lock(notetypes={name: _notetype(name, entry) for name, entry in notetypes.items()})
    if data["version"] == 1:
        notes = data.get("notes")
        if not isinstance(notes, dict):
            raise LockError("it has no table of notes")
        lock.notes = {key: _v1_entry(key, entry) for key, entry in notes.items()}
        return lock
    namespace = data.get("namespace", "")
    if not isinstance(namespace, str):
        raise LockError("its namespace is not text")
    lock.namespace = namespace
    for name in TABLES:
        rows = data.get(name, {})
        if not isinstance(rows, dict):
            raise LockError(f"its table '{name}' is not a table")
        setattr(lock, name, {key: _entry(key, entry) for key, entry in rows.items()})
    _consistent(lock)
    return lock


def _consistent(lock: Lock) -> None:
    """One GUID, one note: a lock that gives two current notes the same GUID would merge them in Anki."""
    owner: dict[str, str] = {}
    for key, entry in lock.notes.items():
        if entry.guid in owner:
            raise LockError(f"notes {owner[entry.guid][:40]!r} and {key[:40]!r} have the same GUID")
        owner[entry.guid] = key


def parse_lock(text: str) -> tuple[Lock, list[str]]:
    """The lock, and what had to be merged (non-empty when git left conflict markers that could be resolved).

    Raises LockError for anything that is not a lock, or a conflict whose sides disagree about a note.
    """
    if _MARKER.search(text):
        return merge_conflicted(text)
    try:
        data = json.loads(text)
    except RecursionError:
        raise LockError("it is nested too deeply to be a lock file") from None
    except ValueError as exc:
        raise LockError(f"it is not valid JSON ({exc})") from None
    return _from_data(data), []


_MARKER = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?: .*)?$", re.M)
_ROW = re.compile(r'^\s*("(?:[^"\\]|\\.)*")\s*:\s*(\{.*\})\s*,?\s*$')
_TABLE = re.compile(r'^\s*"(notetypes|notes|removed|paused)"\s*:\s*\{\s*$')


def merge_conflicted(text: str) -> tuple[Lock, list[str]]:
    """A lock with git conflict markers: both sides' lines are kept; a note both sides changed is resolved when
    they agree on its GUID (the later change wins), refused when they do not."""
    tables: dict[str, dict[str, list[dict[str, object]]]] = {name: {} for name in ("notetypes", *TABLES)}
    head: dict[str, object] = {}
    side = before = ""
    current = ""  # the table a line is in: its header is outside the conflict, its rows may be inside
    for raw in text.splitlines():
        if raw.startswith("<<<<<<<"):
            side, before = "ours", current
            continue
        if raw.startswith("|||||||"):
            side = "base"
        elif raw.startswith("=======") and side:
            side, current = "theirs", before  # each side starts in the table the conflict starts in
            continue
        elif raw.startswith(">>>>>>>"):
            side = ""
            continue
        if side == "base":
            continue
        table = _TABLE.match(raw)
        if table:
            current = table[1]
            continue
        row = _ROW.match(raw)
        if row and current:
            try:
                key, value = json.loads(row[1]), json.loads(row[2])
            except ValueError:
                raise LockError("a line inside the conflict is not a lock entry") from None
            tables[current].setdefault(key, []).append(value)
            continue
        setting = re.match(r'^\s*"(version|namespace|generated-by)"\s*:\s*(.+?),?\s*$', raw)
        if setting:
            try:
                head.setdefault(setting[1], json.loads(setting[2]))
            except ValueError:
                raise LockError("a line inside the conflict is not a lock entry") from None
    if head.get("version") != LOCK_VERSION:
        raise LockError("it has git conflict markers, and only a version-2 lock can be merged")
    merged: list[str] = []
    data: dict[str, object] = {"version": LOCK_VERSION, "namespace": head.get("namespace", "")}
    for name, rows in tables.items():
        chosen: dict[str, object] = {}
        for key, versions in rows.items():
            distinct = [json.loads(v) for v in dict.fromkeys(json.dumps(v, sort_keys=True) for v in versions)]
            if len(distinct) > 1:
                guids = {v.get("guid") for v in distinct if isinstance(v, dict)}
                if name != "notetypes" and len(guids) > 1:
                    raise LockError(
                        f"both sides of a git merge changed note {key[:60]!r} with different GUIDs; keep one side's "
                        "line, or start over with --reset-lock"
                    )
                merged.append(key)
                distinct.sort(key=lambda v: v.get("changed", 0) if isinstance(v, dict) else 0)
            chosen[key] = distinct[-1]
        data[name] = chosen
    lock = _from_data(data)
    for key in list(lock.removed):  # re-added on one side, removed on the other: the note is back
        if key in lock.notes:
            del lock.removed[key]
    _consistent(lock)
    return lock, merged or ["(only the conflict markers)"]


def _inside(path: Path) -> bool:
    """The lock is read and written only as a file of the notes folder, never through a link out of it."""
    return path.resolve().is_relative_to(path.parent.resolve())


def load_lock(path: Path, shown: str, report: Report, *, reset: bool = False) -> tuple[Lock | None, bool]:
    """(the lock, whether it may be used). A lock that exists and cannot be read is an error: the build writes
    nothing, so the identities it holds are never overwritten (`reset` ignores it instead)."""
    from ..files import read_regular

    if not path.exists() and not path.is_symlink():
        return None, True
    if reset:
        report.warning(shown, 1, 1, "lock-reset", "--reset-lock: the lock file is ignored and written anew")
        return None, True
    try:
        if not _inside(path):
            raise LockError("it is a symlink to a file outside the notes folder")
        lock, merged = parse_lock(read_regular(path, MAX_LOCK_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, LockError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report.error(
            shown,
            1,
            1,
            "lock-invalid",
            f"cannot use the lock file ({reason}); nothing was written. Restore it (git checkout), or start over "
            "with --reset-lock (GUIDs then come from the keys, the previous deck or the collection)",
        )
        return None, False
    if merged:
        report.warning(
            shown, 1, 1, "lock-merged", f"git conflict markers resolved ({len(merged)} note(s) taken from both sides)"
        )
    return lock, True


def write_lock(path: Path, lock: Lock) -> bool:
    """Write atomically, and only when the content changed (so an unchanged build touches nothing)."""
    from ..files import read_regular

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
