"""OCR of a small page at the profile's dpi and at the dpi the render engine picks for it.

    python -m benchmarks.small_pages [--corpus DIR]

``small_page_size.pdf`` (olmOCR-bench) is a 180 x 300 pt book page scanned at about 600 dpi,
with a Google Books OCR layer.  The script rebuilds the scan without its layer, renders it at
150 dpi and at ``page_dpi``'s choice, reads each render with Tesseract and RapidOCR, and prints
the share of the words of the olmOCR pipeline's recorded Markdown (a GPU VLM's reading of the
page) that each reading holds; the OCR layer's own share is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.ocr_rapid import RapidOcr, RapidOcrOptions
from pdfpipe_assets.engines.ocr_tesseract import TesseractOcr, TesseractOptions
from pdfpipe_assets.engines.pymupdf_render import PyMuPDFRenderOptions, page_dpi
from pdfpipe_assets.settings import PROJECT_ROOT

STEM = "small_page_size"


def word_recall(reference: str, text: str) -> float:
    want, got = Counter(re.findall(r"\w+", reference.lower())), Counter(re.findall(r"\w+", text.lower()))
    return sum(min(n, got[w]) for w, n in want.items()) / max(1, sum(want.values()))


def scan_without_layer(pdf: Path):
    """A one-page PDF of ``pdf``'s first page as pixels only (600 dpi, grey): no text layer."""
    import pymupdf

    source = pymupdf.open(pdf)
    scan = pymupdf.open()
    page = scan.new_page(width=source[0].rect.width, height=source[0].rect.height)
    page.insert_image(page.rect, stream=source[0].get_pixmap(dpi=600, colorspace=pymupdf.csGRAY).tobytes("png"))
    return scan


def main() -> None:
    import pymupdf

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    corpus = Path(parser.parse_args().corpus)
    reference = (corpus / f"{STEM}.olmocr-pipeline.md").read_text()
    source = pymupdf.open(corpus / f"{STEM}.pdf")
    page = scan_without_layer(corpus / f"{STEM}.pdf")[0]
    print(f"{STEM}: {page.rect.width:.0f} x {page.rect.height:.0f} pt")
    print(f"its OCR layer: word recall {word_recall(reference, source[0].get_text()):.3f}")
    chosen = page_dpi(page.rect.width, page.rect.height, PyMuPDFRenderOptions())
    engines = [TesseractOcr(TesseractOptions()), RapidOcr(RapidOcrOptions())]
    with tempfile.TemporaryDirectory() as tmp:
        for dpi in (150, chosen):
            png = Path(tmp) / f"page-{dpi}.png"
            page.get_pixmap(dpi=dpi).save(png)
            for engine in engines:
                (read,) = engine.recognize([PageInput(Path(tmp) / "scan.pdf", 1, png, dpi)])
                text = " ".join(line.text for line in read.lines)
                print(f"{dpi} dpi, {engine.info.label}: word recall {word_recall(reference, text):.3f}")


if __name__ == "__main__":
    main()
