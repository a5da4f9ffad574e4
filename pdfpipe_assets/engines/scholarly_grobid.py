"""``kind: grobid``: a GROBID server's full-text TEI, aligned to the spine.

The HTTP client retries what is transient (503 when GROBID's pool is full, a reset
connection) with exponential back-off and jitter, for this document alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..contracts.spine import OcrSpine
from ..errors import DocumentError
from . import checks
from .base import Engine, EngineOptions, ScholarlyOutput
from .retry import retryable, with_retries
from .tei import parse_tei
from .tei_alignment import align_tei

COORD_ELEMENTS = ("title", "persName", "head", "biblStruct", "ref", "s")


class GrobidOptions(EngineOptions):
    kind: Literal["grobid"] = "grobid"
    url: str = Field("http://localhost:8070", description="the GROBID server")
    timeout_s: float = 120.0
    tries: int = Field(4, description="attempts per document for a transient failure")
    backoff_s: float = Field(2.0, description="first wait between attempts; doubles, +-50% jitter")


class GrobidClient:
    def __init__(self, url: str, timeout_s: float = 120.0, tries: int = 4, backoff_s: float = 2.0):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.tries = tries
        self.backoff_s = backoff_s

    def server_version(self) -> str:
        import requests

        try:
            reply = requests.get(f"{self.url}/api/version", timeout=10)
            reply.raise_for_status()
            return reply.text.strip() or "unknown"
        except requests.RequestException as exc:
            raise DocumentError("transient", f"GROBID at {self.url} is unreachable: {exc}") from exc

    def process_fulltext(self, pdf: Path) -> str:
        """TEI XML of ``pdf``, transient failures retried ``tries`` times in all."""
        return with_retries(lambda: self._post(pdf), self.tries, self.backoff_s, retryable)

    def _post(self, pdf: Path) -> str:
        """One request; 503 (GROBID's pool is full) and network errors are transient."""
        import requests

        try:
            with open(pdf, "rb") as fh:
                reply = requests.post(
                    f"{self.url}/api/processFulltextDocument",
                    files={"input": (pdf.name, fh, "application/pdf")},
                    data={
                        "teiCoordinates": list(COORD_ELEMENTS),
                        "consolidateHeader": "0",
                        "consolidateCitations": "0",
                    },
                    timeout=self.timeout_s,
                )
        except requests.RequestException as exc:
            raise DocumentError("transient", f"GROBID request failed: {exc}") from exc
        if reply.status_code == 503:
            raise DocumentError("transient", "GROBID is busy (503): its worker pool is full")
        if reply.status_code != 200:
            raise DocumentError("engine_error", f"GROBID answered {reply.status_code}: {reply.text[:200]}")
        return reply.text


class GrobidScholarly(Engine[GrobidOptions]):
    """The scholarly structure from a GROBID server, its TEI boxes snapped to the spine."""

    Options = GrobidOptions
    pool = "grobid"
    isolation = "none"
    requires = ("requests",)
    adapter_version = "2"

    def diagnose(self) -> list:
        return [checks.server(self.options.url, "/api/isalive")]

    def extract(self, path: Path, spine: OcrSpine) -> ScholarlyOutput:
        opts = self.options
        client = GrobidClient(opts.url, opts.timeout_s, opts.tries, opts.backoff_s)
        tei_xml = client.process_fulltext(path)
        return ScholarlyOutput(align_tei(parse_tei(tei_xml), spine), {"grobid.tei.xml": tei_xml})
