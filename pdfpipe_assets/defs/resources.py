"""The Dagster resource that hands the stages their workspace, swappable per deployment.

Fields left empty are read from the environment when a run starts (not when the code loads),
so one code location serves any $PDFPIPE_DATA.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from ..profiles import Profile, load_profile, profile_path
from ..settings import Settings
from ..stages import Workspace

_LOADED: dict[tuple[str, int], Profile] = {}


def remember(path: str | Path, profile: Profile) -> None:
    """The code location hands over the profile it loaded, so runs do not load it again."""
    resolved = profile_path(str(path))
    _LOADED[(str(resolved), resolved.stat().st_mtime_ns)] = profile


def _profile(path: str | None) -> Profile:
    """Loaded once per process, and again only when the file changes."""
    resolved = profile_path(path)
    key = (str(resolved), resolved.stat().st_mtime_ns)
    if key not in _LOADED:
        _LOADED[key] = load_profile(resolved)
    return _LOADED[key]


class PdfpipeResource(dg.ConfigurableResource):
    """Where documents and artifacts live and which hardware profile picks the engines."""

    data_dir: str | None = Field(None, description="artifacts, registry, inbox; default $PDFPIPE_DATA or ./data")
    profile_path: str | None = Field(None, description="hardware profile; default $PDFPIPE_PROFILE or cpu.yaml")

    def workspace(self) -> Workspace:
        settings = Settings(Path(self.data_dir).resolve()) if self.data_dir else Settings.from_env()
        return Workspace(settings, _profile(self.profile_path))
