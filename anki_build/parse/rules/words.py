"""What makes a piece of text a term, a question or a generic label: the word lists the heuristic rules share.

Counts and cue words come from real notes (the research note on extraction): defined terms are short
(≤ 12 CJK characters or ≤ 5 English words, often with an English alias in parentheses); a "term" of
30+ characters, or one that ends in a verb or a connective, is a sentence.
"""

from __future__ import annotations

import re

NUMBERING = re.compile(
    r"^\s*(?:(?:\d+\.)+\d*\s*|\d+[.)、]\s*|[(（]\d+[)）]\s*|[一二三四五六七八九十]+[、.．]\s*|"
    r"第[一二三四五六七八九十\d]+[章节步部分][:：、\s]*|(?:Q|Step|Part|Chapter)\s*\d+\s*[:：.)]?\s*)",
    re.IGNORECASE,
)
_ALIAS = re.compile(r"\s*[(（][^()（）]{0,60}[)）]")
_SENTENCE = re.compile(r"[。！？!?；;，]|\.\s+[A-Z]")  # a full-width comma outside brackets joins clauses
_CJK = re.compile(r"[\u3400-\u9fff]")


# Labels that name a part of an explanation, not a thing to learn.
def word_set(text: str) -> set[str]:
    """Entries separated by `|` (an entry may hold spaces: `key idea`)."""
    return {entry.strip() for entry in text.split("|") if entry.strip()}


# Labels that only ever name a part of an explanation; refused even after explicit syntax.
LABELS = word_set(
    "注意|注|备注|提示|例如|例|比如|答|答案|解|解答|解析|证明|证|结论|总结|小结|说明|原因|步骤|结果|"
    "优点|缺点|优势|劣势|局限性|不足|缺陷|特点|作用|目的|意义|思路|示例|例子|举例|要点|重点|关键|用途|区别|联系|"
    "优缺点|注意事项|核心思想|数学表示|数学表达|直观理解|适用场景|应用场景|使用技巧|常见问题|"
    "note|notes|nb|example|examples|e.g|tip|tips|warning|caution|important|answer|solution|proof|result|results|"
    "summary|pros|cons|advantages|disadvantages|intuition|remark|remarks|key idea|key ideas|key actions|objective|"
    "next quest|moral|moral of the story|see also"
)
# Labels that name a part of an explanation, not a thing to learn (for heuristics; explicit syntax uses LABELS).
GENERIC = LABELS | word_set(
    "概念|针对问题|典型版本|基本单元|新目标|优化目标|注意|注|备注|提示|例如|例|比如|如|其中|即|答|答案|解|解答|解析|证明|证|结论|总结|小结|说明|原因|方法|步骤|结果|输入|输出|"
    "优点|缺点|优势|劣势|局限性|局限|不足|缺陷|特点|特性|作用|目的|意义|思路|问题|问|定义|公式|代码|示例|例子|举例|实例|"
    "参考答案|标准答案|回答|"
    "核心思想|思想|关键|关键点|要点|重点|难点|应用|用途|场景|应用场景|适用场景|改进|解决方案|解决办法|区别|联系|本质|目标|"
    "数学表示|数学表达|数学形式|表达式|直观理解|理解|直觉|贡献|主要贡献|创新点|前提|条件|效果|影响|原则|背景|动机|流程|"
    "结构|组成|结构组成|基本原理|原理|工作原理|实现|实现方式|实现细节|训练|推理|测试|预测|参数|超参数|复杂度|时间复杂度|"
    "优缺点|优劣|对比|比较|总览|概述|简介|介绍|引言|前言|参考|参考文献|参考资料|相关|延伸阅读|拓展|扩展|练习|习题|思考|"
    "作者|日期|时间|来源|出处|链接|地址|编辑|标签|版本|更新|邮箱|负责人|贡献者|难度|原文|网址|主页|图|表|图片|效果图|"
    "训练阶段|测试阶段|推理阶段|使用技巧|技巧|注意事项|常见问题|典型示例|示意图|算法流程|具体步骤|核心公式|计算公式|"
    "不同点|相同点|共同点|区别点|关键假设|假设|因素|实例|案例|应用案例|输入数据|输出数据|数据准备|要求|评估方法|诊断方法|"
    "意思|含义|核心|假设前提|解决策略|业务策略|部署方式|核心价值|价值|学习路径|选择依据|实践建议|常见解决方案|检测方法|影响因素|关键特点|"
    "note|notes|nb|example|examples|e.g|eg|i.e|ie|tip|tips|warning|caution|important|answer|solution|proof|result|"
    "results|output|input|step|steps|summary|pros|cons|advantages|disadvantages|formula|code|reference|references|"
    "definition|intuition|idea|key idea|key ideas|goal|goals|purpose|usage|use case|use cases|limitations|benefits|"
    "drawbacks|problem|problems|issue|issues|challenge|challenges|question|why|how|what|reason|reasons|method|"
    "approach|implementation|training|inference|testing|key actions|actions|tools|outcome|outcomes|deliverables|"
    "moral|moral of the story|remark|remarks|fig|figure|table|source|see also|related|related concepts|further reading|"
    "overview|introduction|background|conclusion|discussion|exercises|appendix|contents|table of contents|toc|"
    "motivation|setup|analysis|author|date|link|tags|version|explanation|details|detail|description|meaning|"
    "properties|property|features|feature|objective|objectives|next quest|next steps|key takeaways|takeaways|"
    "best practices|common pitfalls|pitfalls|practical tip|practical tips|in practice|recap|keywords|key concepts"
)
# Facts about the note rather than in it (`难度：⭐⭐`, `作者：…`).
METADATA = word_set(
    "作者|日期|时间|来源|出处|链接|地址|编辑|标签|版本|更新|更新时间|最后更新|邮箱|负责人|贡献者|参与者|难度|原文|原文链接|"
    "网址|主页|课程|讲师|author|authors|date|updated|last updated|source|link|url|tags|version|email|contributor|"
    "contributors|maintainer|maintainers|difficulty|status"
)
# A label over a list of named kinds (`**变种**：`, `**常见调度策略**：`): the items are terms, not points.
_KINDS = re.compile(
    r"(?:类型|种类|变种|变体|分类|类别|方法|算法|参数|策略|模型|函数|技术|调度|方式|形式|指标|概念|术语|主要内容|"
    r"组成部分|组件|模块|"
    r"types|kinds|variants|variations|methods|algorithms|parameters|models|functions|techniques|strategies|metrics|"
    r"concepts|terms|components)$",
    re.IGNORECASE,
)
# Headings that group or frame a chapter rather than name something to learn.
GENERIC_HEADINGS = GENERIC | word_set(
    "目录|导读|本章|本节|概要|要点总结|章节总结|学习目标|实验|代码实现|从零开始实现|简洁实现|"
    "summary|exercises|references|introduction|overview|conclusion|discussion|implementation|code|appendix|"
    "setup|installation|getting started|acknowledgements|acknowledgments|license|contributors|changelog|"
    "big picture summary|final thoughts|wrap-up|wrap up|what's next|next|visualization utilities|"
    # a book's or a repository's own pages: about it, not about machine learning
    "致谢|前言|序言|关于本书|本书结构|内容和结构|面向人群|目标受众|读者对象|原书地址|本书的英文版|样式规范|写作规范|"
    "中英文术语对照|术语对照|教学资源|中英文教学资源|安装|环境配置|贡献指南|如何贡献|更新日志|版权声明|"
    "about this book|about the book|target audience|prerequisites|how to read this book|style guide|contributing|"
    "how to contribute|resources|teaching resources|citation|citing"
)
# Section titles inside a chapter: never a term or a topic card, though a chapter may well be called that
# (`# 基本概念` still names its chapter)
SECTION_HEADINGS = GENERIC_HEADINGS | word_set(
    "基本概念|基础概念|基础知识|基本知识|核心概念|主要概念|重要概念|相关概念|预备知识|基础|知识点|面试题|常见面试题|"
    "basics|basic concepts|key concepts|core concepts|fundamentals|preliminaries|background|faq"
)
_CLAUSE_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|will|would|should|explained|said|says|asked|replied|"
    r"noted|shows|showed|gives|given|uses|used|means|became|become|decided|found|learned|learns|makes|made)\b",
    re.IGNORECASE,
)
_VERB_END = re.compile(r"(?:是|为|有|的|了|如下|所示|如|即|时|后|中|于|在|被|把|将|会|能|可|得|并|和|与|或|等)$")
_PRONOUN_START = re.compile(
    r"^(?:我们|我|你|这|那|它|其|如果|若|当|因为|由于|所以|但|而|对于|通过|根据|在|从|用|把|将|为了|虽然|可以|需要|注意|"
    r"现在|考虑|下面|接下来|首先|其次|然后|最后|于是|因此|从而|那么|故|回到|通常|往往|总是|"  # a Latin word may follow
    r"(?:we|you|this|that|these|those|it|if|when|because|since|so|but|for|in|on|to|by|with|as|note|here|there)"
    r"(?![A-Za-z]))",
    re.IGNORECASE,
)
# A modal verb inside a Chinese phrase makes it a clause (`学习问题可以划分成两个核心问题`), not a name
_MODAL = re.compile(
    r"(?<=[\u4e00-\u9fffA-Za-z])(?:可以|能够|能否|应该|需要|必须|无法|不能|可能(?!性))(?=[\u4e00-\u9fff])"
    r"|我们|你们|(?:(?<!不)可知|可得|可见|得知|看出)$"  # `回到我们要回答的问题`, `由二项分布本身的特性可知`
)
QUESTION_WORDS = re.compile(
    r"什么|为什么|为何|如何|怎么|怎样|哪些|哪个|哪种|哪里|是否|能否|可否|有何|有什么|何时|何为|多少|"
    r"^(?:请)?(?:解释|简述|阐述|描述|谈谈|论述|比较|说说|讲讲|介绍一下|说明一下)(?=[^\s器性力]\S)|"
    r"\b(?:why|how|what|which|when|where|who|whether|explain|compare|describe|define)\b",
    re.IGNORECASE,
)
TOPIC_WORDS = re.compile(r"区别|比较|对比|优缺点|优劣|异同|\bdifference|\bvs\.?\b|\bpros and cons\b", re.IGNORECASE)


def bare(text: str) -> str:
    """The text without numbering, markup leftovers and surrounding punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    previous = None
    while previous != text:
        previous = text
        text = NUMBERING.sub("", text).strip(" *_`#:：.．。,，、;；-—–|")
    return text


_FACET_SUFFIX = re.compile(
    r"(?:层面|方面|阶段|角度|实例|案例|示例|举例|步骤|建议|依据|路径|要点|总结|复习|回顾|汇总|小结|归纳)$"
)


def generic(text: str, *, exact: bool = False) -> bool:
    """A label for part of an explanation (`优点`, `Pros`); `exact`: only the words listed, no suffix guess.

    Explicit syntax (`**X**：…`) uses `exact`: the author marked a term, so only the plainest labels are refused.
    """
    core = _ALIAS.sub("", bare(text)).strip().casefold()
    if exact:
        return core in LABELS or not core
    return core in GENERIC or not core or bool(_FACET_SUFFIX.search(core))


_ACTION = re.compile(
    r"^(?:转换为|转化为|转为|变为|改为|利用|借助|初始化|计算|更新|选择|选取|设置|设定|确定|收集|训练|评估|使用|构建|建立|准备|加载|检查|调整|比较|添加|移除|去除|删除|"
    r"定义|求解|求|迭代|重复|获取|执行|运行|保存|导入|创建|编写|绘制|观察|分析|处理|划分|拆分|部署|监控|测试|验证|清洗|"
    r"输入|输出|得到|计算出|构造|搭建|采集|标注|整理|统计|记录|对比|判断|生成)"
    r"(?!\s*(?:式|集|层|图|器|机|门|率|量|模型|网络|函数|数据|样本|误差|损失|阶段|过程|方法|单元|对抗|学习|[（(]|$))"
    r"\s?[\u4e00-\u9fffA-Za-z]"  # `计算**类内散度矩阵**` reads `计算 类内散度矩阵`
    r"|^(?:initiali[sz]e|compute|calculate|update|set|use|run|train|test|save|plot|record|feed|pass|"
    r"choose|select|define|collect|evaluate|build|prepare|load|"
    r"check|tune|adjust|compare|add|remove|split|deploy|monitor|optimi[sz]e|validate|predict|clean|repeat|apply|"
    r"normali[sz]e|gather|identify|visuali[sz]e|fit|create|write|analy[sz]e|handle|perform|"
    r"backpropagate|iterate|get|obtain|measure)\s+(?:the|a|an|your|each|all|new|data|model|weights?|"
    r"parameters?|features?|gradients?|loss|results?)\b",
    re.IGNORECASE,
)


_DOES = re.compile(
    r"^(?:在|通过|用|使用|采用|对|将|把|让|使|可|能|会|限制|设置|设定|调整|稳定|减少|减小|增加|增大|提高|提升|降低|防止|避免|"
    r"缓解|解决|加速|允许|引入|保持|控制|选择|根据|结合|利用|提供|支持|实现|改善|增强|消除|部署|预先|提前|动态|自动|专门|直接|"
    r"逐步|随机|定期|适合|适用|需要|不|没有|可以|能够|容易|"
    r"use|uses|using|reduce|reduces|increase|increases|prevent|prevents|avoid|avoids|allow|allows|apply|applies|add|"
    r"adds|limit|limits|set|adjust|help|helps|make|makes|improve|improves|speed|stabili[sz]es?|control|controls|select|"
    r"combine|combines|works|can|may|requires?|needs?)(?![a-z])",
    re.IGNORECASE,
)


def asked_about(term: str, question: str) -> bool:
    """The question the answer is for names this term (`**梯度消失问题**：` under `解释梯度消失和梯度爆炸问题`)."""
    core = re.sub(r"(?:的)?(?:问题|定义|概念)$", "", _ALIAS.sub("", bare(term)).strip()).casefold()
    if len(core) < 2 or generic(core) or _DOES.match(core):
        return False  # `解决` under `如何解决…`: a verb of the question, not its subject
    return core in question.casefold()


def describes_use(text: str) -> bool:
    """`限制梯度大小`, `在正区间梯度为1`, `Reduces overfitting`: says what a thing does, not what it is."""
    return bool(_DOES.match(text.strip()))


def action(text: str) -> bool:
    """A step to do (`计算梯度`, `Update the weights`), not a name: it starts with a verb."""
    return bool(_ACTION.match(bare(text)))


def metadata(text: str) -> bool:
    return _ALIAS.sub("", bare(text)).strip().casefold() in METADATA


def kinds_label(text: str) -> bool:
    """`**变种**：`, `**自适应方法**：`, `**学习率调度**：`: the list below names kinds of something."""
    return bool(_KINDS.search(_ALIAS.sub("", bare(text)).strip()))


def points_label(text: str) -> bool:
    """A label whose list holds the points of an explanation (`**优势**：`, `**影响因素**：`), not named kinds."""
    core = _ALIAS.sub("", bare(text)).strip()
    return core.casefold() in GENERIC and not _KINDS.search(core) and not metadata(core)


_COUNTED = re.compile(r"(?:的|之|\d+\s*[个点条项]|[两二三四五六七八九十几]\s*[个点条项]|以下|下列|如下)\s*(?:主要)?$")


def points_lead(text: str) -> bool:
    """`线性回归问题的3个特点：`, `它的优点如下：`: a sentence that announces the points of the list below."""
    core = re.sub(r"(?:如下|主要有|有|包括|是)$", "", bare(text)).strip()
    sizes = range(min(6, len(core)), 1, -1)
    return any(core[-size:] in LABELS and _COUNTED.search(core[:-size]) for size in sizes)


_SUM_END = re.compile(r"(?:平方|之|总|求|加权|累加|部分)和$")  # `残差平方和` is a sum, not a clause ending in 和


def term_like(text: str, *, max_cjk: int = 16, max_words: int = 6) -> bool:
    """Short enough, and shaped like a name rather than a clause."""
    core = bare(text)
    if not core or generic(core) or len(core) > 80 or "http" in core:
        return False
    head = _ALIAS.sub("", core).strip()
    verb_end = _VERB_END.search(head) and not _SUM_END.search(head)
    if not head or _SENTENCE.search(head) or _PRONOUN_START.match(head) or verb_end or _MODAL.search(head):
        return False
    if re.search(r"\b(?:it|its|them|they|this|these|those|we|you|our|your)\b", head):
        return False  # `Options to address it`: a phrase about something named elsewhere, not a name
    if ":" in head or "：" in head:  # `推导：常用梯度` is a title, not a name
        return False
    if re.fullmatch(r"[\d\s.:/,-]+", head):  # a date, a time, a number
        return False
    if len(head.split()) >= 2 and _CLAUSE_VERB.search(head):  # `The monks explained`
        return False
    cjk = len(_CJK.findall(head))
    words = len(re.findall(r"[A-Za-z][\w'-]*", head))
    return (cjk == 0 and 0 < words <= max_words) or (0 < cjk <= max_cjk and words <= max_words)


def question_mark(text: str) -> str:
    """The question mark a front in this text's language ends with."""
    return "？" if re.search(r"[\u4e00-\u9fff]", text) else "?"


def question_like(text: str) -> bool:
    core = bare(text)
    return core.endswith(("?", "？")) or bool(QUESTION_WORDS.search(core)) or bool(TOPIC_WORDS.search(core))


_TECH_SUFFIX = re.compile(
    r"(?:化|法|器|层|函数|网络|模型|算法|损失|率|度|量|矩阵|向量|分布|空间|机制|范数|门|单元|核|树|数|项|式|理论|定理|定律|"
    r"效应|方法|技术|策略|准则|估计|检验|过程|变换|分解|编码|注意力|学习|回归|分类|聚类|采样|卷积|池化|激活|嵌入|梯度|偏差|方差|"
    r"熵|散度|距离|误差|衰减|退火|裁剪|丢弃|连接|传播|下降|搜索|剪枝|蒸馏|增强|迁移|正则|归一|标准化|初始化|消失|爆炸)$"
)


def technical(term: str) -> bool:
    """A name of a technique or a quantity (`Layer Normalization`, `余弦退火`), not a description (`模型开发`)."""
    core = _ALIAS.sub("", bare(term)).strip()
    latin = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", term) if w.casefold() not in GENERIC]
    return bool(latin) or bool(_TECH_SUFFIX.search(core))


_TAGS = re.compile(r"(?:#[^\s#]+\s*)+")


def tag_line(text: str) -> bool:
    """Obsidian's `#ml #optimization` line: tags about the note, not in it."""
    return _TAGS.fullmatch(text.strip()) is not None
