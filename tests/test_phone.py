"""Cards rendered like a phone: headless Chromium at 390×844 with Anki's own MathJax 3.2.2 and config.

Skipped, with the reason printed, where Chromium is not installed (`apt-get install chromium`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from conftest import REPO, built_cards, cli, write_tree

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (Debian: apt-get install chromium)"),
    pytest.mark.usefixtures("render_assets"),  # `anki-build setup-render`, once per session
]
pytest.importorskip("anki", reason="the Anki backend is a test dependency: pip install -e '.[test]'")

ARTIFACTS = REPO / "test-artifacts"
PNG = b"\x89PNG\r\n\x1a\n"
SAMPLE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
    '<rect x="5" y="5" width="110" height="50" fill="#8ab"/></svg>'
)
CARDS = r"""# 渲染

**过拟合**：训练误差 $L_{train}$ 很小而测试误差 $L_{test}$ 很大，且 $a<b$ 与 $x_i*y_i$。

**缩放点积注意力**：

$$
\mathrm{Attention}(Q,K,V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V
$$

Q: 注意力为什么要除以 $\sqrt{d_k}$？
A: 防止点积的方差随 $d_k$ 增大，使 softmax 饱和。

缩放因子是 ==$\frac{1}{\sqrt{d_k}}$==，默认 $\beta_1$ 取 ==$0.9$==。

**宽公式**：

$$
\hat m_t = \frac{\beta_1 m_{t-1} + (1-\beta_1) g_t}{1-\beta_1^t}, \quad \hat v_t = \frac{\beta_2 v_{t-1} + (1-\beta_2) g_t^2}{1-\beta_2^t}, \quad \theta_t = \theta_{t-1} - \frac{\eta\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}
$$

Q: 图示？
A: 见图

![图](img/box.svg)

L2 一维问题的最优解：

<!-- check: w, a real; \lambda > 0 -->
$$
\begin{aligned}
\frac{d}{dw}\left(\frac{1}{2}(w-a)^2 + \frac{\lambda}{2}w^2\right) &= (1+\lambda)w - a \\
\Rightarrow w^{\ast} &= \frac{a}{1+\lambda}
\end{aligned}
$$

**用了 bm**：$\bm{w}^\top \bm{x}$ 与 $\argmax_x f(x)$ 都能显示。
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root

    root = write_tree(tmp_path_factory.mktemp("phone") / "notes", {"01-渲染.md": CARDS, "img/box.svg": SAMPLE_SVG})
    cards = built_cards(root, root.parent / "deck.apkg")
    yield mathjax_root(cache_dir()), cards
    cards.close()


def test_every_kind_of_card_renders_without_problems_at_390px(rendered):
    from anki_build.phone.browser import Phone

    assets, cards = rendered
    kinds = {c.kind for c in cards.cards}
    assert kinds == {"concept", "formula", "qa", "cloze", "derivation"}
    sides = [(f"{c.id}/{s}", html) for c in cards.cards for s, html in (("q", c.question), ("a", c.answer))]
    with Phone(assets, cards.media) as phone:
        results = phone.check(sides)
    assert len(results) == len(sides)
    assert all(r.viewport == [390, 844] for r in results)
    assert [(r.id, r.problems) for r in results if r.problems] == []
    assert sum(r.math for r in results) >= 20
    cloze_sides = [r for r in results if r.id.startswith("cloze:")]
    assert len(cloze_sides) == 4 and all(r.math >= 1 for r in cloze_sides)


def test_screenshots_of_formula_and_cloze_cards_day_and_night(rendered):
    from anki_build.phone.browser import Phone

    assets, cards = rendered
    formula = next(c for c in cards.cards if c.id.startswith("formula:缩放点积注意力"))
    cloze = next(c for c in cards.cards if c.kind == "cloze")
    shots = []
    with Phone(assets, cards.media) as phone:
        for name, card in (("formula", formula), ("cloze", cloze)):
            for night in (False, True):
                path = ARTIFACTS / f"{name}-{'night' if night else 'day'}.png"
                shots.append(phone.screenshot(card.answer, path, night=night))
    for shot in shots:
        data = shot.read_bytes()
        assert data[:8] == PNG and len(data) > 10_000
        width = int.from_bytes(data[16:20], "big")
        assert width in (390 * 2, 500 * 2)  # the phone frame, at device scale 2
    assert shots[0].read_bytes() != shots[1].read_bytes()  # night differs from day


def test_detector_catches_what_a_reviewer_would_see(rendered):
    from anki_build.phone.browser import Phone

    assets, cards = rendered
    sides = [
        ("tex", r"\(\frac{1}\)"),
        ("macro", r"\(\foo x\)"),
        ("unrendered", r"\(\frac{1}{2\)"),
        ("cloze", "{{c1::oops}}"),
        ("image", '<img src="nowhere.png">'),
        ("wide", '<div style="width: 900px">wide</div>'),
    ]
    with Phone(assets, cards.media) as phone:
        results = {r.id: {p["kind"] for p in r.problems} for r in phone.check(sides)}
    assert results == {
        "tex": {"tex-error"},
        "macro": {"undefined-macro"},
        "unrendered": {"unrendered-math"},
        "cloze": {"cloze-residue"},
        "image": {"broken-image"},
        "wide": {"page-overflow"},
    }


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return cli(*args)


def test_check_render_on_the_sample_reports_only_a_formula_that_scrolls_with_its_hint():
    """The sample's one-line Adam update cannot fit even at 70 %: it is the only report, a warning at its line."""
    import json

    result = run_cli("check", "--render", str(REPO / "notes"), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]
    assert data["sides"] > 600 and data["exit_code"] == 0
    assert {p["kind"] for p in data["problems"]} <= {"too-wide"}
    assert len(data["problems"]) <= 2
    for problem in data["problems"]:
        assert problem["path"].endswith(".md") and problem["line"] > 1
        assert "at 70 % size; it scrolls, with a scroll hint" in problem["message"]
    strict = run_cli("check", "--render", str(REPO / "notes"), "--strict")
    assert strict.returncode == (1 if data["problems"] else 0)


def test_a_broken_formula_is_reported_at_its_line(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-坏.md": "# 坏\n\n**好**：$x^2$。\n\n**坏**：$\\frac{1}$ 少一个参数。\n"})
    result = run_cli("check", "--render", str(root))
    assert result.returncode == 1
    assert "01-坏.md:5:1: error: render-tex-error: back of concept:坏: Missing argument for \\frac" in result.stderr


def test_preview_opens_from_the_file_system_with_zero_mathjax_errors(tmp_path):
    out = tmp_path / "gallery"
    result = run_cli("preview", str(REPO / "notes"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=60000",
            "--dump-dom",
            (out / "index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    body = re.search(r"<body[^>]*>", dom)[0]
    assert 'data-typeset="done"' in body and 'data-errors="0"' in body and 'data-undefined-macros="0"' in body
    assert int(re.search(r'data-math="(\d+)"', body)[1]) > 500
    assert dom.count('class="phone') == 4 * int(re.search(r"(\d+) cards", dom)[1])
    assert re.search(r"Measured at 390×844, day and night, .*: [01] card\(s\) with problems", dom)
    assert 'id="f-problem"' in dom and 'class="toc"' in dom


def test_preview_shows_the_render_measurements_with_problem_cards_first(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-坏.md": "# 坏\n\n**好**：$x^2$。\n\n**坏**：$\\frac{1}$ 少一个参数。\n"})
    result = run_cli("preview", str(root), "-o", str(tmp_path / "gallery"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "gallery" / "index.html").read_text(encoding="utf-8")
    assert "1 card(s) with problems" in page
    first, second = (
        page.index('class="card-block"'),
        page.index('class="card-block"', page.index('class="card-block"') + 1),
    )
    assert 'data-problems="tex-error"' in page[first:second]  # the broken card comes first
    assert "Missing argument for \\frac" in page[first:second]
    assert '<option value="tex-error">' in page


class Listener:
    """A TCP server on 127.0.0.1 that counts every connection made to it (none may arrive)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_the_browser_refuses_and_reports_every_request_a_card_makes(rendered):
    """Defence in depth, past the sanitiser: raw hostile HTML straight into the phone frame."""
    from anki_build.phone.browser import Phone

    assets, cards = rendered
    listener = Listener()
    local = f"127.0.0.1:{listener.port}"
    sides = [
        ("img", f'<img src="http://{local}/x.png">'),
        ("scheme-relative", f'<img src="//{local}/y.png">'),
        ("css", f'<div style="background-image: url(http://{local}/z.png)">x</div>'),
        ("stylesheet", f'<link rel="stylesheet" href="http://{local}/s.css">'),
        (
            "font",
            f"<style>@font-face {{font-family: f; src: url(http://{local}/f.woff)}} p {{font-family: f}}</style><p>字</p>",
        ),
        ("handler", f'<img src="missing.png" onerror="fetch(\'http://{local}/h\')">'),
        ("https", "<img src='https://example.com/x.png'>"),
        ("hostname", "<img src='http://localhost/x.png'>"),
    ]
    try:
        with Phone(assets, cards.media) as phone:
            results = {r.id: r.problems for r in phone.check(sides)}
            isolation, blocked = phone.isolation, list(phone.blocked)
    finally:
        listener.close()
    assert listener.hits == 0
    assert [side for side, problems in results.items() if not any(p["kind"] == "network" for p in problems)] == []
    assert any(local in request for request in blocked)
    if os.geteuid() == 0 and shutil.which("setpriv"):
        assert isolation == "sandboxed, as nobody"


def test_check_render_of_hostile_notes_sends_nothing_anywhere(tmp_path):
    """Every hostile vector, aimed at a live local listener, through the whole check --render."""
    import json

    from hostile_inputs import VECTORS

    listener = Listener()
    local = f"127.0.0.1:{listener.port}"
    files: dict[str, str | bytes] = {
        f"{vid}.md": re.sub(r"(?<=//)(host|h)\b|(?<=\\\\)(host|h)\b", local, text) for vid, text in VECTORS
    }
    files["a.png"] = PNG + b"\x00" * 32
    root = write_tree(tmp_path / "notes", files)
    try:
        result = cli("check", "--render", str(root), "--json")
    finally:
        listener.close()
    data = json.loads(result.stdout)
    assert data["sides"] > 500
    assert listener.hits == 0
    assert [p for p in data["problems"] if p["kind"] == "network"] == []


def test_check_render_renders_again_only_the_sides_that_changed(tmp_path, monkeypatch):
    """The render memo: a second check renders nothing, an edit renders that note's sides, a damaged memo
    is rendered again, and the findings never change."""
    import json
    import uuid

    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root

    assets = mathjax_root(cache_dir())
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / assets.name).symlink_to(assets)
    monkeypatch.setenv("ANKI_BUILD_CACHE_DIR", str(cache))
    tag = uuid.uuid4().hex[:8]
    root = write_tree(
        tmp_path / "notes",
        {
            "01.md": f"# 一\n\n**甲{tag}**：$x^2$。\n\n**乙{tag}**：$\\frac{{1}}$ 少一个参数。\n",
            "02.md": f"# 二\n\n**丙{tag}**：$y$ 的定义。\n\n**丁{tag}**：$z$。\n",
        },
    )

    def check() -> dict:
        result = run_cli("check", "--render", str(root), "--json")
        assert result.returncode == 1, result.stderr[-2000:]  # 乙's broken \frac
        data = json.loads(result.stdout)
        data["found"] = sorted((p["card"], p["side"], p["mode"], p["kind"]) for p in data["problems"])
        return data

    cold = check()
    renderings = 2 * cold["sides"]  # day and night
    assert cold["reused"] == 0 and cold["sides"] == 8 and cold["found"] and cold["imported"] == 4
    again = check()
    assert again["reused"] == renderings and again["found"] == cold["found"] and again["imported"] == 0
    chapter = root / "02.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("$y$ 的定义", "$y^2$ 的新定义"), encoding="utf-8")
    edited = check()
    assert edited["reused"] == renderings - 2 and edited["found"] == cold["found"]  # 丙's back, day and night
    assert edited["imported"] == 1  # only 丙 went through Anki again
    for path in [*(cache / "render").glob("*/*.json"), *(cache / "anki-cards").glob("*/*.json")]:
        path.write_text("{not json", encoding="utf-8")
    damaged = check()
    assert damaged["reused"] == 0 and damaged["found"] == cold["found"] and damaged["imported"] == 4
    assert damaged["sides"] == cold["sides"]


def test_cards_from_the_memo_and_a_partial_import_are_the_ones_a_whole_import_gives(tmp_path, sample_notes):
    """`check --render` imports only the notes Anki has not rendered before: their cards, and those from the
    memo, must be exactly what importing the whole deck gives (same ids, sources, decks, HTML)."""
    import shutil as sh

    from anki_build.commands.build import finish, prepare
    from anki_build.phone.cards import CardsMemo, cards_of, deck_cards, renderer_version

    root = tmp_path / "notes"
    sh.copytree(sample_notes, root)
    prepared = prepare(root, "notes", tmp_path / "deck.apkg")
    built = finish(prepared, write_lock=False)
    assert built.output is not None and prepared.deck is not None and prepared.lock is not None
    whole = cards_of(built.output)
    try:
        expected = sorted((c.id, c.source, c.kind, c.deck, c.question, c.answer) for c in whole.cards)
    finally:
        whole.close()
    mods = prepared.lock.notetype_mods()
    memo = CardsMemo(tmp_path / "memo", renderer_version())
    half = prepared.deck.notes[:24:3]
    for note in half:  # some notes rendered before, the rest now: both must agree with the whole import
        first, _, _ = deck_cards(replace(prepared.deck, notes=[note]), mods, tmp_path / note.guid, memo)
        assert first
    cards, media, imported = deck_cards(prepared.deck, mods, tmp_path / "all", memo)
    assert imported == len(prepared.deck.notes) - len(half)
    assert sorted((c.id, c.source, c.kind, c.deck, c.question, c.answer) for c in cards) == expected
    assert {p.name for p in media.iterdir()} == set(prepared.deck.media.files)
    again, _, imported = deck_cards(prepared.deck, mods, tmp_path / "again", memo)
    assert imported == 0 and again == cards
