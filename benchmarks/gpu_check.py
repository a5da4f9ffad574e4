"""The GPU check to run once on a machine with an NVIDIA GPU: is RapidOCR's CUDA path (the
``ocr`` engine of gpu-1x.yaml and b200-8x.yaml) there, as fast as claimed, and does it read
what the CPU path reads?

    python -m benchmarks.gpu_check [--pages 40]

Prints the GPUs, onnxruntime's providers, then RapidOCR on the same page images on the CPU
and on CUDA, side by side in one run: seconds per page, and the share of the CPU's lines
the CUDA run read identically.  Exit code 2 when onnxruntime has no CUDA provider (the
machine needs ``onnxruntime-gpu`` in place of ``onnxruntime``; its wheel is about 255 MB).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.checks import gpu
from pdfpipe_assets.engines.ocr_rapid import RapidOcr, RapidOcrOptions
from pdfpipe_assets.engines.pymupdf_render import PyMuPDFRenderer, PyMuPDFRenderOptions
from pdfpipe_assets.settings import PROJECT_ROOT


def page_images(folder: Path, limit: int, out: Path) -> list[PageInput]:
    """Rendered pages of the PDFs in ``folder``, as the pipeline renders them, repeated to ``limit``."""
    renderer = PyMuPDFRenderer(PyMuPDFRenderOptions())
    pages: list[PageInput] = []
    for pdf in sorted(folder.glob("*.pdf")):
        target = out / pdf.stem
        target.mkdir()
        manifest = renderer.render(pdf, target)
        pages += [PageInput(pdf, p.number, target / p.file, p.dpi) for p in manifest.pages]
    return [pages[i % len(pages)] for i in range(limit)] if pages else []


def timed(engine: RapidOcr, pages: list[PageInput]) -> tuple[float, list[list[str]]]:
    engine.recognize(pages[:1])  # load the models (and the CUDA context) outside the timing
    started = time.perf_counter()
    texts = [[line.text for line in engine.recognize([p])[0].lines] for p in pages]
    return (time.perf_counter() - started) / len(pages), texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--folder", type=Path, default=PROJECT_ROOT / "samples")
    args = parser.parse_args()
    import onnxruntime

    found = gpu()
    providers = onnxruntime.get_available_providers()
    print(f"gpu: {found.detail}\nonnxruntime {onnxruntime.__version__}: {', '.join(providers)}")
    if "CUDAExecutionProvider" not in providers:
        print("no CUDA provider: install onnxruntime-gpu in place of onnxruntime", file=sys.stderr)
        return 2
    os.environ.setdefault("PDFPIPE_ENGINE_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        pages = page_images(args.folder, args.pages, Path(tmp))
        cpu_s, cpu_text = timed(RapidOcr(RapidOcrOptions()), pages)
        cuda_s, cuda_text = timed(RapidOcr(RapidOcrOptions(device="cuda")), pages)
    lines = sum(len(t) for t in cpu_text)
    same = sum(len(set(a) & set(b)) for a, b in zip(cpu_text, cuda_text, strict=True))
    print(f"{len(pages)} pages from {args.folder}")
    print(f"rapidocr cpu (1 thread): {cpu_s:.3f} s/page")
    print(f"rapidocr cuda:           {cuda_s:.3f} s/page  ({cpu_s / cuda_s:.2f}x)")
    print(f"lines read identically: {same} of {lines} ({same / max(1, lines):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
