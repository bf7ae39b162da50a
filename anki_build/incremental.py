"""Incremental builds: parse → extract → check → render one file at a time, each file's result cached.

An entry is keyed by everything the file's cards can depend on: its bytes and path, the whole config,
the check switch and the code version (every source file of the package and its card templates, and the
versions of the libraries that shape the HTML). It also records the chapter it was rendered in and every
question it asked the file system about images; an entry whose chapter or images changed is rebuilt.
Entries are plain JSON read defensively: a damaged or foreign entry costs a rebuild of that file, never
a wrong card. The output is the same as a cold build's, byte for byte.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Report, Severity
from .files import read_regular, write_atomic, write_cache
from .notetypes import cards_dir
from .parse import FileFacts, chapters_of, disambiguate_keys, extract_file, parse_file, read_files
from .parse.assets import Asset, AssetResolver, replay
from .progress import Progress
from .render import RenderedDeck, RenderedNote, deck_component, render_notes
from .render.html import Media
from .render.sanitise import CONTROL
from .structure import Chapter, Location, NoteKind, SourceFile

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .config import Config
    from .structure import Note

FORMAT = 1
_SOURCES = (".py", ".html", ".css", ".js", ".j2", ".toml", ".json")
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "jinja2", "nh3", "pygments", "pyyaml", "genanki", "sympy")


@cache
def code_version() -> str:
    """A digest of the package's own files and the libraries that shape its output."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    cards = Path(str(cards_dir()))
    folders = [package] if cards.is_relative_to(package) else [package, cards]  # a checkout: cards/ is beside
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _SOURCES):
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-\0".encode())
    return digest.hexdigest()


def _config_text(config: Config) -> str:
    data = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.compare}
    return json.dumps(data, sort_keys=True, default=lambda v: sorted(v) if isinstance(v, frozenset | set) else str(v))


@dataclass
class Stats:
    """What a build did, for tests and benchmarks: files parsed (not reused), files reused, and files a
    worker process made."""

    parsed: int = 0
    reused: int = 0
    by_workers: int = 0


@dataclass
class Compiled:
    deck: RenderedDeck
    paused_files: frozenset[str]
    source_files: frozenset[str]
    file_times: dict[str, int]
    stats: Stats = field(default_factory=Stats)


class Store:
    """One JSON file per source file under a project's own folder of the cache root."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def load(self, key: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        try:
            data = json.loads(read_regular(self.folder / f"{key}.json", 256 * 1024 * 1024))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        self.used.add(key)
        return data

    def save(self, key: str, data: dict[str, Any]) -> None:
        self.used.add(key)
        if self.folder is None:
            return
        data = {"format": FORMAT, "key": key, **data}
        write_cache(self.folder / f"{key}.json", json.dumps(data, ensure_ascii=False).encode())

    def prune(self, age: float = 86400) -> None:
        """Drop entries this build did not use once they are a day old (old versions of edited files; the
        other variant, `install`'s unchecked build, keeps its entries between the two)."""
        if self.folder is None:
            return
        now = time.time()
        with contextlib.suppress(OSError):
            for path in [*self.folder.glob("*.json"), *self.folder.glob(".*.tmp")]:
                if path.stem not in self.used and now - path.stat().st_mtime > age:
                    path.unlink(missing_ok=True)


def project_cache(root: Path, base: Path | None = None) -> Path:
    from .derive.worker import cache_dir

    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return (base or cache_dir()) / "builds" / name


@dataclass
class _File:
    file: SourceFile
    key: str
    report: Report = field(default_factory=Report)
    entry: dict[str, Any] | None = None
    tokens: list[Token] | None = None
    facts: FileFacts | None = None
    failed: bool = False
    notes: list[Note] = field(default_factory=list)
    rendered: list[RenderedNote] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    chapter: Chapter | None = None


def compile_project(
    root: Path,
    display_root: str,
    config: Config,
    report: Report,
    *,
    skip: set[Path] | None = None,
    check: bool = True,
    cache_folder: Path | None = None,
    progress: Progress | None = None,
) -> Compiled:
    """The rendered deck of a notes folder, reusing each unchanged file's cached result.

    Files that miss the cache are parsed, extracted and rendered here, or, when there are enough of
    them and more than one core, partly in worker processes (`pool.py`); the result is the same."""
    from .parse import file_times
    from .pool import Pool

    store = Store(cache_folder / "files" if cache_folder else None)
    read = read_files(root, display_root, config, report, skip)
    resolved_root = root.resolve()
    stats = Stats()
    base = hashlib.sha256(f"{code_version()}\0{_config_text(config)}\0{config.cards.fingerprint}\0{check}\0".encode())
    work: list[_File] = []
    for file in read.files:
        digest = base.copy()
        digest.update(f"{file.rel}\0{file.display}\0".encode() + file.text.encode("utf-8", "surrogatepass"))
        item = _File(file, digest.hexdigest())
        item.entry = _usable(store.load(item.key), read.found.images)
        if item.entry is not None:
            item.facts = item.entry["facts"]
            item.failed = item.entry["failed"]
        work.append(item)
    misses = [item for item in work if item.entry is None]
    pool = Pool.start(misses, config, display_root, resolved_root, read.found.images, check)
    local = [item for item in misses if not pool.owns(item)]
    for n, item in enumerate(local):
        if progress is not None:
            progress("parse", n, len(local))
        _parse(item, config)
    pool.collect_facts()
    stats.parsed += len(misses)

    cards = {w.file.rel: (w.file, w.facts) for w in work if not w.failed and w.facts is not None and w.facts.cards}
    chapters = chapters_of(root, read.found, cards, config)  # type: ignore[arg-type]
    for item in work:
        if item.file.rel in cards:
            item.chapter = chapters[item.file.rel]
    pool.extract([item for item in work if item.file.rel in cards])
    fresh: list[_File] = []
    for n, item in enumerate(work):
        if progress is not None:
            progress("extract", n, len(work))
        if item.file.rel not in cards:
            if item.entry is not None:
                item.report.items.extend(item.entry["diagnostics"])
            continue
        if pool.owns(item):
            continue
        same_chapter = item.entry is not None and item.entry["chapter"] == [item.chapter.number, item.chapter.title]  # type: ignore[union-attr]
        if same_chapter and _restore(item):
            stats.reused += 1
            continue
        if item.tokens is None:
            item.report = Report()
            _parse(item, config)
            stats.parsed += 1
            if item.failed:
                continue
        if _extract(item, config, resolved_root, read.found.images):
            fresh.append(item)
    for item in pool.results():
        if item.entry is None:  # derivations to check: this process has the checker
            item.report = Report()
            _parse(item, config)
            if not item.failed and _extract(item, config, resolved_root, read.found.images):
                fresh.append(item)
        elif item.entry.get("failed"):
            item.failed = True
            item.entry = None
        else:
            stats.by_workers += 1
            store.save(item.key, item.entry)
            item.entry = _usable(item.entry, read.found.images)
            item.report = Report()
            if item.entry is None or not _restore(item):
                raise RuntimeError(f"a worker's result for {item.file.rel} did not restore")

    checks = _check([n for item in fresh for n in item.notes], fresh) if check else {}
    unsettled = _unsettled(fresh, checks)
    for n, item in enumerate(fresh):
        if progress is not None:
            progress("render", n, len(fresh))
        media = _render(item, config, display_root, checks)
        if item.file.rel not in unsettled:
            store.save(item.key, _entry(item, media))
    for item in work:
        if item.entry is None or item.file.rel not in cards:
            _store_facts(store, item)
    store.prune()

    deck = RenderedDeck(
        name=deck_component(config.deck),
        namespace=config.guid_namespace,
        media=Media(config.max_image_bytes),
        cards=config.cards,
    )
    paused = set(read.paused)
    ordered = sorted((w for w in work if w.chapter is not None), key=lambda w: w.chapter.order)  # type: ignore[union-attr]
    for item in work:
        report.items.extend(item.report.items)
        if item.failed or (item.facts is not None and not item.facts.cards):
            paused.add(item.file.rel)
    for item in ordered:
        if item.failed:
            continue
        deck.notes.extend(item.rendered)
        for name, data in item.media.items():
            deck.media.files.setdefault(name, data)
    for note in disambiguate_keys(deck.notes, report):  # type: ignore[arg-type]
        note.fields["Key"] = CONTROL.sub("", note.key)  # type: ignore[attr-defined]
    return Compiled(
        deck=deck,
        paused_files=frozenset(paused),
        source_files=frozenset(p.relative_to(resolved_root).as_posix() for p in read.found.notes),
        file_times=file_times(read.found.notes, resolved_root),
        stats=stats,
    )


def _extract(item: _File, config: Config, resolved_root: Path, images: dict[str, list[Path]]) -> bool:
    """The notes of a parsed file in its chapter; False (and `failed`) when the file cannot give any."""
    assert item.facts is not None and item.tokens is not None and item.chapter is not None
    item.file.tags = item.facts.tags
    resolver = AssetResolver(
        root=resolved_root, file=item.file.path, index=images, report=item.report, max_bytes=config.max_image_bytes
    )
    notes = extract_file(item.file, item.tokens, item.facts, item.chapter, config, item.report, resolver)
    item.tokens = None
    if notes is None:
        item.failed = True
        return False
    item.notes = notes
    item.entry = {"trace": resolver.trace}
    return True


def _render(item: _File, config: Config, display_root: str, checks: dict[int, Any]) -> Media:
    media = Media(max_bytes=config.max_image_bytes)
    item.rendered = render_notes(item.notes, config, display_root, media, item.report, checks)
    item.media = dict(media.files)
    return media


def _parse(item: _File, config: Config) -> None:
    result = parse_file(item.file, config, item.report)
    if result is None:
        item.failed = True
        return
    item.tokens, item.facts = result
    item.failed = False


def _check(notes: list[Note], fresh: list[_File]) -> dict[int, Any]:
    """Derivations of the files being rebuilt, in one checker run; each problem goes to its file's report."""
    from .derive import check_project, derivation_blocks

    if not derivation_blocks(notes):
        return {}
    scratch = Report()
    results = check_project(notes, scratch)
    by_display = {item.file.display: item.report for item in fresh}
    for d in scratch.items:
        by_display.get(d.path, fresh[0].report).items.append(d)
    return results


def _unsettled(fresh: list[_File], checks: dict[int, Any]) -> set[str]:
    """Files with a derivation whose result is not final (a timeout, a dead worker): asked again next build."""
    from .derive.worker import is_final

    return {
        item.file.rel
        for item in fresh
        if any(id(n) in checks and not is_final(checks[id(n)].to_json()) for n in item.notes)
    }


def _facts_json(facts: FileFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    data = dataclasses.asdict(facts)
    return data


def _facts(data: Any) -> FileFacts | None:
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) != {f.name for f in dataclasses.fields(FileFacts)}:
        raise ValueError("not file facts")
    strings = ("h1", "chapter", "deck")
    if not all(data[k] is None or isinstance(data[k], str) for k in strings):
        raise ValueError("not file facts")
    if not isinstance(data["cards"], bool) or data["language"] not in ("zh", "en"):
        raise ValueError("not file facts")
    tags, toc = data["tags"], data["toc"]
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ValueError("not file facts")
    if not (toc is None or (isinstance(toc, list) and all(isinstance(t, str) for t in toc))):
        raise ValueError("not file facts")
    return FileFacts(
        h1=data["h1"],
        cards=data["cards"],
        chapter=data["chapter"],
        deck=data["deck"],
        tags=tuple(tags),
        language=data["language"],
        toc=None if toc is None else tuple(toc),
    )


def _diagnostic(d: Any) -> Diagnostic:
    if not (isinstance(d, dict) and set(d) == {"path", "line", "col", "severity", "code", "message"}):
        raise ValueError("not a diagnostic")
    if not all(isinstance(d[k], str) for k in ("path", "code", "message")):
        raise ValueError("not a diagnostic")
    if not all(isinstance(d[k], int) for k in ("line", "col")):
        raise ValueError("not a diagnostic")
    return Diagnostic(d["path"], d["line"], d["col"], Severity(d["severity"]), d["code"], d["message"])


def _note_json(note: RenderedNote) -> dict[str, Any]:
    return {
        "key": note.key,
        "kind": note.kind.value,
        "notetype": note.notetype,
        "fields": note.fields,
        "deck": note.deck,
        "tags": note.tags,
        "source": note.source,
        "root": note.root,
        "cloze_auto_from": note.cloze_auto_from,
        "location": [note.location.path, note.location.line, note.location.col],
    }


def _note(data: Any) -> RenderedNote:
    if not isinstance(data, dict):
        raise ValueError("not a note")
    fields, tags, location = data["fields"], data["tags"], data["location"]
    if not (isinstance(fields, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())):
        raise ValueError("not a note")
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ValueError("not a note")
    if not all(isinstance(data[k], str) for k in ("key", "notetype", "deck", "source", "root")):
        raise ValueError("not a note")
    if data["notetype"] not in ("basic", "cloze") or not isinstance(data["cloze_auto_from"], int):
        raise ValueError("not a note")
    if not (isinstance(location, list) and len(location) == 3 and isinstance(location[0], str)):
        raise ValueError("not a note")
    if not (isinstance(location[1], int) and isinstance(location[2], int)):
        raise ValueError("not a note")
    return RenderedNote(
        key=data["key"],
        kind=NoteKind(data["kind"]),
        notetype=data["notetype"],
        fields=dict(fields),
        deck=data["deck"],
        tags=list(tags),
        source=data["source"],
        root=data["root"],
        cloze_auto_from=data["cloze_auto_from"],
        location=Location(location[0], location[1], location[2]),
    )


def _usable(data: dict[str, Any] | None, index: dict[str, list[Path]]) -> dict[str, Any] | None:
    """A loaded entry, checked and converted, or None: anything unexpected is a miss, never trusted."""
    if data is None:
        return None
    try:
        trace = data["trace"]
        if not isinstance(trace, list) or not replay(trace, index):
            return None
        chapter = data["chapter"]
        if chapter is not None and not (
            isinstance(chapter, list)
            and len(chapter) == 2
            and (chapter[0] is None or isinstance(chapter[0], str))
            and isinstance(chapter[1], str)
        ):
            return None
        media = data["media"]
        if not (isinstance(media, dict) and all(isinstance(k, str) and isinstance(v, list) for k, v in media.items())):
            return None
        failed = data["failed"]
        if not isinstance(failed, bool):
            return None
        return {
            "facts": _facts(data["facts"]),
            "failed": failed,
            "chapter": chapter,
            "notes": [_note(n) for n in data["notes"]],
            "diagnostics": [_diagnostic(d) for d in data["diagnostics"]],
            "media": media,
            "trace": trace,
        }
    except (KeyError, TypeError, ValueError):
        return None


def _restore(item: _File) -> bool:
    """Fill `item` from its entry; False when an image it shipped can no longer be read as it was."""
    assert item.entry is not None
    media: dict[str, bytes] = {}
    for name, (kind, value) in item.entry["media"].items():
        try:
            if kind == "data":
                data = base64.b64decode(value, validate=True)
            elif kind == "path":
                data = read_regular(Path(value), 1 << 40)
            else:
                return False
        except (OSError, ValueError, TypeError):
            return False
        if hashlib.sha256(data).hexdigest()[:12] not in name:
            return False
        media[name] = data
    item.rendered = item.entry["notes"]
    item.report.items.extend(item.entry["diagnostics"])
    item.media = media
    return True


def _source(asset: Asset) -> list[str]:
    if asset.data is not None:
        return ["data", base64.b64encode(asset.data).decode()]
    return ["path", str(asset.path)]


def _entry(item: _File, media: Media) -> dict[str, Any]:
    """What the cache keeps of a rendered file (JSON types only: it is also what a worker sends back)."""
    assert item.chapter is not None and item.entry is not None
    return {
        "facts": _facts_json(item.facts),
        "failed": False,
        "chapter": [item.chapter.number, item.chapter.title],
        "notes": [_note_json(n) for n in item.rendered],
        "diagnostics": [d.to_json() for d in item.report.items],
        "media": {name: _source(media.sources[name]) for name in media.files},
        "trace": item.entry["trace"],
    }


def _store_facts(store: Store, item: _File) -> None:
    """A file without cards (paused, or unparseable): its facts and diagnostics, so it is not parsed again."""
    store.save(
        item.key,
        {
            "facts": _facts_json(item.facts),
            "failed": item.failed,
            "chapter": None,
            "notes": [],
            "diagnostics": [d.to_json() for d in item.report.items],
            "media": {},
            "trace": [],
        },
    )


def deck_digest(deck: RenderedDeck, mods: dict[str, int], lock_text: str) -> str:
    """Everything the package stage writes, as one digest: equal digests give equal `.apkg` bytes."""
    digest = hashlib.sha256(f"{code_version()}\0{os.environ.get('SOURCE_DATE_EPOCH', '')}\0".encode())
    digest.update(json.dumps(sorted(mods.items())).encode() + deck.cards.fingerprint.encode() + lock_text.encode())
    for note in deck.notes:
        digest.update(json.dumps([note.guid, note.mod, note.notetype, note.deck, note.tags, note.fields]).encode())
    digest.update(json.dumps(sorted(deck.media.files)).encode())
    return digest.hexdigest()


def unchanged_output(record: Path, out: Path, digest: str) -> int | None:
    """The size of `out` when it is still exactly the file a build with this `digest` wrote, else None."""
    try:
        data = json.loads(read_regular(record, 1 << 20))
        info = out.stat()
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get(str(out)) == [digest, info.st_size, info.st_mtime_ns]:
        return info.st_size
    return None


def remember_output(record: Path, out: Path, digest: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        info = out.stat()
        try:
            data = json.loads(read_regular(record, 1 << 20))
        except (OSError, ValueError):
            data = {}
        data = data if isinstance(data, dict) else {}
        data[str(out)] = [digest, info.st_size, info.st_mtime_ns]
        write_atomic(record, json.dumps(data))
