"""The content model: plain dataclasses that flow from parse to render to package."""

from .notes import Chapter, Fragment, Location, Note, NoteKind, Project, SourceFile

__all__ = ["Chapter", "Fragment", "Location", "Note", "NoteKind", "Project", "SourceFile"]
