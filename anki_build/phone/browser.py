"""Typesetting cards in headless Chromium at 390×844 with Anki's MathJax, and reading back what went wrong.

One browser launch renders the whole deck: a page swaps each card side into `#qa` of a 390×844
iframe (new headless Chromium has a 500 px minimum window, so the frame, not the window, is the
phone) and typesets it the way Anki's reviewer does.

Cards come from notes, and notes from strangers, so the browser is shut in as far as this machine
allows: a fresh profile per run; Chromium's own sandbox (as an unprivileged user when anki-build runs
as root, which Chromium otherwise refuses); and no network at all. Every request the browser makes,
to any host or port including loopback, goes to a proxy in this process that serves the page, Anki's
MathJax and the deck's media under a made-up origin and refuses and records everything else; host
names resolve to nothing, so nothing can go around it. A card side that asks for anything from the
network is reported.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WIDTH, HEIGHT = 390, 844
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ORIGIN_HOST = "cards.anki-build.invalid"  # served only by the proxy below; `.invalid` never resolves anywhere
ORIGIN = f"http://{ORIGIN_HOST}"
NOBODY = 65534


class BrowserUnavailable(RuntimeError):
    pass


def find_chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        "headless Chromium is needed to render cards and was not found; on Debian/Ubuntu: sudo apt-get install chromium"
    )


def find_webkit() -> tuple[str, list[str]]:
    """(a Python that has PyGObject and WebKitGTK 4.1, the command prefix that gives it a display)."""
    probe = "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1')"
    here = Path(sys.prefix).resolve()
    seen: list[str] = []
    for folder in os.get_exec_path():
        candidate = Path(folder) / "python3"
        if not candidate.is_file() or here in candidate.resolve().parents or str(candidate) in seen:
            continue
        seen.append(str(candidate))
        try:
            ok = subprocess.run([str(candidate), "-c", probe], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
                return str(candidate), []
            xvfb = shutil.which("xvfb-run")
            if xvfb is None:
                raise BrowserUnavailable("WebKitGTK needs a display: install xvfb (sudo apt-get install xvfb)")
            return str(candidate), [xvfb, "-a"]
    raise BrowserUnavailable(
        "the WebKit engine needs WebKitGTK for the system Python: sudo apt-get install gir1.2-webkit2-4.1 "
        "python3-gi xvfb"
    )


_CHECK_JS = r"""
const SCREENS = 3;  // a side taller than this many screens is reported (render-too-tall)

function runScripts(qa) {
  // As Anki's reviewer does: scripts set through innerHTML do not run, so each is replaced by a live copy.
  for (const old of Array.from(qa.querySelectorAll("script"))) {
    const live = document.createElement("script");
    for (const attr of Array.from(old.attributes)) live.setAttribute(attr.name, attr.value);
    live.textContent = old.textContent;
    old.replaceWith(live);
  }
}

function rgba(text) {
  const m = (text || "").match(/rgba?\(([^)]*)\)/);
  if (!m) return [0, 0, 0, 0];
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}

function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}

function background(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let colour = [255, 255, 255, 1];
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return colour;
}

function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

function hex(c) { return "#" + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, "0")).join(""); }

function shown(el) {
  if (!el.getClientRects().length) return false;
  for (let e = el; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.visibility === "hidden" || style.display === "none" || Number(style.opacity) === 0) return false;
  }
  return true;
}

function textElements(qa) {
  // Every element that shows text of its own (one per element), and every formula as a whole.
  const out = new Set();
  const walker = document.createTreeWalker(qa, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest("mjx-container, script, style")) continue;
    out.add(el);
  }
  for (const math of qa.querySelectorAll("mjx-container")) out.add(math);
  return Array.from(out).filter(shown);
}

function measure(qa, problems, measures) {
  let low = null, lowCount = 0, small = null, smallCount = 0;
  measures.min_contrast = 21;
  for (const el of textElements(qa)) {
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const fg = rgba(style.color), bg = background(el);
    const ratio = contrast(over(fg, bg), bg);
    measures.min_contrast = Math.min(measures.min_contrast, Math.round(ratio * 100) / 100);
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const sample = (el.tagName.startsWith("MJX") ? "a formula" : `'${el.textContent.trim().slice(0, 30)}'`);
    if (ratio < need - 0.005) {
      lowCount++;
      if (!low || ratio < low.ratio) low = {ratio, need, sample, fg: hex(over(fg, bg)), bg: hex(bg)};
    }
    if (size < 12 && !el.tagName.startsWith("MJX")) {
      smallCount++;
      if (!small || size < small.size) small = {size, sample};
    }
  }
  if (low) problems.push({kind: "contrast", tex: "", message:
    `${low.sample} is ${low.fg} on ${low.bg}, contrast ${low.ratio.toFixed(2)}:1 (needs ${low.need}:1)` +
    (lowCount > 1 ? `; ${lowCount - 1} more element(s) below` : "")});
  if (small) problems.push({kind: "small-text", tex: "", message:
    `${small.sample} is ${small.size.toFixed(1)} px (at least 12 px)` + (smallCount > 1 ? `; ${smallCount - 1} more` : "")});
  for (const box of qa.querySelectorAll("mjx-container")) {
    const math = box.querySelector("mjx-math");
    if (!math || !shown(box)) continue;
    const display = box.getAttribute("display") === "true";
    const room = display ? box.clientWidth : (box.closest("p, li, div, td, th") || qa).clientWidth;
    const width = math.getBoundingClientRect().width;
    measures.formulas.push({display, width: Math.round(width), room, scale: Number(box.getAttribute("data-ab-scale") || 100),
                            hinted: box.classList.contains("ab-scrolls")});
    if (width > room + 1) {
      const scale = Number(box.getAttribute("data-ab-scale") || 100);
      const hinted = box.classList.contains("ab-scrolls");
      const item = MathJax.startup.document.getMathItemsWithin(box)[0];
      problems.push({kind: "too-wide", tex: item ? item.math : "", message:
        `a${display ? "" : "n inline"} formula is ${Math.round(width)} px wide in a ${room} px box at ${scale} % size; ` +
        (hinted ? "it scrolls, with a scroll hint" : "it is cut off with no sign that it scrolls")});
    }
  }
  const cells = Array.from(qa.querySelectorAll("td, th")).filter(shown).map(c => c.getBoundingClientRect().width);
  if (cells.length) measures.narrowest_cell = Math.round(Math.min(...cells));
  measures.images = Array.from(qa.querySelectorAll("img")).map(i => getComputedStyle(i).filter);
  const height = document.documentElement.scrollHeight;
  measures.height = height;
  if (height > SCREENS * window.innerHeight)
    problems.push({kind: "too-tall", tex: "", message: `the side is ${(height / window.innerHeight).toFixed(1)} screens tall (more than ${SCREENS})`});
}

async function checkSide(qa) {
  runScripts(qa);
  MathJax.typesetClear();
  await MathJax.typesetPromise([qa]);
  await new Promise(r => setTimeout(r, 60));  // the card's own script fits formulas after typesetting (30 ms debounce)
  const items = Array.from(MathJax.startup.document.getMathItemsWithin(qa));
  const problems = [];
  for (const item of items) {
    const mml = MathJax.startup.toMML(item.root);
    const error = (mml.match(/data-mjx-error="([^"]*)"/) || [])[1];
    if (error) problems.push({kind: "tex-error", tex: item.math, message: error});
    for (const m of mml.matchAll(/<mtext mathcolor="red"[^>]*>(\\[A-Za-z]+)<\/mtext>/g))
      problems.push({kind: "undefined-macro", tex: item.math, message: m[1]});
  }
  const text = qa.innerText;
  const leftover = text.match(/\\[()\[\]]/);
  if (leftover) problems.push({kind: "unrendered-math", tex: "", message: text.substr(Math.max(0, leftover.index - 20), 60)});
  const residue = text.match(/\{\{c\d+::|\}\}/);
  if (residue) problems.push({kind: "cloze-residue", tex: "", message: text.substr(Math.max(0, residue.index - 20), 60)});
  const images = Array.from(qa.querySelectorAll("img"));
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.addEventListener("load", r); i.addEventListener("error", r); })));
  for (const img of images) if (!img.naturalWidth) problems.push({kind: "broken-image", tex: "", message: img.getAttribute("src") || ""});
  qa.getBoundingClientRect();  // style and layout now, so that CSS-initiated requests start
  await new Promise(r => setTimeout(r, 20));  // and let them settle (virtual time: no wall-clock cost)
  const seen = window.__seenResources || 0;
  const entries = performance.getEntriesByType("resource");
  window.__seenResources = entries.length;
  for (const entry of entries.slice(seen))
    if (!entry.name.startsWith(location.origin + "/") && !entry.name.startsWith("data:"))
      problems.push({kind: "network", tex: "", message: `the card asked for ${entry.name.slice(0, 200)} (blocked)`});
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    const culprit = Array.from(qa.querySelectorAll("*")).reverse().find(e => e.getBoundingClientRect().right > window.innerWidth + 1);
    const what = culprit ? ` (${culprit.tagName.toLowerCase()}${culprit.className ? "." + String(culprit.className).split(" ")[0] : ""}: '${(culprit.textContent || "").trim().slice(0, 40)}')` : "";
    problems.push({kind: "page-overflow", tex: "", message: `the page is ${document.documentElement.scrollWidth} px wide on a ${window.innerWidth} px screen${what}`});
  }
  const measures = {formulas: []};
  measure(qa, problems, measures);
  return {math: items.length, viewport: [window.innerWidth, window.innerHeight], problems, measures};
}
"""

_FRAME = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/_anki/js/mathjax.js"></script>
<script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
<script>{js}</script>
</head><body class="card card1 mobile{night}"><div id="qa"></div></body></html>"""

_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0;overflow:hidden">
<iframe id="phone" style="border:0;display:block;width:{w}px;height:{h}px"></iframe>
<script id="payload" type="application/json">{payload}</script>
<script>
(async () => {{
  const sides = JSON.parse(document.getElementById("payload").textContent);
  const frame = document.getElementById("phone");
  await new Promise(r => {{ frame.onload = r; frame.src = "{frame}"; }});
  const win = frame.contentWindow, qa = frame.contentDocument.getElementById("qa");
  const body = frame.contentDocument.body;
  await win.MathJax.startup.promise;
  const out = [];
  for (const [id, html, night] of sides) {{
    body.classList.toggle("nightMode", night);
    body.classList.toggle("night_mode", night);
    qa.innerHTML = html;
    try {{ out.push(Object.assign({{id}}, await win.checkSide(qa))); }}
    catch (e) {{ out.push({{id, math: 0, problems: [{{kind: "exception", tex: "", message: String(e)}}]}}); }}
  }}
  document.getElementById("result").textContent = JSON.stringify(out);
}})();
</script><pre id="result" style="display:none"></pre></body></html>"""


class _Proxy(http.server.SimpleHTTPRequestHandler):
    """Chromium's only way out: serves the made-up origin from the scratch folder, refuses everything else."""

    blocked: list[str]  # requests from the cards' page, set on the subclass made for each run
    housekeeping: list[str]  # Chromium's own background requests (time, updates), refused all the same

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _refused(self) -> None:
        """Refuse, and record: a request the page made carries its Referer or Origin; the browser's own do not."""
        source = f"{self.headers.get('Referer', '')} {self.headers.get('Origin', '')}"
        (self.blocked if ORIGIN_HOST in source else self.housekeeping).append(f"{self.command} {self.path[:200]}")
        self.send_error(403, "anki-build renders cards offline")

    def _ours(self) -> bool:
        target = urlsplit(self.path)
        if self.command == "CONNECT" or (target.scheme and target.netloc.lower() != ORIGIN_HOST):
            self._refused()
            return False
        self.path = target.path + (f"?{target.query}" if target.query else "") if target.scheme else self.path
        return True

    def do_GET(self) -> None:
        if self._ours():
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._ours():
            super().do_HEAD()

    do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_CONNECT = _refused


@dataclass
class SideResult:
    id: str
    math: int
    problems: list[dict[str, str]] = field(default_factory=list)
    viewport: list[int] = field(default_factory=list)
    measures: dict[str, object] = field(default_factory=dict)  # formulas (width, room, scale, hinted), min_contrast, …


def _side_results(text: str) -> list[SideResult]:
    """The page's JSON, one result per side (unknown keys from a newer page are ignored)."""
    keys = ("id", "math", "problems", "viewport", "measures")
    return [SideResult(**{k: v for k, v in r.items() if k in keys}) for r in json.loads(text)]


def _isolation() -> tuple[list[str], list[str], str]:
    """(command prefix, flags, description): Chromium's sandbox whenever this machine lets it run."""
    if os.geteuid() != 0:
        return [], [], "sandboxed"
    setpriv = shutil.which("setpriv")
    if setpriv:  # Chromium refuses its sandbox as root; as `nobody` it gets it
        return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"], [], "sandboxed, as nobody"
    return [], ["--no-sandbox"], "not sandboxed (root, and no setpriv to drop privileges)"


class Phone:
    """`with Phone(mathjax_root, media) as phone: phone.check([(id, html), …])`; see the module docstring."""

    def __init__(self, mathjax_root: Path, media: Path | None = None, *, height: int = HEIGHT) -> None:
        self.chromium = find_chromium()
        self.mathjax_root, self.media, self.height = mathjax_root, media, height
        self.blocked: list[str] = []  # every request of the cards' page the proxy refused, across the run
        self.housekeeping: list[str] = []  # Chromium's own, refused too
        self.prefix, self.flags, self.isolation = _isolation()

    def __enter__(self) -> Phone:
        self.root = Path(tempfile.mkdtemp(prefix="anki-build-phone-"))
        (self.root / "_anki").symlink_to(self.mathjax_root / "_anki")
        if self.media and self.media.is_dir():
            for item in self.media.iterdir():
                (self.root / item.name).symlink_to(item)
        handler = type("Proxy", (_Proxy,), {"blocked": self.blocked, "housekeeping": self.housekeeping})
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(self.root))
        )
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.proxy = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.profile = Path(tempfile.mkdtemp(prefix="anki-build-chromium-"))
        if self.prefix:
            os.chown(self.profile, NOBODY, NOBODY)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _command(self, url: str, extra: tuple[str, ...], budget_ms: int, profile: Path) -> list[str]:
        return [
            *self.prefix,
            self.chromium,
            "--headless",
            *self.flags,
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-client-side-phishing-detection",
            "--disable-domain-reliability",
            "--dns-prefetch-disable",
            "--no-pings",
            "--hide-scrollbars",
            "--mute-audio",
            f"--proxy-server={self.proxy}",
            "--proxy-bypass-list=<-loopback>",  # loopback too goes through the proxy, so nothing reaches a local port
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{self.height}",
            f"--virtual-time-budget={budget_ms}",
            *extra,
            url,
        ]

    def _run(self, url: str, *extra: str, budget_ms: int) -> subprocess.CompletedProcess[str]:
        profile = Path(tempfile.mkdtemp(prefix="run-", dir=self.profile))  # fresh for every launch
        if self.prefix:
            os.chown(profile, NOBODY, NOBODY)
        done = subprocess.run(
            self._command(url, extra, budget_ms, profile), capture_output=True, text=True, timeout=900
        )
        if (
            done.returncode != 0
            and not done.stdout
            and "--no-sandbox" not in self.flags
            and "sandbox" in done.stderr.lower()
        ):
            self.prefix, self.flags = [], ["--no-sandbox"]  # this machine has no usable sandbox (no user namespaces)
            self.isolation = "not sandboxed (Chromium found no usable sandbox here)"
            return self._run(url, *extra, budget_ms=budget_ms)
        return done

    def _pages(self, sides: Sequence[tuple[str, str] | tuple[str, str, bool]], night: bool) -> str:
        """The harness page for `sides`: (id, html) in the `night` mode, or (id, html, night) each in its own."""
        entries = [(side[0], side[1], bool(side[2]) if len(side) > 2 else night) for side in sides]
        stamp = os.urandom(6).hex()
        frame = f"frame-{stamp}.html"
        (self.root / frame).write_text(
            _FRAME.format(js=_CHECK_JS, night=" nightMode night_mode" if night else ""), encoding="utf-8"
        )
        payload = json.dumps(entries, ensure_ascii=False).replace("</", "<\\/")
        page = f"page-{stamp}.html"
        (self.root / page).write_text(
            _PAGE.format(payload=payload, frame=frame, w=WIDTH, h=self.height), encoding="utf-8"
        )
        return f"{ORIGIN}/{page}"

    def check(
        self, sides: Sequence[tuple[str, str] | tuple[str, str, bool]], *, night: bool = False
    ) -> list[SideResult]:
        """Typeset every side in one browser launch; one result per side, in order. A side given as
        (id, html, night) is measured in its own mode, so day and night can share one launch."""
        if not sides:
            return []
        url = self._pages(sides, night)
        dom = self._run(url, "--dump-dom", budget_ms=max(20_000, 200 * len(sides))).stdout
        match = re.search(r'<pre id="result"[^>]*>(.*?)</pre>', dom, re.S)
        if not match or not match.group(1):
            raise RuntimeError("Chromium returned no result (it may have crashed or run out of time)")
        return _side_results(html.unescape(match.group(1)))

    def check_webkit(
        self, sides: Sequence[tuple[str, str] | tuple[str, str, bool]], *, night: bool = False
    ) -> list[SideResult]:
        """The same page and measurements in WebKitGTK (the engine of iOS's WKWebView, which AnkiMobile uses)."""
        if not sides:
            return []
        python, prefix = find_webkit()
        url = self._pages(sides, night)
        driver = Path(__file__).with_name("webkit_driver.py")
        timeout = max(60, len(sides) // 4)
        done = subprocess.run(
            [*prefix, python, str(driver), url, self.proxy, str(timeout)],
            capture_output=True,
            text=True,
            timeout=timeout + 60,
        )
        if done.returncode != 0 or not done.stdout:
            raise RuntimeError(f"WebKitGTK returned no result: {done.stderr.strip()[-300:]}")
        return _side_results(done.stdout)

    def screenshot(self, side_html: str, path: Path, *, night: bool = False) -> Path:
        """A 390 px wide PNG of one side, day or night (device scale 2 for legibility)."""
        url = self._pages([("shot", side_html)], night)
        path.parent.mkdir(parents=True, exist_ok=True)
        shot = self.profile / f"shot-{os.urandom(4).hex()}.png"  # written where the sandboxed browser may write
        self._run(url, f"--screenshot={shot}", "--force-device-scale-factor=2", budget_ms=20_000)
        shutil.move(shot, path)
        return path
