"""Card note types: Anki templates, CSS and the Jinja2 field templates (data, shipped in the wheel)."""
