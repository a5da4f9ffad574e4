"""Find the ground truth beside each PDF, get the pipeline's output for it, score, aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..contracts import SCHEMA_VERSION, FusedDocument, OcrSpine
from ..errors import DocumentError
from ..stages import FUSED, SPINE, Workspace, run_document
from . import metrics
from .docling_truth import load_docling_json, score_docling, score_docling_markdown
from .icdar2013 import score_icdar
from .olmocr_bench import score_olmocr
from .tei_truth import score_header, score_headings, score_references
from .text_truth import score_layout_text, score_plain_text

TRUTH_SUFFIXES = (
    ".docling.json",
    ".docling.md",
    ".docling-tesseract.json",
    ".docling-tesseract.md",
    ".grobid-header.tei.xml",
    ".grobid-fulltext.tei.xml",
    ".grobid-refseg.tei.xml",
    ".text.txt",
    ".pdfplumber-layout.txt",
    ".olmocr-bench.jsonl",
    ".icdar2013-reg.xml",
    ".icdar2013-str.xml",
)
TARGETS = {  # issue 5's targets on the developer corpus
    "born_digital_text_similarity": 0.95,
    "ocr_word_recall": 0.97,
    "title_authors_exact": 0.90,
    "tables_found_share": 1.0,
}


@dataclass
class DocumentScore:
    pdf: str
    truth: list[str]
    scanned: bool = False
    scores: dict = field(default_factory=dict)
    error: str | None = None


def truth_files(corpus: Path) -> dict[Path, dict[str, Path]]:
    """PDF -> {suffix: ground-truth file} for every PDF in ``corpus`` with ground truth beside it."""
    found: dict[Path, dict[str, Path]] = {}
    for pdf in sorted(corpus.glob("*.pdf")):
        files = {s: pdf.with_name(pdf.stem + s) for s in TRUTH_SUFFIXES if pdf.with_name(pdf.stem + s).exists()}
        if files:
            found[pdf] = files
    return found


def outputs(ws: Workspace, pdf: Path, rerun: bool) -> tuple[FusedDocument, OcrSpine]:
    """The fused document and spine for ``pdf``: read when already there (same schema), else run."""
    ((entry, _),) = ws.registry.register([pdf])
    doc = None if rerun or not ws.path(entry.key, FUSED).exists() else ws.read(entry.key, FUSED, FusedDocument)
    if doc is None or doc.schema_version != SCHEMA_VERSION:
        run_document(ws, entry.key)
        doc = ws.read(entry.key, FUSED, FusedDocument)
    return doc, ws.read(entry.key, SPINE, OcrSpine)


def score_document(files: dict[str, Path], doc: FusedDocument, spine: OcrSpine) -> dict:
    scores: dict = {}
    for suffix in (".docling.json", ".docling-tesseract.json"):
        if suffix in files:
            scores |= score_docling(load_docling_json(files[suffix]), doc)
    for suffix in (".docling.md", ".docling-tesseract.md"):
        if suffix in files:
            scores |= score_docling_markdown(files[suffix], doc)
            if not any(s.endswith(".json") and s.startswith(".docling") for s in files):
                scores.setdefault("text_similarity", scores["md_text_similarity"])
                scores.setdefault("word_recall", scores["md_word_recall"])
    if ".grobid-header.tei.xml" in files:
        scores |= score_header(files[".grobid-header.tei.xml"], doc.scholarly)
    if ".grobid-refseg.tei.xml" in files:
        scores |= score_references(files[".grobid-refseg.tei.xml"], doc.scholarly)
    if ".grobid-fulltext.tei.xml" in files:
        scores |= score_headings(files[".grobid-fulltext.tei.xml"], doc.scholarly)
    if ".text.txt" in files:
        scores |= score_plain_text(files[".text.txt"], doc)
    if ".pdfplumber-layout.txt" in files:
        scores |= score_layout_text(files[".pdfplumber-layout.txt"], spine)
    if ".olmocr-bench.jsonl" in files:
        scores |= score_olmocr(files[".olmocr-bench.jsonl"], doc)
    if ".icdar2013-reg.xml" in files or ".icdar2013-str.xml" in files:
        scores |= score_icdar(files.get(".icdar2013-reg.xml"), files.get(".icdar2013-str.xml"), doc)
    return scores


def evaluate(corpus: Path, ws: Workspace, rerun: bool = False, progress=None) -> list[DocumentScore]:
    results = []
    for pdf, files in truth_files(corpus).items():
        result = DocumentScore(pdf=pdf.name, truth=sorted(f.name[len(pdf.stem) :] for f in files.values()))
        try:
            doc, spine = outputs(ws, pdf, rerun)
            result.scanned = any(p.text_source == "ocr" for p in doc.pages)
            result.scores = score_document(files, doc, spine)
        except DocumentError as err:
            result.error = str(err)
        results.append(result)
        if progress:
            progress(result)
    return results


def aggregate(results: list[DocumentScore]) -> dict:
    """Mean of every numeric score over the documents that have it, plus the issue's targets."""
    keys = sorted({k for r in results for k, v in r.scores.items() if isinstance(v, (int, float))})
    means = {k: metrics.mean(r.scores.get(k) for r in results) for k in keys}
    digital = [r.scores["text_similarity"] for r in results if not r.scanned and "text_similarity" in r.scores]
    scanned = [r.scores["word_recall"] for r in results if r.scanned and "word_recall" in r.scores]
    headers = [r.scores for r in results if "title_exact" in r.scores]
    truth_tables = sum(r.scores.get("tables_truth", 0) + r.scores.get("icdar_tables_truth", 0) for r in results)
    found_tables = sum(r.scores.get("tables_found", 0) + r.scores.get("icdar_tables_found", 0) for r in results)
    targets = {
        "born_digital_text_similarity": metrics.mean(digital),
        "ocr_word_recall": metrics.mean(scanned),
        "title_authors_exact": metrics.mean(
            float(s.get("title_exact") == 1 and s.get("authors_exact", 1) == 1) for s in headers
        ),
        "tables_found_share": found_tables / truth_tables if truth_tables else None,
    }
    return {
        "documents": len(results),
        "failed": sum(r.error is not None for r in results),
        "means": means,
        "targets": {
            k: {"value": v, "target": TARGETS[k], "met": v is not None and v >= TARGETS[k]} for k, v in targets.items()
        },
        "tables": {"truth": truth_tables, "found": found_tables},
    }
