"""The fast lane: the whole asset graph on ``samples/`` through Dagster in seconds, with the slow
engines (OCR, the layout model, refextract) replaced by fakes.  No corpus needed.

The fakes stand in for wiring only: what is checked here is that every stage runs through
Dagster for every document of one batched run, and that each document's partition carries
its own metadata.  The real engines are tested on the corpus elsewhere."""

import dagster as dg
import pytest

from pdfpipe_assets.budget import stop_workers
from pdfpipe_assets.catalog import Registry
from pdfpipe_assets.contracts import BBox, Line, Scholarly, Word
from pdfpipe_assets.defs.operations import materialize_documents
from pdfpipe_assets.engines.base import OcrPage, ScholarlyOutput
from pdfpipe_assets.engines.ocr_auto import AutoOcr
from pdfpipe_assets.engines.pymupdf_layout import PyMuPDFLayout
from pdfpipe_assets.engines.scholarly_embedded import EmbeddedScholarly
from pdfpipe_assets.settings import PROJECT_ROOT

SAMPLES = sorted((PROJECT_ROOT / "samples").glob("*.pdf"))


def fake_ocr(self, pages):
    box = BBox(x0=72, y0=72, x1=300, y1=84)
    word = Word(text="scanned", bbox=box, confidence=0.9)
    return [
        OcrPage(
            lines=[
                Line(text="scanned", bbox=box, confidence=0.9, source="ocr:fake", block=0, font_size=12, words=[word])
            ],
            orientation=0,
        )
        for _ in pages
    ]


def fake_layout(self, pages):
    return [([], []) for _ in pages]


def fake_scholarly(self, path, spine):
    return ScholarlyOutput(Scholarly(producer="embedded"), {})


def _latest_metadata(instance, asset: str, key: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[key]), limit=1
    ).records
    return records[0].asset_materialization.metadata


@pytest.fixture
def fakes(monkeypatch, request):
    monkeypatch.setattr(AutoOcr, "recognize", fake_ocr)
    monkeypatch.setattr(PyMuPDFLayout, "detect_with_tables", fake_layout)
    monkeypatch.setattr(EmbeddedScholarly, "extract", fake_scholarly)
    stop_workers()  # a budget worker forked before the patches would not see them
    request.addfinalizer(stop_workers)


def test_every_stage_of_every_sample_in_one_batched_run(tmp_path, monkeypatch, fakes):
    monkeypatch.setenv("PDFPIPE_DATA", str(tmp_path))
    registry = Registry(tmp_path / "registry.duckdb")
    keys = [entry.key for entry, _ in registry.register(SAMPLES)]
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        outcomes = materialize_documents(instance, keys, batch_size=len(keys))
        assert [o.message for o in outcomes if not o.ok] == []
        assert len(instance.get_runs()) == 1
        for stage in ("source_pdf", "page_renders", "ocr_spine", "layout_tables", "grobid_alignment", "fused_document"):
            assert instance.get_materialized_partitions(dg.AssetKey(stage)) == set(keys), stage
        for key in keys:  # each partition's own metadata, not the batch's totals
            meta = _latest_metadata(instance, "fused_document", key)
            assert key in meta["path"].value and "batch_documents" not in meta
            assert _latest_metadata(instance, "ocr_spine", key)["pages"].value >= 1
    assert all((tmp_path / "documents" / k / "fused_document" / "document.json").exists() for k in keys)
