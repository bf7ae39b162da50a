"""Notes as people write them without any card syntax: each format the heuristic rules read, and what they leave alone.

All examples are written for these tests (Chinese and English, the shapes found in real notes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO, SHARED, by_kind


def keys(notes: list[object]) -> list[str]:
    return [n.key for n in notes]  # type: ignore[attr-defined]


# 1. unbolded `术语：定义` lines and list items, and `术语：` with the definition below
def test_unbolded_term_colon_list_items_and_lines(render_md):
    notes, _ = render_md(
        "# 范数\n\n- 向量的1范数：向量各个元素绝对值之和，常用来诱导稀疏性。\n"
        "- 向量的2范数：各元素平方和的平方根，也就是欧氏长度。\n\n"
        "Image Classification: assign one label from a fixed set of categories to a whole input image.\n\n"
        "熵（entropy）:\n\n衡量一个随机变量不确定性的量，分布越均匀熵越大。\n"
    )
    assert keys(notes) == [
        "concept:向量的1范数",
        "concept:向量的2范数",
        "concept:image classification",
        "concept:熵 entropy",
    ]
    assert "不确定性" in notes[3].fields["Back"]  # type: ignore[attr-defined]


def test_a_colon_inside_an_ordinary_sentence_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 训练\n\n需要注意的是：学习率太大时损失会震荡，太小时收敛很慢。\n\n"
        "这一节的结论很简单：先调学习率，再调其他超参数。\n\n"
        "优化方法：梯度下降\n\nNote: this only holds for convex losses.\n"
    )
    assert notes == []


# 2. headings that name a term or ask a question
def test_glossary_headings_and_numbered_question_headings(render_md):
    notes, _ = render_md(
        "# 术语\n\n### 偏差\n\n偏差是指模型预测的期望与真实值之间的差距，反映模型的拟合能力。\n\n"
        "### Dropout\n\nDropout is a regularisation method that randomly zeroes activations during training.\n\n"
        "### 1.2.3 什么是批归一化\n\n对每个小批量按通道做标准化，再做可学习的缩放与平移。\n\n"
        "### 如何判断模型过拟合\n\n训练误差持续下降而验证误差开始上升。\n\n"
        "### Why does momentum help\n\nIt averages gradients over steps, damping oscillations.\n"
    )
    assert keys(notes) == [
        "concept:偏差",
        "concept:dropout",
        "qa:什么是批归一化",
        "qa:如何判断模型过拟合",
        "qa:why does momentum help",
    ]
    fronts = [n.fields["Front"] for n in notes]  # type: ignore[attr-defined]
    assert all("1.2.3" not in front for front in fronts)  # numbered prefixes never reach a front


def test_section_headings_over_notes_and_generic_headings_make_no_cards(render_md):
    notes, _ = render_md(
        "# 第3章 优化\n\n## 小结\n\n本章介绍了若干常见的优化算法，它们各有适用场景。\n\n"
        "## 学习率调度\n\n**余弦退火**：学习率按余弦曲线从最大值逐渐降到最小值。\n\n"
        "## 参考文献\n\n论文列表见课程主页上的说明页面。\n"
    )
    assert keys(notes) == ["concept:余弦退火"]


# 3. bold terms without a colon
def test_bold_terms_without_a_colon(render_md):
    notes, _ = render_md(
        "# Terms\n\n**Sigmoid function** is a smooth squashing function that maps any real number into (0, 1).\n\n"
        "**偏差** 是指模型预测的期望与真实值之间的差距。\n\n"
        "**Null hypothesis** - the default claim that there is no effect, tested against the data.\n\n"
        "**空洞卷积** Dilated convolution\n\n在卷积核的元素之间插入空洞，在不增加参数的情况下扩大感受野。\n\n"
        "**权重衰减**  \n在损失中加入参数平方和的惩罚项，使权重趋向于较小的值。\n"
    )
    assert keys(notes) == [
        "concept:sigmoid function",
        "concept:偏差",
        "concept:null hypothesis",
        "concept:空洞卷积 dilated convolution",
        "concept:权重衰减",
    ]


def test_bold_emphasis_inside_a_sentence_is_not_a_term(render_md):
    notes, _ = render_md("# 说明\n\n**注意** 这里的数据已经做过归一化处理。\n\n这是**重点**，考试会考。\n")
    assert notes == []


# 4. a bold term whose definition is the list below
def test_a_bold_term_described_by_a_list_of_its_facets_inside_an_answer(render_md):
    """`**L1 正则化（Lasso）**:` over `- 惩罚项：…` `- 特点：…`: the items describe the term; they are not terms."""
    notes, _ = render_md(
        "# 正则化\n\n### 正则化有哪几种？\n\n**答案**:\n\n**L1 正则化（Lasso）**:\n- 惩罚项：权重绝对值之和乘以系数\n"
        "- 特点：很多权重恰好为零，得到稀疏解\n\n**Bagging (bootstrap aggregating)**:\n"
        "- **并行训练**: 每个基学习器独立训练\n- **例子**: 随机森林\n\n**预防方法**:\n"
        "1. **数据层面**:\n   - 收集更多数据\n\n2. **模型层面**:\n   - 降低复杂度\n"
    )
    assert keys(notes) == ["qa:正则化有哪几种", "concept:l1 正则化 lasso", "concept:bagging bootstrap aggregating"]
    assert "稀疏解" in notes[1].fields["Back"] and "随机森林" in notes[2].fields["Back"]  # type: ignore[attr-defined]


def test_bold_term_defined_by_the_list_below_and_a_group_label(render_md):
    notes, _ = render_md(
        "# 正则化\n\n**Dropout**：\n\n- 训练时以概率 $p$ 随机丢弃神经元\n- 测试时不丢弃，按保留概率缩放输出\n\n"
        "**常见变种**：\n\n- **Spatial Dropout**：按整个特征图通道丢弃，适合卷积层。\n"
        "- **DropConnect**：随机丢弃连接权重而不是神经元的输出。\n"
    )
    assert keys(notes) == ["concept:dropout", "concept:spatial dropout", "concept:dropconnect"]
    assert "随机丢弃神经元" in notes[0].fields["Back"]  # type: ignore[attr-defined]


# 5. display formulas written with single dollars
def test_single_dollar_formulas_alone_in_a_paragraph_and_dollar_lines(render_md):
    notes, _ = render_md(
        "# 公式\n\n**均方误差**：\n\n$L = \\frac{1}{n}\\sum_i (y_i - \\hat y_i)^2$\n\n"
        "协方差矩阵定义为：\n\n$\n\\begin{aligned}\n\\Sigma &= \\mathbb{E}[(x-\\mu)(x-\\mu)^\\top]\n\\end{aligned}\n$\n\n"
        "旋转矩阵：\n$ R=\n\\begin{bmatrix}\n\\cos\\theta & -\\sin\\theta \\\\\n\\sin\\theta & \\cos\\theta\n\\end{bmatrix}\n$\n"
    )
    formulas = by_kind(notes, "formula")
    assert keys(formulas) == ["formula:均方误差", "formula:协方差矩阵定义为", "formula:旋转矩阵"]
    assert all("$" not in f.fields["Front"] for f in formulas)  # type: ignore[attr-defined]
    assert "\\begin{bmatrix}" in formulas[2].fields["Back"]  # type: ignore[attr-defined]


# 6. inline math padded on one side
def test_inline_math_padded_on_one_side_and_money_stays_text(render_md):
    notes, _ = render_md(
        "# 代价\n\n**代价函数**：代价函数$ J$是所有样本损失的平均。\n\n**价格**：一本书 $5，两本 $9。\n"
    )
    backs = [n.fields["Back"] for n in notes]  # type: ignore[attr-defined]
    assert "\\(J\\)" in backs[0] and "\\(" not in backs[1] and "$5" in backs[1]


# 7. two-column term tables
def test_two_column_term_tables(render_md):
    notes, _ = render_md(
        "# 术语表\n\n| 术语 | 定义 |\n| --- | --- |\n| 过拟合 | 训练误差小而测试误差明显偏大的现象 |\n"
        "| 欠拟合 | 模型在训练集上的误差也很大的现象 |\n\n"
        "| Term | Meaning |\n| --- | --- |\n| Epoch | one full pass of the model over the training set |\n"
        "| Batch | the group of samples used for one parameter update |\n"
    )
    assert keys(notes) == ["concept:过拟合", "concept:欠拟合", "concept:epoch", "concept:batch"]
    assert notes[0].source.endswith(":5")  # type: ignore[attr-defined]


def test_a_header_row_of_terms_over_one_row_of_formulas_or_explanations(render_md):
    notes, _ = render_md(
        "# 回归指标\n\n常用的三个平方和:\n\n| 总平方和 | 回归平方和 | 残差平方和 |\n| :-: | :-: | :-: |\n"
        "| $S_t=\\sum(y_i-\\bar y)^2$ | $S_r=\\sum(f_i-\\bar y)^2$ | $S_e=\\sum(y_i-f_i)^2$ |\n\n"
        "## Validation\n\n| Hold-out | Leave-one-out |\n| --- | --- |\n"
        "| keep one fixed split of the data for validation | train on all samples but one, repeated for each |\n"
    )
    assert keys(notes) == [
        "concept:总平方和",
        "concept:回归平方和",
        "concept:残差平方和",
        "concept:hold - out",
        "concept:leave - one - out",
    ]
    assert "S_e" in notes[2].fields["Back"]  # type: ignore[attr-defined]


def test_a_table_of_numbers_or_symbols_is_not_a_term_table(render_md):
    notes, _ = render_md(
        "# 维度\n\n| 名称 | 符号 | 维度 |\n| --- | --- | --- |\n| 状态向量 | $x$ | $n \\times 1$ |\n"
        "| 观测向量 | $z$ | $m \\times 1$ |\n"
    )
    assert notes == []


# 8. bold question lines and question headings ending in a source link
def test_bold_question_lines_and_headings_with_a_source_link(render_md):
    notes, _ = render_md(
        "# 面试\n\n**RetinaNet 有哪些创新点？**\n\n提出 Focal Loss，降低大量简单负样本在损失中的权重。\n\n"
        "#### 1) What is the vanishing gradient problem? [[src](https://example.org/q1)]\n\n"
        "Gradients shrink as they are multiplied backwards through many layers.\n"
    )
    assert keys(notes) == ["qa:retinanet 有哪些创新点", "qa:what is the vanishing gradient problem"]
    assert "src" not in notes[1].fields["Front"]  # type: ignore[attr-defined]


# fronts that stand alone
@pytest.mark.parametrize("parallel", ["同理", "同样地", "类似地", "Similarly,"])
def test_connective_formula_labels_fall_back_to_the_heading_and_chains_are_one_derivation(render_md, parallel):
    notes, _ = render_md(
        "# 推导\n\n## 岭回归的闭式解\n\n目标函数对 $w$ 求导并令其为零：\n\n$$\\nabla_w L = X^\\top(Xw - y) + \\lambda w = 0$$\n\n"
        "将其代入上式可得：\n\n$$(X^\\top X + \\lambda I)w = X^\\top y$$\n\n所以\n\n$$w = (X^\\top X + \\lambda I)^{-1} X^\\top y$$\n\n"
        "## 向量范数\n\n所以\n\n$$\\|x\\|_1 = \\sum_i |x_i|$$\n\n"
        f"{parallel}\n\n$$\\|x\\|_\\infty = \\max_i |x_i|$$\n"
    )
    [chain] = by_kind(notes, "derivation")
    assert chain.key == "derivation:岭回归的闭式解"  # a step of work names nothing; the heading does  # type: ignore[attr-defined]
    assert chain.fields["Back"].count("\\[") == 3  # type: ignore[attr-defined]
    formulas = by_kind(notes, "formula")
    fronts = [f.fields["Front"] for f in formulas]  # type: ignore[attr-defined]
    assert all("所以" not in f and parallel not in f for f in fronts)
    assert "向量范数" in fronts[0] and "\\(\\|x\\|_1\\)" in fronts[0] and "\\(\\|x\\|_\\infty\\)" in fronts[1]


def test_a_substitution_step_is_not_a_formula_name(render_md):
    notes, _ = render_md(
        "# 线性模型\n\n## 对数几率回归的似然\n\n将 $w$ 代入对数几率回归可得：\n\n$$\\ell(w) = \\sum_i \\ln p(y_i \\mid x_i; w)$$\n"
    )
    [formula] = by_kind(notes, "formula")
    assert "对数几率回归的似然" in formula.fields["Front"] and "代入" not in formula.fields["Front"]  # type: ignore[attr-defined]


# language
def test_prompts_follow_each_files_language(notes):
    from conftest import parse

    root = notes(
        {
            "anki-build.toml": 'deck = "课"\n',
            "01-zh.md": "# 中文\n\n**过拟合**：模型记住了训练集的噪声。\n",
            "02-en.md": "# English\n\n**Overfitting**: the model memorises noise in the training set.\n",
            "03-forced.md": "---\nlanguage: zh\n---\n# Mixed\n\n**Epoch**: one pass over the data.\n",
        }
    )
    project, _ = parse(root)
    assert {n.key: n.language for n in project.notes} == {
        "concept:过拟合": "zh",
        "concept:overfitting": "en",
        "concept:epoch": "zh",
    }


# precision: what is not a card
def test_facet_headings_are_asked_about_their_subject_and_their_items_are_points(render_md):
    notes, _ = render_md(
        "# 线性回归\n\n## 优缺点\n\n#### 优点\n\n- **计算高效**：闭式解或梯度下降都很快。\n"
        "- **可解释性强**：权重直接表示特征的影响。\n\n#### 缺点\n\n- **对异常值敏感**：平方误差放大离群点。\n\n"
        "## Logistic regression\n\n### Limitations\n\n- **Linear boundary**: it cannot separate XOR without features.\n"
    )
    assert keys(notes) == ["qa:线性回归的优点", "qa:线性回归的缺点", "qa:limitations of logistic regression"]
    assert "计算高效" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_items_under_a_points_label_or_a_list_of_steps_are_not_terms_the_steps_are_one_card(render_md):
    notes, _ = render_md(
        "# 批归一化\n\n**优势**：\n\n1. **加速收敛**：通常能减少训练时间。\n2. **梯度流**：缓解梯度消失。\n\n"
        "**变种**：\n\n- **Layer Normalization**：在特征维度上归一化。\n- **Group Normalization**：分组后归一化。\n\n"
        "梯度下降的步骤：\n\n1. **初始化参数**：随机设置初始值。\n2. **计算梯度**：求损失对参数的偏导数。\n"
        "3. **更新参数**：沿负梯度方向移动一步。\n\n"
        "Training loop:\n\n1. **Compute the loss** on a mini-batch.\n2. **Update the weights**: one optimiser step.\n"
    )
    assert keys(notes) == [
        "concept:layer normalization",
        "concept:group normalization",
        "qa:梯度下降的步骤",
        "qa:steps of training loop",
    ]
    assert "沿负梯度方向" in notes[2].fields["Back"]  # type: ignore[attr-defined]


def test_metadata_in_bold_is_not_a_term(render_md):
    notes, _ = render_md("# 面试\n\n## Q1: 什么是过拟合？\n\n**难度：** ⭐⭐\n\n**答案：** 训练集好、新数据差。\n")
    assert keys(notes) == ["qa:什么是过拟合"]


def test_a_counted_label_over_a_list_asks_for_its_members_and_the_members_are_notes(render_md):
    notes, _ = render_md(
        "# 基础\n\n机器学习的 3 个基本问题：\n\n1. 分类，输出为离散的类别标号。\n2. 回归，输出为连续变量。\n"
        "3. 聚类，把相似的样本分到同一组。\n\n正则化方法：\n\n- 权重衰减（Weight Decay），更新时加入衰减项。\n"
        "- Dropout，训练过程中随机丢弃部分神经元。\n"
    )
    assert keys(notes) == [
        "qa:机器学习的 3 个基本问题有哪些",
        "concept:分类",
        "concept:回归",
        "concept:聚类",
        "qa:正则化方法有哪些",
        "concept:权重衰减 weight decay",
        "concept:dropout",
    ]


def test_a_list_item_used_as_a_heading_is_a_term_and_names_the_formula_below(render_md):
    notes, _ = render_md(
        "# 监督学习\n\n- 学习率(Learning rate)\n\n学习率通常记作 $\\eta$，表示每一步参数更新的幅度。\n\n"
        "- 交叉熵损失(Cross-entropy loss)\n\n在分类任务中常用，定义如下：\n\n$$\nL(z,y)=-y\\log z\n$$\n\n"
        "- 多层感知机\n- 激活函数\n\n## 下一节\n"
    )
    assert [(n.kind.value, n.key) for n in notes] == [  # type: ignore[attr-defined]
        ("concept", "concept:学习率 learning rate"),
        ("formula", "formula:交叉熵损失 cross - entropy loss"),
    ]


def test_a_generic_first_heading_does_not_name_the_chapter(render_md):
    notes, _ = render_md(
        "# Reference\n\n- [paper](https://example.org)\n\n# KL 散度\n\n**KL 散度**：两个分布的差异。\n"
    )
    [note] = notes
    tags = " ".join(note.tags)  # type: ignore[attr-defined]
    assert "KL" in tags and "Reference" not in tags


def test_question_boxes_admonitions_and_callouts(render_md):
    notes, _ = render_md(
        '# 卷积\n\n!!! question "卷积核的尺寸为什么是奇数？"\n\n    奇数核有中心像素，填充才对称。\n\n'
        "> [!question] Why does batch norm help?\n> It smooths the loss landscape.\n\n"
        "> [!tip]\n> **感受野**：输出像素在输入上对应的区域。\n\n"
        "### 为什么要填充？\n\n保持输出尺寸。\n\n> [!warning] 注意\n> 填充会引入边界伪影。\n\n"
        '!!! example "一个例子"\n\n    $$\n    y = 3x + 1\n    $$\n'
    )
    assert keys(notes) == [
        "qa:卷积核的尺寸为什么是奇数",
        "qa:why does batch norm help",
        "concept:感受野",
        "qa:为什么要填充",
    ]
    assert "中心像素" in notes[0].fields["Back"]  # type: ignore[attr-defined]
    padding = notes[3].fields["Back"]  # type: ignore[attr-defined]
    assert 'class="ab-admonition ab-admonition-warning"' in padding and "边界伪影" in padding
    assert all("[!" not in field for n in notes for field in n.fields.values())  # type: ignore[attr-defined]


def test_inside_an_answer_definitions_count_and_what_things_do_are_points(render_md):
    notes, _ = render_md(
        "# 面试\n\n### Q4: 解释梯度消失问题\n\n**梯度消失问题**：\n深层网络中梯度逐层变小，前面的层几乎不更新。\n\n"
        "**解决方案**：\n\n**常用办法**：\n1. **梯度裁剪**：限制梯度大小\n2. **残差连接**：让梯度绕过若干层\n"
        "3. **批归一化**：稳定训练过程\n\n## Q6: 如何评估分类模型？\n\n**分类任务**：\n"
        "- **精确率**：预测为正例的样本中真正为正例的比例\n- **召回率**：真实正例中被预测为正例的比例\n"
        "- **F1 分数**：精确率和召回率的调和平均\n"
    )
    assert keys(notes) == [
        "qa:解释梯度消失问题",
        "concept:梯度消失问题",
        "qa:如何评估分类模型",
        "concept:精确率",
        "concept:召回率",
        "concept:f1 分数",
    ]


def test_headings_that_ask_about_one_side_of_a_subject(render_md):
    notes, _ = render_md(
        "# 归一化\n\n## 批归一化\n\n#### 2.1.1 BN计算过程\n\n先求小批量的均值和方差，再标准化，最后缩放平移。\n\n"
        "#### BN的作用\n\n- 允许更大的学习率\n- 降低对初始化的敏感\n\n### Limitations of ReLU\n\n"
        "Units can die: once a unit outputs zero for every input it stops learning.\n\n"
        "### 马尔可夫过程\n\n马尔可夫过程是未来只依赖现在、与过去无关的随机过程。\n"
    )
    assert keys(notes) == ["qa:bn的计算过程", "qa:bn的作用", "qa:limitations of relu", "concept:马尔可夫过程"]


def test_a_question_on_its_own_line_and_its_answer(render_md):
    notes, _ = render_md(
        "# 学习理论\n\n误差度量对学习过程有什么影响？\n\n它决定了学习算法最终逼近的理想目标函数。\n\n"
        "> 为什么叫全连接呢？\n> 因为相邻两层的每对神经元之间都有连接。\n\n"
        "（当假设数无穷大时联合界会出什么问题？）\n\n各个坏事件大量重叠，上界被严重高估。\n\n"
        "什么样的 ROC 曲线更好？答：越靠近左上角越好。\n\n"
        "那么这个问题怎么解决呢？\n\n下面介绍两种办法。\n\n## Exercises\n\n"
        "What does a zero derivative mean for a smooth function?\n\nGive an example of such a point.\n"
    )
    assert keys(notes) == [
        "qa:误差度量对学习过程有什么影响",
        "qa:为什么叫全连接呢",
        "qa:当假设数无穷大时联合界会出什么问题",
        "qa:什么样的 roc 曲线更好",
    ]
    assert "左上角" in notes[3].fields["Back"] and "答" not in notes[3].fields["Back"]  # type: ignore[attr-defined]
    assert "（" not in notes[2].fields["Front"]  # type: ignore[attr-defined]


def test_a_question_answered_in_the_same_paragraph_and_an_asking_box_title(render_md):
    notes, _ = render_md(
        "# 归一化\n\n层归一化能缓解内部协变量偏移吗？当然可以，它把每个样本都归一化到同一分布上。\n\n"
        "Is the logistic loss convex? Yes, because its Hessian is positive semi-definite everywhere.\n\n"
        "这样做有什么好处？下面分三点来看。\n\n"
        '!!! note "为什么用 softmax 作为输出层"\n    指数放大差距，并且处处可导。\n\n'
        '!!! note "实现细节"\n    先减去最大值再取指数，避免溢出。\n'
    )
    assert keys(notes) == [
        "qa:层归一化能缓解内部协变量偏移吗",
        "qa:is the logistic loss convex",
        "qa:为什么用 softmax 作为输出层",
    ]
    assert notes[0].fields["Back"].startswith("当然可以")  # type: ignore[attr-defined]
    assert "作为输出层？<" in notes[2].fields["Front"]  # type: ignore[attr-defined]


def test_another_name_given_in_a_definition_is_not_a_card_of_its_own(render_md):
    notes, _ = render_md(
        '# 术语\n\n**样本空间**：也称为"输入空间"，样本的特征向量所在的空间。\n\n'
        '模型在新样本上的误差称为"泛化误差"，它衡量学到的规律是否普遍成立。\n'
    )
    assert keys(notes) == ["concept:样本空间", "concept:泛化误差"]


def test_a_term_named_again_in_the_prose_another_card_shows_is_not_a_second_card(render_md):
    notes, _ = render_md(
        "# 诊断\n\n- 偏差(Bias)\n\n模型的偏差是指模型输出的期望与真实值之间的差距。\n\n"
        "### 模型的参数量指的是什么？\n\n参数量指的是网络中可学习变量的个数，包括权重和偏置。\n\n"
        '**标记**：样本的结果信息称为"标记"，标记所在的空间称为"标记空间"。\n'
    )
    assert keys(notes) == ["concept:偏差 bias", "qa:模型的参数量指的是什么", "concept:标记", "concept:标记空间"]


def test_a_bold_term_glossed_in_words_and_the_points_of_a_questions_answer(render_md):
    notes, _ = render_md(
        "# 滤波\n\n在**线性高斯模型**（状态转移和观测都是线性的，噪声服从高斯分布）下，两种估计等价。\n\n"
        "没有 BN 时损失面上有 Plateau（梯度几乎为零、很难优化的平坦区域）。\n\n"
        "只有**离散值**（如垃圾邮件和正常邮件）时用分类。\n\n"
        "为什么需要卷积网络？\n\n1. 局部感知：每个神经元只看输入的一小块区域。\n"
        "2. 参数共享：不同位置使用同一组卷积核参数。\n"
    )
    assert keys(notes) == ["concept:线性高斯模型", "concept:plateau", "qa:为什么需要卷积网络"]


def test_a_question_answered_after_a_figure_and_a_term_named_in_a_formulas_where_line(render_md):
    notes, _ = render_md(
        "# 优化\n\n> 什么是损失面的平滑性？\n>\n> ![](fig.png)\n>\n> 平滑的损失面上梯度变化缓慢，梯度下降更容易。\n\n"
        "参数按下式更新：\n\n$$w \\leftarrow w - \\alpha g$$\n\n其中 $\\alpha$ 是**学习率**（控制每一步走多远，需要手动设置）。\n",
        extra={"fig.png": b"\x89PNG\r\n\x1a\n"},
    )
    assert keys(notes) == ["qa:什么是损失面的平滑性", "formula:参数按下式更新", "concept:学习率"]
    assert "梯度变化缓慢" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_fronts_about_numbered_equations_or_announcing_a_section_are_not_made(render_md):
    notes, _ = render_md(
        "# 模型评估\n\n## 式(2.3)的解释\n\n这里的分母是样本总数，分子是分错的样本数。\n\n"
        "## 式(2.5)到式(2.7)的推导\n\n先把期望展开，再交换求和顺序，就得到了结论。\n\n"
        "本节介绍两种常用的评估方法：\n\n- 留出法：把数据集划分为互斥的两部分。\n"
        "- 交叉验证法：把数据集划分为 k 个大小相似的子集。\n\n"
        '其中 $\\ell_\\epsilon$ 称为"$\\epsilon$ 不敏感损失"，它对小误差不计损失。\n'
    )
    assert keys(notes) == ["concept:留出法", "concept:交叉验证法"]


def test_the_terms_inside_the_list_that_answers_a_bold_question(render_md):
    notes, _ = render_md(
        "# 过拟合\n\n总结：\n\n**如何缓解过拟合**：\n\n1. 模型层面：\n    - 权重衰减（Weight Decay），更新时把参数按比例缩小。\n"
        "    - 降低模型的复杂度。\n2. 数据层面：\n    - 数据增强（Data Augmentation），对样本做随机变换。\n"
    )
    assert keys(notes) == ["qa:如何缓解过拟合", "concept:权重衰减 weight decay", "concept:数据增强 data augmentation"]


def test_an_english_formula_label_is_its_last_sentence_and_keeps_the_spaces_of_its_line_breaks(render_md):
    notes, report = render_md(
        "# Linear models\n\nA model maps features to a prediction. The assumption of linearity says that the\n"
        "expected target is a weighted sum of the features:\n\n$$\\hat y = w^T x + b$$\n\n"
        "In the convention used throughout these notes, with column vectors everywhere, we stack\n"
        "the elements of a vector vertically:\n\n$$x = [x_1, x_2]^T$$\n"
    )
    fronts = [" ".join(n.fields["Front"].split()) for n in notes]  # type: ignore[attr-defined]
    assert "The assumption of linearity says that the expected target is a weighted sum" in fronts[0]
    assert "A model maps" not in fronts[0]
    assert "we stack the elements of a vector vertically" in fronts[1]
    assert not [d for d in report.items if d.code == "front-too-long"]


def test_english_prose_that_calls_a_marked_word_a_term(render_md):
    notes, _ = render_md(
        "# Calculus\n\nThe expression on the right is called a *limit*: it tells us what happens as $h$ shrinks.\n\n"
        "When $f'(x)$ exists, $f$ is said to be **differentiable** at $x$.\n\n"
        "The vector of all partial derivatives is known as the *gradient\nvector* of $f$.\n\n"
        "It is *very* important to check this, and the result is *called* often in practice.\n"
    )
    assert keys(notes) == ["concept:limit", "concept:differentiable", "concept:gradient vector"]


def test_a_question_with_dots_in_its_math_and_facets_of_a_long_heading(render_md):
    notes, _ = render_md(
        "# 学习理论\n\n（当 $M$ 无穷大时 $P[B_1 \\ or \\ ... \\ B_M]$ 的上界会出什么问题？）\n\n"
        "各个坏事件大量重叠，联合界严重高估。\n\n"
        "## 批量梯度下降法(Batch Gradient Descent, BGD)\n\n每一步都用全部样本计算梯度。\n\n"
        "- 优点：方向是整体平均梯度，收敛稳定。\n- 缺点：样本很多时每一步都很慢。\n"
    )
    assert keys(notes)[0] == "qa:当 m 无穷大时 p b 1 or b m 的上界会出什么问题"
    assert "qa:批量梯度下降法的优点" in keys(notes) and "qa:批量梯度下降法的缺点" in keys(notes)


def test_a_step_that_refers_back_continues_the_derivation_and_its_own_derivative_is_labelled(render_md):
    notes, _ = render_md(
        "# SVM\n\n## 对偶问题\n\n拉格朗日函数为\n\n$$L(w,b,a)=\\tfrac12\\|w\\|^2-\\sum_i a_i(y_i(w^Tx_i+b)-1)$$\n\n"
        "求解其最小值\n\n$$\\partial L/\\partial w = w-\\sum_i a_i y_i x_i = 0$$\n\n"
        "## Sigmoid\n\nSigmoid 函数把实数压到 (0, 1)：\n\n$$\\sigma(x)=1/(1+e^{-x})$$\n\n其导数为：\n\n"
        "$$\\sigma'(x)=\\sigma(x)(1-\\sigma(x))$$\n"
    )
    assert [(n.kind, n.key) for n in notes] == [  # type: ignore[attr-defined]
        ("derivation", "derivation:拉格朗日函数为"),
        ("concept", "concept:sigmoid"),
        ("formula", "formula:sigmoid 函数把实数压到 0 1"),
        ("formula", "formula:sigmoid 函数把实数压到 0 1 的导数为"),
    ]


def test_a_term_defined_before_its_formula_and_a_pronoun_label(render_md):
    notes, _ = render_md(
        "# 估计\n\nMMSE 估计：给定观测之后，选择使条件期望的平方误差最小的估计：\n\n$$\\hat x = E[x \\mid z]$$\n\n"
        "## 激活函数\n\n（3）Sigmoid 函数：\n\n$$\\sigma(x) = \\frac{1}{1+e^{-x}}$$\n\n其导数为：\n\n"
        "$$\\sigma'(x) = \\sigma(x)(1-\\sigma(x))$$\n\n特点：输出在 0 和 1 之间，两端饱和时梯度很小。\n"
    )
    assert keys(notes) == [
        "concept:mmse 估计",
        "formula:mmse 估计 给定观测之后 选择使条件期望的平方误差最小的估计",
        "formula:sigmoid 函数",
        "formula:sigmoid 函数的导数为",
        "qa:sigmoid 函数的特点",
    ]
    assert "E[x" in notes[0].fields["Back"]  # type: ignore[attr-defined]
    assert "（3）" not in notes[2].fields["Front"]  # type: ignore[attr-defined]


def test_descriptions_step_names_claims_and_framing_headings_are_not_terms(render_md):
    notes, _ = render_md(
        "# 理论\n\n典型的四个模型：\n\n- 感知机\n- 支持向量机\n\n两种重要的误差度量：\n\n- 平方误差\n- 0/1 误差\n\n"
        "(Ⅰ) 初始化：令所有参数取随机的小值。\n\n(Ⅲ) **终止**：当似然不再增加时停止迭代。\n\n"
        "- **BN层让损失函数更平滑**：梯度更可预测，可以用更大的步长。\n\n"
        "## 举个 1 分钟能算完的例子\n\n有 10 条样本，其中 6 条为正例、4 条为反例。\n\n"
        "## Chapter 2: The Spell\n\nThe monks explained the ritual at length.\n"
    )
    assert notes == []


def test_an_aspect_label_over_its_lines_and_a_steps_label(render_md):
    notes, _ = render_md(
        "# 理论\n\nVC维的性质：\n\n若样本数不超过 VC 维，则存在能被打散的样本。\n\n若 k 大于 VC 维，则 k 是断点。\n\n"
        "## 前向算法\n\n具体算法步骤：\n\n(Ⅰ) **初始化**：按初始概率和观测概率计算第一时刻的前向变量。\n\n"
        "(Ⅱ) **递归**：逐时刻累加上一时刻的前向变量。\n"
    )
    assert keys(notes) == ["qa:vc维的性质", "qa:前向算法的步骤"]
    assert "递归" in notes[1].fields["Back"]  # type: ignore[attr-defined]


def test_heading_attribute_lists_and_group_names_stay_off_fronts(render_md):
    notes, _ = render_md(
        "# 笔记\n\n### 3.2.1 Dropout {#course/section-3.2.1}\n\nDropout is a regularisation method that drops units at random.\n\n"
        "- 主要指标 (Main metrics)\n\n  准确率、精确率和召回率是最常用的三个指标。\n"
    )
    assert keys(notes) == ["concept:dropout"]
    assert "{#" not in notes[0].fields["Front"]  # type: ignore[attr-defined]


def test_a_term_as_the_subject_of_a_defining_sentence(render_md):
    notes, _ = render_md(
        "# 评价\n\n召回率是“真实正例中被预测为正例的比例”，精确率是“预测为正例中真实为正例的比例”。\n\n"
        "Baum-Welch 算法是一种 EM 算法，用来从观测序列估计隐马尔可夫模型的参数。\n\n"
        "这是一种很常见的做法，我们在下一节还会用到。\n\n一般不加说明时，滤波都是指线性滤波。\n"
    )
    assert keys(notes) == ["concept:召回率", "concept:精确率", "concept:baum - welch 算法"]


def test_an_outline_item_named_by_its_sub_items_and_a_sentence_announcing_points(render_md):
    notes, _ = render_md(
        "# 门控\n\n- 更新门 Update Gate\n    - 决定保留多少旧状态、写入多少新状态。\n"
        "    - 重置门 Reset Gate\n        - 决定计算候选状态时忽略多少旧状态。\n"
        "- 参考模型\n    - [[GRU]]\n    - [[LSTM]]\n\n"
        "1. 初始化\n    - 初始状态和它的方差由经验给定。\n2. 预测\n    - 用状态方程外推下一时刻的状态。\n\n"
        "先看最简单的情形。岭回归的两个特点：\n\n1. 解总是唯一的，即使特征共线。\n2. 系数整体收缩，但不为零。\n"
    )
    assert keys(notes) == ["concept:更新门 update gate", "concept:重置门 reset gate", "qa:岭回归的两个特点"]
    back = notes[0].fields["Back"]  # type: ignore[attr-defined]
    assert "写入多少新状态" in back and "忽略多少旧状态" not in back  # the sub-outline is a note of its own
    assert ">岭回归的两个特点？<" in notes[2].fields["Front"]  # type: ignore[attr-defined]
    assert "系数整体收缩" in notes[2].fields["Back"]  # type: ignore[attr-defined]


def test_a_list_of_formulas_alone_is_one_card(render_md):
    notes, _ = render_md(
        "# 前向传播\n\n第一层的计算：\n\n1. $z^{[1]} = W^{[1]} x + b^{[1]}$\n2. $a^{[1]} = g(z^{[1]})$\n\n"
        "- 输入：$x$ 是特征向量\n- $\\hat y = a^{[2]}$\n"
    )
    formulas = by_kind(notes, "formula")  # the second list mixes prose and a formula: that formula is its own card
    assert [f.fields["Back"].count("\\[") for f in formulas] == [2, 1]  # type: ignore[attr-defined]


def test_a_term_introduced_with_its_symbol(render_md):
    notes, _ = render_md(
        "# 隐马尔可夫模型\n\n状态集 $S=\\{s_1,\\cdots,s_N\\}$ ，即模型一共有 $N$ 个不同的状态。\n\n"
        "通过推导得到**投影向量**为 $w = S_w^{-1}(\\mu_1-\\mu_2)$ ，它使类间距离与类内距离之比最大。\n\n"
        "初始化 $\\alpha_1 = \\pi b(O_1)$ ，然后逐时刻递推。\n\n- 状态预测：$\\hat x = F x$\n- 协方差预测：$P = F P F^T + Q$\n"
    )
    # `初始化 $\alpha_1 = …$` is a step, not a term; the list items are terms defined by their equations
    assert keys(notes) == ["concept:状态集", "concept:投影向量", "concept:状态预测", "concept:协方差预测"]


def test_a_run_of_named_symbols_and_a_list_that_says_what_each_symbol_is(render_md):
    notes, _ = render_md(
        "# 隐马尔可夫模型\n\n状态集 $S=\\{s_1,\\cdots,s_N\\}$ ，即一共有 $N$ 个状态。\n\n"
        "观测序列 $O=(o_1,\\cdots,o_T)$ .\n\n初始概率向量 $\\pi$ ，开始时处在每个状态的概率。\n\n"
        "## 卡尔曼滤波\n\n$$x_{k+1} = F x_k + G u_k + w_k$$\n\n其中：\n\n"
        "- $u_k$ 为控制向量，是系统可以测量的、确定的输入。\n- $F$ 为状态转移矩阵。\n"
        "- $n$ 为样本数，通常远大于特征数。\n- $G$ 为控制矩阵，把控制量映射到状态上。\n"
    )
    assert [k for k in keys(notes) if k.startswith("concept:")] == [
        "concept:状态集",
        "concept:观测序列",
        "concept:初始概率向量",
        "concept:控制向量",
        "concept:控制矩阵",
    ]


def test_settings_values_and_the_features_of_a_named_thing_are_not_terms(render_md):
    notes, _ = render_md(
        "# 训练\n\nGoogLeNet\n\n- 多尺度结构：并行使用 1×1、3×3、5×5 卷积再拼接。\n"
        "- 辅助分类器：在中间层加监督信号缓解梯度消失。\n\n"
        "## Learning rate\n\nThe learning rate decides how far each step goes:\n\n"
        "- **Too large**: the loss oscillates or diverges.\n- **Too small**: training crawls.\n\n"
        "## Dropout\n\n**丢弃概率**:\n- **输入层**: 通常0.1-0.2\n- **隐藏层**: 0.5\n- **输出层**: 通常不用\n\n**动量系数**：0.9\n"
    )
    assert keys(notes) == ["concept:googlenet", "concept:learning rate", "concept:丢弃概率", "concept:动量系数"]
    assert "辅助分类器" in notes[0].fields["Back"] and "Too small" in notes[1].fields["Back"]  # type: ignore[attr-defined]
    assert "0.1-0.2" in notes[2].fields["Back"]  # type: ignore[attr-defined]


def test_a_heading_over_prose_that_announces_or_points_elsewhere_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 网络\n\n## 激活函数\n\n上文只用到了 sigmoid，其他函数参考[优化](opt.md)。\n\n"
        "## 随机初始化\n\n关于参数初始化，参见后面的章节。\n\n## Dropout\n\nSee [the regularisation note](reg.md).\n\n"
        "## 二分类\n\n讨论二分类问题的感知机模型。\n\n## 批归一化\n\n批归一化对每个通道做标准化，使训练更稳定。\n"
    )
    assert keys(notes) == ["concept:批归一化"]


def test_a_heading_that_names_the_formula_below_or_announces_the_terms_below(render_md):
    notes, _ = render_md(
        "# 滤波\n\n## 状态转移方程\n\n状态转移方程，用矩阵形式写为：\n\n$$x_{k+1} = F x_k + B u_k$$\n\n"
        "## Sigmoid 函数\n\nSigmoid 函数可以把任意实数压缩到 0 和 1 之间：\n\n$$\\sigma(x) = 1/(1+e^{-x})$$\n\n"
        "## 基本术语\n\n这一部分的术语很多，下面逐一梳理。\n\n**样本**：关于一个对象的描述。\n\n"
        "**标记**：样本在某方面的结果信息。\n\nBN 由两个过程构成：标准化和缩放平移。\n\n"
        "该过程从左到右。接下来看计算偏导数的过程：\n\n1. 先求输出对中间量的导数\n2. 再用链式法则往回传\n"
    )
    assert keys(notes) == [
        "formula:状态转移方程 用矩阵形式写为",
        "concept:sigmoid 函数",
        "formula:sigmoid 函数可以把任意实数压缩到 0 和 1 之间",
        "concept:样本",
        "concept:标记",
        "qa:bn 由哪两个过程构成",  # the two parts it counts are the answer; `BN 由两个过程构成` is not a term
    ], keys(notes)


def test_a_topic_heading_is_asked_to_be_explained_unless_it_only_names_a_thing(render_md):
    notes, _ = render_md(
        "# 隐马尔可夫模型\n\n#### 观测序列概率的计算\n\n"
        "直接枚举所有状态序列的代价是指数级的，前向算法把它降到线性，每一步只保留到当前时刻的部分概率。\n\n"
        "#### VC Dimension of Perceptrons\n\n"
        "对 d 维感知机，能被打散的点最多有 d+1 个，所以它的取值正好是参数的个数。\n\n"
        "#### 协方差矩阵相等的情形\n\n下面分别给出三种情况的判别函数。\n"
    )
    assert keys(notes) == ["qa:讲解 观测序列概率的计算"]
    assert notes[0].fields["Front"].count("讲解") == 1  # type: ignore[attr-defined]


def test_a_technique_heading_explained_right_below_it(render_md):
    notes, _ = render_md(
        "# 正则化\n\n### 5.1.3 Dropout\n\n在训练过程中每次迭代时，将各层的输出节点以一定概率随机置为 0。\n\n"
        "### Effective Number of Hypotheses\n\nMany hypotheses overlap, so the union bound overcounts them badly.\n"
    )
    assert keys(notes)[0] == "concept:dropout"
    assert "concept:effective number of hypotheses" not in keys(notes)


def test_links_to_other_notes_numbered_bold_terms_and_recap_formulas(render_md):
    notes, _ = render_md(
        "# 优化\n\n**1. 动量法**：用历史梯度的指数平均作为更新方向。\n\n状态更新方程：\n\n$$\nx_{n} = x_{n-1} + K(z - x_{n-1})\n$$\n\n"
        "## 小结\n\n- 状态更新： $x_{n} = x_{n-1} + K(z - x_{n-1})$\n\n## Related\n\n"
        "- [[Adam Optimizer]]: an adaptive variant of gradient descent.\n- [[Backpropagation]]: computes the gradients.\n"
    )
    assert keys(notes) == ["concept:动量法", "formula:状态更新方程"]


def test_tables_of_contents_link_lists_contributors_metadata_and_arrows_make_no_cards(render_md):
    notes, _ = render_md(
        "# 笔记\n\n[TOC]\n\n## 目录\n\n- [第一节](#第一节)\n- [第二节](#第二节)\n\n"
        "## 延伸阅读\n\n- [为什么 BN 有效？](https://example.org/a)\n- [Adam 的偏差修正](https://example.org/b)\n"
        "- [梯度消失问题](https://example.org/c)\n\n"
        "作者：张三\n\n日期：2023-04-06\n\n负责人：李四\n\n2023-04-06：修正了公式编号\n\n"
        "数据 ==》 模型 ==》 预测\n\n```python\nloss: float = 0.5\n```\n"
    )
    assert notes == []


def test_d2l_markup_is_removed_from_cards(render_md):
    notes, _ = render_md(
        "# Calculus\n:label:`sec_calculus`\n\n"
        "**Derivative**: the rate of change of $f$ at $x$ (:numref:`fig_tangent`), see :cite:`Spivak.1965`.\n"
    )
    [note] = notes
    back = note.fields["Back"]  # type: ignore[attr-defined]
    assert ":numref:" not in back and "fig_tangent" not in back and ":cite:" not in back and "Spivak" not in back


def test_d2l_highlight_marks_and_equation_labels_are_removed(render_md):
    notes, _ = render_md(
        "# Calculus\n\n## [**Dense Blocks**]\n\nA dense block concatenates the outputs of all previous layers.\n\n"
        "## Derivatives\n\nFormally, [**the *derivative* of $f$ at $x$ is defined as**]\n\n"
        "(**$$f'(x) = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h}.$$**)\n:eqlabel:`eq_derivative`\n\n"
        "**损失**：记作 L(**w**)，是参数 **w** 的函数。\n"
    )
    assert keys(notes) == [
        "concept:dense blocks",  # `## Derivatives` only names the formula its sentence leads into: no card of its own
        "formula:formally the derivative of f at x is defined as",
        "concept:损失",
    ]
    assert "L(<strong>w</strong>)" in notes[2].fields["Back"]  # type: ignore[attr-defined]  # not a d2l mark
    assert all("[" not in n.fields["Front"] and "eqlabel" not in n.fields["Back"] for n in notes)  # type: ignore[attr-defined]
    assert "**" not in notes[1].fields["Front"] and "<strong>" not in notes[1].fields["Front"]  # type: ignore[attr-defined]


def test_explicit_syntax_wins_over_heuristics(render_md):
    notes, _ = render_md(
        "# 显式\n\n### Dropout\n\n**Dropout** {#my-dropout}：训练时随机丢弃神经元，防止共适应。\n\n"
        "Q: Dropout 测试时怎么办？\nA: 关闭丢弃，必要时按保留概率缩放。\n"
    )
    assert keys(notes) == ["id:my-dropout", "qa:dropout 测试时怎么办"]


def test_every_rule_can_be_switched_off(notes):
    from conftest import parse

    text = "# 术语\n\n### 偏差\n\n偏差是指模型预测的期望与真实值的差距。\n\n- 方差：不同训练集上预测结果的波动程度。\n"
    on, _ = parse(notes({"01.md": text}, name="on"))
    assert {n.rule for n in on.notes} == {"heading-term", "term-colon"}
    off, report = parse(
        notes(
            {
                "01.md": text,
                "anki-build.toml": '[rules]\n"heading-term" = false\n"term-colon" = false\n"subject-term" = false\n',
            },
            name="off",
        )
    )
    assert off.notes == [] and report.items == []
    _, bad = parse(notes({"01.md": text, "anki-build.toml": "[rules]\nheading-terms = false\n"}, name="bad"))
    [error] = bad.items
    assert error.code == "config-value" and "did you mean 'heading-term'" in error.message and error.line == 2


def test_explain_names_the_rule_of_each_note_and_why_a_block_made_none(tmp_path):
    from conftest import cli, write_tree

    root = write_tree(
        tmp_path / "notes",
        {
            "01.md": "# 术语\n\n**过拟合**：记住了噪声。\n\n需要注意的是：这里没有术语。\n\n### 偏差\n\n偏差是指系统误差。\n"
        },
    )
    result = cli("build", str(root), "--explain", "01.md:5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(":3: bold-colon: concept note '过拟合'" in line for line in lines)
    assert any(":5: term-colon: '需要注意的是' before the colon is not a term" in line for line in lines)
    assert any(":7: heading-term: concept note '偏差'" in line for line in lines)
    assert not (root.parent / "decks").exists()  # --explain writes nothing
    ranged = cli("build", str(root), "--explain", "01.md:6-9").stdout.splitlines()
    assert ranged and all(6 <= int(line.split(":")[1]) <= 9 for line in ranged if line.startswith("notes/"))
    assert any(":7: heading-term" in line for line in ranged) and not any(":3:" in line for line in ranged)


def test_sample_keeps_every_note_of_the_first_release(sample_notes):
    """The heuristics add to the sample, they never take an explicit note away (or change its key)."""
    from conftest import parse

    project, _ = parse(sample_notes)
    first_release = set((REPO / "tests" / "sample_keys.txt").read_text(encoding="utf-8").splitlines())
    assert first_release <= {n.key for n in project.notes}


GOLD = REPO / "tests" / "gold"


@pytest.mark.skipif(not (SHARED / "corpus" / "notes").is_dir(), reason="the corpus is not present at ../shared")
def test_extraction_on_the_gold_set_does_not_regress():
    """Recall and precision against the hand-labelled gold set stay at least where they were measured."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_extraction import _totals, evaluate

    results = [evaluate(path) for path in sorted(GOLD.glob("*.json"))]
    tune = _totals([r for r in results if r.split == "tune"])
    holdout = _totals([r for r in results if r.split == "holdout"])
    assert tune["orphan_fronts"] == holdout["orphan_fronts"] == 0
    assert tune["recall"] >= 0.81 and tune["precision"] >= 0.86, tune
    assert holdout["recall"] >= 0.765 and holdout["precision"] >= 0.785, holdout


def test_second_labellings_cover_tune_files_only_and_hold_short_keys():
    """The blind second labellings (for inter-annotator agreement) never touch a held-out file."""
    gold = {json.loads(p.read_text(encoding="utf-8"))["path"]: json.loads(p.read_text()) for p in GOLD.glob("*.json")}
    second = list((GOLD / "second").glob("*.json"))
    assert len(second) >= 10
    for path in second:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert gold[data["path"]]["split"] == "tune" and data["labeller"] in ("A", "B")
        assert all(set(item) == {"kind", "lines", "key"} and len(item["key"]) <= 40 for item in data["items"])


def test_gold_files_hold_paths_lines_and_short_keys_only():
    for path in GOLD.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"path", "language", "split", "items"}
        assert all(set(item) == {"kind", "lines", "key"} and len(item["key"]) <= 40 for item in data["items"])
    assert len(list(GOLD.glob("*.json"))) >= 40
    assert sum(json.loads(p.read_text())["split"] == "holdout" for p in GOLD.glob("*.json")) >= 5
    assert Path(GOLD).is_dir()


def test_a_line_break_inside_chinese_text_joins_the_lines_on_the_card(render_md):
    """Chromium, which Anki and AnkiDroid render with, would show a stray space where a Chinese line wraps."""
    notes, _ = render_md(
        "# 术语\n\n**过拟合**：模型在训练集上表现很好，\n但在新数据上很差。\n\n"
        "**Overfitting**: the model fits the\ntraining noise.\n\n**混合**：由 Adam\n优化器训练。\n"
    )
    backs = [n.fields["Back"] for n in notes]  # type: ignore[attr-defined]
    assert "表现很好，但在新数据上很差" in backs[0]
    assert "fits the\ntraining" in backs[1]  # between Latin words the break stays (a space on screen)
    assert "Adam\n优化器" in backs[2]  # a Latin word next to the break keeps the separation


def test_an_english_article_before_the_bold_term_still_defines_it(render_md):
    notes, _ = render_md(
        "# Optimisers\n\nThe **Adam optimizer** is an adaptive method that keeps running averages of gradients.\n\n"
        "A **saddle point** is a point where the gradient vanishes but which is not an extremum.\n\n"
        "The **result** was surprising.\n\nThe **Adam optimizer** of our baseline diverged after a while.\n"
    )
    assert keys(notes) == ["concept:adam optimizer", "concept:saddle point"]
    assert "running averages" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_a_challenges_section_is_one_question_not_a_card_per_problem(render_md):
    notes, _ = render_md(
        "# Dropout\n\n## Challenges\n\n"
        "1. **Slower convergence**: training needs more epochs because each step sees a thinned network.\n"
        "2. **Interaction with BN**: the variance shift between train and test hurts batch statistics.\n\n"
        "# 批归一化\n\n## 挑战\n\n- **小批量**：批太小时统计量噪声很大，效果变差。\n- **序列模型**：长度不一，难以按批统计。\n"
    )
    assert keys(notes) == ["qa:challenges of dropout", "qa:批归一化的挑战"]
    assert "thinned network" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_qizhong_before_a_formula_is_not_a_possessive(render_md):
    notes, _ = render_md(
        "# 卷积\n\n### 5.1.1 输出尺寸\n\n"
        "当同时输入 $N$ 个样本，输入数据的维度为 $N \\times C \\times H \\times W$ ，卷积核数目为 $C_{out}$ ，"
        "卷积步长为 $S$ ，四周的填充为 $P$ 时，输出数据的维度为 $N \\times C_{out} \\times H_{out} \\times W_{out}$ ，其中：\n\n"
        "$$\nH_{out} = \\frac{H_{in} - K + 2P}{S} + 1\n$$\n\n"
        "### Sigmoid 函数\n\n$$\n\\sigma(x) = \\frac{1}{1 + e^{-x}}\n$$\n\n其导数为：\n\n"
        "$$\n\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))\n$$\n"
    )
    fronts = [n.fields["Front"] for n in notes]  # type: ignore[attr-defined]
    assert not any("的中" in f or "5.1.1" in f for f in fronts), fronts
    assert any("Sigmoid 函数的导数" in f for f in fronts), fronts


def test_a_heading_that_names_a_group_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 优化\n\n## Variants of Gradient Descent\n\nThere are three variants, which differ in how much data they use.\n\n"
        "## 评价指标\n\n常用的评价指标有下面几个，各自适用于不同的任务。\n\n"
        "## Momentum\n\nMomentum accumulates an exponentially decaying average of past gradients.\n"
    )
    assert [k for k in keys(notes) if k.startswith("concept:")] == ["concept:momentum"]


def test_a_formula_reached_by_a_step_of_work_is_not_a_card_of_its_own(render_md):
    notes, _ = render_md(
        "# 线性回归\n\n## 最小二乘\n\n均方误差损失为：\n\n$$\nE(w) = \\|y - Xw\\|^2\n$$\n\n"
        "对 $w$ 求偏导可得：\n\n$$\n\\frac{\\partial E}{\\partial w} = 2X^T(Xw - y)\n$$\n\n"
        "令偏导为零，化简后得到正规方程：\n\n$$\nX^T X w = X^T y\n$$\n\n"
        "## 式(3.7)的推导\n\n对 $w$ 求导可得：\n\n$$\n2 X^T X w - 2 X^T y\n$$\n\n"
        "## Squares\n\nThe square function is\n\n$$\ng(x) = x^2\n$$\n\n"
        "Differentiating both sides with respect to $x$ gives\n\n$$\ng'(x) = 2x\n$$\n"
    )
    fronts = [n.fields["Front"] for n in notes]  # type: ignore[attr-defined]
    assert any("均方误差损失为" in f for f in fronts) and any("化简后得到正规方程" in f for f in fronts), fronts
    assert not any("求偏导" in f or "Differentiating" in f for f in fronts), fronts
    sources = [n.fields["Source"] for n in notes]  # type: ignore[attr-defined]
    assert any(s.endswith(":27") for s in sources), sources  # a derivation's section keeps its steps


def test_a_short_answer_in_a_list_of_settings_is_a_setting_too(render_md):
    notes, _ = render_md(
        "# 训练\n\n## Dropout\n\n各层的丢弃概率如下\n\n"
        "- **输入层**: 通常0.1-0.2\n- **隐藏层**: 0.5\n- **输出层**: 通常不用\n"
    )
    assert keys(notes) == ["concept:dropout"]


def test_numbered_bold_labels_under_a_how_it_works_label_are_its_steps(render_md):
    notes, _ = render_md(
        "# 网络\n\n### 反向传播是怎样工作的？\n\n**工作原理**:\n\n**1. 前向传播**:\n```\na = f(Wx + b)\n```\n\n"
        "**2. 参数更新**:\n从输出层开始逐层计算梯度。\n\n"
        "**常用损失函数**:\n\n**1. 交叉熵损失**:\n```\nL = -sum y log p\n```\n"
    )
    assert "concept:交叉熵损失" in keys(notes)
    assert not any(k.endswith(("前向传播", "参数更新")) for k in keys(notes)), keys(notes)


def test_a_list_answering_a_comparison_lead_is_one_question(render_md):
    notes, _ = render_md(
        "# 降维\n\n## 主成分分析\n\nLDA 与 PCA 的优缺点对比：\n\n"
        "1. 优点：只用到协方差矩阵的特征分解，计算简单，没有需要调的参数。\n"
        "2. 缺点：只考虑方差最大的方向，不一定最有利于区分类别。\n"
    )
    assert "qa:lda 与 pca 的优缺点对比" in keys(notes)
    assert not any(k.endswith(("优点", "缺点")) for k in keys(notes)), keys(notes)


def test_numbering_inside_a_bold_heading_and_a_final_period_stay_off_the_front(render_md):
    notes, _ = render_md(
        "# Interview\n\n#### **Q8: Explain the difference between bagging and boosting.**\n\n"
        "Bagging trains models independently on resamples; boosting trains them in sequence on the errors.\n"
    )
    assert keys(notes) == ["qa:explain the difference between bagging and boosting"]
    assert "Q8" not in notes[0].fields["Front"] and "boosting?" in notes[0].fields["Front"]  # type: ignore[attr-defined]


def test_what_a_verb_brings_is_not_the_subject_of_a_facet(render_md):
    notes, _ = render_md(
        "# 归一化\n\n## 批归一化\n\n#### 2. 带来的优势\n\n- 允许更大的学习率。\n- 对初始化不那么敏感。\n\n"
        "#### BN的作用\n\n让每层输入的分布保持稳定。\n"
    )
    assert keys(notes) == ["qa:批归一化带来的优势", "qa:bn的作用"]  # the section names what brings them


def test_a_chapter_number_stays_off_a_formula_front(render_md):
    notes, _ = render_md("# 第3章 线性模型\n\n$$\nf(x) = w^T x + b\n$$\n")
    [formula] = by_kind(notes, "formula")
    assert "第3章" not in formula.fields["Front"] and "线性模型" in formula.fields["Front"]  # type: ignore[attr-defined]


def test_an_exercises_section_makes_no_cards(render_md):
    notes, _ = render_md(
        "# 注意力\n\n## 缩放点积\n\n**缩放点积注意力**：查询与键的点积除以维度的平方根。\n\n## 练习\n\n"
        "1. 调节学习率，观察结果。\n2. 批量规范化：在训练中加入它，会怎样？\n\n$$\nf(x) = x^2\n$$\n\n"
        "## Exercises\n\n1. Design some kernels manually.\n    1. What is the form of a kernel for the second derivative?\n"
    )
    assert keys(notes) == ["concept:缩放点积注意力"]


def test_a_formula_label_is_not_cut_down_to_a_clause_that_says_nothing(render_md):
    notes, _ = render_md(
        "# Convolutions\n\n## Two dimensions\n\n"
        "For two-dimensional tensors we have a corresponding sum with the indices $(a, b)$ for the kernel $f$ "
        "and the shifted indices $(i-a, j-b)$ for the image $g$ of the layer, respectively:\n\n"
        "$$\n(f * g)(i, j) = \\sum_a \\sum_b f(a, b) g(i-a, j-b)\n$$\n"
    )
    [formula] = by_kind(notes, "formula")
    assert "two-dimensional" in formula.fields["Front"]  # type: ignore[attr-defined]


def test_a_step_of_work_as_the_only_label_gives_way_to_the_heading(render_md):
    notes, _ = render_md(
        "# SVM\n\n## 软间隔支持向量机\n\n求解：\n\n$$\n\\min_{w,b,\\xi} \\frac{1}{2}\\|w\\|^2 + C\\sum_i \\xi_i\n$$\n\n"
        "## 反向传播\n\n误差项 $\\delta^l$ 的逐层递推关系为：\n\n$$\n\\delta^l = (W^{l+1})^T \\delta^{l+1} \\odot f'(z^l)\n$$\n"
    )
    fronts = [n.fields["Front"] for n in by_kind(notes, "formula")]  # type: ignore[attr-defined]
    assert "软间隔支持向量机" in fronts[0] and "求解" not in fronts[0], fronts
    assert "递推关系" in fronts[1], fronts  # a relation that is named, not a step


def test_a_clause_before_a_colon_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 训练\n\n概括一下，我们将执行以下循环：\n\n- 初始化参数\n- 重复直到收敛\n\n"
        "事实上，我们也对分类问题感兴趣：不是问多少，而是问哪一个。\n\n"
        "长短期记忆网络（LSTM, Long Short-Term Memory）：用门控制信息流动的循环网络。\n"
    )
    assert keys(notes) == ["concept:长短期记忆网络 lstm long short - term memory"]


def test_moreover_and_finally_are_connectives_not_formula_names(render_md):
    notes, _ = render_md(
        "# Softmax\n\n## Softmax 运算\n\nsoftmax 把输出变成概率分布：\n\n$$\n\\hat y_i = \\frac{e^{o_i}}{\\sum_j e^{o_j}}\n$$\n\n"
        "容易看出各项都在 0 到 1 之间，而且加起来正好等于 1，因此输出是一个合法的概率分布。这时候，如果第二项是 0.8，"
        "不管另外两项是多少，我们都知道图像属于第二类的概率是百分之八十。此外，我们注意到\n\n$$\n\\arg\\max_i o_i = \\arg\\max_i \\hat y_i\n$$\n\n"
        "## 损失\n\n最终有\n\n$$\nL = -\\log \\hat y_y\n$$\n"
    )
    formulas = by_kind(notes, "formula")
    fronts = [f.fields["Front"] for f in formulas]  # type: ignore[attr-defined]
    assert len(formulas) == 3 and not any("此外" in f or "最终有" in f for f in fronts), fronts


def test_a_tutorial_step_over_code_and_a_figure_reference_are_not_topics(render_md):
    notes, _ = render_md(
        "# 线性回归\n\n## 读取数据集\n\n我们先读取数据。\n\n```python\nX, y = load()\n```\n\n"
        "## 图3.5的解释\n\n这张图把平方损失画成了抛物面，最低点就是最优参数所在的位置，沿着等高线下降即可到达。\n\n"
        "## 为什么用平方损失\n\n平方损失处处可导，而且它的最小值有闭式解，优化起来方便。\n"
    )
    assert keys(notes) == ["qa:为什么用平方损失"]


def test_a_heading_over_code_with_a_line_of_prose_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 实现\n\n## 初始化模型参数\n\n用正态分布初始化权重。\n\n```python\nw = torch.normal(0, 0.01, size=(2, 1))\n```\n\n"
        "## Dropout\n\nDropout randomly zeroes activations during training, so the network cannot rely on any one unit.\n"
    )
    assert keys(notes) == ["concept:dropout"]


def test_about_before_a_term_is_not_part_of_it(render_md):
    notes, _ = render_md("# 优化\n\n关于鞍点：梯度为零、但在某些方向上升而在另一些方向下降的点。\n")
    assert keys(notes) == ["concept:鞍点"]


def test_a_bold_name_with_its_english_name_in_prose_is_a_term(render_md):
    notes, _ = render_md(
        "# 判别函数\n\n忽略与类别无关的常数项，得到判别函数——**线性判别函数** LDF（Linear Discriminant Function）。\n\n"
        "在机器学习中，一个重要的假设便是 **独立同分布 (independent and identically distributed)**，它让训练误差能估计测试误差。\n\n"
        "对于**分类任务**（one-hot 标签），我们先把数据**转换为张量**（ndarray）。\n"
    )
    assert keys(notes) == [
        "concept:线性判别函数 ldf linear discriminant function",
        "concept:独立同分布 independent and identically distributed",
    ]


def test_the_bold_term_often_called_something_else_is_defined(render_md):
    notes, _ = render_md(
        "# Losses\n\nThe **objective function**, often called the loss function, measures how wrong the model is.\n"
    )
    assert keys(notes) == ["concept:objective function"]


def test_one_side_of_a_thing_before_a_colon_is_asked_as_it_stands(render_md):
    notes, _ = render_md(
        "# 概论\n\n机器学习的基本目的：根据给定的训练样本估计输入与输出之间的依赖关系，对未知输出作出准确预测。\n\n"
        "### Dropout的基本原理\n\n训练时以一定概率随机丢弃神经元，相当于训练许多子网络并取平均。\n"
    )
    assert keys(notes) == ["qa:机器学习的基本目的", "qa:dropout的基本原理"]


def test_bold_labels_in_an_answer_drop_the_word_definition_and_ask_about_steps(render_md):
    notes, _ = render_md(
        "# 模型评估\n\n### 什么是交叉验证？\n\n**交叉验证定义**:\n把数据分成几份，轮流用其中一份验证、其余训练。\n\n"
        "**K折交叉验证步骤**:\n1. 把数据随机分成 K 份\n2. 每次用 K-1 份训练、1 份验证\n3. 取 K 次结果的平均\n"
    )
    assert keys(notes) == ["qa:什么是交叉验证", "concept:交叉验证", "qa:k折交叉验证步骤"]


def test_an_abstract_word_as_the_subject_is_not_a_term(render_md):
    notes, _ = render_md('# 约束\n\n在可行域里找最小值，"s.t."是"subject to"的简写，意思是"受约束于"，即为约束条件。\n')
    assert notes == []


def test_names_in_prose_lose_their_quantifier_and_a_repository_is_not_one(render_md):
    notes, _ = render_md(
        '# 数据\n\n我们把每一条记录称为一个样本（sample），所有样本的集合称为"数据集"。\n\n'
        '本书的代码仓库称为"d2l-ai/d2l-zh"，我们利用残差块（residual blocks）训练更深的网络。\n'
    )
    assert keys(notes) == ["concept:样本 sample", "concept:数据集"]


def test_a_symbol_row_of_a_term_table_says_what_it_belongs_to_and_a_theorem_number_is_no_term(render_md):
    notes, _ = render_md(
        "# 概率模型\n\n### HMM\n\n#### 数学基础\n\n| 符号 | 含义 |\n| --- | --- |\n"
        "| $A$ | 状态转移概率矩阵，第 i 行是从状态 i 出发的分布 |\n| $B$ | 观测概率矩阵，第 i 行是状态 i 下的观测分布 |\n\n"
        "定理3.1：若数据线性可分，感知机算法在有限步内收敛。\n"
    )
    fronts = [n.fields["Front"] for n in notes]  # type: ignore[attr-defined]
    assert len(notes) == 2 and all("HMM 中的" in f for f in fronts), fronts  # `**定理3.1**：` would be a card


def test_a_worked_example_and_a_list_of_examples_make_no_cards(render_md):
    notes, _ = render_md(
        "# 决策树\n\n## 信息增益\n\n**信息增益**：划分前后熵的减少量。\n\n### 3. 举个一分钟能算完的例子\n\n"
        "数据集：10 条样本，二分类。\n\n- T 分支：6 条样本，熵为 0\n- F 分支：4 条样本，熵约 0.811\n\n"
        "## 生成式模型\n\n比如，它会学习：\n\n- 猫的特点：耳朵尖、胡子长、体型小；\n- 狗的特点：耳朵圆、尾巴摇、体型大。\n"
    )
    assert keys(notes) == ["concept:信息增益"]


def test_a_label_that_points_at_a_line_of_a_figure_gives_way_to_the_heading(render_md):
    notes, _ = render_md(
        "# 集成学习\n\n## AdaBoost 的权重更新\n\n（原书图 8.3 的第 3 行）\n\n$$\n\\epsilon_t = P(h_t(x) \\neq f(x))\n$$\n"
    )
    [formula] = by_kind(notes, "formula")
    assert "AdaBoost 的权重更新" in formula.fields["Front"] and "8.3" not in formula.fields["Front"]  # type: ignore[attr-defined]


def test_the_rest_of_an_interrupted_sentence_is_not_a_formula_name(render_md):
    notes, _ = render_md(
        "# Linear algebra\n\n## Matrix-vector products\n\nWe write the product of a matrix and a vector as\n\n"
        "$$\nA x = b\n$$\n\nwhose $i$-th element is the dot product of the $i$-th row of the matrix with the vector:\n\n"
        "$$\nb_i = a_i^T x\n$$\n"
    )
    fronts = [n.fields["Front"] for n in by_kind(notes, "formula")]  # type: ignore[attr-defined]
    assert not any("whose" in f for f in fronts), fronts


def test_a_books_own_pages_are_not_topics(render_md):
    notes, _ = render_md(
        "# 前言\n\n## 目标受众\n\n本书面向希望了解深度学习的学生、工程师和研究人员，读者只需要一点编程经验。\n\n"
        "## 致谢\n\n感谢所有为本书提出过修改意见的读者，他们让这本书变得更好。\n\n"
        "## About This Book\n\nThis book teaches deep learning concepts, context and code in one place.\n"
    )
    assert notes == []


def test_a_clause_before_a_colon_with_its_verb_is_not_a_term(render_md):
    notes, _ = render_md(
        "# 语言模型\n\n- 长序列存在一个问题：它们很少出现或者从不出现，频率估计很不可靠。\n"
        "- 矩阵是有用的数据结构：它们让我们按行和列组织不同模式的数据。\n"
        "- 有监督学习：从带标签的样本中学习输入到输出的映射。\n"
    )
    assert keys(notes) == ["concept:有监督学习"]


def test_facets_nested_under_a_bold_item_stay_on_that_items_card(render_md):
    notes, _ = render_md(
        "# Optimisation\n\n## Variants of Gradient Descent\n\n"
        "1. **Batch Gradient Descent**:\n    - Uses the whole dataset for every step.\n"
        "    - **Pros**: stable convergence.\n    - **Cons**: slow on large datasets.\n"
        "2. **Stochastic Gradient Descent**:\n    - Uses one sample per step.\n"
        "    - **Pros**: fast updates.\n    - **Cons**: noisy steps.\n"
    )
    assert keys(notes) == ["concept:batch gradient descent", "concept:stochastic gradient descent"]
    assert "stable convergence" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_a_story_chapter_heading_is_not_a_topic(render_md):
    notes, _ = render_md(
        "# The tale of L2\n\n## Chapter 2: The Greedy Wizard and the Heavy Staff\n\n"
        "The wizard trusted every rune on his staff far too much, and every spell grew wild and brittle.\n"
    )
    assert notes == []


def test_an_emphasised_word_named_with_its_head_noun(render_md):
    notes, _ = render_md(
        "# Norms\n\nThe largest singular value of a matrix gives what is called the *spectral* norm, "
        "and it bounds how much the matrix can stretch a vector.\n"
    )
    assert keys(notes) == ["concept:spectral norm"]


def test_a_problem_to_work_is_not_a_question_the_notes_answer(render_md):
    notes, _ = render_md(
        "# VC 维\n\n给定 $\\epsilon = 0.1$、$d_{vc} = 3$，想要 $\\delta \\leq 0.1$，问 N 需要多大？\n\n"
        "代入 VC bound 解得 N 约为 30000。\n\n为什么 VC 维衡量了模型的容量？\n\n它是模型能打散的最大样本数。\n"
    )
    assert keys(notes) == ["qa:为什么 vc 维衡量了模型的容量"]


def test_an_answer_ending_in_a_colon_shows_what_it_announces(render_md):
    """`公式为：` / `Example:` promises the formula or code written next; the card must not stop on the colon,
    whether that block sits inside the list item or after the list."""
    notes, _ = render_md(
        "# 评估\n\n交叉熵（cross entropy）是衡量两个概率分布之间差异的常用方法，定义为：\n\n$$H(p, q) = -\\sum_i p_i \\log q_i$$\n\n"
        "- **Tokenizing**: splitting raw text into units such as words.\n\n    _Example_:\n\n"
        "```python\nprint('a b'.split())\n```\n\n"
        "- **Padding**: making every sequence in a batch the same length.\n\n"
        "**Plain**: a definition that ends in a colon:\n\n## Next\n\nSomething else entirely here.\n\n"
        "- **Stemming**: cutting words down to a common root form.\n\n    Example:\n\n"
        "    ```python\n    stem('running')\n    ```\n\n| 词 | 词干 |\n| --- | --- |\n| cats | cat |\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    assert "log q_i" in backs["concept:交叉熵 cross entropy"]
    assert "split()" in backs["concept:tokenizing"]
    assert "split()" not in backs["concept:padding"]
    assert "Something else" not in backs["concept:plain"]
    assert "running" in backs["concept:stemming"] and "cats" not in backs["concept:stemming"]


def test_a_card_whose_only_answer_is_a_missing_image_is_skipped_with_a_warning(render_md):
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    text = "# 图\n\n**损失曲面**：\n\n![](surface.png)\n\n**学习曲线**：\n\n![](curve.png)\n"
    notes, report = render_md(text, {"curve.png": png})
    assert keys(notes) == ["concept:学习曲线"]
    assert "<img" in notes[0].fields["Back"]  # type: ignore[attr-defined]
    empty = [d for d in report.items if d.code == "empty-answer"]
    assert [(d.line, d.severity.value) for d in empty] == [(3, "warning")]


def test_a_bare_item_over_a_counted_lead_in_is_the_term_and_the_lead_in_is_not(render_md):
    """`- 策略迭代(Policy iteration)` ⏎ `算法包含3步：` ⏎ steps: the item names the term its body explains; a short
    counted lead-in announces parts, it names nothing."""
    notes, _ = render_md(
        "# 强化学习\n\n- 策略迭代(Policy iteration)\n\n算法包含3步：\n\n"
        "1. 随机初始化一个策略。\n2. 评估当前策略的价值函数。\n3. 按价值函数贪心地改进策略，直到不再变化。\n\n"
        "- 折扣因子(Discount factor)\n\n折扣因子决定了未来奖励在当前回报中所占的权重，取值在 0 和 1 之间。\n"
    )
    assert keys(notes) == ["concept:策略迭代 policy iteration", "concept:折扣因子 discount factor"]
    assert "贪心" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_a_term_defined_by_an_equation_alone_is_a_concept_and_a_bare_symbol_is_not(render_md):
    """`Z-score: $z = (x-\\mu)/\\sigma$` defines the term by its formula; `记号：$x$` says nothing about it."""
    notes, _ = render_md(
        "# 缩放\n\n输入特征常用两种缩放：\n\n"
        "- Z-score: $z = (x-\\mu)/\\sigma$\n- Max-abs scaling: $x_s = x / \\max|x|$\n"
        "- 记号：$x$\n- 阈值：$a \\ge b$\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    assert "\\sigma" in backs["concept:z - score"]
    assert "\\max" in backs["concept:max - abs scaling"]
    assert not any("记号" in k or "阈值" in k for k in backs)


def test_a_matrix_that_only_spells_out_a_symbols_entries_is_not_a_formula_card(render_md):
    """`$$\\mathbf{x} = [x_1 \\; x_2]$$` is notation; the product written with those symbols is the formula."""
    notes, _ = render_md(
        "# 矢量计算\n\n设样本的特征为\n\n$$\\boldsymbol{x} = \\begin{bmatrix}x_1 & x_2 & \\cdots & x_d\\end{bmatrix},$$\n\n"
        "权重为\n\n$$\\boldsymbol{W} = \\begin{bmatrix} w_{11} & w_{12} \\\\ w_{21} & w_{22} \\end{bmatrix}$$\n\n"
        "雅可比矩阵为\n\n$$J = \\begin{bmatrix}\\frac{\\partial f_1}{\\partial x_1} & \\frac{\\partial f_1}{\\partial x_2}"
        "\\end{bmatrix}$$\n\n输出层的矢量计算表达式为\n\n$$\\boldsymbol{o} = \\boldsymbol{x} \\boldsymbol{W} + \\boldsymbol{b}$$\n"
    )
    fronts = [re.sub(r"<[^>]+>", "", n.fields["Front"]) for n in by_kind(notes, "formula")]  # type: ignore[attr-defined]
    assert len(fronts) == 2
    assert "雅可比矩阵" in fronts[0] and "输出层的矢量计算表达式" in fronts[1]


def test_an_unmarked_name_at_the_end_of_a_defining_sentence_is_a_term(render_md):
    """`若……，则称 $Q$ 为齐次马尔可夫链。` defines the name it ends on, bold or not; `所以叫做…` only explains one."""
    notes, _ = render_md(
        "# 定义\n\n若转移概率与时刻无关，则称序列 $Q$ 是齐次马尔可夫链。\n\n"
        "引入的系数 $\\lambda_i$ 称为拉格朗日乘数。\n\n"
        "因为两层之间两两相连，所以叫做全连接。\n\n"
        "若它对任意分布都成立，我们称问题对学习算法是一致的。\n\n"
        "这种做法称为是一种元策略。\n"
    )
    assert keys(notes) == ["concept:齐次马尔可夫链", "concept:拉格朗日乘数"]


def test_a_formula_after_further_obviously_or_given_is_not_labelled_by_that_word(render_md):
    """`进一步地` / `显然，当 $p \\le p_0$ 时有` / `已知` / `移项：` connect to what came before; a card
    must not ask "写出 进一步地 的公式"."""
    notes, _ = render_md(
        "# 对偶\n\n## 弱对偶性\n\n对偶函数满足下界性质：\n\n$$g(\\lambda) \\le L(x, \\lambda) \\le f(x)$$\n\n进一步地\n\n"
        "$$g(\\lambda) \\le \\min f(x) = p^*$$\n\n## 检验水平\n\n显然，当 $p \\le p_0$ 时有\n\n$$\\alpha = \\beta(p_0)$$\n\n"
        "## 指数损失\n\n已知\n\n$$E = \\sum_i (y_i - w x_i)^2$$\n\n移项：\n\n$$a e^{H} = b e^{-H}$$\n\n"
        "## 偏导\n\n已知$E=\\sum_i (y_i - w x_i)^2$，所以\n\n$$\\frac{\\partial E}{\\partial w} = -2 \\sum_i x_i (y_i - w x_i)$$\n"
    )
    fronts = [re.sub(r"<[^>]+>", "", n.fields["Front"]) for n in notes]  # type: ignore[attr-defined]
    assert fronts, "the formulas make cards"
    for front in fronts:
        assert not re.match(r"^(?:写出公式\s*)?(?:进一步地|显然|已知|移项)", front), front
    assert (
        any("检验水平" in f for f in fronts)
        and any("指数损失" in f for f in fronts)
        and any("偏导" in f for f in fronts)
    )
    derivations = [n for n in notes if n.kind == "derivation"]  # type: ignore[attr-defined]
    assert len(derivations) == 2 and "p^*" in derivations[0].fields["Back"]  # type: ignore[attr-defined]
    assert "e^{-H}" in derivations[1].fields["Back"]  # type: ignore[attr-defined]


def test_english_writing_around_a_formula_is_not_its_name_and_a_distribution_is_asked_by_its_variable(render_md):
    """`In this case we can write` / `By the same reasoning as above, we see that` say nothing a learner could
    answer; under `## Poisson` the two formulas are told apart by what they are about (`X^{(2)}`, `X^{(n)}`)."""
    notes, _ = render_md(
        "# Distributions\n\n## Poisson\n\nIn a busy area two buses may well arrive within the same minute, so we model the "
        "minute as two halves of thirty seconds each. In this case we can write\n\n"
        "$$X^{(2)} \\sim X_1 + X_2,$$\n\nwhere each half is a Bernoulli variable.\n\n"
        "Why stop at two? We continue to split that minute into many small parts, each with its own tiny chance "
        "of a bus. By the same reasoning as above, we see that\n\n$$X^{(n)} \\sim \\textrm{Binomial}(n, p/n).$$\n"
    )
    fronts = [re.sub(r"<[^>]+>", "", n.fields["Front"]) for n in notes]  # type: ignore[attr-defined]
    assert len(fronts) == 2
    assert not any("we can write" in f or "we see that" in f for f in fronts), fronts
    assert "Poisson" in fronts[0] and "X^{(2)}" in fronts[0] and "X^{(n)}" in fronts[1]


def test_a_line_announcing_counted_parts_over_a_list_asks_for_them_and_a_clause_is_not_a_term(render_md):
    """`学习问题可以划分成两个核心问题` over its two items is a question ("哪两个"), not a term to define; a line
    that starts with `通过` or holds a modal verb is a clause even when a Latin word follows."""
    notes, _ = render_md(
        "# 泛化\n\n学习问题可以划分成两个核心问题\n\n1. 能否保证测试误差接近训练误差\n2. 能否让训练误差足够小\n\n"
        "## 事实\n\n- 通过VC Bound可以了解到以下事实\n    - 断点存在且样本足够多时，泛化是可能的\n"
        "    - 能找到训练误差很小的假设时，学习是可能的\n"
    )
    assert keys(notes) == ["qa:学习问题可以划分成哪两个核心问题", "qa:通过vc bound可以了解到哪些事实"]
    assert "足够小" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_headings_over_an_explanation_and_clauses_before_a_colon(render_md):
    """`### Stacking算法的解释` asks to explain Stacking算法 (not "什么是 …的解释"); `BN包含另外两个可学习参数：…`
    asks which two; `由…的特性可知：`, `回到我们要回答的问题：` and `通常有三种…` are clauses, not terms."""
    notes, _ = render_md(
        "# 集成\n\n## Stacking算法的解释\n\nStacking 先训练多个初级学习器，再用它们的输出训练一个次级学习器来组合。\n\n"
        "## 参数\n\nBN包含另外两个可学习参数：放缩参数 $\\gamma$ 和平移参数 $\\beta$，用于恢复表达能力。\n\n"
        "由二项分布本身的特性可知：当概率变小时，取较小值的概率变大，这一点容易验证。\n\n"
        "回到我们要回答的问题：到底需要多少样例才能学得目标概念的有效近似。\n\n"
        "本节介绍了3种模型评估方法：留出法、交叉验证法和自助法，它们各有适用场合。\n"
    )
    assert keys(notes) == ["qa:讲解 stacking算法", "qa:bn包含另外哪两个可学习参数"]


def test_questions_folded_in_details_tables_of_questions_and_numbered_q_prefixes(render_md):
    """GitHub interview collections: `<details><summary>Q?</summary>A</details>` (inline or with blank lines),
    `<summary>Answer</summary>` under a question, `| Question | Answer |` tables, `Q1:` / `Q.` prefixes."""
    notes, _ = render_md(
        "# Interview\n\n<details>\n<summary>What is the vanishing gradient problem?</summary>\n\n"
        "Gradients shrink layer by layer, so the early layers learn very slowly.\n\n</details>\n\n"
        "<details><summary><b>Why use batch normalization?</b></summary>\n"
        "It keeps layer inputs stable and allows higher learning rates.\n</details>\n\n"
        "### What is overfitting?\n\n<details><summary>Answer</summary>\n"
        "The model fits noise in the training data and generalises poorly.\n</details>\n\n"
        "## More questions\n\nWhat is a learning rate?\n\n<details><summary>Show answer</summary>\n\n"
        "The step size of each parameter update.\n\n</details>\n\n"
        "<details><summary>Click to expand</summary>\n\nA note with no question above it at all.\n\n</details>\n\n"
        "Q1: What does warm-up do?\nA1: It ramps the learning rate up over the first steps.\n\n"
        "Q. What is early stopping?\n\nA. Stopping when the validation loss stops improving.\n\n"
        "| # | Question | Answer |\n| --- | --- | --- |\n| 1 | What is recall? | The share of actual positives found. |\n"
        "| 2 | What is precision? | The share of predicted positives that are right. |\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    assert list(backs) == [
        "qa:what is the vanishing gradient problem",
        "qa:why use batch normalization",
        "qa:what is overfitting",
        "qa:what is a learning rate",
        "qa:what does warm - up do",
        "qa:what is early stopping",
        "qa:what is recall",
        "qa:what is precision",
    ]
    assert "early layers" in backs["qa:what is the vanishing gradient problem"]
    assert "fits noise" in backs["qa:what is overfitting"] and "Answer" not in backs["qa:what is overfitting"]
    assert "step size" in backs["qa:what is a learning rate"]
    assert "recall" not in backs["qa:what is early stopping"]  # the question table is not part of that answer


def test_a_dash_separates_a_glossary_term_from_its_definition(render_md):
    """`- *Batch size* - the number of …` (a marked term) or a list of `Term — definition` items; a reading list
    with dashes, a dated list and a lone unmarked dash in prose are not glossaries."""
    notes, _ = render_md(
        "# Glossary\n\n- *Batch size* - the number of examples used in one update step.\n\n"
        "## Metrics\n\n- Precision — the share of predicted positives that are correct.\n"
        "- Recall — the share of actual positives that the model finds.\n\n"
        "## Reading\n\n- [Deep Learning](https://example.org/dl) — a book that covers the whole field well.\n"
        "- [Pattern Recognition](https://example.org/prml) — another classic book about the subject.\n\n"
        "## History\n\n- 2012 — a deep network wins the ImageNet challenge by a wide margin.\n"
        "- 2015 — residual connections let networks grow to a hundred layers.\n\n"
        "## Other\n\n- Training can be slow - we will see how to speed it up later on.\n- Another point here.\n"
    )
    assert keys(notes) == ["concept:batch size", "concept:precision", "concept:recall"]
    assert "update step" in re.sub(r"<[^>]+>", "", notes[0].fields["Back"])  # type: ignore[attr-defined]


def test_obsidian_cards_a_prefixed_question_heading_and_a_bold_question_with_its_answer_below_it(render_md):
    """`Question::Answer` and `question` ⏎ `?` ⏎ `answer` (Obsidian), `### Q: …?` (the prefix stays off the
    front, and the `Q:` blocks under it are cards of their own, not its answer), `**1. What …?**` ⏎ answer;
    `std::vector` in prose is not a card."""
    notes, _ = render_md(
        "# Cards\n\nWhat is a tensor::A multi-dimensional array of numbers.\n\n注意::这里要小心边界条件的处理方式。\n\n"
        "Use std::vector when the size changes at run time, it is simpler.\n\n"
        "What does ReLU output for negative inputs?\n?\nZero; positive inputs pass through unchanged.\n\n"
        "### Q: What is a kernel?\n\nA small matrix slid across the input.\n\n"
        "> **Q:** What is stride?\n> **A:** The step by which the kernel moves.\n\n"
        "- Q: What is padding?\n  A: Extra border values added around the input.\n\n"
        "**1. What is an activation function?**\nA non-linear function applied to each output.\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    fronts = [re.sub(r"<[^>]+>", "", n.fields["Front"]) for n in notes]  # type: ignore[attr-defined]
    assert list(backs) == [
        "qa:what is a tensor",
        "qa:what does relu output for negative inputs",
        "qa:what is a kernel",
        "qa:what is stride",
        "qa:what is padding",
        "qa:what is an activation function",
    ]
    assert fronts[0] == "What is a tensor?" and fronts[2] == "What is a kernel?"
    assert backs["qa:what does relu output for negative inputs"].startswith("Zero")
    assert "stride" not in backs["qa:what is a kernel"] and "padding" not in backs["qa:what is a kernel"]
    assert "non-linear" in backs["qa:what is an activation function"]


def test_a_basics_heading_is_a_section_a_mixed_glossary_list_and_a_table_of_networks(render_md):
    """`## 1. 基本概念` titles a section (no "讲解：基本概念" card); in a list of `术语：…` items a `步长 stride ——
    …` item is a term too; `| 网络 | 年份 | 特点 |` is one card per network."""
    notes, _ = render_md(
        "# 卷积\n\n## 1. 基本概念\n\n卷积层在输入上滑动卷积核，提取局部的空间特征。\n\n"
        "- 感受野：输出特征图上一个点对应输入图像上的区域大小。\n- 步长 stride —— 卷积核每次移动的像素数。\n"
        "- 填充：在输入边缘补零，使输出尺寸保持不变。\n\n"
        "| 网络 | 年份 | 特点 |\n| --- | --- | --- |\n| AlexNet | 2012 | 使用 ReLU 和 Dropout，首次大幅领先 |\n"
        "| VGG | 2014 | 堆叠 3×3 小卷积核，结构规整统一 |\n"
    )
    assert keys(notes) == ["concept:感受野", "concept:步长 stride", "concept:填充", "concept:alexnet", "concept:vgg"]


def test_english_course_notes_a_sentence_the_formula_completes_and_a_label_that_says_it(render_md):
    """`## Cost function` over `The regularized cost function is` ⏎ `$$…$$` names the formula (one formula card,
    no "Define Cost function" repeating it); `Options to address it:` is about something named elsewhere."""
    notes, _ = render_md(
        "# Week 3\n\n## The problem of overfitting\n\nIf we have too many features, the learned hypothesis may fit the "
        "training set very well but fail to generalize to new examples. This is called **overfitting**.\n\nOptions to address it:\n\n1. Reduce the number of features used by the model.\n"
        "2. Regularization: keep all the features, but shrink the magnitude of the parameters.\n\n"
        "## Cost function\n\nThe regularized cost function for linear regression is\n\n"
        "$$J(\\theta) = \\frac{1}{2m}\\sum_i (h(x_i) - y_i)^2 + \\lambda \\sum_j \\theta_j^2$$\n"
    )
    assert keys(notes) == [
        "concept:overfitting",
        "concept:regularization",
        "formula:the regularized cost function for linear regression is",
    ]


def test_chinese_interview_questions_answer_labels_and_list_item_pairs(render_md):
    """`**答案**：` / `Answer:` opening an answer is a label, not part of it; `#### 参考答案` under a question heading
    is still its answer (no "讲解：参考答案" card); `- 问：…` ⏎ `- 答：…` is one pair; a `Q:` answer stops at them."""
    notes, _ = render_md(
        "# 面试题\n\n### 1. 什么是偏差和方差\n\n**答案**：偏差是预测期望与真实值的差距，方差是预测的离散程度。\n\n"
        "### 2. L1 和 L2 正则化的区别\n\n- L1 产生稀疏解；\n- L2 使权重整体变小。\n\n#### 参考答案\n\n"
        "L1 的等值线是菱形，最优解容易落在坐标轴上。\n\n## 其他\n\n问题5：BN 在训练和测试时有什么不同？\n\n"
        "答：训练时用当前批次的统计量，测试时用滑动平均。\n\n- 问：什么是交叉熵？\n- 答：衡量两个概率分布差异的指标。\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    assert list(backs) == [
        "qa:什么是偏差和方差",
        "qa:l1 和 l2 正则化的区别",
        "qa:bn 在训练和测试时有什么不同",
        "qa:什么是交叉熵",
    ]
    assert backs["qa:什么是偏差和方差"].strip().startswith("偏差")
    assert "菱形" in backs["qa:l1 和 l2 正则化的区别"]
    assert "交叉熵" not in backs["qa:bn 在训练和测试时有什么不同"]
    assert "概率分布" in backs["qa:什么是交叉熵"]


def test_a_bold_question_answered_on_the_same_line(render_md):
    """`3. **What is an embedding?** A dense vector …` is a question and its answer; `**Why?** Because …` leans on
    the text before it and is not."""
    notes, _ = render_md(
        "# Questions\n\n3. **What is an embedding?** A dense vector that represents a discrete item such as a word.\n\n"
        "Dropout is applied only while training the network.\n\n**Why?** Because at test time we want the full model.\n"
    )
    assert keys(notes) == ["qa:what is an embedding"]
    assert "dense vector" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_a_textbook_definition_or_theorem_label_names_its_term(render_md):
    """`**定义 3.1（线性模型）** …` defines 线性模型 (the section heading over it is not a term of its own);
    `**Theorem 2 (Bayes).** …` states a named result; `**定理 3.2** …` has no name to ask by."""
    notes, _ = render_md(
        "# 第3章\n\n## 3.1 基本形式\n\n**定义 3.1（线性模型）** 给定由 $d$ 个属性描述的示例，线性模型学得一个属性的线性组合来预测。\n\n"
        "**定理 3.2** 若 $X^TX$ 为满秩矩阵，则最小二乘解唯一。\n\n"
        "**Theorem 2 (Bayes' rule).** The posterior is proportional to the likelihood times the prior.\n"
    )
    assert keys(notes) == ["concept:线性模型", "qa:bayes rule的内容"]
    assert "线性组合" in notes[0].fields["Back"]  # type: ignore[attr-defined]


def test_nested_and_unclosed_details_keep_their_text_and_stop_at_the_next_question(render_md):
    """A `<details>` inside the answer keeps its text on the card; one never closed ends where the next question
    starts instead of swallowing the rest of the file."""
    notes, report = render_md(
        "# Q\n\n<details><summary>What is a residual block?</summary>\n<details><summary>Hint</summary>\n"
        "think of identity maps\n</details>\nIt adds its input to its output.\n</details>\n\n"
        "<details><summary>What is a skip connection?</summary>\n\nA path that bypasses some layers.\n\n"
        "| Question | Answer |\n| --- | --- |\n| What is a bottleneck? | A narrow 1x1 layer. |\n"
    )
    backs = {n.key: re.sub(r"<[^>]+>", "", n.fields["Back"]) for n in notes}  # type: ignore[attr-defined]
    assert list(backs) == ["qa:what is a residual block", "qa:what is a skip connection", "qa:what is a bottleneck"]
    assert (
        "identity maps" in backs["qa:what is a residual block"]
        and "adds its input" in backs["qa:what is a residual block"]
    )
    assert "bottleneck" not in backs["qa:what is a skip connection"]
    assert not [d for d in report.items if d.code == "empty-answer"]


def test_an_obsidian_note_named_after_its_term_tag_lines_and_definition_callouts(render_md):
    """`Gradient Descent.md` opening with `Gradient descent is …` defines its title; a `#ml #optimization` line
    is tags, not a term; `> [!definition] Learning rate` defines the term it names. A later paragraph that
    starts with the title, or a note whose first paragraph does not define it, makes no title card."""
    text = (
        "#ml #optimization\n\nGradient descent is an iterative optimization algorithm that moves the parameters "
        "against the gradient of the loss.\n\n> [!definition] Learning rate\n> The step size that scales each update.\n"
    )
    adam = "See the lecture slides first.\n\nAdam is an optimizer that adapts the step size.\n"
    notes, _ = render_md(text, {"Adam.md": adam}, name="Gradient Descent.md")
    assert sorted(keys(notes)) == ["concept:gradient descent", "concept:learning rate"]
    boxed = next(n for n in notes if n.key == "concept:learning rate")  # type: ignore[attr-defined]
    assert "step size" in boxed.fields["Back"]  # type: ignore[attr-defined]
