"""Each note syntax, as a user writes it, becomes the note they expect."""

from __future__ import annotations

from conftest import by_kind


def test_concept_paragraph_with_fullwidth_colon(render_md):
    notes, report = render_md("# 基本概念\n\n**过拟合**：模型在训练集上表现好、在新数据上差。\n")
    [note] = notes
    assert note.kind == "concept"
    assert "过拟合" in note.fields["Front"]
    assert note.fields["Back"] == "<p>模型在训练集上表现好、在新数据上差。</p>"
    assert note.key == "concept:过拟合"
    assert report.items == []


def test_concept_list_item_ascii_colon_and_colon_inside_bold(render_md):
    notes, _ = render_md(
        "- **Dropout**: randomly zeroes units.\n- **Early stopping:** stop when validation loss rises.\n"
    )
    assert [n.key for n in notes] == ["concept:dropout", "concept:early stopping"]
    assert notes[1].fields["Back"] == "<p>stop when validation loss rises.</p>"


def test_concept_list_item_keeps_nested_list_in_answer(render_md):
    notes, _ = render_md("- **Adam**：结合两种思想\n  - 动量\n  - RMSProp\n")
    [note] = notes
    assert "<li>动量</li>" in note.fields["Back"] and "<li>RMSProp</li>" in note.fields["Back"]


def test_double_colon_lines_and_definition_lists(render_md):
    notes, _ = render_md("梯度消失 :: 梯度逐层连乘后变得极小。\n\nEpoch\n: 所有样本都用过一次的一轮训练。\n")
    assert [n.key for n in notes] == ["concept:梯度消失", "concept:epoch"]
    assert "梯度逐层连乘后变得极小" in notes[0].fields["Back"]
    assert "一轮训练" in notes[1].fields["Back"]


def test_bold_without_colon_is_not_a_concept(render_md):
    notes, _ = render_md("**注意** 这只是强调，不是定义。\n")
    assert notes == []


def test_formula_block_labelled_by_bold_term_with_where_line(render_md):
    notes, _ = render_md(
        "**Sigmoid**：把实数压到 $(0,1)$：\n\n$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\n其中 $x$ 是 logit。\n"
    )
    [formula] = by_kind(notes, "formula")
    assert formula.key == "formula:sigmoid"
    assert "Sigmoid" in formula.fields["Front"]
    assert "\\[\\sigma(x) = \\frac{1}{1+e^{-x}}\\]" in formula.fields["Back"]
    assert "\\(x\\)" in formula.fields["Extra"] and "logit" in formula.fields["Extra"]
    [concept] = by_kind(notes, "concept")
    assert concept.fields["Back"].endswith("区间</p>") or "\\((0,1)\\)" in concept.fields["Back"]


def test_formula_shapes_one_line_brackets_bare_env_and_in_list(render_md):
    text = (
        "## Softmax\n\n$$p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$$\n\n"
        "## Adam\n\n\\[\nm_t = \\beta_1 m_{t-1}\n\\]\n\n"
        "## LSTM\n\n\\begin{aligned}\nc_t &= f_t \\odot c_{t-1} \\\\\nh_t &= o_t \\odot \\tanh(c_t)\n\\end{aligned}\n\n"
        "- **MSE**：\n\n  $$L = \\frac{1}{n}\\sum_i (y_i - \\hat y_i)^2$$\n"
    )
    notes, _ = render_md(text)
    formulas = by_kind(notes, "formula")
    assert [f.key for f in formulas] == ["formula:softmax", "formula:adam", "formula:lstm", "formula:mse"]
    assert "&amp;=" in formulas[2].fields["Back"]  # `&` escaped for the HTML parser, `\\` kept
    assert "\\\\" in formulas[2].fields["Back"]


def test_formula_label_from_sentence_and_blocks_side_by_side_are_one_card(render_md):
    notes, _ = render_md(
        "## 更新规则\n\n动量法的速度更新为：\n\n$$v_t = \\gamma v_{t-1} + g_t$$\n\n$$w_t = w_{t-1} - \\eta v_t$$\n"
    )
    formulas = by_kind(notes, "formula")
    assert [f.key for f in formulas] == ["formula:动量法的速度更新为"]
    assert "写出对应的公式" in formulas[0].fields["Front"]
    assert "\\gamma" in formulas[0].fields["Back"] and "\\eta" in formulas[0].fields["Back"]


def test_one_label_twice_numbers_its_formulas(render_md):
    notes, _ = render_md(
        "## 更新规则\n\n更新公式为：\n\n$$v_t = g_t$$\n\n其中 $g_t$ 是梯度。\n\n"
        "更新公式为：\n\n$$w_t = w_{t-1} - v_t$$\n"
    )
    assert [f.key for f in by_kind(notes, "formula")] == ["formula:更新公式为", "formula:更新公式为 2"]


def test_worked_example_and_announced_derivation(render_md):
    notes, _ = render_md(
        "## 语言模型\n\n序列的概率为：\n\n$$P(w_1, w_2) = P(w_1) P(w_2 \\mid w_1)$$\n\n"
        "例如，一段含有3个词的文本序列的概率：\n\n$$P(a, b, c) = P(a) P(b \\mid a) P(c \\mid a, b)$$\n\n"
        "## 增益\n\n推导过程如下，先写出误差：\n\n$$e = x - \\hat x$$\n\n然后计算它的方差：\n\n"
        "$$P = E[e e^T]$$\n\n对增益求导并令其为零，得到最优增益：\n\n$$K = P H^T S^{-1}$$\n"
    )
    assert [n.key for n in by_kind(notes, "formula")] == ["formula:序列的概率为"]
    (derivation,) = by_kind(notes, "derivation")
    assert derivation.fields["Back"].count("\\[") == 3


def test_english_worked_example_is_not_a_formula_card(render_md):
    notes, _ = render_md(
        "## Rules\n\nThe power rule states that\n\n$$\\frac{d}{dx} x^n = n x^{n-1}$$\n\n"
        "For example, the derivative of a cubic:\n\n$$\\frac{d}{dx} x^3 = 3x^2$$\n"
    )
    assert len(by_kind(notes, "formula")) == 1


def test_two_display_blocks_on_one_line_are_two_formulas_on_one_card(render_md):
    notes, _ = render_md("## Norms\n\n$$a^2$$ $$b^2$$\n")
    assert [f.fields["Back"].count("\\[") for f in notes] == [2]


def test_qa_same_paragraph_and_separate_paragraphs(render_md):
    text = (
        "Q: 为什么 ReLU 能缓解梯度消失？\nA: 正区间导数恒为 1。\n\n"
        "问：什么是批大小？\n\n答：一次迭代使用的样本数。\n\n- 太小：噪声大\n- 太大：泛化差\n\n"
        "问:半角冒号也可以？\n答:可以。\n"
    )
    notes, report = render_md(text)
    assert [n.kind for n in notes] == ["qa", "qa", "qa"]
    assert "为什么 ReLU 能缓解梯度消失？" in notes[0].fields["Front"]
    assert notes[0].fields["Back"] == "<p>正区间导数恒为 1。</p>"
    assert "一次迭代使用的样本数" in notes[1].fields["Back"] and "<li>太小：噪声大</li>" in notes[1].fields["Back"]
    assert notes[2].fields["Back"] == "<p>可以。</p>"
    assert report.items == []


def test_heading_question_takes_everything_until_next_heading(render_md):
    text = (
        "## 正则化\n\n### 为什么 L1 正则比 L2 更容易得到稀疏解？\n\n"
        "L1 的约束区域有尖角。\n\n- 最优点常落在坐标轴上\n\n$$\\|w\\|_1 \\le t$$\n\n### 下一节\n\n普通段落。\n"
    )
    notes, _ = render_md(text)
    [qa] = by_kind(notes, "qa")
    assert qa.key == "qa:为什么 l1 正则比 l2 更容易得到稀疏解"
    assert [n.kind for n in notes] == ["qa", "formula"]  # the answer's own formula is a card too
    assert (
        "尖角" in qa.fields["Back"] and "坐标轴" in qa.fields["Back"] and "\\[\\|w\\|_1 \\le t\\]" in qa.fields["Back"]
    )
    assert "普通段落" not in qa.fields["Back"]
    assert "正则化" in qa.fields["Context"]


def test_question_without_answer_is_a_warning_with_location(render_md):
    notes, report = render_md("# T\n\nQ: 没有答案的问题？\n")
    assert notes == []
    [d] = report.items
    assert (d.line, d.col, d.code) == (3, 1, "empty-answer")


def test_cloze_from_highlights_and_handwritten(render_md):
    notes, _ = render_md(
        "Adam 的默认值是 ==$\\beta_1 = 0.9$== 和 ==0.999==。\n\n{{c1::Dropout}} 由 ==Hinton== 提出。\n"
    )
    first, second = notes
    assert first.notetype == second.notetype == "cloze"
    assert first.fields["Text"] == "<p>Adam 的默认值是 {{c1::\\(\\beta_1 = 0.9\\)}} 和 {{c2::0.999}}。</p>"
    assert second.fields["Text"] == "<p>{{c1::Dropout}} 由 {{c2::Hinton}} 提出。</p>"


def test_cloze_math_ending_in_double_brace_is_made_safe(render_md):
    notes, _ = render_md("缩放因子是 ==$\\frac{1}{\\sqrt{d_k}}$==。\n")
    text = notes[0].fields["Text"]
    assert text == "<p>缩放因子是 {{c1::\\(\\frac{1}{\\sqrt{d_k} }\\)}}。</p>"
    assert text.count("}}") == 1


def test_front_matter_chapter_tags_deck_and_cards_false(render_md):
    text = (
        "---\nchapter: 附录\ntags: [面试, 高频 题]\ndeck: 面试::高频\n---\n"
        "# 忽略的标题\n\n**偏差**：模型假设带来的误差。\n"
    )
    notes, _ = render_md(text, {"02-skip.md": "---\ncards: false\n---\n**跳过**：不应出现。\n"})
    [note] = notes
    assert note.tags == ["chapter::附录", "面试", "高频_题"]
    assert note.deck == "notes::面试::高频"


def test_no_cards_region_is_skipped(render_md):
    text = "**留下**：会成卡。\n\n<!-- no-cards -->\n\n**待办**：不成卡。\n\n<!-- cards -->\n\n**也留下**：会成卡。\n"
    notes, _ = render_md(text)
    assert [n.key for n in notes] == ["concept:留下", "concept:也留下"]


def test_wikilinks_become_text(render_md):
    notes, _ = render_md("**CNN**：见 [[卷积层|卷积]] 与 [[池化]]。\n")
    assert notes[0].fields["Back"] == "<p>见 卷积 与 池化。</p>"


def test_breadcrumb_shows_chapter_and_section(render_md):
    notes, _ = render_md("# 优化方法\n\n## $L_2$ 与动量\n\n**动量**：累积历史梯度。\n", name="03-优化方法.md")
    ctx = notes[0].fields["Context"]
    assert "03 优化方法" in ctx and "\\(L_2\\) 与动量" in ctx
    assert notes[0].deck == "notes::03 优化方法"
    assert notes[0].tags == ["chapter::03_优化方法"]


def test_explicit_ids_pin_identity_and_are_not_shown(render_md):
    text = (
        "**L1 稀疏性** {#l1-sparsity}：L1 的次梯度在 0 处包含一个区间。\n\n"
        "<!-- id: momentum-q -->\nQ: 动量的作用？\nA: 平滑更新方向。\n\n"
        "<!-- id: softmax-formula -->\n$$p_i = e^{z_i} / \\sum_j e^{z_j}$$\n\n"
        "**普通**：没有 id。\n\n"
        "### 为什么要归一化？ {#why-norm}\n\n加快收敛。\n"
    )
    notes, report = render_md(text)
    assert [n.key for n in notes] == [
        "id:l1-sparsity",
        "id:momentum-q",
        "id:softmax-formula",
        "concept:普通",
        "id:why-norm",
    ]
    assert all("{#" not in v and "id:" not in v for n in notes for k, v in n.fields.items() if k != "Key")
    assert report.items == []
