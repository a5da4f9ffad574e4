"""The whole asset graph through Dagster, with test resources and a temporary instance."""

import dagster as dg
import pytest

from pdfpipe_assets.defs.assets import build_assets
from pdfpipe_assets.defs.checks import page_geometry_agrees
from pdfpipe_assets.defs.resources import PdfpipeResource
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import DEFAULT_PROFILE
from pdfpipe_assets.stages import STAGE_VERSIONS

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

ALL_ASSETS = build_assets(load_profile(DEFAULT_PROFILE))
GOOD = ["submission_363.pdf", "ocr_test_rotated_90.pdf", "2305.03393v1-pg9.pdf"]
BAD = {
    "empty.pdf": ("empty", "empty file: 0 bytes"),
    "corrupted.pdf": ("not_pdf", "not a PDF"),
    "password-example.pdf": ("encrypted", "encrypted: a password is needed"),
    "2206.01062_pg3.pdf": ("encrypted", "encrypted: a password is needed"),
    "unreadablemetadata.pdf": ("no_pages", "no pages"),
}
REPAIRED = ["WARN-Report-truncated.pdf", "PDFBOX-4352-0.pdf", "issue-848.pdf"]


@pytest.fixture
def resource(workspace):
    return PdfpipeResource(data_dir=str(workspace.settings.data_dir), profile_path=str(DEFAULT_PROFILE))


def _materialize(instance, resource, key):
    instance.add_dynamic_partitions("documents", [key])
    return dg.materialize(
        [*ALL_ASSETS, page_geometry_agrees],
        partition_key=key,
        instance=instance,
        resources={"pdfpipe": resource},
        raise_on_error=False,
    )


def _failure(result):
    (event,) = [e for e in result.all_events if e.is_step_failure]
    error = event.step_failure_data.user_failure_data
    return event.step_key, error.description, error.metadata["failure_class"].value


def test_good_documents_through_every_stage(workspace, resource):
    keys = register(workspace, *GOOD)
    with dg.instance_for_test() as instance:
        for key in keys:
            result = _materialize(instance, resource, key)
            assert result.success, key
            checks = result.get_asset_check_evaluations()
            assert [c.passed for c in checks] == [True]
            fused = result.asset_materializations_for_node("fused_document")[0]
            assert fused.partition == key and fused.metadata["blocks"].value > 0
            spine = result.asset_materializations_for_node("ocr_spine")[0]
            assert spine.metadata["engine"].value == "pymupdf+tesseract+rapidocr"  # text layer, OCR, text in images
        assert instance.get_materialized_partitions(dg.AssetKey("fused_document")) == set(keys)
    for key in keys:
        assert workspace.path(key, "fused_document").exists()


def test_bad_inputs_fail_only_their_own_partition(workspace, resource):
    names = [*BAD, *REPAIRED]
    keys = dict(zip(names, register(workspace, *names)))
    with dg.instance_for_test() as instance:
        for name, key in keys.items():
            result = _materialize(instance, resource, key)
            if name in REPAIRED:
                assert result.success, name
                meta = result.asset_materializations_for_node("source_pdf")[0].metadata
                assert meta["repaired"].value is True
                continue
            assert not result.success
            step, description, failure_class = _failure(result)
            assert step == "source_pdf"
            assert (failure_class, BAD[name][1]) == (BAD[name][0], BAD[name][1]) and BAD[name][1] in description
            assert key in description
        done = instance.get_materialized_partitions(dg.AssetKey("fused_document"))
    assert done == {keys[n] for n in REPAIRED}


def test_geometry_check_blocks_the_fused_document(workspace, resource, monkeypatch):
    (key,) = register(workspace, "senate-expenditures.pdf")
    from pdfpipe_assets import stages

    monkeypatch.setattr(stages, "geometry_problems", lambda ws, k: ["page 1: rotations differ: 90/0/90"])
    with dg.instance_for_test() as instance:
        result = _materialize(instance, resource, key)
        (check,) = result.get_asset_check_evaluations()
        assert not check.passed and "rotations differ" in check.metadata["problems"].value
        assert not result.asset_materializations_for_node("fused_document")
        assert not result.asset_materializations_for_node("grobid_alignment")


def test_code_version_names_the_engine():
    versions = {a.key.to_user_string(): a.code_versions_by_key[a.key] for a in ALL_ASSETS}
    spine, layout = STAGE_VERSIONS["ocr_spine"], STAGE_VERSIONS["layout_tables"]
    assert versions["ocr_spine"].startswith(f"{spine}:pymupdf-1+2.") and ":auto-1+tesseract-" in versions["ocr_spine"]
    assert versions["layout_tables"].startswith(f"{layout}:pymupdf-1+2.")
