"""Saves under a notes folder, as batches of changed paths: what `serve` and `build --watch` rebuild on.

watchfiles (inotify/FSEvents/ReadDirectoryChangesW through Rust's `notify`) is imported only here, so
`anki-build --help` never pays for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from .identity import LOCK_NAME

DEBOUNCE_MS = 60  # an editor's save is a burst of events; a person notices 100 ms


def _ours(path: Path) -> bool:
    """Files anki-build itself writes under the folder (the lock, decks, atomic-write temp files): never a reason
    to rebuild, or every build would trigger the next."""
    name = path.name
    return name == LOCK_NAME or path.suffix == ".apkg" or (name.startswith(".") and name.endswith(".tmp"))


def changes(root: Path, *, stop: threading.Event | None = None) -> Iterator[set[Path]]:
    """Each batch of paths saved, created or deleted under `root` (hidden folders like .git and editors'
    swap files are skipped), until `stop` is set."""
    from watchfiles import DefaultFilter, watch

    base = DefaultFilter()

    def wanted(change: object, raw: str) -> bool:
        return base(change, raw) and not _ours(Path(raw))  # type: ignore[arg-type]

    for batch in watch(
        root,
        watch_filter=wanted,
        debounce=DEBOUNCE_MS,
        step=20,
        stop_event=stop,
        rust_timeout=500,
        yield_on_timeout=False,
        raise_interrupt=False,
    ):
        paths = {Path(raw) for _, raw in batch}
        if paths:
            yield paths
