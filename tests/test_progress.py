"""The live progress line of in-process runs (defs/progress.py)."""

import io

from pdfpipe_assets.defs.progress import Progress


def test_progress_counts_documents_pages_and_failures_in_plain_lines():
    out = io.StringIO()  # not a terminal: plain lines, at most one per every_s, and one at the end
    shown = Progress(3, out=out, every_s=0)
    shown.stage_started("source_pdf", 3)
    for key, pages in (("a", 4), ("b", 2)):
        shown.document_done("source_pdf", key, {"pages": pages})
    shown.document_failed("source_pdf", "c")
    shown.document_done("fused_document", "a", {})
    shown.document_done("fused_document", "b", {})
    shown.finish()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("0/3 documents, 0 failed · 0 pages") and "source_pdf (3 docs)" in lines[0]
    assert "ETA" in lines[-3]  # one of three finished: the rest is estimated
    assert lines[-1].startswith("2/3 documents, 1 failed · 6 pages ·") and "ETA" not in lines[-1]


def test_nothing_to_do_prints_nothing():
    out = io.StringIO()
    Progress(0, out=out).finish()
    assert out.getvalue() == ""
