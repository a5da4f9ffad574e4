"""Opening a PDF with PyMuPDF, turning every way it can be unusable into a DocumentError."""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError

HEADER_WINDOW = 1024  # readers accept %PDF- anywhere in the first KiB


def open_pdf(path: Path):
    """Open ``path`` and return a ``pymupdf.Document`` that has pages and needs no password."""
    import pymupdf

    if not path.exists():
        raise DocumentError("missing_input", f"source file is gone: {path}")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("empty", "empty file: 0 bytes, nothing to read")
    with open(path, "rb") as fh:
        head = fh.read(HEADER_WINDOW)
    if b"%PDF-" not in head:
        raise DocumentError("not_pdf", f"not a PDF: no '%PDF-' header in the first {HEADER_WINDOW} bytes")
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - MuPDF raises FileDataError and friends
        raise DocumentError("corrupt", f"damaged beyond repair: MuPDF cannot open it ({exc})") from exc
    if doc.needs_pass:
        doc.close()
        raise DocumentError("encrypted", "encrypted: a password is needed to open this PDF")
    if doc.page_count == 0:
        repaired = doc.is_repaired
        doc.close()
        why = " after MuPDF repaired a damaged file" if repaired else ""
        raise DocumentError("no_pages", f"no pages: the document has 0 pages{why}")
    return doc


def repair_warnings() -> list[str]:
    import pymupdf

    text = pymupdf.TOOLS.mupdf_warnings(reset=True)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[:20]


def upright_pages(path: Path):
    """Yield each page after turning its /Rotate into content, so (0,0) is top-left as displayed
    (``page.remove_rotation()`` rewrites the page in memory): every box pdfpipe stores is in
    this rotation-normalized page space."""
    doc = open_pdf(path)
    try:
        for page in doc:
            if page.rotation:
                page.remove_rotation()
            yield page
    finally:
        doc.close()
