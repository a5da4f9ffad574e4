"""PyMuPDF source inspection: pages, sizes, /Rotate, text-layer character counts, repairs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..contracts import SourceInfo, SourcePage
from ..contracts.source import char_counts
from .base import Engine, EngineOptions
from .pymupdf_open import open_pdf, repair_warnings


class PyMuPDFSourceOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"


def active_content(doc) -> tuple[bool, int]:
    """(document-level JavaScript present, embedded file count): recorded, never run or extracted."""
    catalog = doc.pdf_catalog()
    names_js = doc.xref_get_key(catalog, "Names/JavaScript")[0] != "null"
    open_action = doc.xref_get_key(catalog, "OpenAction")
    action_js = "JavaScript" in open_action[1] or (
        open_action[0] == "xref" and "JavaScript" in doc.xref_object(int(open_action[1].split()[0]))
    )
    return names_js or action_js, doc.embfile_count()


class PyMuPDFSource(Engine[PyMuPDFSourceOptions]):
    """Opens the PDF with MuPDF (repairing it if it can) and records what it is."""

    Options = PyMuPDFSourceOptions
    requires = ("pymupdf",)
    distribution = "pymupdf"
    adapter_version = "2"  # 2: hidden_chars

    def inspect(self, path: Path, key: str, sha256: str) -> SourceInfo:
        import pymupdf

        doc = open_pdf(path)
        try:
            warnings = repair_warnings() if doc.is_repaired else []
            pages = []
            for page in doc:
                text = page.get_textpage(flags=pymupdf.TEXTFLAGS_TEXT)
                n, bad = char_counts(text.extractText())
                pages.append(
                    SourcePage(
                        number=page.number + 1,
                        width=round(page.rect.width, 2),
                        height=round(page.rect.height, 2),
                        rotation=page.rotation,
                        has_text_layer=False,  # decided by the stage from the counts (fusion/text_quality.py)
                        text_chars=n,
                        bad_chars=bad,
                        image_share=image_share(page),
                        hidden_chars=hidden_chars(text),
                    )
                )
            meta = {k: str(v) for k, v in (doc.metadata or {}).items() if v}
            has_js, embedded = active_content(doc)
            return SourceInfo(
                key=key,
                path=str(path),
                sha256=sha256,
                size_bytes=path.stat().st_size,
                page_count=doc.page_count,
                pdf_version=meta.get("format"),
                encrypted=bool(doc.is_encrypted),
                repaired=bool(doc.is_repaired),
                repair_warnings=warnings,
                metadata=meta,
                has_javascript=has_js,
                embedded_files=embedded,
                pages=pages,
            )
        finally:
            doc.close()


def image_share(page) -> float:
    """The share of the page that images cover, their visible areas summed (overlaps counted
    twice), at most 1: how much of the page a text layer cannot speak for."""
    area = page.rect.width * page.rect.height
    if area <= 0:
        return 0.0
    covered = 0.0
    for info in page.get_image_info():
        box = page.rect & info["bbox"]  # PyMuPDF's Rect intersection: the part on the page
        covered += 0.0 if box.is_empty else box.width * box.height
    return round(min(1.0, covered / area), 3)


def hidden_chars(textpage) -> int:
    """Non-space characters drawn invisibly (render mode 3, or fully transparent): the mark of
    an OCR layer laid over a scan."""
    return sum(
        len("".join(span["text"].split()))
        for block in textpage.extractDICT()["blocks"]
        for line in block.get("lines", ())
        for span in line["spans"]
        if span["alpha"] == 0
    )
