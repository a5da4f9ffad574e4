"""What putting OCR layers to the vote costs and changes, side by side with trusting them.

    python -m benchmarks.ocr_layers [--corpus DIR] [--repeat N]

For each corpus PDF with a scan's OCR layer on some page (``fusion/ocr_layer.is_ocr_layer``),
the spine stage runs with ``ocr_layers: trust`` and ``ocr_layers: vote``, alternately, N times
each. It prints the spine's seconds per page in each mode, the words the vote replaced, and
the olmOCR-bench tests of the document's pages that the spine's text passes in each mode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pdfpipe_assets.contracts import OcrSpine, SourceInfo
from pdfpipe_assets.engines.pymupdf_source import PyMuPDFSource, PyMuPDFSourceOptions
from pdfpipe_assets.evaluation.olmocr_bench import load_tests, run_test_on
from pdfpipe_assets.fusion.ocr_layer import is_ocr_layer
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import PROJECT_ROOT, Settings
from pdfpipe_assets.stages import SPINE, Workspace, run_renders, run_source, run_spine


def layered_pdfs(corpus: Path) -> list[Path]:
    found = []
    for pdf in sorted(corpus.glob("*.pdf")):
        try:
            info: SourceInfo = PyMuPDFSource(PyMuPDFSourceOptions()).inspect(pdf, pdf.stem, "")
        except Exception:  # noqa: BLE001 - the corpus's bad inputs
            continue
        if any(is_ocr_layer(p.text_chars, p.hidden_chars, p.image_share) for p in info.pages):
            found.append(pdf)
    return found


def passed(pdf: Path, spine: OcrSpine) -> tuple[int, int]:
    """(passed, run) of the document's olmOCR-bench text tests, on the spine's page text."""
    tests_file = pdf.with_name(f"{pdf.stem}.olmocr-bench.jsonl")
    if not tests_file.exists():
        return 0, 0
    tests = [t for t in load_tests(tests_file) if t["type"] in ("present", "absent", "order")]
    text = {p.number: " ".join(ln.text for ln in p.lines) for p in spine.pages}
    return sum(run_test_on(t, text.get(int(t.get("page", 1)), ""), []) for t in tests), len(tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    base = load_profile()
    print("| document | pages | trust s/page | vote s/page | words outvoted | tests passed, trust | vote |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in layered_pdfs(Path(args.corpus)):
            seconds: dict[str, list[float]] = {"trust": [], "vote": []}
            spines: dict[str, OcrSpine] = {}
            for i in range(args.repeat):
                for mode in ("trust", "vote"):
                    ws = Workspace(Settings(Path(tmp) / f"{mode}{i}"), base.model_copy(update={"ocr_layers": mode}))
                    (key,) = [e.key for e, _ in ws.registry.register([pdf])]
                    run_source(ws, key)
                    run_renders(ws, key)
                    start = time.perf_counter()
                    run_spine(ws, key)
                    seconds[mode].append(time.perf_counter() - start)
                    spines[mode] = ws.read(key, SPINE, OcrSpine)
            pages = len(spines["vote"].pages)
            changed = sum(
                a.text != b.text
                for pa, pb in zip(spines["trust"].pages, spines["vote"].pages, strict=True)
                for la, lb in zip(pa.lines, pb.lines, strict=False)
                for a, b in zip(la.words, lb.words, strict=False)
            )
            (t_ok, n), (v_ok, _) = passed(pdf, spines["trust"]), passed(pdf, spines["vote"])
            trust, vote = (statistics.median(seconds[m]) / pages for m in ("trust", "vote"))
            print(f"| {pdf.name} | {pages} | {trust:.2f} | {vote:.2f} | {changed} | {t_ok}/{n} | {v_ok}/{n} |")


if __name__ == "__main__":
    main()
