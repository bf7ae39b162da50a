"""`anki-build serve` and `build --watch`, for real: the installed script, a real file watcher, HTTP, Anki."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import _NEUTRAL, cli, import_apkg, write_tree

pytest.importorskip("anki")
pytest.importorskip("watchfiles")

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2216bc20000000049454e44ae426082"
)


class Running:
    """A console-script process whose stdout lines arrive on a queue."""

    def __init__(self, *args: str) -> None:
        script = Path(sys.executable).parent / "anki-build"
        self.process = subprocess.Popen(
            [str(script), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=_NEUTRAL,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        err = self.process.stderr.read() if self.process.poll() is not None and self.process.stderr else ""
        raise AssertionError(f"no line matching {pattern!r}; saw {self.seen!r}; stderr {err[-2000:]!r}")

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        err = self.process.stderr.read() if self.process.stderr else ""
        return self.process.returncode, err


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for process in started:
        process.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _page(base: str, rel: str) -> str:
    status, text = _get(f"{base}?file={urllib.parse.quote(rel)}")
    assert status == 200, text[:500]
    return text


def _after(base: str, version: int, change: callable) -> dict[str, object]:  # type: ignore[valid-type]
    """Make `change` while a long poll waits; return what the poll reports."""
    reply: dict[str, object] = {}

    def poll() -> None:
        reply.update(json.loads(_get(f"{base}_events?since={version}")[1]))

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)
    change()
    waiter.join(timeout=60)
    assert reply, "the page was not told about the save"
    return reply


def _version(page: str) -> int:
    return int(re.search(r'data-version="(\d+)"', page).group(1))  # type: ignore[union-attr]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_serve_shows_each_save_and_survives_broken_states(
    tmp_path: Path, running: list[Running], render_assets: Path
) -> None:
    root = write_tree(
        tmp_path / "notes",
        {
            "01-a.md": "# 第一章\n\n**过拟合**：新数据上差，见 ![图](fig.png)。\n\n**欠拟合**：训练集上也差。\n",
            "02-b.md": "# 第二章\n\n**梯度**：函数增长最快的方向。\n",
            "fig.png": PNG,
        },
    )
    server = Running("serve", str(root), "--port", "0")
    running.append(server)
    base = server.expect(r"(http://127\.0\.0\.1:\d+/)").group(1)

    status, index = _get(base)
    assert status == 200 and "01-a.md" in index and "02-b.md" in index
    first = _page(base, "01-a.md")
    assert "过拟合" in first and "欠拟合" in first and "梯度" not in first
    assert first.count('class="phone day"') == first.count('class="phone night"') > 0  # both modes
    image = re.search(r'<img [^>]*src="([^"]+)"', first).group(1)  # type: ignore[union-attr]
    with urllib.request.urlopen(base + image, timeout=30) as reply:
        assert reply.read() == PNG
    before = _snapshot(root)
    untouched = _page(base, "02-b.md")

    # a save: the open page is told which file changed; its page shows the new card, marked
    chapter = root / "01-a.md"
    reply = _after(
        base,
        _version(first),
        lambda: chapter.write_text(
            chapter.read_text(encoding="utf-8") + "\n**正则化**：限制模型复杂度的方法。\n", encoding="utf-8"
        ),
    )
    assert reply["changed"] == "01-a.md" and reply["version"] == _version(first) + 1
    page = _page(base, "01-a.md")
    assert "正则化" in page and "过拟合" in page
    changed = re.findall(r'<section class="card-block changed"[^>]*><div class="source">([^<]*)', page)
    assert changed and all("正则化" in c for c in changed), changed
    blocks = [page.split("<body", 1)[1].count('class="card-block') for page in (_page(base, "02-b.md"), untouched)]
    assert blocks[0] == blocks[1] == 1  # the other file's page is as it was

    # a half-typed display formula: reported inline at its line, the server keeps going
    line = chapter.read_text(encoding="utf-8").count("\n") + 2
    reply = _after(
        base,
        reply["version"],
        lambda: chapter.write_text(  # type: ignore[arg-type]
            chapter.read_text(encoding="utf-8") + "\n$$\n\\frac{a}{\n", encoding="utf-8"
        ),
    )
    page = _page(base, "01-a.md")
    assert re.search(rf"01-a\.md:{line}:\d+: warning: unclosed-math", page), re.findall(r'class="diag[^>]*>[^<]*', page)
    assert "正则化" in page

    # a broken config: no deck, the error is shown, the last cards stay; fixing it recovers
    config = root / "anki-build.toml"
    reply = _after(base, reply["version"], lambda: config.write_text("deck = [\n", encoding="utf-8"))  # type: ignore[arg-type]
    status, index = _get(base)
    assert "anki-build.toml:" in index and "error" in index and "showing the last cards" in index
    assert "正则化" in _page(base, "01-a.md")
    reply = _after(base, reply["version"], config.unlink)  # type: ignore[arg-type]
    assert "showing the last cards" not in _get(base)[1]

    # nothing under the notes folder was written by the server (the test's own edits aside)
    after = _snapshot(root)
    assert set(after) == set(before), set(after) ^ set(before)
    assert all(after[k] == before[k] for k in before if k != "01-a.md")

    # an Anki card template of the project's own: no note's fields change, yet every card is shown anew
    front = root / "cards" / "basic" / "front.html"

    def restyle() -> None:
        front.parent.mkdir(parents=True)
        front.write_text('<div class="ab-front">{{Front}}</div>\n<p>TEMPLATE-MARK</p>\n', encoding="utf-8")

    _after(base, reply["version"], restyle)  # type: ignore[arg-type]
    deadline = time.monotonic() + 60  # the folder and the file may arrive as two saves
    while "TEMPLATE-MARK" not in _page(base, "02-b.md") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "TEMPLATE-MARK" in _page(base, "01-a.md") and "TEMPLATE-MARK" in _page(base, "02-b.md")

    # only the notes folder's cards and the MathJax assets are served: no way out of either
    port = int(base.rsplit(":", 1)[1].strip("/"))
    for path in ("/../../../../etc/passwd", "/_anki/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/hostname"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 404, path
        connection.close()
    assert _get(base + "_anki/js/mathjax.js")[0] == 200

    code, err = server.stop()
    assert code in (0, 130) and "Traceback" not in err, err


def test_serve_renders_only_the_notes_that_changed(tmp_path: Path) -> None:
    """Anki renders a note once; a save re-renders that file's changed notes, not the deck."""
    from anki_build.commands.serve import Preview

    files = {
        f"{i:02d}-c.md": f"# 第{i}章\n\n" + "".join(f"**术语{i}之{j}**：定义{j}。\n\n" for j in range(5))
        for i in range(6)
    }
    root = write_tree(tmp_path / "notes", files)
    preview = Preview(root, "notes", tmp_path / "scratch")
    first = preview.rebuild()
    assert preview.rendered == 30 and sum(map(len, first.files.values())) == 30 and not first.failure
    target = root / "03-c.md"
    target.write_text(target.read_text(encoding="utf-8").replace("定义2。", "新的定义。"), encoding="utf-8")
    second = preview.rebuild([target])
    assert preview.rendered == 31 and second.changed == "03-c.md"
    assert [c.id for c in second.files["03-c.md"] if c.id in second.fresh] == ["concept:术语3之2/1"]
    assert "新的定义" in next(c.answer for c in second.files["03-c.md"] if c.id == "concept:术语3之2/1")
    (root / "05-c.md").unlink()
    third = preview.rebuild([root / "05-c.md"])
    assert preview.rendered == 31 and "05-c.md" not in third.files and len(third.files) == 5


def test_build_watch_rebuilds_the_deck_on_save(tmp_path: Path, running: list[Running]) -> None:
    from anki.collection import Collection

    root = write_tree(tmp_path / "notes", {"01-a.md": "# 第一章\n\n**过拟合**：模型在新数据上差。\n"})
    out = tmp_path / "out" / "deck.apkg"
    watcher = Running("build", str(root), "-o", str(out), "--watch")
    running.append(watcher)
    watcher.expect(r"1 note → ")
    watcher.expect(r"^watching ")
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        assert import_apkg(col, out)["new"] == 1
        chapter = root / "01-a.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\n**欠拟合**：训练集上也差。\n", encoding="utf-8")
        watcher.expect(r"rebuilt after a save", timeout=60)
        watcher.expect(r"2 notes → ", timeout=60)
        assert import_apkg(col, out)["new"] == 1
        chapter.write_text(chapter.read_text(encoding="utf-8").replace("也差", "表现也差"), encoding="utf-8")
        watcher.expect(r"2 notes → ", timeout=60)
        counts = import_apkg(col, out)
        assert counts["new"] == 0 and counts["updated"] == 1, counts
        assert col.note_count() == 2
    finally:
        col.close()
    assert (root / "anki-build.lock").is_file()  # a build keeps note identity, watched or not
    code, err = watcher.stop()
    assert code == 0 and "Traceback" not in err, err


def test_watch_does_not_go_with_plan(tmp_path: Path) -> None:

    root = write_tree(tmp_path / "notes", {"a.md": "**术语**：定义。\n"})
    result = cli("build", str(root), "--watch", "--plan")
    assert result.returncode == 2 and "--watch" in result.stderr


def test_serve_follows_a_rename_and_refuses_other_hosts(
    tmp_path: Path, running: list[Running], render_assets: Path
) -> None:
    root = write_tree(
        tmp_path / "notes",
        {"01-a.md": "# 一\n\n**甲**：第一条。\n", "02-b.md": "# 二\n\n**乙**：第二条。\n"},
    )
    server = Running("serve", str(root), "--port", "0")
    running.append(server)
    base = server.expect(r"(http://127\.0\.0\.1:\d+/)").group(1)
    version = _version(_get(base)[1])
    reply = _after(base, version, lambda: (root / "01-a.md").rename(root / "03-a.md"))
    assert reply["changed"] == "03-a.md", reply  # the new name, not the one that vanished
    assert "甲" in _page(base, "03-a.md")
    assert _get(f"{base}?file=01-a.md")[0] == 404
    reply = _after(base, reply["version"], lambda: (root / "02-b.md").unlink())  # type: ignore[arg-type]
    assert reply["changed"] == "" and "02-b.md" not in _get(base)[1]

    port = int(base.rsplit(":", 1)[1].strip("/"))
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/", headers={"Host": host})
        assert connection.getresponse().status == 403, host
        connection.close()
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/", headers={"Host": host})
        assert connection.getresponse().status == 200, host
        connection.close()
