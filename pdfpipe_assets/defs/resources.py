"""Dagster resources that hand the stages their workspace and engines, swappable per deployment.

Fields left empty are read from the environment when a run starts (not when the code loads),
so one code location serves any $PDFPIPE_DATA.
"""

import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from ..profiles import load_profile
from ..settings import Settings
from ..stages import Workspace


class GrobidResource(dg.ConfigurableResource):
    """A GROBID server; with no url (and no $PDFPIPE_GROBID_URL) the embedded extractor runs."""

    url: str | None = Field(None, description="e.g. http://localhost:8070")

    def resolved_url(self) -> str | None:
        return self.url or os.environ.get("PDFPIPE_GROBID_URL") or None


class PdfpipeResource(dg.ConfigurableResource):
    """Where documents and artifacts live and which hardware profile picks the engines."""

    data_dir: str | None = Field(None, description="artifacts, registry, inbox; default $PDFPIPE_DATA or ./data")
    profile_path: str | None = Field(None, description="hardware profile; default $PDFPIPE_PROFILE or cpu.yaml")
    grobid: GrobidResource

    def workspace(self) -> Workspace:
        settings = Settings(Path(self.data_dir).resolve()) if self.data_dir else Settings.from_env()
        return Workspace(settings, load_profile(self.profile_path), self.grobid.resolved_url())
