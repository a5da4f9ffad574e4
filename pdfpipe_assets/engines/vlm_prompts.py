"""What pdfpipe asks a page VLM, per model family.  Written for pdfpipe; a model trained on one
exact instruction may do better with it: set ``prompt`` in the profile to replace the preset."""

from __future__ import annotations

from typing import Literal

Preset = Literal["olmocr", "chandra", "markdown"]

_MARKDOWN = (
    "Transcribe this document page as Markdown, in natural reading order. "
    "Use # headings for headings, - for list items, Markdown or HTML tables for tables, "
    "and LaTeX between \\( \\) or \\[ \\] for equations. Leave out running headers, footers "
    "and page numbers. Write only the page's content, with no comments of your own."
)

PROMPTS: dict[str, str] = {
    # olmOCR models answer with a short YAML front matter (language, rotation, table or diagram
    # flags) and then the page as Markdown, tables as HTML; the parser drops the front matter.
    "olmocr": (
        "Here is one page of a document. Return its text as it would read naturally: "
        "Markdown for structure, HTML for tables, LaTeX for equations. Begin with front matter "
        "that gives the primary language, whether the page is upright (and the rotation that "
        "would correct it), and whether it is mainly a table or a diagram."
    ),
    # Chandra answers in HTML blocks; the parser reads headings, paragraphs, lists and tables.
    "chandra": (
        "Convert this page to HTML, one element per layout block in reading order: headings as "
        "<h1>-<h6>, paragraphs as <p>, lists as <ul>/<ol> with <li>, tables as <table>, "
        "equations as LaTeX inside <math>. Leave out running headers, footers and page numbers."
    ),
    "markdown": _MARKDOWN,
}


def prompt_for(preset: str, override: str | None = None) -> str:
    """The instruction sent with each page image."""
    if override:
        return override
    try:
        return PROMPTS[preset]
    except KeyError:
        raise ValueError(f"unknown VLM prompt preset {preset!r}; presets: {', '.join(PROMPTS)}") from None
