"""Dagster resources that hand the stages their workspace and engines, swappable per deployment."""


import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from ..profiles import load_profile
from ..settings import Settings
from ..stages import Workspace


class GrobidResource(dg.ConfigurableResource):
    """A GROBID server; leave ``url`` empty to use the embedded extractor instead."""

    url: str | None = Field(None, description="e.g. http://localhost:8070; empty: no GROBID")


class PdfpipeResource(dg.ConfigurableResource):
    """Where documents and artifacts live and which hardware profile picks the engines."""

    data_dir: str = Field(description="artifacts, registry and inbox ($PDFPIPE_DATA)")
    profile_path: str = Field(description="hardware profile YAML under resources/")
    grobid: GrobidResource

    def workspace(self) -> Workspace:
        return Workspace(Settings(Path(self.data_dir).resolve()), load_profile(self.profile_path), self.grobid.url)

    @classmethod
    def from_env(cls) -> "PdfpipeResource":
        from ..settings import DEFAULT_PROFILE

        return cls(
            data_dir=str(Settings.from_env().data_dir),
            profile_path=os.environ.get("PDFPIPE_PROFILE", str(DEFAULT_PROFILE)),
            grobid=GrobidResource(url=os.environ.get("PDFPIPE_GROBID_URL") or None),
        )
