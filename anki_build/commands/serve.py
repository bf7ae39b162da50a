"""`anki-build serve`: rebuild on save and show the saved file's cards at phone width, day and night.

One page per source file, so a save re-renders (and the browser re-typesets) only what that file made.
A rebuild reuses the build cache; Anki renders only the notes whose content changed (a small package
imported into a scratch collection, exactly as `preview` does for the whole deck). Nothing is written
under the notes folder: no lock, no deck.
"""

from __future__ import annotations

import dataclasses
import html
import http.server
import json
import os
import queue
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

from ..diagnostics import Diagnostic, Severity
from ..notetypes import note_types
from ..phone.cards import CardSides
from ..progress import Progress
from ..render import RenderedNote
from .preview import GALLERY_CSS, _block

POLL_SECONDS = 25  # a long poll returns at least this often, so a dead server is noticed

_HEAD = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
{gallery_css}
.gallery .diag {{ font: 13px ui-monospace, monospace; white-space: pre-wrap; margin: 2px 0; }}
.gallery .diag.error {{ color: #8c1d18; }} .gallery .diag.warning {{ color: #7a5200; }}
.gallery .changed > .source {{ background: #fff3b0; }}
.gallery .files a {{ color: #0a58b0; }} .gallery .files td {{ padding: 2px 10px 2px 0; font-size: 14px; }}
.gallery .status {{ font-size: 13px; color: #515154; }}
</style>
<script src="/_anki/js/mathjax.js"></script>
<script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
</head>
<body class="gallery" data-version="{version}">
<div class="tools"><a href="/">all files</a> <span class="status">{status}</span></div>
"""

_TAIL = """<script>
(() => {{
  const version = {version};
  const here = new URLSearchParams(location.search).get("file") || "";
  const first = document.querySelector(".changed");
  if (first) first.scrollIntoView();
  async function poll() {{
    for (;;) {{
      try {{
        const reply = await (await fetch(`/_events?since=${{version}}`, {{cache: "no-store"}})).json();
        if (reply.version === version) continue;
        if (!reply.changed || reply.changed === here) location.reload();
        else location.assign(`/?file=${{encodeURIComponent(reply.changed)}}`);
        return;
      }} catch (e) {{
        await new Promise(done => setTimeout(done, 1000));
      }}
    }}
  }}
  poll();
}})();
</script>
</body></html>
"""


def _fingerprint(note: RenderedNote, cards: str) -> str:
    from ..phone.cards import note_fingerprint

    return note_fingerprint(note.fields, note.notetype, note.deck, cards)


def _rel(source: str) -> str:
    return source.rpartition(":")[0] if source.rpartition(":")[2].isdigit() else source


@dataclasses.dataclass
class Snapshot:
    """What the pages show: one consistent state, replaced whole after each rebuild."""

    version: int = 0
    changed: str = ""  # the file whose save made this version
    files: dict[str, list[CardSides]] = dataclasses.field(default_factory=dict)  # rel → its cards, in order
    fresh: set[str] = dataclasses.field(default_factory=set)  # card ids Anki rendered for this version
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    failure: str = ""  # why the last rebuild produced no deck (the cards shown are the previous ones)
    css: str = ""  # the note type's CSS the cards were rendered with


class Preview:
    """The served state, rebuilt in place; readers take `snapshot` under `changed` (a condition)."""

    def __init__(self, root: Path, display_root: str, scratch: Path) -> None:
        self.root, self.display_root, self.scratch = root, display_root, scratch
        self.media = scratch / "media"
        self.media.mkdir(parents=True, exist_ok=True)
        self.snapshot = Snapshot()
        self.changed = threading.Condition()
        self._cards: dict[str, list[CardSides]] = {}  # note fingerprint → the cards Anki rendered for it
        self.rendered = 0  # notes Anki rendered over the server's life (tests read it)
        self.progress: Progress | None = None

    def rebuild(self, changed: Iterable[Path] = ()) -> Snapshot:
        """Build in memory, render what changed, publish. Never raises: a failure is shown on the page."""
        started = time.perf_counter()
        try:
            snapshot = self._build()
        except Exception as exc:  # the server must survive any state of the notes
            if os.environ.get("ANKI_BUILD_DEBUG"):
                traceback.print_exc()
            from ..diagnostics import internal_error

            snapshot = dataclasses.replace(self.snapshot, fresh=set(), failure=f"internal error: {internal_error(exc)}")
        snapshot.changed = self._saved(changed, snapshot)
        snapshot.seconds = time.perf_counter() - started
        with self.changed:
            snapshot.version = self.snapshot.version + 1
            self.snapshot = snapshot
            self.changed.notify_all()
        return snapshot

    def _saved(self, changed: Iterable[Path], snapshot: Snapshot) -> str:
        """The note file a save was about, for the page to jump to: one that still exists (a rename
        reports the old name too), with cards if any did; "" for anything else (an image, the config)."""
        base = self.root.resolve()
        saved = []
        for path in changed:
            try:
                rel = path.resolve().relative_to(base).as_posix()
            except (ValueError, OSError):
                continue
            if rel.endswith(".md") and path.exists():
                saved.append(rel)
        return min(saved, key=lambda rel: (rel not in snapshot.files, rel), default="")

    def _build(self) -> Snapshot:
        from ..phone.cards import render_in_anki
        from .build import prepare

        prepared = prepare(self.root, self.display_root, self.scratch / "deck.apkg", check=True, progress=self.progress)
        diagnostics = prepared.report.sorted()
        deck = prepared.deck
        if deck is None or not deck.notes or prepared.lock is None:
            why = "no deck: see the errors above" if any(d.severity is Severity.ERROR for d in diagnostics) else ""
            return dataclasses.replace(self.snapshot, fresh=set(), diagnostics=diagnostics, failure=why or "no notes")
        for name, data in deck.media.files.items():
            target = self.media / name  # content-hashed names: an existing file is already right
            if not target.exists():
                target.write_bytes(data)
        prints = [_fingerprint(note, deck.cards.fingerprint) for note in deck.notes]
        missing = {fp: note for note, fp in zip(deck.notes, prints, strict=True) if fp not in self._cards}
        fresh: set[str] = set()
        if missing:
            mods = prepared.lock.notetype_mods()
            by_key = render_in_anki(deck, list(missing.values()), mods, self.scratch / "changed.apkg")
            for fp, note in missing.items():
                cards = by_key.get(note.fields["Key"], [])
                self._cards[fp] = cards
                fresh.update(card.id for card in cards)
            self.rendered += len(missing)
        live = set(prints)
        for stale in [fp for fp in self._cards if fp not in live]:
            del self._cards[stale]
        files: dict[str, list[CardSides]] = {}
        for fp in prints:
            for card in self._cards[fp]:
                files.setdefault(_rel(card.source), []).append(card)
        css = note_types(deck.cards)["basic"].css
        return Snapshot(files=files, fresh=fresh if self.snapshot.files else set(), diagnostics=diagnostics, css=css)

    def wait(self, since: int, timeout: float = POLL_SECONDS) -> Snapshot:
        with self.changed:
            self.changed.wait_for(lambda: self.snapshot.version != since, timeout=timeout)
            return self.snapshot

    # pages

    def _where(self, diagnostic: Diagnostic) -> str:
        prefix = "" if self.display_root in ("", ".") else self.display_root.rstrip("/") + "/"
        path = diagnostic.path
        return path[len(prefix) :] if prefix and path.startswith(prefix) else path

    def _diagnostics(self, shown: list[Diagnostic]) -> str:
        return "".join(
            f'<div class="diag {d.severity.value}">{html.escape(d.format())}</div>'
            for d in shown
            if not d.code.startswith("step-")
        )

    def page(self, rel: str | None) -> tuple[int, str]:
        snap = self.snapshot
        status = f"version {snap.version}, rebuilt in {snap.seconds:.2f} s"
        if snap.failure:
            status += f" · <span class=bad>{html.escape(snap.failure)}; showing the last cards that built</span>"
        head = _HEAD.format(
            title=html.escape(rel or "anki-build serve"),
            css=snap.css or note_types()["basic"].css,
            gallery_css=GALLERY_CSS,
            version=snap.version,
            status=status,
        )
        files = sorted(set(snap.files) | {self._where(d) for d in snap.diagnostics})
        general = [d for d in snap.diagnostics if self._where(d) not in files or not self._where(d).endswith(".md")]
        if rel is None:
            rows = "".join(
                f'<tr><td><a href="/?file={urllib.parse.quote(f)}">{html.escape(f)}</a></td>'
                f"<td>{len(snap.files.get(f, []))} cards</td>"
                f"<td>{sum(1 for d in snap.diagnostics if self._where(d) == f)} diagnostics</td></tr>"
                for f in files
            )
            body = f"<h1>{len(snap.files)} files, {sum(map(len, snap.files.values()))} cards</h1>"
            body += self._diagnostics(general) + f'<table class="files">{rows}</table>'
            return 200, head + body + _TAIL.format(version=snap.version)
        if rel not in files:
            body = f"<h1>{html.escape(rel)}</h1><p>No cards and no diagnostics for this file.</p>"
            return 404, head + body + _TAIL.format(version=snap.version)
        mine = [d for d in snap.diagnostics if self._where(d) == rel]
        cards = snap.files.get(rel, [])
        blocks = []
        for card in cards:
            block = _block(card, [])
            if card.id in snap.fresh:
                block = block.replace('<section class="card-block"', '<section class="card-block changed"', 1)
            blocks.append(block)
        body = f"<h1>{html.escape(rel)}: {len(cards)} cards</h1>" + self._diagnostics(general + mine) + "".join(blocks)
        return 200, head + body + _TAIL.format(version=snap.version)


def handler(preview: Preview, assets: Path) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _file(self, base: Path, rel: str) -> None:
            target = (base / rel).resolve()
            if not target.is_relative_to(base.resolve()) or not target.is_file():
                self._send(404, b"not found", "text/plain")
                return
            import mimetypes

            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, target.read_bytes(), kind)

        def _foreign(self) -> bool:
            """A request naming another host: a web page using DNS rebinding to read the notes."""
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
            return host not in ("127.0.0.1", "localhost")

        def do_GET(self) -> None:
            if self._foreign():
                self._send(403, b"only http://127.0.0.1 may read this preview", "text/plain")
                return
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            path = urllib.parse.unquote(url.path)
            try:
                if path == "/":
                    status, text = preview.page(query.get("file", [None])[0])
                    self._send(status, text.encode(), "text/html; charset=utf-8")
                elif path == "/_events":
                    since = query.get("since", ["0"])[0]
                    snap = preview.wait(int(since) if since.isdigit() else -1)
                    reply = {"version": snap.version, "changed": snap.changed, "failure": snap.failure}
                    self._send(200, json.dumps(reply).encode(), "application/json")
                elif path.startswith("/_anki/"):
                    self._file(assets, path.lstrip("/"))
                else:
                    self._file(preview.media, path.lstrip("/"))
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_HEAD = do_GET

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that drops its connection (a reload mid-poll) is normal; anything else is one line on
        stderr, never socketserver's traceback."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        if os.environ.get("ANKI_BUILD_DEBUG"):
            traceback.print_exc()
        else:
            print(f"anki-build serve: a request failed: {error!r}"[:300], file=sys.stderr)


def start(preview: Preview, assets: Path, port: int) -> Server:
    """Bound to 127.0.0.1 only: the notes are the user's, not the network's."""
    server = Server(("127.0.0.1", port), handler(preview, assets))
    threading.Thread(target=server.serve_forever, name="anki-build-serve", daemon=True).start()
    return server


def serve(
    root: Path,
    display_root: str,
    port: int,
    *,
    on_event: Callable[[dict[str, object]], None],
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    show_progress: bool = True,
) -> None:
    """Build, serve, then rebuild on every save until Ctrl-C (or `stop`); `on_event` hears of each
    (`serving`, then one `rebuilt` per batch of saves).

    Raises the phone module's *Unavailable errors when the Anki backend or MathJax is missing, and
    OSError when the port cannot be bound.
    """
    import tempfile

    from ..derive.worker import cache_dir
    from ..phone.assets import mathjax_root
    from ..phone.cards import require_backend
    from ..progress import on_terminal
    from ..watch import changes

    require_backend()
    assets = mathjax_root(cache_dir())
    with tempfile.TemporaryDirectory(prefix="anki-build-serve-") as scratch:
        preview = Preview(root, display_root, Path(scratch))
        server = start(preview, assets, port)  # bound before the first build: a taken port fails at once
        saves: queue.Queue[set[Path] | None] = queue.Queue()
        watching = threading.Event() if stop is None else stop
        watcher = threading.Thread(target=_watch, args=(changes, root, watching, saves), daemon=True)
        watcher.start()  # before the first build, so a save made during it is not missed
        try:
            preview.progress = on_terminal(not show_progress)
            first = preview.rebuild()
            if preview.progress is not None:
                preview.progress.clear()
                preview.progress = None
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            cards = sum(map(len, first.files.values()))
            on_event({"event": "serving", "url": url, "cards": cards, "files": len(first.files)})
            if ready is not None:
                ready(url)
            while (batch := _coalesced(saves)) is not None:
                snap = preview.rebuild(batch)
                errors = sum(1 for d in snap.diagnostics if d.severity is Severity.ERROR)
                what = snap.changed or ", ".join(sorted(p.name for p in batch))[:80]
                on_event(
                    {
                        "event": "rebuilt",
                        "time": time.strftime("%H:%M:%S"),
                        "file": what,
                        "seconds": round(snap.seconds, 3),
                        "cards": sum(map(len, snap.files.values())),
                        "warnings": len(snap.diagnostics) - errors,
                        "errors": errors,
                        "failure": snap.failure or None,
                        "diagnostics": [d.to_json() for d in snap.diagnostics],
                    }
                )
        except KeyboardInterrupt:
            pass  # Ctrl-C: stop serving, exit 0
        finally:
            watching.set()
            server.shutdown()
            server.server_close()


def _coalesced(saves: queue.Queue[set[Path] | None]) -> set[Path] | None:
    """The next save, merged with any that arrived during the last rebuild (one rebuild covers them all)."""
    batch = saves.get()
    while batch is not None:
        try:
            more = saves.get_nowait()
        except queue.Empty:
            break
        if more is None:
            saves.put(None)
            break
        batch |= more
    return batch


def _watch(
    changes: Callable[..., Iterable[set[Path]]], root: Path, stop: threading.Event, saves: queue.Queue[set[Path] | None]
) -> None:
    try:
        for batch in changes(root, stop=stop):
            saves.put(batch)
    finally:
        saves.put(None)
