"""Find the ground truth beside each PDF, get the pipeline's output for it, score, aggregate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..contracts import SCHEMA_VERSION, FusedDocument, OcrSpine
from ..errors import DocumentError
from ..stages import FUSED, SPINE, Workspace, run_document
from . import metrics
from .docling_truth import load_docling_json, score_docling, score_docling_markdown
from .hygiene import score_hygiene
from .icdar2013 import score_icdar
from .olmocr_bench import score_olmocr, score_recorded
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
    ".olmocr-pipeline.md",
    ".icdar2013-reg.xml",
    ".icdar2013-str.xml",
)
TARGETS = {  # (comparison, bound): issue 5's targets, then issue 14's, on the developer corpus
    "born_digital_text_similarity": (">=", 0.95),
    "ocr_word_recall": (">=", 0.97),
    "title_authors_exact": (">=", 0.90),
    "tables_found_share": (">=", 1.0),
    "olmocr_non_math_passed": (">=", None),  # what the olmOCR pipeline's recorded Markdown passes
    "icdar_detection_f1_pooled": (">=", 0.90),
    "icdar_adjacency_f1_pooled": (">=", 0.90),
    "icdar_shape_exact_share": (">=", 0.75),
    "hygiene_uncombined_accents": ("<=", 0),
    "hygiene_replacement_chars": ("<=", 0),
    "tei_title_authors_abstract_exact": (">=", 1.0),
}


def _target(name: str, value, bound=None) -> dict:
    """A target's figure against its bound (``bound`` for one known only from the corpus)."""
    op, fixed = TARGETS[name]
    bound = fixed if bound is None else bound
    return {"value": value, "op": op, "target": bound, "met": value >= bound if op == ">=" else value <= bound}


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


Materialize = Callable[[Workspace, list[str]], dict[str, str]]  # keys -> {key: error} of those that failed


def run_directly(ws: Workspace, keys: list[str]) -> dict[str, str]:
    """Every stage of each document, with no orchestrator (a library caller's default; the
    ``pdfpipe eval`` command materializes through Dagster instead)."""
    errors = {}
    for key in keys:
        try:
            run_document(ws, key)
        except DocumentError as err:
            errors[key] = str(err)
    return errors


def current(ws: Workspace, key: str) -> bool:
    """A fused document of this schema version is already there."""
    if not ws.path(key, FUSED).exists():
        return False
    return ws.read(key, FUSED, FusedDocument).schema_version == SCHEMA_VERSION


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
        if ".olmocr-pipeline.md" in files:
            scores |= score_recorded(files[".olmocr-bench.jsonl"], files[".olmocr-pipeline.md"])
    if ".icdar2013-reg.xml" in files or ".icdar2013-str.xml" in files:
        scores |= score_icdar(files.get(".icdar2013-reg.xml"), files.get(".icdar2013-str.xml"), doc)
    return scores | score_hygiene(doc)


COUNTED = (
    "olmocr_passed_",
    "olmocr_tests_",
    "olmocr_recorded_",
    "hygiene_",
    "icdar_relations_",
    "icdar_shape_",
    "icdar_tables_",
)


def totals(results: list[DocumentScore]) -> dict:
    """Sums of the count scores over all documents, and the corpus-level figures made of them:
    olmOCR-bench passes by test type, ICDAR 2013 detection / adjacency F1 and exact shapes
    (pooled over all tables, as the competition reports them), text hygiene counts."""
    sums: dict = {}
    for r in results:
        for k, v in r.scores.items():
            if k.startswith(COUNTED) and isinstance(v, int):
                sums[k] = sums.get(k, 0) + v
    out = dict(sorted(sums.items()))
    types = sorted(k[len("olmocr_tests_") :] for k in sums if k.startswith("olmocr_tests_"))
    out["olmocr_passed"] = sum(sums[f"olmocr_passed_{t}"] for t in types)
    out["olmocr_tests"] = sum(sums[f"olmocr_tests_{t}"] for t in types)
    out["olmocr_passed_non_math"] = out["olmocr_passed"] - sums.get("olmocr_passed_math", 0)
    out["olmocr_tests_non_math"] = out["olmocr_tests"] - sums.get("olmocr_tests_math", 0)
    if sums.get("icdar_tables_truth"):
        counts = (sums["icdar_tables_found"], sums["icdar_tables_detected"], sums["icdar_tables_truth"])
        out["icdar_detection_f1_pooled"] = metrics.f1_counts(*counts)[2]
    if sums.get("icdar_relations_truth"):
        counts = (sums["icdar_relations_correct"], sums["icdar_relations_found"], sums["icdar_relations_truth"])
        out["icdar_adjacency_f1_pooled"] = metrics.f1_counts(*counts)[2]
    if sums.get("icdar_shape_truth"):
        out["icdar_shape_exact_share"] = sums["icdar_shape_exact"] / sums["icdar_shape_truth"]
    return out


def evaluate(
    corpus: Path, ws: Workspace, rerun: bool = False, progress=None, materialize: Materialize = run_directly
) -> list[DocumentScore]:
    """Score every PDF of ``corpus`` that has ground truth; documents without a current fused
    document (or all, with ``rerun``) are materialized first, in one call."""
    found = truth_files(corpus)
    keys = {pdf: entry.key for pdf, (entry, _) in zip(found, ws.registry.register(list(found)))}
    errors = materialize(ws, [k for k in keys.values() if rerun or not current(ws, k)])
    results = []
    for pdf, files in found.items():
        result = DocumentScore(pdf=pdf.name, truth=sorted(f.name[len(pdf.stem) :] for f in files.values()))
        try:
            if keys[pdf] in errors:
                raise DocumentError("engine_error", errors[keys[pdf]])
            doc, spine = ws.read(keys[pdf], FUSED, FusedDocument), ws.read(keys[pdf], SPINE, OcrSpine)
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
    keys = sorted(
        {k for r in results for k, v in r.scores.items() if isinstance(v, (int, float)) and not k.startswith(COUNTED)}
    )
    means = {k: metrics.mean(r.scores.get(k) for r in results) for k in keys}
    digital = [r.scores["text_similarity"] for r in results if not r.scanned and "text_similarity" in r.scores]
    scanned = [r.scores["word_recall"] for r in results if r.scanned and "word_recall" in r.scores]
    headers = [r.scores for r in results if "title_exact" in r.scores]
    truth_tables = sum(r.scores.get("tables_truth", 0) + r.scores.get("icdar_tables_truth", 0) for r in results)
    found_tables = sum(r.scores.get("tables_found", 0) + r.scores.get("icdar_tables_found", 0) for r in results)
    sums = totals(results)
    exact = ("title_exact", "authors_exact", "abstract_exact")
    figures = {
        "born_digital_text_similarity": metrics.mean(digital),
        "ocr_word_recall": metrics.mean(scanned),
        "title_authors_exact": metrics.mean(
            float(s.get("title_exact") == 1 and s.get("authors_exact", 1) == 1) for s in headers
        ),
        "tables_found_share": found_tables / truth_tables if truth_tables else None,
        "icdar_detection_f1_pooled": sums.get("icdar_detection_f1_pooled"),
        "icdar_adjacency_f1_pooled": sums.get("icdar_adjacency_f1_pooled"),
        "icdar_shape_exact_share": sums.get("icdar_shape_exact_share"),
        "hygiene_uncombined_accents": sums.get("hygiene_uncombined_accents"),
        "hygiene_replacement_chars": sums.get("hygiene_replacement_chars"),
        "tei_title_authors_abstract_exact": metrics.mean(float(all(s.get(k, 1) == 1 for k in exact)) for s in headers),
    }
    targets = {k: _target(k, v) for k, v in figures.items() if v is not None}  # no truth, no target
    recorded = sums.get("olmocr_recorded_passed_non_math")
    if recorded is not None:
        targets["olmocr_non_math_passed"] = _target("olmocr_non_math_passed", sums["olmocr_passed_non_math"], recorded)
    return {
        "documents": len(results),
        "failed": sum(r.error is not None for r in results),
        "means": means,
        "targets": targets,
        "tables": {"truth": truth_tables, "found": found_tables},
        "totals": sums,
    }
