"""`anki-build build`: parse → render → package, and a summary of what was built."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import load_config, shown_path
from ..diagnostics import Diagnostic, Report, Severity
from ..identity import CLOCK_TOLERANCE, LOCK_NAME, Lock, Plan, identify, load_lock, write_lock
from ..incremental import compile_project, project_cache
from ..notetypes import NoteType, note_types
from ..package import PackageResult, write_package
from ..progress import Progress
from ..render import RenderedDeck
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
    withheld: bool = False  # --strict and a warning or error: the deck and the lock were not written
    output_shown: str = ""  # the deck's path as the user typed it (or relative to here, by default)
    created_folder: str = ""  # the output's folder, when this build had to create it
    stats: dict[str, float] = field(default_factory=dict)  # files parsed, reused, made by workers; seconds

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
            "written": self.output is not None,
            "withheld": self.withheld,
            "created_folder": self.created_folder or None,
            "plan": self.plan.to_json() if self.plan else None,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def default_output(root: Path, deck: str) -> Path:
    """`decks/<deck>.apkg` beside the notes folder, never inside it."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", deck).strip(" .") or "deck"
    return root.resolve().parent / "decks" / f"{safe}.apkg"


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
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
    reset_lock: bool = False,
    progress: Progress | None = None,
) -> BuildSummary:
    """parse → render → identify → package. With `plan_only`, stop before anything is written."""
    with no_cyclic_gc():
        prepared = prepare(
            root, display_root, output, strict=strict, now=now, check=check, reset_lock=reset_lock, progress=progress
        )
        if prepared.deck is None or plan_only or not prepared.writable:
            return prepared.done()
        if output is not None:
            prepared.summary.output_shown = str(output)
            if not output.parent.exists():
                prepared.summary.created_folder = str(output.parent)
        return finish(prepared, write_lock=write_lock)


def rebuilds(
    root: Path,
    display_root: str,
    output: Path | None = None,
    *,
    strict: bool = False,
    reset_lock: bool = False,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> Iterator[BuildSummary]:
    """A build, then one more after each batch of saves under `root` (`build --watch`), until `stop`."""
    from ..watch import changes

    yield build(root, display_root, output, strict=strict, reset_lock=reset_lock, progress=progress)
    for _ in changes(root, stop=stop):
        yield build(root, display_root, output, strict=strict, progress=progress)


@dataclass
class Prepared:
    """A build up to the point where files are written: what `install` inspects before it writes anything."""

    summary: BuildSummary
    report: Report
    out: Path
    lock_path: Path
    lock_shown: str
    deck: RenderedDeck | None = None
    lock: Lock | None = None  # the lock to write
    previous: Lock | None = None  # the lock (or recovered lock) this build started from
    writable: bool = True  # False when the lock cannot be used: nothing may be written
    namespace_line: str = ""  # `namespace = "…"` to add to anki-build.toml with the first write

    def done(self) -> BuildSummary:
        self.summary.diagnostics = self.report.sorted()
        return self.summary


def build_time(now: int | None) -> int:
    """`now`, else `SOURCE_DATE_EPOCH` (reproducible builds), else the clock."""
    if now is not None:
        return now
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else int(time.time())


def prepare(
    root: Path,
    display_root: str,
    output: Path | None = None,
    *,
    strict: bool = False,
    now: int | None = None,
    check: bool = True,
    reset_lock: bool = False,
    recovered: Lock | None = None,
    recovered_from: str = "",
    progress: Progress | None = None,
) -> Prepared:
    """parse → render → identify, in memory. `recovered` (from the collection) stands in for a missing lock."""
    started = time.perf_counter()
    report = Report()
    config = load_config(root, display_root, report)
    summary = BuildSummary(deck=config.deck, notes_root=display_root, strict=strict)
    out = output or default_output(root, config.deck)
    lock_path = root / LOCK_NAME
    lock_shown = f"{display_root.rstrip('/')}/{LOCK_NAME}"
    prepared = Prepared(summary, report, out, lock_path, lock_shown)
    if report.errors:
        return prepared
    lock, usable = load_lock(lock_path, lock_shown, report, reset=reset_lock)
    if not usable:
        prepared.writable = False
        return prepared
    types = note_types(config.cards)
    if lock is None:
        recovered, recovered_from = _recover(out, types, recovered, recovered_from)
    namespace = config.namespace or (lock.namespace if lock else "") or (recovered.namespace if recovered else "")
    if not config.namespace and (lock is not None or recovered is not None):
        # an existing course: its namespace (before version 2, the deck name) goes into anki-build.toml once,
        # so that neither a lost lock nor a renamed deck can ever change a GUID
        namespace = namespace or config.guid_namespace
        prepared.namespace_line = namespace
    if lock is None and recovered is not None:
        report.warning(
            lock_shown,
            1,
            1,
            "lock-recovered",
            f"no lock file: the GUIDs and times of {len(recovered.notes)} note(s) were recovered from {recovered_from}",
        )
    elif lock is None and not namespace:
        namespace = "course-" + secrets.token_hex(8)  # a new course: its GUIDs are its own
        prepared.namespace_line = namespace
    compiled = compile_project(
        root,
        display_root,
        config,
        report,
        skip={out.resolve().parent} if output is None else None,
        check=check,
        cache_folder=project_cache(root),
        progress=progress,
    )
    deck = compiled.deck
    summary.stats = {
        "parsed": compiled.stats.parsed,
        "reused": compiled.stats.reused,
        "by_workers": compiled.stats.by_workers,
        "seconds": round(time.perf_counter() - started, 3),
    }
    stamp = build_time(now)
    plan, new_lock = identify(
        deck,
        lock or recovered,
        stamp,
        types,
        paused_files=compiled.paused_files,
        source_files=compiled.source_files,
        file_times=compiled.file_times,
        namespace=namespace or config.guid_namespace,
    )
    plan.recovered_from = recovered_from if lock is None else ""
    prepared.deck, prepared.lock, prepared.previous = deck, new_lock, lock or recovered
    summary.plan = plan
    if plan.clock_behind > CLOCK_TOLERANCE:
        hours = plan.clock_behind / 3600
        report.warning(
            lock_shown,
            1,
            1,
            "clock-skew",
            f"the lock holds times up to {hours:.1f} h ahead of this machine's clock: this clock is behind, or an "
            "earlier build's was ahead; changed notes are stamped after the lock's times, so imports still update "
            "them",
        )
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
    return prepared


_OUR_KEY = re.compile(r"^(?:concept|formula|qa|cloze|derivation|id):.")


def _recover(
    out: Path, types: dict[str, NoteType], collection: Lock | None, collection_name: str
) -> tuple[Lock | None, str]:
    """A missing lock, rebuilt: the previous `.apkg` says what was delivered; the collection adds what it lacks.

    Notes known only from the collection are marked `kept` (which side changed since the last build is
    unknown), so `install` reports a difference as a conflict instead of overwriting either side.
    """
    from ..identity.recover import lock_from_package

    package = lock_from_package(out, types) if out.is_file() else None
    sources = [shown_path(out)] if package is not None else []
    if collection is not None:
        merged = package or Lock()
        guids = {e.guid for e in merged.notes.values()}
        added = 0
        for key, entry in collection.notes.items():
            if key not in merged.notes and entry.guid not in guids and _OUR_KEY.match(key):
                entry.kept = entry.hash
                merged.notes[key] = entry
                merged.adopted.add(key)
                added += 1
        if added:
            sources.append(collection_name)
        package = merged if merged.notes else None
    return package, " and ".join(sources)


def finish(prepared: Prepared, *, write_lock: bool = True) -> BuildSummary:
    """Write the deck, then (with `write_lock`) the lock and a new course's namespace; with --strict, only
    a build without a warning or an error writes anything."""
    if prepared.summary.strict and prepared.report.items:
        prepared.summary.withheld = prepared.deck is not None and bool(prepared.deck.notes)
        return prepared.done()
    if prepared.deck is not None and prepared.deck.notes and prepared.lock is not None and prepared.writable:
        _write(prepared, write_lock)
    return prepared.done()


def scratch_build(
    root: Path, display_root: str, out: Path, progress: Progress | None = None
) -> tuple[BuildSummary, RenderedDeck | None, dict[str, int]]:
    """A build to look at the cards (`check --render`, `preview`): the deck written to `out`, no lock. The
    deck (None when there is none to look at) and its note types' times come back for the render stage."""
    with no_cyclic_gc():
        prepared = prepare(root, display_root, out, progress=progress)
        built = finish(prepared, write_lock=False) if prepared.deck is not None else prepared.done()
    if built.output is None or prepared.deck is None or prepared.lock is None:
        return built, None, {}
    return built, prepared.deck, prepared.lock.notetype_mods()


def _write(prepared: Prepared, write_lock: bool) -> None:
    """The deck first, then the lock: the lock must never describe a deck that was not written."""
    assert prepared.deck is not None and prepared.lock is not None
    report, summary, lock = prepared.report, prepared.summary, prepared.lock
    mods = lock.notetype_mods()
    from ..incremental import deck_digest, remember_output, unchanged_output

    lock_text = lock.dumps()
    digest = deck_digest(prepared.deck, mods, lock_text)
    record = project_cache(prepared.lock_path.parent) / "outputs.json"
    size = unchanged_output(record, prepared.out, digest)
    try:
        if size is not None:  # the deck on disk is already this build's: leave it (and its time) alone
            result = PackageResult(prepared.out, size, len(prepared.deck.media.files))
        else:
            result = write_package(prepared.deck, prepared.out, mods, lock_text)
            remember_output(record, prepared.out, digest)
    except OSError as exc:
        message = f"cannot write the deck: {exc.strerror or exc}; any previous file there is unchanged"
        report.error(shown_path(prepared.out), 1, 1, "write-failed", message)
        return
    summary.output, summary.size, summary.media = result.path, result.size, result.media
    summary.output_shown = summary.output_shown or shown_path(result.path)
    if write_lock:
        save_lock(prepared)


def save_lock(prepared: Prepared) -> None:
    """The lock, and (once, for a new course) its namespace in anki-build.toml."""
    assert prepared.lock is not None
    if prepared.namespace_line:
        from ..config import add_namespace

        problem = add_namespace(prepared.lock_path.parent, prepared.namespace_line)
        if problem:
            prepared.report.warning(
                f"{prepared.summary.notes_root.rstrip('/')}/anki-build.toml", 1, 1, "namespace-not-written", problem
            )
        prepared.namespace_line = ""
    try:
        write_lock(prepared.lock_path, prepared.lock)
    except OSError as exc:
        prepared.report.warning(
            prepared.lock_shown,
            1,
            1,
            "lock-not-written",
            f"cannot write the lock file ({exc.strerror or exc}); renamed notes will not keep their GUID",
        )
