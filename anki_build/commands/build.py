"""`anki-build build`: parse → render → package, and a summary of what was built."""

from __future__ import annotations

import contextlib
import gc
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import load_config, shown_path
from ..derive import check_project
from ..diagnostics import Diagnostic, Report, Severity
from ..identity import LOCK_NAME, Lock, Plan, identify, load_lock, write_lock
from ..notetypes import note_types
from ..package import PackageResult, write_package
from ..parse import parse_project
from ..render import RenderedDeck, render_project
from ..structure import NoteKind


@dataclass
class BuildSummary:
    deck: str
    notes_root: str
    output: Path | None = None
    size: int = 0
    media: int = 0
    by_chapter: dict[str, Counter[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    plan: Plan | None = None
    deck_name: str = ""  # the top-level deck as Anki names it
    decks_by_guid: dict[str, str] = field(default_factory=dict)  # GUID → full deck name of its cards

    @property
    def notes(self) -> int:
        return sum(sum(c.values()) for c in self.by_chapter.values())

    @property
    def by_kind(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.by_chapter.values():
            total.update(counts)
        return total

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    @property
    def exit_code(self) -> int:
        return 1 if self.errors or (self.strict and self.warnings) else 0

    def to_json(self) -> dict[str, object]:
        return {
            "deck": self.deck,
            "notes_root": self.notes_root,
            "output": str(self.output) if self.output else None,
            "size": self.size,
            "notes": self.notes,
            "media": self.media,
            "by_kind": {k.value: self.by_kind.get(k.value, 0) for k in NoteKind},
            "by_chapter": {name: {k.value: c.get(k.value, 0) for k in NoteKind} for name, c in self.by_chapter.items()},
            "warnings": self.warnings,
            "errors": self.errors,
            "strict": self.strict,
            "exit_code": self.exit_code,
            "plan": self.plan.to_json() if self.plan else None,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def default_output(root: Path, deck: str) -> Path:
    """`decks/<deck>.apkg` beside the notes folder, never inside it."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", deck).strip(" .") or "deck"
    return root.resolve().parent / "decks" / f"{safe}.apkg"


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A build allocates millions of short-lived tokens and frees them at the end; CPython's cyclic collector
    would traverse them again and again (a third of the build time on a large book, and worse than linear on
    one huge file). Reference counting still frees everything; the collector runs again when the build ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(
    root: Path,
    display_root: str,
    output: Path | None = None,
    *,
    strict: bool = False,
    plan_only: bool = False,
    now: int | None = None,
    check: bool = True,
    write_lock: bool = True,
) -> BuildSummary:
    """parse → render → identify → package. With `plan_only`, stop before anything is written."""
    with _no_cyclic_gc():
        return _build(root, display_root, output, strict, plan_only, now, check, write_lock)


def _build(
    root: Path,
    display_root: str,
    output: Path | None,
    strict: bool,
    plan_only: bool,
    now: int | None,
    check: bool,
    write_lock: bool,
) -> BuildSummary:
    report = Report()
    config = load_config(root, display_root, report)
    summary = BuildSummary(deck=config.deck, notes_root=display_root, strict=strict)
    if report.errors:
        summary.diagnostics = report.sorted()
        return summary
    out = output or default_output(root, config.deck)
    project = parse_project(root, display_root, config, report, skip={out.resolve().parent} if output is None else None)
    checks = check_project(project, report) if check else {}
    deck = render_project(project, report, checks)
    lock_path = root / LOCK_NAME
    lock_shown = f"{display_root.rstrip('/')}/{LOCK_NAME}"
    plan, new_lock = identify(deck, load_lock(lock_path, lock_shown, report), now or int(time.time()), note_types())
    summary.plan = plan
    for name in plan.schema_changed:
        report.warning(
            lock_shown,
            1,
            1,
            "notetype-fields-changed",
            f"the fields of note type '{name}' changed since the last build: import this deck once with "
            "'Merge note types' ticked (Anki asks for a full sync), or existing notes will not update",
        )
    summary.deck_name = deck.name
    summary.decks_by_guid = {note.guid: note.deck for note in deck.notes}
    for note in deck.notes:
        chapter = note.deck.split("::", 1)[1] if "::" in note.deck else note.deck
        summary.by_chapter.setdefault(chapter, Counter())[note.kind.value] += 1
    if not deck.notes:
        report.error(display_root, 1, 1, "no-notes", "no notes found: see the README for the note syntax")
    elif not plan_only:
        _write(deck, out, new_lock, lock_path if write_lock else None, lock_shown, report, summary)
    summary.diagnostics = report.sorted()
    return summary


def _write(
    deck: RenderedDeck,
    out: Path,
    lock: Lock,
    lock_path: Path | None,
    lock_shown: str,
    report: Report,
    summary: BuildSummary,
) -> None:
    """The deck first, then the lock: the lock must never describe a deck that was not written."""
    mods = {name: int(entry["changed"]) for name, entry in lock.notetypes.items()}
    try:
        result: PackageResult = write_package(deck, out, mods)
    except OSError as exc:
        message = f"cannot write the deck: {exc.strerror or exc}; any previous file there is unchanged"
        report.error(shown_path(out), 1, 1, "write-failed", message)
        return
    summary.output, summary.size, summary.media = result.path, result.size, result.media
    if lock_path is None:
        return
    try:
        write_lock(lock_path, lock)
    except OSError as exc:
        report.warning(
            lock_shown,
            1,
            1,
            "lock-not-written",
            f"cannot write the lock file ({exc.strerror or exc}); renamed notes will not keep their GUID",
        )
