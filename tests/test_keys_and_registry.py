"""Document keys are content-derived, valid partition keys; the registry deduplicates bytes."""

import shutil

import dagster as dg
import pytest

from pdfpipe_assets.catalog import Registry, ingest
from pdfpipe_assets.keys import document_key, is_document_key, slug

from .conftest import corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

SHA = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "name",
    ["paper one.pdf", "Ünïcødé – résumé.PDF", "a.b.c.d.pdf", "x" * 300 + ".pdf", "--rm -rf.pdf", "中文.pdf", ".pdf"],
)
def test_key_is_valid_for_any_file_name(name):
    key = document_key(name, SHA)
    assert is_document_key(key), key
    assert key.endswith("-0123456789ab")
    assert len(key) <= 41 + 13
    dg.DynamicPartitionsDefinition(name="documents")  # the key is accepted by an instance below
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("documents", [key])
    assert instance.get_dynamic_partitions("documents") == [key]


def test_slug_keeps_readable_ascii():
    assert slug("Ünïcode – résumé.PDF") == "unicode-resume"
    assert slug("中文.pdf") == "doc"


def test_same_bytes_under_two_names_is_one_document(tmp_path):
    a = tmp_path / "first name.pdf"
    b = tmp_path / "second.pdf"
    shutil.copyfile(corpus("ocr_test.pdf"), a)
    shutil.copyfile(corpus("ocr_test.pdf"), b)
    registry = Registry(tmp_path / "registry.duckdb")
    (first, new1), (second, new2) = registry.register([a, b])
    assert new1 and not new2
    assert first.key == second.key == "first-name-" + first.sha256[:12]
    assert [e.key for e in registry.all()] == [first.key]


def test_edited_file_is_a_new_document_and_reingest_is_a_noop(tmp_path):
    pdf = tmp_path / "doc.pdf"
    shutil.copyfile(corpus("ocr_test.pdf"), pdf)
    registry = Registry(tmp_path / "registry.duckdb")
    ((before, _),) = ingest(registry, [tmp_path])
    ((again, new),) = ingest(registry, [tmp_path])
    assert again.key == before.key and not new
    with open(pdf, "ab") as fh:
        fh.write(b"\n% edited\n")
    ((after, new),) = ingest(registry, [pdf])
    assert new and after.key != before.key
    assert registry.get(after.key).size_bytes == before.size_bytes + 10
