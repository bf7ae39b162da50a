"""What a reader sees on a 390 px phone, measured in headless Chromium with Anki's MathJax: formulas that
fit (stacked or scaled by the card's own script), code and text that read at night, tables with usable
columns, images that are not glaring white blocks. Screenshots, day and night, go to test-artifacts/.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO, built_cards, write_tree

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (Debian: apt-get install chromium)"),
    pytest.mark.usefixtures("render_assets"),  # `anki-build setup-render`, once per session
]
pytest.importorskip("anki", reason="the Anki backend is a test dependency: pip install -e '.[test]'")

ARTIFACTS = REPO / "test-artifacts"
DIAGRAM = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="160" viewBox="0 0 300 160">'
    '<rect width="300" height="160" fill="#ffffff"/><path d="M10 150 L150 20 L290 150" stroke="#000" fill="none"/>'
    "</svg>"
)
NOTES = r"""# 阅读

Kalman 增益的推导：

$$
\begin{aligned}
\frac{\partial}{\partial K}\operatorname{tr}\left((I-KH)P^-(I-KH)^\top + KRK^\top\right) &= -2(I-KH)P^-H^\top + 2KR \\
&= -2P^-H^\top + 2K\left(HP^-H^\top + R\right) \\
&= 0
\end{aligned}
$$

**很长的单个公式**：

$$
\left(\frac{\beta_1 m_{t-1} + (1-\beta_1) g_t}{1-\beta_1^t}
\cdot \frac{\beta_2 v_{t-1} + (1-\beta_2) g_t^2}{1-\beta_2^t}
\cdot \frac{\beta_3 w_{t-1} + (1-\beta_3) h_t^2}{1-\beta_3^t}\right)
$$

Q: 怎样在 PyTorch 里清零梯度？
A: 每一步先清零再反向传播：

```python
for x, y in loader:
    optimizer.zero_grad()  # clear the old gradients
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
```

Q: 三种优化器的超参数？
A: 常用的默认值：

| 优化器 | 学习率 | 动量或 β | 权重衰减 |
| --- | --- | --- | --- |
| SGD | 0.1 | 0.9 | 5e-4 |
| Adam | 1e-3 | (0.9, 0.999) | 0 |
| AdamW | 1e-3 | (0.9, 0.999) | 0.01 |

Q: 损失曲面长什么样？
A: 像一个碗：

![碗](img/bowl.svg)
"""


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root
    from anki_build.phone.browser import Phone

    root = write_tree(tmp_path_factory.mktemp("reading") / "notes", {"01-阅读.md": NOTES, "img/bowl.svg": DIAGRAM})
    cards = built_cards(root, root.parent / "deck.apkg")
    backs = {c.id.split("/")[0].split(":", 1)[1][:6]: c.answer for c in cards.cards}
    out = {}
    with Phone(mathjax_root(cache_dir()), cards.media) as phone:
        for night in (False, True):
            mode = "night" if night else "day"
            for result in phone.check(list(backs.items()), night=night):
                out[(result.id, mode)] = result
            for name, html in backs.items():
                phone.screenshot(html, ARTIFACTS / "reading" / f"{name}-{mode}.png", night=night)
    cards.close()
    return out


def _formulas(result):
    return result.measures["formulas"]


def test_a_wide_aligned_derivation_shows_every_step_on_the_screen(sides):
    for mode in ("day", "night"):
        result = sides[("kalman", mode)]
        [formula] = [f for f in _formulas(result) if f["display"]]
        assert formula["width"] <= formula["room"], formula  # every `= step` is on screen, none cut off
        assert not formula["hinted"]
        assert {p["kind"] for p in result.problems} == set(), result.problems


def test_a_wide_single_formula_is_scaled_to_fit_or_scrolls_with_a_visible_hint(sides):
    result = sides[("很长的单个公", "day")]
    [formula] = [f for f in _formulas(result) if f["display"]]
    assert formula["scale"] < 100  # the card's script shrank it
    if formula["width"] > formula["room"]:
        assert formula["scale"] == 70 and formula["hinted"]
        assert [p["kind"] for p in result.problems] == ["too-wide"]
        assert "with a scroll hint" in result.problems[0]["message"]
    else:
        assert result.problems == []


def test_code_reads_at_night_and_by_day(sides):
    for mode in ("day", "night"):
        result = sides[("怎样在 py", mode)]
        assert result.measures["min_contrast"] >= 4.5, (mode, result.problems)
        assert not [p for p in result.problems if p["kind"] == "contrast"]


def test_a_table_of_four_columns_keeps_readable_columns(sides):
    result = sides[("三种优化器的", "day")]
    assert result.measures["narrowest_cell"] >= 60  # not one character per line
    assert not [p for p in result.problems if p["kind"] in ("page-overflow", "too-wide")]


def test_a_diagram_on_white_is_inverted_at_night_and_left_alone_by_day(sides):
    day, night = sides[("损失曲面长什", "day")], sides[("损失曲面长什", "night")]
    assert day.measures["images"] == ["none"]
    [filter_] = night.measures["images"]
    assert "invert" in filter_
    assert not night.problems and not day.problems


def test_the_detector_reports_low_contrast_small_text_and_tall_sides(sides):
    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root
    from anki_build.phone.browser import Phone

    probes = [
        ("grey", '<p style="color:#bbbbbb">faint words on white</p>'),
        ("tiny", '<p style="font-size:9px">tiny words</p>'),
        ("tall", "<p>line</p>" * 300),
        ("wide", r"\[" + " + ".join(f"x_{{{i}}}" for i in range(80)) + r"\]"),
    ]
    with Phone(mathjax_root(cache_dir())) as phone:
        results = {r.id: {p["kind"] for p in r.problems} for r in phone.check(probes)}
    # without the card's CSS and script, a wide formula is cut off and widens the page
    assert results == {
        "grey": {"contrast"},
        "tiny": {"small-text"},
        "tall": {"too-tall"},
        "wide": {"too-wide", "page-overflow"},
    }


def _webkit() -> bool:
    from anki_build.phone.browser import BrowserUnavailable, find_webkit

    try:
        find_webkit()
    except BrowserUnavailable:
        return False
    return True


def test_webkit_measures_the_same_cards_like_chromium(tmp_path):
    """AnkiMobile's engine: WebKitGTK with the same page, MathJax and measurements, and the same verdicts."""
    if not _webkit():
        pytest.skip("WebKitGTK not installed (Debian: apt-get install gir1.2-webkit2-4.1 python3-gi xvfb)")
    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root
    from anki_build.phone.browser import Phone

    root = write_tree(tmp_path / "notes", {"01-阅读.md": NOTES, "img/bowl.svg": DIAGRAM})
    cards = built_cards(root, tmp_path / "deck.apkg")
    sides = [(c.id, c.answer) for c in cards.cards]
    try:
        with Phone(mathjax_root(cache_dir()), cards.media) as phone:
            night = {r.id: r for r in phone.check_webkit(sides, night=True)}
            chromium = {r.id: r for r in phone.check(sides, night=True)}
            assert phone.blocked == []
    finally:
        cards.close()
    assert set(night) == set(chromium) and all(r.viewport == [390, 844] for r in night.values())
    for card_id, result in night.items():
        assert result.math == chromium[card_id].math
        assert {p["kind"] for p in result.problems} <= {"too-wide"}, (card_id, result.problems)
        assert result.measures["min_contrast"] >= 4.5
    kalman = next(r for k, r in night.items() if "kalman" in k)
    [formula] = [f for f in kalman.measures["formulas"] if f["display"]]
    assert formula["width"] <= formula["room"]
    bowl = next(r for k, r in night.items() if "损失曲面" in k)
    assert "invert" in bowl.measures["images"][0]


def test_check_render_with_both_engines_reports_where_they_disagree(tmp_path):
    import json

    from conftest import cli

    if not _webkit():
        pytest.skip("WebKitGTK not installed (Debian: apt-get install gir1.2-webkit2-4.1 python3-gi xvfb)")
    root = write_tree(tmp_path / "notes", {"01-阅读.md": NOTES, "img/bowl.svg": DIAGRAM})
    result = cli("check", "--render", str(root), "--engine", "all", "--json")
    data = json.loads(result.stdout)
    assert data["engines"] == ["chromium", "webkit"]
    assert {p["engine"] for p in data["problems"]} <= {"chromium", "webkit"}
    for d in data["disagreements"]:
        assert d["only_in"] in ("chromium", "webkit") and d["kind"]
    assert result.returncode == 0, result.stderr[-2000:]


def test_webkit_goes_through_the_refusing_proxy_and_reaches_nothing():
    import http.server
    import threading

    from anki_build.derive.worker import cache_dir
    from anki_build.phone.assets import mathjax_root
    from anki_build.phone.browser import Phone

    if not _webkit():
        pytest.skip("WebKitGTK not installed (Debian: apt-get install gir1.2-webkit2-4.1 python3-gi xvfb)")
    hits: list[str] = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Listener)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sides = [
        ("img", f'<img src="http://127.0.0.1:{port}/a.png">'),
        ("css", f'<div style="background:url(http://127.0.0.1:{port}/b.png)">x</div>'),
    ]
    try:
        with Phone(mathjax_root(cache_dir())) as phone:
            results = {r.id: {p["kind"] for p in r.problems} for r in phone.check_webkit(sides)}
            blocked = list(phone.blocked)
    finally:
        server.shutdown()
    assert hits == []
    assert all("network" in kinds for kinds in results.values())
    assert len(blocked) == 2
