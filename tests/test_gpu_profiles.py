"""The default engines on CUDA: what can be checked without a GPU (no GPU was lent here)."""

from __future__ import annotations

import pytest

from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.ocr_rapid import RapidOcr, RapidOcrOptions
from pdfpipe_assets.errors import EngineUnavailable
from pdfpipe_assets.profiles import load_profile

from .conftest import REPO


def test_cuda_ocr_is_spawned_never_forked():
    assert RapidOcrOptions(device="cuda").isolation == "spawn"
    assert RapidOcrOptions().isolation is None  # the class default: the forked budget worker
    with pytest.raises(ValueError, match="cannot run in a forked worker"):
        RapidOcrOptions(device="cuda", isolation="fork")


def test_cuda_ocr_without_onnxruntime_gpu_says_what_to_install(tmp_path):
    engine = RapidOcr(RapidOcrOptions(device="cuda"))
    with pytest.raises(EngineUnavailable, match="pip install onnxruntime-gpu"):
        engine.recognize([PageInput(tmp_path / "x.pdf", 1, image=tmp_path / "x.png")])


@pytest.mark.parametrize(("name", "ocr_slots", "device_id"), [("gpu-1x.yaml", 4, 0), ("b200-8x.yaml", 32, "spread")])
def test_gpu_profiles_put_ocr_on_cuda_in_spawned_workers(name, ocr_slots, device_id):
    profile = load_profile(REPO / "resources" / name)
    for stage in ("ocr", "image_text"):
        options = profile.engine(stage)
        assert (options.kind, options.device, options.device_id) == ("rapidocr", "cuda", device_id)
        assert profile.hosting(stage) == ("ocr", "spawn")
    assert profile.pools["ocr"] == ocr_slots and profile.asset_pool("ocr_spine") == "ocr"
    assert profile.engine("layout").kind == "pymupdf"  # its ONNX sessions are CPU-only in PyMuPDF


def test_where_an_engine_runs_is_not_part_of_its_code_version():
    from pdfpipe_assets.engines.vlm import VlmOptions
    from pdfpipe_assets.workspace import options_digest

    # The CPU profile's RapidOCR keeps the digest it had before `device` existed: no document goes stale.
    assert options_digest(RapidOcrOptions()) == "06548117" == options_digest(RapidOcrOptions(device="cuda"))
    moved = VlmOptions(base_url="http://other:8000/v1", concurrency=32, timeout_s=60)
    assert options_digest(VlmOptions()) == options_digest(moved)
    assert options_digest(VlmOptions()) != options_digest(VlmOptions(model="datalab-to/chandra"))
