"""`anki-build install`: build, then import straight into a closed Anki collection.

Does what the `.apkg` importer cannot: moves cards of notes that changed chapter, and
(with `--prune`) deletes notes removed from the markdown. Only this deck's notes of the
anki-build note types are ever touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import shown_path
from ..diagnostics import Report
from ..notetypes import note_types
from .build import BuildSummary, build


@dataclass
class InstallResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    moved_cards: int = 0
    pruned: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def _in_tree(name: str, top: str) -> bool:
    return name == top or name.startswith(top + "::")


def install(
    root: Path,
    display_root: str,
    collection: Path,
    *,
    output: Path | None = None,
    prune: bool = False,
    strict: bool = False,
    now: int | None = None,
) -> tuple[BuildSummary, InstallResult | None]:
    summary = build(root, display_root, output, strict=strict, now=now)
    report = Report(list(summary.diagnostics))
    shown = shown_path(collection)
    if summary.output is None or summary.exit_code:
        report.error(shown, 1, 1, "install-skipped", "the build has errors; nothing was imported")
        summary.diagnostics = report.sorted()
        return summary, None

    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.errors import DBError
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as UpdateCondition

    try:
        col = Collection(str(collection))
    except DBError as exc:
        locked = any(word in str(exc).lower() for word in ("locked", "already open"))
        message = (
            "the collection is open in Anki (locked); close Anki or switch profiles, then run install again"
            if locked
            else f"cannot open the collection: {exc}"
        )
        report.error(shown, 1, 1, "collection-locked" if locked else "collection-unreadable", message)
        summary.diagnostics = report.sorted()
        return summary, None

    result = InstallResult()
    try:
        if_newer = UpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
        options = ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=if_newer,
            update_notetypes=if_newer,
            with_scheduling=False,
            with_deck_configs=False,
        )
        log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(summary.output), options=options)).log
        result.new, result.updated = len(log.new), len(log.updated)
        result.unchanged, result.conflicting = len(log.duplicate), len(log.conflicting)
        top = summary.deck_name
        for guid, deck_name in summary.decks_by_guid.items():
            nid = col.db.scalar("select id from notes where guid = ?", guid)
            if nid is None:
                continue
            target = col.decks.id(deck_name)
            misplaced = [
                cid
                for cid, did in col.db.all("select id, did from cards where nid = ? and odid = 0", nid)
                if did != target and _in_tree(col.decks.name(did), top)
            ]
            if misplaced:
                col.set_deck(misplaced, target)
                result.moved_cards += len(misplaced)
        if prune:
            ids = [spec.id for spec in note_types().values()]
            current = set(summary.decks_by_guid)
            doomed = []
            for nid, guid in col.db.all(f"select id, guid from notes where mid in ({','.join(map(str, ids))})"):
                decks = {col.decks.name(did) for did in col.db.list("select did from cards where nid = ?", nid)}
                if guid not in current and decks and all(_in_tree(name, top) for name in decks):
                    doomed.append(nid)
            if doomed:
                col.remove_notes(doomed)
            result.pruned = len(doomed)
    finally:
        col.close()
    summary.diagnostics = report.sorted()
    return summary, result
