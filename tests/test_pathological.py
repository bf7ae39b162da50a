"""No input hangs a build: every rule is linear, and loops, FIFOs and alias bombs end in bounded time.

Each pathological pattern is built at ~10 KB and ~100 KB; the 10× larger input may cost at most
25× the time (a linear rule costs ~10×, a quadratic one ~100×). Times are CPU times, best of three,
so a busy machine does not make the ratio lie.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import cli, write_tree

SMALL, LARGE = 10_000, 100_000
MAX_RATIO = 25

# name → the unit repeated to the target size (each unit opens something it never closes, or nests)
PATTERNS: dict[str, str] = {
    "unclosed_bracket_lines": "\\[ a\n",
    "unclosed_bracket_inline": "\\( a ",
    "unclosed_display_inline": "x \\[ a ",
    "unclosed_env_lines": "\\begin{aligned}\n",
    "unclosed_env_paragraph": "a \\begin{aligned} b\n",
    "unclosed_dollar_block_lines": "$$ a\n",
    "unclosed_dollar_inline": "$a ",
    "unclosed_double_dollar_inline": "$$a ",
    "escaped_dollars": "\\$a $",
    "wikilink_open": "[[a ",
    "wikilink_far_close": "[[a [",
    "embed_open": "![[a ",
    "img_in_html_block": "<img ",
    "img_attributes_in_html_block": '<img src="a.png" alt="',
    "html_comment_open": "<!-- a ",
    "mark_open": "==a ",
    "emphasis_open": "**a ",
    "link_open": "[a](",
    "brackets_open": "[",
    "backticks": "`a ",
    "question_heading": "### 为什么 a？\n\n",
    "concept_lines": "**a**：b\n",
    "definition_lines": "a :: b\n",
    "cloze_marks": "==a== ",
    "tex_unclosed_group": "$\\href{",
    "tex_many_commands": "$\\href{x}{y}\\bbox[red]{z}\\color{red} ",
    "tex_unclosed_optional": "$\\bbox[",
    "images_in_one_paragraph": "![a](x.png) ",
    "unfindable_images": "![a](&#97;.png) ",
    "html_images_with_entities": 'a <img src="&#97;.png"> ',
    "tex_hazards_in_one_formula": "\\href{x}{y} ",
    "nested_quotes": "> ",
    "nested_lists": "- ",
    "table_rows": "| a | b |\n| - | - |\n",
    "term_colon_list": "- 术语：一个足够长的定义文字\n",
    "term_colon_lines": "向量的范数：一个足够长的定义文字。\n",
    "short_definition_list": "- 术语：短\n",
    "bold_labels_with_lists": "**特点**：\n\n- 一\n- 二\n\n",
    "glossary_headings": "### 术语\n\n术语是指一个概念的定义文字。\n\n",
    "aliased_terms": "交叉熵（cross entropy）是一个常用的衡量方法。",
    "named_terms": "我们称这种方法为“方法”。",
    "term_table": "| 术语 | 定义 |\n| --- | --- |\n" + "| 过拟合 | 训练误差小而测试误差大的现象 |\n" * 1,
    "formula_chain": "$$a = b$$\n\n所以\n\n",
    "callouts": "> [!note] 标题\n> 内容\n\n",
    "nested_callouts": "> [!tip] a\n",
    "admonitions": '!!! question "为什么？"\n\n    因为。\n\n',
    "item_headings": "- 学习率\n\n学习率记作 $\\eta$，表示每一步的幅度。\n\n",
    "bare_lines": "AlexNet\n\n",
    "naming_sentences": "称这个权重为**卡尔曼增益**，",
    "naming_verbs_unclosed": "称为“",
    "steps_lists": "1. **计算梯度**：求偏导数。\n",
    "recap_formulas": "- 状态更新： $x = y$\n",
}


def _document(unit: str, size: int) -> str:
    """The pattern as the answer of a question heading, so that every rule, extraction included, sees it."""
    body = unit * (size // len(unit.encode()))
    if unit.startswith("<img "):
        body = "<div>\n" + body  # an unclosed tag in an HTML block
    if unit.startswith("\\href{x}"):
        body = f"$$\n{body}\n$$"
    return "# 标题\n\n**术语**：定义。\n\n### 为什么会这样？\n\n" + body


def _cpu(root: Path) -> float:
    from anki_build.commands.build import build

    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        build(root, "notes", root.parent / "out.apkg", plan_only=True, check=False, write_lock=False)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_build_time_grows_linearly(name: str, tmp_path: Path) -> None:
    unit = PATTERNS[name]
    times = []
    for size in (SMALL, LARGE):
        root = write_tree(tmp_path / f"n{size}", {"01-a.md": _document(unit, size)})
        times.append(_cpu(root))
    ratio = times[1] / max(times[0], 1e-3)
    assert ratio <= MAX_RATIO, f"{name}: {times[0]:.3f} s at 10 KB, {times[1]:.3f} s at 100 KB (×{ratio:.1f})"


def test_many_chapter_files_build_in_linear_time(tmp_path: Path) -> None:
    """Packaging was quadratic in the number of chapter decks (genanki rewrote its JSON per deck)."""
    from anki_build.commands.build import build

    times = []
    for count in (300, 2400):
        root = tmp_path / f"n{count}"
        root.mkdir()
        for i in range(count):
            (root / f"{i:05d}-c.md").write_text(f"# 第{i}章\n\n**术语{i}**：定义{i}。\n", encoding="utf-8")
        started = time.process_time()
        summary = build(root, "notes", tmp_path / f"o{count}.apkg", check=False, write_lock=False)
        times.append(time.process_time() - started)
        assert summary.notes == count and summary.exit_code == 0
    assert times[1] / times[0] <= 8 * 2.5, times


def _build_in(root: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return cli("build", str(root), "-o", str(root.parent / "out.apkg"), "--json", timeout=timeout)


def test_symlink_loops_finish_and_never_duplicate_notes(tmp_path: Path) -> None:
    import json

    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n", "sub/02-b.md": "**乙**：二。\n"})
    (root / "self").symlink_to(root, target_is_directory=True)
    (root / "again").symlink_to(root, target_is_directory=True)
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    (root / "sub" / "loop").symlink_to(root / "sub", target_is_directory=True)
    (root / "01-copy.md").symlink_to(root / "01-a.md")
    started = time.monotonic()
    result = _build_in(root)
    assert time.monotonic() - started < 60
    data = json.loads(result.stdout)
    assert data["notes"] == 2, data["diagnostics"]
    assert any(d["code"] == "symlink-loop" for d in data["diagnostics"])


def test_a_fifo_named_like_a_note_or_image_does_not_block(tmp_path: Path) -> None:
    import json

    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。![x](pipe.png)\n"})
    os.mkfifo(root / "02-pipe.md")
    os.mkfifo(root / "pipe.png")
    os.mkfifo(root / "SUMMARY.md")
    result = _build_in(root, timeout=60)
    data = json.loads(result.stdout)
    assert data["notes"] == 1
    codes = {d["code"] for d in data["diagnostics"]}
    assert "not-a-file" in codes


def test_a_yaml_alias_bomb_in_front_matter_is_refused_quickly(tmp_path: Path) -> None:
    import json

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 12)]
    bomb = "---\n" + "\n".join(levels) + "\ntags: *a11\n---\n\n**甲**：一。\n"
    deep = "---\ntags: " + "[" * 5000 + "]" * 5000 + "\n---\n\n**乙**：二。\n"
    root = write_tree(tmp_path / "notes", {"01-a.md": bomb, "02-b.md": deep})
    started = time.monotonic()
    result = _build_in(root)
    assert time.monotonic() - started < 30
    data = json.loads(result.stdout)
    assert data["notes"] == 2 and "Traceback" not in result.stderr
    assert [d["code"] for d in data["diagnostics"]].count("front-matter") == 2


def test_an_image_over_the_limit_is_left_out_with_a_warning(tmp_path: Path) -> None:
    import json

    root = write_tree(
        tmp_path / "notes", {"anki-build.toml": "max_image_mb = 1\n", "01-a.md": "**甲**：一。![x](big.png)\n"}
    )
    with open(root / "big.png", "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(2 * 1024 * 1024 * 1024)  # 2 GiB, sparse: nothing is written, nothing may be read
    result = _build_in(root)
    data = json.loads(result.stdout)
    [warning] = [d for d in data["diagnostics"] if d["code"] == "image-too-large"]
    assert "2 GiB" in warning["message"] or "2048 MiB" in warning["message"]
    assert data["media"] == 0 and Path(data["output"]).stat().st_size < 100_000


def test_the_checker_of_this_module_runs_in_a_subprocess_python() -> None:
    """Sanity: the installed console script is the one under test (cli uses it)."""
    assert Path(sys.executable).parent.joinpath("anki-build").exists()


def test_note_ids_for_a_huge_deck_built_in_one_second_are_linear() -> None:
    """Every note of a build shares one second (1,000 ids): probing for a free id one by one made a
    20,000-note deck spend a minute in id assignment."""
    from anki_build.package import _Ids

    times = []
    for count in (6_250, 50_000):
        ids = _Ids()
        started = time.process_time()
        seen = {next(ids.for_note(1_900_000_000, f"guid-{i}")) for i in range(count)}
        times.append(time.process_time() - started)
        assert len(seen) == count  # all distinct
    assert times[1] / max(times[0], 1e-3) <= 8 * 2.5, times
