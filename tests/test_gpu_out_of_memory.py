"""An accelerator out of memory is its own failure class, and the pages are tried again in
smaller batches (wiring: a stand-in engine raises what CUDA libraries raise; no GPU here)."""

from pathlib import Path

import pytest

from pdfpipe_assets.budget import stop_workers
from pdfpipe_assets.contracts import BBox, Line, Word
from pdfpipe_assets.engines.base import OcrPage, PageInput
from pdfpipe_assets.engines.ocr_rapid import RapidOcr
from pdfpipe_assets.errors import DocumentError, is_gpu_out_of_memory
from pdfpipe_assets.hosting import EngineHost
from pdfpipe_assets.profiles import Profile

BASE = {"name": "t", "pools": {"cpu": 1, "ocr": 1, "grobid": 1}}

# Messages as the libraries print them (onnxruntime's CUDA provider, quoted in
# hacksider/Deep-Live-Cam#584 and #645; torch's caching allocator; the CUDA runtime).
GPU = [
    "[ONNXRuntimeError] : 1 : FAIL : onnxruntime::CudaCall CUDA failure 2: out of memory ; GPU=0 ; "
    "file=onnxruntime/core/providers/cuda/cuda_stream_handle.cc ; line=175",
    "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : onnxruntime::CudaCall CUBLAS failure 3: "
    "CUBLAS_STATUS_ALLOC_FAILED ; GPU=0 ; expr=cublasCreate(&cublas_handle_);",
    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.14 GiB",
    "CUDA error: out of memory",
]
NOT_GPU = ["ran out of its 4096 MiB memory cap", "Failed to open the PDF", "CUDA driver version is insufficient"]


@pytest.mark.parametrize("message", GPU)
def test_what_cuda_libraries_say_is_a_gpu_out_of_memory(message):
    assert is_gpu_out_of_memory(RuntimeError(message))


@pytest.mark.parametrize("message", NOT_GPU)
def test_other_errors_are_not(message):
    assert not is_gpu_out_of_memory(RuntimeError(message))


@pytest.fixture(autouse=True)
def fresh_workers():
    """Budget workers forked before a test's monkeypatch run the real engine: fork new ones,
    and leave none with the stand-in behind."""
    stop_workers()
    yield
    stop_workers()


def fits_two_pages(self, pages):
    """A stand-in GPU OCR whose device holds two pages at a time."""
    if len(pages) > 2:
        raise RuntimeError(GPU[0])
    box = BBox.of((0, 0, 10, 10))
    return [
        OcrPage(
            lines=[
                Line(
                    text=f"page {p.number} in a batch of {len(pages)}",
                    bbox=box,
                    confidence=1,
                    source="ocr:t",
                    block=0,
                    words=[Word(text="page", bbox=box, confidence=1)],
                )
            ],
            orientation=0,
        )
        for p in pages
    ]


def _pages(n: int) -> list[PageInput]:
    return [PageInput(Path("x.pdf"), i, Path(f"page-{i}.png"), 150) for i in range(1, n + 1)]


@pytest.mark.parametrize("isolation", ["fork", "none"])
def test_a_batch_that_runs_the_gpu_out_of_memory_is_read_in_halves(monkeypatch, isolation):
    monkeypatch.setattr(RapidOcr, "recognize", fits_two_pages)
    host = EngineHost(
        Profile.model_validate({**BASE, "engines": {"ocr": {"kind": "rapidocr", "isolation": isolation}}})
    )
    pages = host.call("ocr", "recognize", _pages(5), pages=5, what="OCR")
    # 5 -> 2 + 3 -> 2 + (1 + 2): every page once, in order, none in a batch over 2
    assert [p.lines[0].text for p in pages] == [
        "page 1 in a batch of 2",
        "page 2 in a batch of 2",
        "page 3 in a batch of 1",
        "page 4 in a batch of 2",
        "page 5 in a batch of 2",
    ]


def test_one_page_that_does_not_fit_fails_its_document_with_the_class(monkeypatch):
    def never_fits(self, pages):
        raise RuntimeError(GPU[2])

    monkeypatch.setattr(RapidOcr, "recognize", never_fits)
    host = EngineHost(Profile.model_validate({**BASE, "engines": {"ocr": {"kind": "rapidocr", "isolation": "fork"}}}))
    with pytest.raises(DocumentError) as err:
        host.call("ocr", "recognize", _pages(3), pages=3, what="OCR")
    assert err.value.failure_class == "gpu_out_of_memory" and "Tried to allocate" in err.value.message
    assert not err.value.retryable  # the halving was the retry
