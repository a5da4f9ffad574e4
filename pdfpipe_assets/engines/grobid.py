"""A real GROBID HTTP client (``processFulltextDocument`` with TEI coordinates)."""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from .base import EngineInfo

COORD_ELEMENTS = ("title", "persName", "head", "biblStruct", "ref", "s")


class GrobidClient:
    def __init__(self, url: str, timeout_s: float = 120.0):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.info = EngineInfo("grobid", self._server_version())

    def _server_version(self) -> str:
        import requests

        try:
            reply = requests.get(f"{self.url}/api/version", timeout=10)
            reply.raise_for_status()
            return reply.text.strip() or "unknown"
        except requests.RequestException as exc:
            raise DocumentError("transient", f"GROBID at {self.url} is unreachable: {exc}") from exc

    def process_fulltext(self, pdf: Path) -> str:
        """TEI XML of ``pdf``; 503 (GROBID's pool is full) and network errors are transient."""
        import requests

        try:
            with open(pdf, "rb") as fh:
                reply = requests.post(
                    f"{self.url}/api/processFulltextDocument",
                    files={"input": (pdf.name, fh, "application/pdf")},
                    data={"teiCoordinates": list(COORD_ELEMENTS), "consolidateHeader": "0",
                          "consolidateCitations": "0"},
                    timeout=self.timeout_s,
                )
        except requests.RequestException as exc:
            raise DocumentError("transient", f"GROBID request failed: {exc}") from exc
        if reply.status_code == 503:
            raise DocumentError("transient", "GROBID is busy (503): its worker pool is full")
        if reply.status_code != 200:
            raise DocumentError("engine_error", f"GROBID answered {reply.status_code}: {reply.text[:200]}")
        return reply.text
