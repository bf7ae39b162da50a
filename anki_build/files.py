"""Reading and writing files so that hostile inputs cannot hang a build and a crash never leaves half a file.

Reads refuse anything but a regular file (a FIFO named `x.md` would block forever, `/dev/zero` never
ends) and anything over a size limit, without blocking. Writes go to a temporary file beside the
target, are flushed to disk, then renamed over it; the temporary file's name carries the writer's
pid so a later build can remove what a killed one left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_TMP_MARK = ".anki-build-"
_STALE_AFTER = 3600  # seconds; a temporary file this old is stale whoever wrote it
_STALE_FOLDER = 60  # anki-build 0.1 kept scratch folders beside the deck; the current one never does


class NotRegularFile(OSError):
    """A FIFO, socket, device or folder where a file was expected."""


class TooLarge(OSError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{human_size(size)} is over the limit of {human_size(limit)}")
        self.size, self.limit = size, limit


def why_unreadable(exc: OSError) -> str:
    """Why a read failed, in words for a diagnostic."""
    if isinstance(exc, TooLarge):
        return f"it is {human_size(exc.size)}; the limit is {human_size(exc.limit)}"
    if isinstance(exc, NotRegularFile):
        return "it is not a regular file (a FIFO, socket or device)"
    return exc.strerror or str(exc)


def human_size(size: int) -> str:
    """`8.0 MiB (8,388,609 bytes)`: exact when a rounded figure could read as equal to a limit."""
    if size < 1024:
        return f"{size} bytes"
    unit, value = ("KiB", size / 1024) if size < 1024 * 1024 else ("MiB", size / 1024 / 1024)
    text = f"{value:.1f} {unit}".replace(".0 ", " ")
    return text if value == int(value) and size % 1024 == 0 else f"{text} ({size:,} bytes)"


def _open_regular(path: Path, limit: int) -> int:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"'{path.name}' is not a regular file")
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_regular(path: Path, limit: int) -> None:
    """Raise NotRegularFile, TooLarge or another OSError unless `path` is a readable regular file within `limit`."""
    os.close(_open_regular(path, limit))


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`; raises NotRegularFile, TooLarge or another OSError."""
    fd = _open_regular(path, limit)
    try:
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while it was read
                raise TooLarge(total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _mode_for(path: Path) -> int | None:
    """The permissions the written file should have: the old file's, else what the umask gives a new file."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    return None


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """`with atomic_writer(p) as f: f.write(…)`: `p` is replaced only when the block finishes without error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path)
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp")
    mode = _mode_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_atomic(path: Path, data: str | bytes) -> None:
    with atomic_writer(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_cache(path: Path, data: bytes) -> bool:
    """A cache file, replaced atomically through a temp name of its own (one writer per name). Unlike
    `write_atomic` there is no fsync and no scan for stale temp files: caches write thousands of small
    files, and one that is lost or cannot be written only costs time. False when it was not written."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        os.replace(temp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        return False


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale(path: Path) -> None:
    """Remove temporary files a killed writer of `path` left beside it (and folders older versions left)."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}{re.escape(_TMP_MARK)}(\d+)-[0-9a-f]+\.tmp$")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        with contextlib.suppress(OSError):
            match = pattern.match(entry.name)
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if match and entry.is_file(follow_symlinks=False) and (not _alive(int(match[1])) or age > _STALE_AFTER):
                os.unlink(entry.path)
            elif entry.name.startswith(_TMP_MARK) and entry.is_dir(follow_symlinks=False) and age > _STALE_FOLDER:
                import shutil

                shutil.rmtree(entry.path, ignore_errors=True)


MONTH = 30 * 86400


class JsonMemo:
    """One JSON file per key under `folder/xx/` (None: remember nothing). An entry is trusted only when it
    parses and carries this memo's format and its own key; a hit touches the file, so pruning keeps it."""

    format = 1

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.reused = 0

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def read(self, key: str) -> dict[str, object] | None:
        """The entry's data, or None (no folder, no entry, damaged, foreign)."""
        import json

        if self.folder is None:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != self.format or data.get("key") != key:
            return None
        return data

    def hit(self, key: str) -> None:
        """The entry was used: count it and keep it from pruning."""
        with contextlib.suppress(OSError):
            os.utime(self._path(key))
        self.reused += 1

    def write(self, key: str, data: dict[str, object]) -> None:
        import json

        if self.folder is None:
            return
        try:
            text = json.dumps({"format": self.format, "key": key, **data}, ensure_ascii=False)
        except (TypeError, ValueError):  # what the memo cannot hold is worked out again next time
            return
        write_cache(self._path(key), text.encode())


def prune_folder(folder: Path | None, age: float = MONTH) -> None:
    """Remove the entries (`folder/xx/key.json`) not used for `age` seconds: a hit touches its file."""
    if folder is None:
        return
    now = time.time()
    with contextlib.suppress(OSError):
        for path in folder.glob("*/*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > age:
                    path.unlink()


def due_for_pruning(stamp: Path, every: float = 86400) -> bool:
    """True at most once per `every` seconds (the time of the `stamp` file): pruning walks every entry."""
    try:
        if time.time() - stamp.stat().st_mtime < every:
            return False
    except OSError:
        pass
    with contextlib.suppress(OSError):
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    return True
