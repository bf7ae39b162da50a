"""anki-build: markdown course notes → Anki decks (parse → render → package)."""

__version__ = "0.1.0"
