"""Proving cards render on a phone: Anki's own MathJax (3.2.2, Anki's configuration) in headless Chromium.

`assets` fetches MathJax and Anki's config once from the pinned `aqt` wheel into the cache;
`cards` asks the real Anki backend for every card's question and answer HTML; `browser`
typesets them in a 390×844 frame and reports what a reviewer would see go wrong.
"""
