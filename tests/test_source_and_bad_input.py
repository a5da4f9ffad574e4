"""source_pdf: what the file is; every kind of bad input gets its own clear failure."""

import pytest

from pdfpipe_assets.contracts import SourceInfo
from pdfpipe_assets.errors import DocumentError
from pdfpipe_assets.stages import SOURCE, run_source

from .conftest import corpus, register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def test_born_digital_two_column_paper(workspace):
    (key,) = register(workspace, "grobid_sample.pdf")
    meta = run_source(workspace, key).metadata
    info = workspace.read(key, SOURCE, SourceInfo)
    assert meta["pages"] == info.page_count == 8
    assert all(p.has_text_layer for p in info.pages)
    assert not info.repaired and not info.encrypted
    assert not info.has_javascript and info.embedded_files == 0
    assert info.sha256.startswith(key[-12:])


def test_rotated_pages_are_recorded_as_displayed(workspace):
    (key,) = register(workspace, "habibi-rotated.pdf")
    run_source(workspace, key)
    pages = workspace.read(key, SOURCE, SourceInfo).pages
    assert [p.rotation for p in pages] == [90, 180, 270, 0]
    assert [(p.width > p.height) for p in pages] == [True, False, True, False]


@pytest.mark.parametrize(
    "name, failure_class, message",
    [
        ("empty.pdf", "empty", "empty file: 0 bytes"),
        ("corrupted.pdf", "not_pdf", "not a PDF: no '%PDF-' header"),
        ("password-example.pdf", "encrypted", "encrypted: a password is needed"),
        ("2206.01062_pg3.pdf", "encrypted", "encrypted: a password is needed"),
        ("unreadablemetadata.pdf", "no_pages", "no pages: the document has 0 pages after MuPDF repaired"),
    ],
)
def test_unusable_file_fails_with_its_cause(workspace, name, failure_class, message):
    (key,) = register(workspace, name)
    with pytest.raises(DocumentError) as err:
        run_source(workspace, key)
    assert err.value.failure_class == failure_class
    assert message in str(err.value)
    assert not workspace.settings.stage_dir(key, SOURCE).exists()  # nothing half-written


@pytest.mark.parametrize(
    "name, pages", [("WARN-Report-truncated.pdf", 16), ("PDFBOX-4352-0.pdf", 1), ("issue-848.pdf", 8)]
)
def test_repairable_file_is_processed_and_the_repair_noted(workspace, name, pages):
    (key,) = register(workspace, name)
    meta = run_source(workspace, key).metadata
    info = workspace.read(key, SOURCE, SourceInfo)
    assert info.page_count == pages == meta["pages"]
    assert info.repaired and meta["repaired"] is True
    assert info.repair_warnings  # what MuPDF said while repairing


def test_javascript_and_embedded_files_are_recorded_never_run_or_extracted(workspace, tmp_path):
    import pymupdf

    from pdfpipe_assets.stages import run_document

    doc = pymupdf.open(corpus("submission_363.pdf"))
    doc.embfile_add("payload.exe", b"MZ not for us", filename="payload.exe")
    js = doc.get_new_xref()
    doc.update_object(js, "<< /S /JavaScript /JS (app.alert\\('hi'\\);) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{js} 0 R")
    hostile = tmp_path / "hostile.pdf"
    doc.save(hostile)

    ((entry, _),) = workspace.registry.register([hostile])
    run_document(workspace, entry.key)
    info = workspace.read(entry.key, SOURCE, SourceInfo)
    assert info.has_javascript and info.embedded_files == 1
    written = [p.name for p in workspace.settings.documents_dir.rglob("*") if p.is_file()]
    assert not any("payload" in name for name in written)
    assert workspace.path(entry.key, "fused_document").exists()
