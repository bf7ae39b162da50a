"""`anki-build install`: build, then import straight into a closed Anki collection.

Does what the `.apkg` importer cannot: it sees the collection, so it

* keeps every edit made in Anki to a note whose markdown did not change (whatever the clocks say), and
  reports a note edited on both sides (`edit-conflict`: both texts, path:line) instead of silently
  picking one (`--prefer notes|anki` decides);
* moves the cards of notes that changed chapter and retags them, without touching their fields;
* with `--prune`, deletes notes that left the markdown: only notes whose GUID this course's lock gave
  out (never a note made by hand or copied in Anki), listed first and confirmed (`--yes`);
* recovers identities from the collection when the lock is missing.

Nothing is written (deck, lock, collection) when the collection cannot be opened or the build fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import shown_path
from ..identity import Lock, LockEntry, PlanItem, content_hash
from ..identity.match import plain
from ..notetypes import note_types
from ..progress import Progress
from .build import BuildSummary, Prepared, finish, prepare, save_lock

PREFER = ("notes", "anki")


@dataclass
class Conflict:
    key: str
    source: str
    notes_text: str
    anki_text: str
    kept: str  # "anki" or "notes"


@dataclass
class InstallResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    moved_cards: int = 0
    retagged: int = 0
    pruned: int = 0
    pruned_ids: list[int] = field(default_factory=list)  # the Anki note ids deleted
    kept_anki_edits: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    prune_candidates: list[str] = field(default_factory=list)
    prune_declined: bool = False

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _in_tree(name: str, top: str) -> bool:
    return name == top or name.startswith(top + "::")


def _text(fields: dict[str, str]) -> str:
    shown = fields.get("Text") or f"{plain(fields.get('Front', ''))} → {plain(fields.get('Back', ''))}"
    return plain(shown)[:200]


def install(
    root: Path,
    display_root: str,
    collection: Path,
    *,
    output: Path | None = None,
    prune: bool = False,
    prune_paused: bool = False,
    confirm: Callable[[list[str]], bool] | None = None,
    prefer: str | None = None,
    strict: bool = False,
    now: int | None = None,
    reset_lock: bool = False,
    progress: Progress | None = None,
) -> tuple[BuildSummary, InstallResult | None]:
    """`confirm` is asked with the notes `--prune` would delete; without it (`--yes`) they are deleted."""
    from anki.collection import Collection
    from anki.errors import DBError

    shown = shown_path(collection)
    try:
        col = Collection(str(collection))
    except DBError as exc:
        locked = any(word in str(exc).lower() for word in ("locked", "already open"))
        message = (
            "the collection is open in Anki (locked); close Anki or switch profiles, then run install again; "
            "nothing was written"
            if locked
            else f"cannot open the collection: {exc}; nothing was written"
        )
        prepared = prepare(root, display_root, output, strict=strict, now=now, check=False)
        prepared.report.error(shown, 1, 1, "collection-locked" if locked else "collection-unreadable", message)
        return prepared.done(), None
    try:
        return _install(
            col, root, display_root, output, prune, prune_paused, confirm, prefer, strict, now, reset_lock, progress
        )
    finally:
        col.close()


def _install(
    col: object,
    root: Path,
    display_root: str,
    output: Path | None,
    prune: bool,
    prune_paused: bool,
    confirm: Callable[[list[str]], bool] | None,
    prefer: str | None,
    strict: bool,
    now: int | None,
    reset_lock: bool,
    progress: Progress | None,
) -> tuple[BuildSummary, InstallResult | None]:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as UpdateCondition

    from ..identity.recover import lock_from_collection
    from ..render import deck_component

    types = note_types()
    recovered: Lock | None = None
    lock_missing = reset_lock or not (root / "anki-build.lock").exists()
    if lock_missing:
        from ..config import load_config
        from ..diagnostics import Report

        top = deck_component(load_config(root, display_root, Report()).deck)
        recovered = lock_from_collection(col, types, top)
    prepared = prepare(
        root,
        display_root,
        output,
        strict=strict,
        now=now,
        reset_lock=reset_lock,
        recovered=recovered,
        recovered_from="the collection" if recovered else "",
        progress=progress,
    )
    summary = prepared.summary
    if prepared.deck is None or not prepared.writable or prepared.report.errors or not prepared.deck.notes:
        prepared.report.error(
            display_root, 1, 1, "install-skipped", "the build has errors; nothing was imported or written"
        )
        return prepared.done(), None
    result = InstallResult()
    _settle_edits(col, prepared, prefer, result)
    doomed = _prune_plan(col, prepared, prune_paused, confirm, result) if prune else []
    summary = finish(prepared, write_lock=False)
    if summary.output is None:
        return summary, None

    if_newer = UpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=if_newer,
        update_notetypes=if_newer,
        with_scheduling=False,
        with_deck_configs=False,
    )
    request = ImportAnkiPackageRequest(package_path=str(summary.output), options=options)
    log = col.import_anki_package(request).log  # type: ignore[attr-defined]
    result.new, result.updated = len(log.new), len(log.updated)
    result.unchanged, result.conflicting = len(log.duplicate), len(log.conflicting)
    _place(col, prepared, result)
    if doomed:
        col.remove_notes(doomed)  # type: ignore[attr-defined]
        result.pruned, result.pruned_ids = len(doomed), doomed
    save_lock(prepared)
    return prepared.done(), result


def _anki_note(col: object, guid: str) -> tuple[int, dict[str, str], int, list[str]] | None:
    row = col.db.first("select id, flds, mod, tags, mid from notes where guid = ?", guid)  # type: ignore[attr-defined]
    if row is None:
        return None
    nid, flds, mod, tags, mid = row
    spec = next((s for s in note_types().values() if s.id == mid), None)
    values = str(flds).split("\x1f")
    if spec is None or len(values) != len(spec.fields):
        return None
    return int(nid), dict(zip(spec.fields, values, strict=True)), int(mod), str(tags).split()


def _by_guid(lock: Lock | None) -> dict[str, LockEntry]:
    found: dict[str, LockEntry] = {}
    if lock is not None:
        for table in (lock.removed, lock.paused, lock.notes):
            found.update({e.guid: e for e in table.values()})
    return found


def _settle_edits(col: object, prepared: Prepared, prefer: str | None, result: InstallResult) -> None:
    """Notes edited in Anki: kept when the markdown did not change; reported (or settled by `prefer`) when it did.

    Anki's copy counts as edited when its fields differ from what the last build delivered (the lock's hash);
    the import then skips that note (its `mod` is not newer), whatever either clock says. When the lock was
    missing (identities recovered from the collection), or a conflict was left unsettled, which side changed
    is unknown: a difference is a conflict.
    """
    assert prepared.deck is not None and prepared.lock is not None
    by_guid = _by_guid(prepared.previous)
    plan = prepared.summary.plan
    changed = {item.key for item in plan.changed} if plan else set()
    for note in prepared.deck.notes:
        entry = by_guid.get(note.guid)
        found = _anki_note(col, note.guid) if entry is not None and not entry.legacy else None
        if entry is None or found is None:
            continue
        _, fields, anki_mod, _ = found
        anki_hash = content_hash(note.notetype, fields)
        ours = prepared.lock.notes[note.key]
        if anki_hash == ours.hash:
            ours.kept = ""
            continue  # Anki already has what this build would deliver
        unknown = bool(entry.kept)
        if not unknown and anki_hash == entry.hash:
            # Anki has what the last build delivered: an ordinary update, stamped after Anki's copy (which
            # `install` itself may have touched since, moving or retagging it), or the import would skip it
            note.mod = max(note.mod, anki_mod + 1)
            ours.changed = note.mod
            continue
        if not unknown and note.key not in changed:
            note.mod = min(note.mod, anki_mod)  # the phone edit stays; the import skips this note
            result.kept_anki_edits += 1
            continue
        kept = prefer or "anki"
        conflict = Conflict(note.key, note.source, _text(note.fields), _text(fields), kept)
        result.conflicts.append(conflict)
        if kept == "notes":
            note.mod = max(note.mod, anki_mod + 1)
            ours.changed, ours.kept = note.mod, ""
            _reclassify(plan, note.key, "unchanged", "changed")
        else:
            note.mod = min(note.mod, anki_mod)
            ours.changed = min(entry.changed, anki_mod)
            ours.kept = "" if prefer else anki_hash  # unsettled: reported again until --prefer settles it
            _reclassify(plan, note.key, "changed", "unchanged")
        _report_conflict(prepared, conflict, settled=prefer is not None)


def _report_conflict(prepared: Prepared, conflict: Conflict, *, settled: bool) -> None:
    path, _, line = conflict.source.rpartition(":")
    root = prepared.summary.notes_root.rstrip("/")
    shown_file = f"{root}/{path}" if root and root != "." else path
    side = "Anki's version" if conflict.kept == "anki" else "the notes' version"
    message = (
        f"edited in Anki and in the notes (or the lock was missing); kept {side}"
        f"{'' if settled else ' (choose with --prefer notes|anki)'}. Notes: {conflict.notes_text!r}; "
        f"Anki: {conflict.anki_text!r}"
    )
    prepared.report.warning(shown_file, int(line) if line.isdigit() else 1, 1, "edit-conflict", message)


def _reclassify(plan: object, key: str, source: str, target: str) -> None:
    """The import will skip (or write) this note after all: the plan says so too."""
    if plan is None:
        return
    items: list[PlanItem] = getattr(plan, source)
    for item in [i for i in items if i.key == key]:
        items.remove(item)
        getattr(plan, target).append(item)


def _place(col: object, prepared: Prepared, result: InstallResult) -> None:
    """Cards into their chapter's deck, this course's tags and the breadcrumb up to date; no other field touched."""
    assert prepared.deck is not None
    top = prepared.summary.deck_name
    decks = col.decks  # type: ignore[attr-defined]
    before = _by_guid(prepared.previous)
    for note in prepared.deck.notes:
        found = _anki_note(col, note.guid)
        if found is None:
            continue
        nid, fields, _, tags = found
        target = decks.id(note.deck)
        placed = before[note.guid].deck if note.guid in before else ""  # where the last build put it
        misplaced = [
            cid
            for cid, did in col.db.all("select id, did from cards where nid = ? and odid = 0", nid)  # type: ignore[attr-defined]
            if did != target and (_in_tree(decks.name(did), top) or decks.name(did) == placed)
        ]
        if misplaced:
            col.set_deck(misplaced, target)  # type: ignore[attr-defined]
            result.moved_cards += len(misplaced)
        ours = set(note.tags)
        kept = [t for t in tags if not t.startswith(("chapter::", "derivation::")) or t in ours]
        wanted = kept + [t for t in note.tags if t not in kept]
        stale_place = any(name in fields and fields[name] != note.fields.get(name) for name in ("Context", "Key"))
        if sorted(wanted) != sorted(tags) or stale_place:  # (a line number alone is not worth a write)
            anki_note = col.get_note(nid)  # type: ignore[attr-defined]
            anki_note.tags = wanted
            for name in ("Context", "Source", "Key"):
                if name in fields:
                    anki_note[name] = note.fields[name]
            col.update_note(anki_note)  # type: ignore[attr-defined]
            result.retagged += 1


def _prune_plan(
    col: object,
    prepared: Prepared,
    prune_paused: bool,
    confirm: Callable[[list[str]], bool] | None,
    result: InstallResult,
) -> list[int]:
    """The notes to delete once the deck is imported: only GUIDs this course's lock gave out for notes that
    left the markdown (or, with `prune_paused`, were paused), never anything else; asked before anything is
    written. Their entries leave the lock (the one written and the one inside the deck): a note written
    again later is a new note, and the plan says so."""
    assert prepared.lock is not None and prepared.deck is not None
    current = {note.guid for note in prepared.deck.notes}
    tables = [prepared.lock.removed] + ([prepared.lock.paused] if prune_paused else [])
    ours = {e.guid: e for table in tables for e in table.values() if e.guid not in current}
    doomed: list[int] = []
    listed: list[str] = []
    gone: set[str] = set()
    for guid, entry in ours.items():
        nid = col.db.scalar("select id from notes where guid = ?", guid)  # type: ignore[attr-defined]
        if nid is not None:
            doomed.append(int(nid))
            gone.add(guid)
            listed.append(f"{entry.front[:60]}  ({entry.deck})")
    result.prune_candidates = listed
    if not doomed:
        return []
    if confirm is not None and not confirm(listed):
        result.prune_declined = True
        return []
    for table in tables:
        for key in [k for k, e in table.items() if e.guid in gone]:
            del table[key]
    return doomed
