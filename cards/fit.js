/* anki-build: fit wide formulas to the screen after MathJax typesets (Anki desktop, AnkiDroid, AnkiMobile). */
(function () {
  var MIN = 0.7;
  var root = document.currentScript ? document.currentScript.parentNode : document.body;
  function room(box, display) {
    if (display) return box.clientWidth;
    var block = box.parentNode;
    while (block && block.nodeType === 1 && getComputedStyle(block).display.indexOf("inline") === 0) block = block.parentNode;
    return block && block.clientWidth ? block.clientWidth : window.innerWidth;
  }
  function diagram(img) {
    // Mostly white or transparent (a diagram, a plot): night mode inverts it instead of dimming a white block.
    if (img.hasAttribute("data-ab-looked")) return;
    if (!img.complete || !img.naturalWidth) { img.addEventListener("load", later); return; }
    img.setAttribute("data-ab-looked", "");
    try {
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = 16;
      var g = canvas.getContext("2d");
      g.drawImage(img, 0, 0, 16, 16);
      var d = g.getImageData(0, 0, 16, 16).data, light = 0;
      for (var p = 0; p < d.length; p += 4) if (d[p + 3] < 40 || (d[p] > 224 && d[p + 1] > 224 && d[p + 2] > 224)) light++;
      if (light > 0.6 * (d.length / 4)) img.classList.add("ab-diagram");
    } catch (e) { /* an image the page may not read: dimmed only */ }
  }
  function fit() {
    var images = root.querySelectorAll ? root.querySelectorAll("img") : [];
    for (var j = 0; j < images.length; j++) diagram(images[j]);
    var boxes = root.querySelectorAll ? root.querySelectorAll("mjx-container") : [];
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], math = box.querySelector("mjx-math");
      if (!math) continue;
      var display = box.getAttribute("display") === "true";
      if (!box.hasAttribute("data-ab-size")) box.setAttribute("data-ab-size", box.style.fontSize || "");
      box.style.fontSize = box.getAttribute("data-ab-size");
      box.classList.remove("ab-scrolls");
      var space = room(box, display), width = math.getBoundingClientRect().width;
      if (!space || width <= space + 1) { box.removeAttribute("data-ab-scale"); continue; }
      var scale = Math.max(MIN, Math.floor(100 * space / width) / 100);
      box.style.fontSize = (scale * 100) + "%";
      box.setAttribute("data-ab-scale", String(Math.round(scale * 100)));
      if (math.getBoundingClientRect().width > space + 1) box.classList.add("ab-scrolls");
    }
  }
  var pending = null;
  function later() { if (pending) clearTimeout(pending); pending = setTimeout(fit, 30); }
  if (window.__abFitObserver) window.__abFitObserver.disconnect();  // the reviewer keeps one page for every card
  if (window.MutationObserver) {
    window.__abFitObserver = new MutationObserver(later);
    window.__abFitObserver.observe(root, {childList: true, subtree: true});
  }
  window.__abFit = later;
  if (!window.__abFitResize) { window.__abFitResize = true; window.addEventListener("resize", function () { window.__abFit(); }); }
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
  [0, 300, 1000, 2500].forEach(function (t) { setTimeout(fit, t); });
})();
