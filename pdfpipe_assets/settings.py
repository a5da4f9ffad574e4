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
    data_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(Path(os.environ.get("PDFPIPE_DATA", "data")).resolve())

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "registry.duckdb"

    @property
    def inbox_dir(self) -> Path:
        return Path(os.environ.get("PDFPIPE_INBOX", self.data_dir / "inbox")).resolve()

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    def stage_dir(self, key: str, stage: str) -> Path:
        return self.documents_dir / key / stage
