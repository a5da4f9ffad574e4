"""Where pdfpipe keeps its data, read from the environment.  No Dagster here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent  # the repository, in a development checkout
CONFIG_DIR = PACKAGE_ROOT / "config"  # profiles and the default dagster.yaml, shipped as package data
DEFAULT_PROFILE = CONFIG_DIR / "profiles" / "cpu.yaml"


@dataclass(frozen=True)
class Settings:
    """``data_dir`` holds the registry, the instance, the inbox and the catalog; the artifact
    root (``artifact_root``, default: the data dir) holds every document's files and its source
    PDF.  On a cluster the artifact root is a shared mount.  Paths inside the artifact root are
    stored relative to it, so the root can move."""

    data_dir: Path
    artifact_root: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(Path(os.environ.get("PDFPIPE_DATA", "data")).resolve())

    def with_artifact_root(self, root: str | Path | None) -> Settings:
        """These settings with the profile's artifact root (relative: to the data dir)."""
        return self if not root else Settings(self.data_dir, (self.data_dir / root).resolve())

    @property
    def root(self) -> Path:
        return self.artifact_root or self.data_dir

    def relative(self, path: Path) -> str:
        """``path`` as stored: relative to the artifact root when inside it (else absolute)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def resolve(self, stored: str | Path) -> Path:
        """A stored path as a path on this machine (an absolute one stays as it is)."""
        return self.root / stored

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "registry.duckdb"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.duckdb"

    @property
    def inbox_dir(self) -> Path:
        return Path(os.environ.get("PDFPIPE_INBOX", self.data_dir / "inbox")).resolve()

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    def stage_dir(self, key: str, stage: str) -> Path:
        return self.documents_dir / key / stage
