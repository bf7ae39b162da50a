"""Parse → extract → render of cache misses on more than one core.

Each worker process owns a fixed shard of the files that missed the cache and keeps their token
streams between two rounds: it parses its files and sends back their facts (the parent needs every
file's facts to number the chapters), then receives the chapters and sends back each file as the
build cache stores it (JSON text). The parent works on its own shard meanwhile, then restores the
workers' files exactly as it restores a cache hit, so the deck is the same whichever process made a
file. Files with derivations to check come back unrendered: the parent's checker does them.

Workers are fresh interpreters (`anki_build.pool.main`) talking pickle over their stdin and
stdout: not forked (a fork of a process with threads, such as `serve`, can deadlock) and not
multiprocessing's spawn (it re-imports the caller's main script, which breaks any script that calls
`build` without a `__main__` guard). Reader threads drain each worker, so neither side ever blocks
on a full pipe. A worker that fails in any way costs only time: its files are done in the parent.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Report

if TYPE_CHECKING:
    from collections.abc import Callable

    from .config import Config
    from .incremental import _File
    from .structure import Chapter, SourceFile

MIN_FILES = 40  # below this, or
MIN_BYTES = 400_000  # this much text, starting a worker (about 0.4 s of imports) costs more than it saves
_WAIT = 600  # seconds a worker may take per round before its files are done here instead


def workers_wanted(files: int, size: int) -> int:
    """Extra processes for this many missed files: `ANKI_BUILD_WORKERS` (1 = none) overrides the guess."""
    if os.name == "nt":
        return 0
    asked = os.environ.get("ANKI_BUILD_WORKERS", "").strip()
    if asked.isdigit() and int(asked) > 0:
        return min(int(asked), files) - 1 if files else 0
    if files < MIN_FILES or size < MIN_BYTES:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores, 4) - 1)


class _Link:
    """Pickled messages to and from one worker process, never blocking the caller."""

    def __init__(self, payload: object) -> None:
        package_parent = str(Path(__file__).resolve().parent.parent)
        code = f"import sys; sys.path.insert(0, {package_parent!r}); from anki_build.pool import main; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("ANKI_BUILD_DEBUG") else subprocess.DEVNULL,
        )
        self.inbox: queue.Queue[object] = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        self.send(payload)

    def _drain(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                self.inbox.put(pickle.load(self.process.stdout))
        except Exception:  # EOF, a dead worker, garbage: the caller sees a missing message
            self.inbox.put(_GONE)

    def send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)

        def write() -> None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (OSError, ValueError):
                pass

        threading.Thread(target=write, daemon=True).start()

    def receive(self, timeout: float) -> object:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return _GONE

    def close(self, kill: bool = False) -> None:
        if kill and self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


_GONE = object()


@dataclass
class _Worker:
    link: _Link
    items: list[_File]
    alive: bool = True


@dataclass
class Pool:
    config: Config | None = None
    workers: list[_Worker] = field(default_factory=list)
    _owner: dict[int, _Worker] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        misses: list[_File],
        config: Config,
        display_root: str,
        root: Path,
        images: dict[str, list[Path]],
        check: bool,
    ) -> Pool:
        """Workers for a share of `misses` (none when it would not pay); the rest stays with the caller."""
        pool = cls(config)
        extra = workers_wanted(len(misses), sum(len(item.file.text) for item in misses))
        if extra <= 0:
            return pool
        shards: list[list[_File]] = [[] for _ in range(extra + 1)]
        loads = [0] * (extra + 1)
        for item in sorted(misses, key=lambda i: -len(i.file.text)):  # biggest first, to the lightest shard
            lightest = loads.index(min(loads))
            shards[lightest].append(item)
            loads[lightest] += len(item.file.text) + 2000
        for shard in shards[1:]:  # shard 0 is the caller's
            if not shard:
                continue
            try:
                link = _Link(([item.file for item in shard], config, display_root, root, images, check))
            except OSError:
                break
            worker = _Worker(link, shard)
            pool.workers.append(worker)
            for item in shard:
                pool._owner[id(item)] = worker
        return pool

    def owns(self, item: _File) -> bool:
        worker = self._owner.get(id(item))
        return worker is not None and worker.alive

    def _receive(self, worker: _Worker) -> Any:
        message = worker.link.receive(_WAIT)
        if message is _GONE:
            self._lose(worker)
            return None
        return message

    def _lose(self, worker: _Worker) -> None:
        """A worker that died or misbehaved: from now on its files are the caller's."""
        worker.alive = False
        worker.link.close(kill=True)

    def collect_facts(self) -> None:
        """Round one: each worker's files' facts, failures and parse diagnostics."""
        from .incremental import _diagnostic, _facts, _parse

        for worker in self.workers:
            replies = self._receive(worker)
            try:
                by_rel = {rel: (failed, facts, diagnostics) for rel, failed, facts, diagnostics in json.loads(replies)}
                for item in worker.items:
                    failed, facts, diagnostics = by_rel[item.file.rel]
                    item.failed, item.facts = bool(failed), _facts(facts)
                    item.report = Report(items=[_diagnostic(d) for d in diagnostics])
            except (TypeError, ValueError, KeyError):
                self._lose(worker)
            if not worker.alive:
                assert self.config is not None
                for item in worker.items:
                    item.report, item.entry = Report(), None
                    _parse(item, self.config)

    def extract(self, items: list[_File]) -> None:
        """Round two starts: every live worker gets the chapters of its files that make cards."""
        for worker in self.workers:
            if not worker.alive:
                continue
            wanted = {id(item) for item in items}
            chapters = {item.file.rel: item.chapter for item in worker.items if id(item) in wanted}
            worker.link.send(chapters)

    def results(self) -> list[_File]:
        """Round two ends: the workers' files with `entry` set to the cache entry they made, `None` for
        files the caller must render itself, or `{"failed": True}` with the file's diagnostics."""
        from .incremental import _diagnostic

        done: list[_File] = []
        for worker in self.workers:
            if not worker.alive:
                continue
            replies = self._receive(worker)
            mine: list[_File] = []
            try:
                for item in worker.items:
                    if item.file.rel not in replies:
                        continue
                    reply = replies[item.file.rel]
                    if reply is None:
                        item.entry = None
                    elif isinstance(reply, list):  # the file gave no notes
                        item.entry = {"failed": True}
                        item.report = Report(items=[_diagnostic(d) for d in reply])
                    else:
                        item.entry = json.loads(reply)
                    mine.append(item)
            except (TypeError, ValueError, KeyError, AttributeError):
                self._lose(worker)
                mine = []
                for item in worker.items:  # its card files are done by the caller (entry None)
                    if item.chapter is not None and not item.failed:
                        item.entry = None
                        mine.append(item)
            done.extend(mine)
            if worker.alive:
                worker.link.close()
        return done


def main() -> None:
    """A worker process: pickled messages on stdin and stdout (anything printed goes to stderr)."""
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def send(message: object) -> None:
        pickle.dump(message, outbox, protocol=pickle.HIGHEST_PROTOCOL)
        outbox.flush()

    files, config, display_root, root, images, check = pickle.load(inbox)
    work(files, config, display_root, root, images, check, send, lambda: pickle.load(inbox))


def work(
    files: list[SourceFile],
    config: Config,
    display_root: str,
    root: Path,
    images: dict[str, list[Path]],
    check: bool,
    send: Callable[[object], None],
    receive: Callable[[], Any],
) -> None:
    """A worker's two rounds (see the module docstring)."""
    from .incremental import _entry, _extract, _facts_json, _File, _parse, _render

    items = [_File(file, "") for file in files]
    for item in items:
        _parse(item, config)
    facts = [
        (item.file.rel, item.failed, _facts_json(item.facts), [d.to_json() for d in item.report.items])
        for item in items
    ]
    send(json.dumps(facts, ensure_ascii=False))  # JSON, as the cache holds it: the parent checks it the same way
    chapters: dict[str, Chapter] = receive()
    replies: dict[str, str | list[dict[str, object]] | None] = {}
    for item in items:
        chapter = chapters.get(item.file.rel)
        if chapter is None or item.failed or item.tokens is None:
            continue
        item.chapter = chapter
        if not _extract(item, config, root, images):
            replies[item.file.rel] = [d.to_json() for d in item.report.items]
            continue
        if check and _has_derivations(item):
            replies[item.file.rel] = None
            continue
        media = _render(item, config, display_root, {})
        replies[item.file.rel] = json.dumps(_entry(item, media), ensure_ascii=False)
    send(replies)


def _has_derivations(item: _File) -> bool:
    from .derive import derivation_blocks

    return bool(derivation_blocks(item.notes))
