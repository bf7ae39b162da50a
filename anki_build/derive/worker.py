"""Checks run in one persistent worker process, with a hard time limit per block and a cache.

The parent never imports sympy. A block that overruns its limit gets its worker killed (sympy
work is not always interruptible in-process) and is reported as *timeout*; the next block
starts a fresh worker. Results are cached by (block text, check comment, checker version).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .syntax import Block

CACHE_FILE = "derivations.json"


def cache_dir() -> Path:
    explicit = os.environ.get("ANKI_BUILD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "anki-build"


def _orphan_guard(parent: int) -> None:
    """The worker dies with its parent, even in the middle of a long sympy step: a killed `anki-build`
    must not leave a process burning CPU. Linux is told directly; elsewhere a thread watches."""
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="anki-build-orphan-guard").start()


def _serve(conn: Connection, step_limit: float, parent: int) -> None:
    _orphan_guard(parent)
    from .steps import check_block  # sympy is imported here, in the worker only

    while True:
        try:
            block = conn.recv()
        except EOFError:
            return
        if block is None:
            return
        result = check_block(block, step_limit=step_limit)
        conn.send(result.to_json())


class Checker:
    """`with Checker() as checker: checker.check(blocks)` → one result dict per block, in order."""

    def __init__(self, step_limit: float = 5.0, block_limit: float = 30.0, cache: Path | None = None) -> None:
        self.step_limit = step_limit
        self.block_limit = block_limit
        self.cache_path = (cache or cache_dir()) / CACHE_FILE
        self.cache: dict[str, Any] = {}
        self._dirty = False
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.hits = 0
        self.version = checker_version()
        self.cache = load_json_cache(self.cache_path)

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Connection:
        if self._conn is None:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            parent, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child, self.step_limit, os.getpid()), daemon=True)
            self._process.start()
            child.close()
            self._conn = parent
        return self._conn

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    def check(self, blocks: list[Block]) -> list[dict[str, Any]]:
        results = []
        for block in blocks:
            key = block.cache_key(f"{self.version}/{self.step_limit:g}s/{self.block_limit:g}s")
            cached = _usable(self.cache.get(key), block)
            if cached is not None:
                self.hits += 1
                results.append(_rebase(cached, block))
                continue
            conn = self._start()
            conn.send(block)
            if conn.poll(self.block_limit):
                try:
                    data = conn.recv()
                except EOFError:
                    self._kill()
                    data = _failed(block, "the checker process died")
            else:
                self._kill()
                data = _failed(
                    block, f"timeout: the block took more than {self.block_limit:g} s; the check was stopped"
                )
            if is_final(data):
                self.cache[key] = _relative(data, block)
                self._dirty = True
            results.append(data)
        return results

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            if self._process is not None:
                self._process.join(2)
        self._kill()
        if self._dirty:
            self._save()

    def _save(self) -> None:
        from ..files import write_atomic

        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.cache_path, json.dumps(self.cache, ensure_ascii=False))


def is_final(data: dict[str, Any]) -> bool:
    """A result worth remembering: not reached because a budget ran out or the worker died."""
    if str(data.get("error", "")).startswith(("timeout", "the checker")):
        return False
    return not any(
        r.get("verdict") == "timeout" or "timed out" in str(r.get("detail", "")) for r in data.get("rows", [])
    )


def load_json_cache(path: Path) -> dict[str, Any]:
    """The cache as a dict; a missing, damaged or foreign file is an empty cache (it only costs time)."""
    from ..files import read_regular

    try:
        data = json.loads(read_regular(path, 256 * 1024 * 1024).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _usable(entry: object, block: Block | None = None) -> dict[str, Any] | None:
    """A cache entry exactly as `_relative` wrote it (for `block`: one result per row of it), or None:
    entries are checked, never trusted."""
    from .results import BlockResult

    try:
        result = BlockResult.from_json(entry)
    except (ValueError, TypeError):
        return None
    if block is not None:
        count = len(block.rows)
        if len(result.rows) != count:
            return None
        for row in result.rows:
            if not 0 <= row.line < count or not (row.depends_on_refuted is None or 0 <= row.depends_on_refuted < count):
                return None
    return entry  # type: ignore[return-value]


def checker_version() -> str:
    """Results are only reused by the same checker code on the same sympy."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    try:
        sympy = version("sympy")
    except PackageNotFoundError:
        sympy = "?"
    return f"{digest.hexdigest()[:16]}/sympy-{sympy}"


def _failed(block: Block, message: str) -> dict[str, Any]:
    rows = [
        {
            "line": row.line,
            "text": row.text,
            "verdict": "timeout" if "timeout" in message else "unsupported",
            "detail": message,
            "counterexample": {},
            "depends_on_refuted": None,
            "seconds": 0.0,
        }
        for row in block.rows
        if row.kind != "skip"
    ]
    return {"path": block.path, "line": block.line, "error": message, "rows": rows}


def _relative(data: dict[str, Any], block: Block) -> dict[str, Any]:
    """Rows by position, not line: the same derivation elsewhere (moved, re-wrapped, `$$` or a bare
    environment) gets each verdict on its own row's line."""
    lines = [row["line"] for row in data["rows"]]
    rows = []
    for index, row in enumerate(data["rows"]):
        row = dict(row)
        row["line"] = index
        if row.get("depends_on_refuted") is not None:
            row["depends_on_refuted"] = lines.index(row["depends_on_refuted"])
        rows.append(row)
    return {**data, "rows": rows, "path": "", "line": 0}


def _rebase(data: dict[str, Any], block: Block) -> dict[str, Any]:
    """`data` passed `_usable(data, block)`."""
    rows = []
    for row, mine in zip(data["rows"], block.rows, strict=True):
        row = dict(row)
        row["line"], row["text"] = mine.line, mine.text
        if row.get("depends_on_refuted") is not None:
            row["depends_on_refuted"] = block.rows[row["depends_on_refuted"]].line
        rows.append(row)
    return {**data, "rows": rows, "path": block.path, "line": block.line}
