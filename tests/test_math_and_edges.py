"""Math survives markdown, and the odd things real notes contain never break a build."""

from __future__ import annotations

import base64
import re

import pytest

from conftest import by_kind, parse

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def back(render_md, text: str, **kw) -> str:
    notes, _ = render_md(f"**T**：{text}\n", **kw)
    return notes[0].fields["Back"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"$a_1 * b_2 * c$", r"\(a_1 * b_2 * c\)"),  # emphasis never touches math
        (r"$\{x\}$ and $a \\ b$", r"\(\{x\}\) and \(a \\ b\)"),  # escapes survive
        (r"$a<b$ and $x > y$ & more", r"\(a&lt;b\) and \(x &gt; y\) &amp; more"),
        (r"\(x^2\) 与 \[y\]", r"\(x^2\) 与 \[y\]"),
        (r"costs \$5 and $x$", r"costs $5 and \(x\)"),
        (r"from $5 to $10 million", r"from $5 to $10 million"),  # currency is text
        (r"`$x$` is code", r"<code>$x$</code> is code"),
        (r"\(1\) 和 \[解析\]", r"(1) 和 [解析]"),  # escaped brackets used as prose
        (r"不难发现 $$db=\frac{1}{m}$$ ，", r"不难发现 \(db=\frac{1}{m}\) ，"),  # `$$` used inline
        (r"$\bm{w}$ 与 $\argmax_x f$", r"\(\boldsymbol{w}\) 与 \(\operatorname*{arg\,max}_x f\)"),
        ("$ x $ padded", r"\(x\) padded"),
    ],
)
def test_inline_math_forms(render_md, source, expected):
    assert back(render_md, source) == f"<p>{expected}</p>"


def test_math_in_headings_tables_lists_and_blockquotes(render_md):
    text = (
        "## $n$ 元语法\n\n| 项 | 式 |\n|---|---|\n| L2 | $\\frac{a}{1+\\lambda}$ |\n\n"
        "Q: 表格里的公式？\nA: 见下表\n\n| a | $b_i$ |\n|---|---|\n| 1 | $x \\| y$ |\n\n"
        "> **引用里的概念**：含 $x^2$ 的句子。\n\n"
        "> $$\n> y = w x\n> $$\n"
    )
    notes, report = render_md(text)
    qa = by_kind(notes, "qa")[0]
    assert "<th>\\(b_i\\)</th>" in qa.fields["Back"] and "<td>1</td>" in qa.fields["Back"]
    [concept] = [n for n in by_kind(notes, "concept") if n.key == "concept:引用里的概念"]
    assert concept.fields["Back"] == "<p>含 \\(x^2\\) 的句子。</p>"
    assert "\\(n\\) 元语法" in concept.fields["Context"]
    [formula] = by_kind(notes, "formula")
    assert "\\[y = w x\\]" in formula.fields["Back"]
    assert report.items == []


def test_crlf_and_bom_and_zero_width_spaces(notes):
    root = notes({"01-a.md": "\ufeff# 标题\r\n\r\n**术语**：定义 $y\u200b$。\r\n".encode()})
    project, report = parse(root)
    [note] = project.notes
    assert note.chapter.title == "标题"
    assert note.back.plain() == "定义 y。"
    assert note.location.line == 3
    assert report.items == []


def test_gbk_file_is_read_with_a_warning(notes):
    root = notes({"01-a.md": "# 旧笔记\n\n**过拟合**：模型在训练集上表现很好，在测试集上表现很差。\n".encode("gbk")})
    project, report = parse(root)
    assert project.notes[0].key == "concept:过拟合"
    [d] = report.items
    assert d.code == "encoding" and d.severity == "warning" and "gb" in d.message.lower()


def test_stray_cp1252_byte_in_utf8_file(notes):
    root = notes(
        {
            "a.md": "**卷积**：使用 1\u00d71 卷积核压缩通道数，这在网络设计中很常见。\n".encode().replace(
                "×".encode(), b"\xd7"
            )
        }
    )
    project, report = parse(root)
    assert "1×1" in project.notes[0].back.plain()
    [d] = report.items
    assert (d.line, d.col, d.code) == (1, 12, "encoding")


def test_unclosed_dollar_is_reported_at_its_column(render_md):
    notes, report = render_md("# T\n\n**损失**：这里 $L = \\sum_i 没有闭合。\n")
    [d] = report.items
    assert (d.line, d.col, d.code) == (3, 11, "unclosed-math")
    assert "$L" in notes[0].fields["Back"]


def test_duplicate_terms_are_kept_and_reported(render_md):
    notes, report = render_md("**激活函数**：第一次。\n\n**激活函数**：第二次。\n")
    assert [n.key for n in notes] == ["concept:激活函数", "concept:激活函数 #2"]
    [d] = report.items
    assert d.code == "duplicate-key" and d.line == 3 and "01-test.md:1:1" in d.message


def test_images_relative_html_embed_data_uri_and_refusals(render_md, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    text = (
        "Q: 图？\nA: 如下\n\n![相对](img/a.png)\n\n"
        '<img width="200" src="img/a.png" onerror="alert(1)">\n\n'
        "![[b.png|300]]\n\n"
        f"![data](data:image/png;base64,{base64.b64encode(PNG).decode()})\n\n"
        "![出界](../secret.png)\n\n![远程](https://example.org/x.png)\n\n![丢失](img/none.png)\n"
    )
    notes, report = render_md(text, {"img/a.png": PNG, "deep/b.png": PNG + b"\0"})
    field = notes[0].fields["Back"]
    assert field.count("<img") == 4
    assert 'src="a-' in field and 'src="b-' in field and 'width="300"' in field
    assert "onerror" not in field and "http" not in field and "secret" not in field
    assert "出界" in field and "远程" in field  # refused images leave their alt text
    codes = sorted(d.code for d in report.items)
    assert codes == ["image-missing", "image-outside-root", "image-remote"]


def test_html_is_sanitised(render_md):
    notes, _ = render_md('**XSS**：<script>alert(1)</script><b onclick="x()">粗</b><a href="javascript:x">链</a>\n')
    field = notes[0].fields["Back"]
    assert "<script" not in field and "alert" not in field and "onclick" not in field and "javascript" not in field
    assert "<b>粗</b>" in field


def test_code_blocks_are_highlighted_with_classes_that_both_palettes_colour(render_md):
    from anki_build.notetypes import note_types
    from anki_build.render.highlight import DAY, NIGHT, contrast

    notes, _ = render_md("Q: 代码？\nA: 如下\n\n```python\nx = torch.zeros(3)  # $x$\n```\n")
    field = notes[0].fields["Back"]
    assert '<pre class="ab-code">' in field and 'class="ab-hl-c1"' in field and "style=" not in field
    assert "\\(" not in field and "$x$" in field  # no math inside code
    css = note_types()["basic"].css
    for scope, background in (("", DAY[1]), (".nightMode ", NIGHT[1]), (".night_mode ", NIGHT[1])):
        found = re.search(re.escape(f"{scope}pre.ab-code .ab-hl-c1") + r"[^{]*\{color:(#[0-9a-f]{6})", css)
        assert found, scope
        assert contrast(found[1], background) >= 4.5


def test_chapter_order_from_sidebar_and_natural_sort(notes):
    root = notes(
        {
            "_sidebar.md": "- [B](chapter10/b.md)\n- [A](chapter2/a.md)\n",
            "chapter2/a.md": "# 第2章 A\n\n**甲**：一。\n",
            "chapter10/b.md": "# 第10章 B\n\n**乙**：二。\n",
            "chapter3/c.md": "**丙**：三。\n",
        }
    )
    project, _ = parse(root)
    assert [c.label for c in project.chapters] == ["10 第10章 B", "02 第2章 A", "03 chapter3"]
    root2 = notes(
        {
            "3.10-x.md": "**x**：一。\n",
            "3.2-y.md": "**y**：二。\n",
            "chapter10.md": "**z**：三。\n",
            "chapter2.md": "**w**：四。\n",
        },
        name="n2",
    )
    project, _ = parse(root2)
    assert [c.label for c in project.chapters] == ["03.2 y", "03.10 x", "02 chapter2", "10 chapter10"]


def test_note_files_come_in_natural_order_whatever_the_case_spaces_or_script(tmp_path):
    import unicodedata

    from anki_build.parse.discover import find_files

    names = ["1-b.md", "3.2.md", "3.10.md", "a b.md", "a-b.md", "ab.md", "B.md", "Chapter2.md", "chapter10.md"]
    names += ["e.md", "é.md", "f.md", "概率论.md", "第2章.md", "第10章.md", "线性代数.md"]
    for name in names:
        (tmp_path / name).write_text("**x**：一。\n", encoding="utf-8")
    assert [p.name for p in find_files(tmp_path, (), set()).notes] == names
    # the same name stored decomposed (as macOS does) sorts in the same place
    decomposed = unicodedata.normalize("NFD", "é.md")
    (tmp_path / "é.md").rename(tmp_path / decomposed)
    assert [unicodedata.normalize("NFC", p.name) for p in find_files(tmp_path, (), set()).notes] == names


def test_setext_h1_and_file_name_fallback(notes):
    project, _ = parse(notes({"01-intro.md": "第一周\n===\n\n**甲**：一。\n", "02-无标题.md": "**乙**：二。\n"}))
    assert [c.label for c in project.chapters] == ["01 第一周", "02 无标题"]


def test_kinds_can_be_switched_off_in_config(notes):
    root = notes(
        {
            "anki-build.toml": "[kinds]\ncloze = false\nqa = false\n",
            "a.md": "**甲**：一。\n\n==遮住== 的句子。\n\nQ: 问？\nA: 答。\n",
        }
    )
    project, report = parse(root)
    assert [n.kind for n in project.notes] == ["concept"] and report.items == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "$",
        "$$",
        "$$\n",
        "\\[",
        "**",
        "**a**：",
        "Q:",
        "A: x",
        "==",
        "{{c1::",
        "- **a**:\n  $$\n",
        "#" + " " * 5000 + "x",
        "> $$\n> a",
        "![[",
        "<img src>",
        "---\n: [\n---\n",
        "\\begin{aligned}\n",
        "| a |\n|---|\n| $ |",
    ],
)
def test_pathological_inputs_never_raise(render_md, text):
    render_md(text)


def test_chapter_order_from_d2l_toc(notes):
    root = notes(
        {
            "index.md": "# Book\n\n```toc\n:maxdepth: 2\n\nchapter_z/index\nchapter_a/index\n```\n",
            "chapter_a/index.md": "# Alpha\n\n**甲**：一。\n",
            "chapter_z/index.md": "# Zeta\n\n**乙**：二。\n",
        }
    )
    project, _ = parse(root)
    assert [c.title for c in project.chapters] == ["Zeta", "Alpha"]


def test_english_prompts(render_md):
    notes, _ = render_md(
        "",
        {
            "anki-build.toml": 'language = "en"\n',
            "01-test.md": "**Overfitting**: fits noise.\n\n**Softmax**:\n\n$$p = e^z / \\sum e^z$$\n",
        },
    )
    assert "Define" in notes[0].fields["Front"]
    assert "Write the formula for" in by_kind(notes, "formula")[0].fields["Front"]


def test_symlinked_note_outside_the_root_is_not_read(notes, tmp_path):
    outside = tmp_path / "private.md"
    outside.write_text("**秘密**：不应被读取。\n", encoding="utf-8")
    root = notes({"a.md": "**公开**：可以。\n"})
    (root / "link.md").symlink_to(outside)
    project, _ = parse(root)
    assert [n.key for n in project.notes] == ["concept:公开"]
