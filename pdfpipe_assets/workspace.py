"""What every stage works in: the stage names and files, the data folders, the registry, the
profile and its engines, and each asset's code version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .catalog import Registry
from .contracts import SourceInfo
from .engines.base import EngineInfo
from .engines.registry import engine_class
from .errors import DocumentError
from .hosting import EngineHost
from .profiles import Profile
from .settings import Settings
from .storage import read_model

SOURCE, RENDERS, SPINE, LAYOUT, SCHOLARLY, FUSED, EMBEDDINGS = (
    "source_pdf",
    "page_renders",
    "ocr_spine",
    "layout_tables",
    "grobid_alignment",
    "fused_document",
    "embeddings",
)
STAGE_FILES = {
    SOURCE: "source.json",
    RENDERS: "pages.json",
    SPINE: "spine.json",
    LAYOUT: "layout.json",
    SCHOLARLY: "scholarly.json",
    FUSED: "document.json",
    EMBEDDINGS: "chunks.json",
}
VECTORS = "vectors.npy"  # beside chunks.json: one float32 row per chunk
PREVIEW_CHARS = 1500  # of the first page's Markdown, in the fused document's metadata
STAGE_VERSIONS = {SOURCE: "1", RENDERS: "1", SPINE: "4", LAYOUT: "3", SCHOLARLY: "4", FUSED: "5", EMBEDDINGS: "1"}
RECORD = "_stage.json"
FUSION = EngineInfo("pdfpipe-fusion", STAGE_VERSIONS[FUSED])


@dataclass
class StageResult:
    metadata: dict = field(default_factory=dict)


# The engine stages whose engines each asset runs (its code version names them all).
ASSET_STAGES = {
    SOURCE: ("source",),
    RENDERS: ("render",),
    SPINE: ("text_layer", "ocr", "image_text"),
    LAYOUT: ("layout", "tables"),
    SCHOLARLY: ("scholarly",),
    FUSED: (),
    EMBEDDINGS: ("embeddings",),
}


@dataclass
class Workspace:
    """Everything a stage needs: where data lives, the registry, the profile, the engines."""

    settings: Settings
    profile: Profile
    entries: dict = field(default_factory=dict)  # registry entries fetched ahead for a batch

    def __post_init__(self) -> None:
        self.settings = self.settings.with_artifact_root(self.profile.artifact_root)

    def prefetch(self, keys: list[str]) -> None:
        """Read a batch's registry entries in one go (``source_pdf`` of a batched run)."""
        self.entries.update(self.registry.get_many([k for k in keys if k not in self.entries]))

    def entry(self, key: str):
        return self.entries.get(key) or self.registry.get(key)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.settings.registry_path, self.settings.root)

    @cached_property
    def host(self) -> EngineHost:
        return EngineHost(self.profile)

    def engine_info(self, stage: str) -> EngineInfo:
        """The engines an asset ran, as recorded in its provenance and metadata."""
        if stage == FUSED:
            return FUSION
        infos = [self.host.engine(s).info for s in ASSET_STAGES[stage]]
        if len(infos) == 1 or infos[0] == infos[-1]:
            return infos[0]
        return EngineInfo("+".join(i.name for i in infos), "+".join(i.version for i in infos))

    def code_version(self, stage: str) -> str:
        """The stage's version and its declared engines' kinds, versions and options: the same on
        every machine with the same packages (nothing here probes for model data)."""
        engines = [
            f"{(o := self.profile.engine(s)).kind}-{engine_class(s, o.kind).version()}-{options_digest(o)}"
            for s in ASSET_STAGES[stage]
        ]
        if stage == EMBEDDINGS:  # the chunk size shapes the chunks, so it shapes the vectors
            engines.append(f"chunks{self.profile.chunk_chars}")
        if stage == SPINE:  # whether OCR layers are put to the vote shapes the text
            engines.append(f"layers-{self.profile.ocr_layers}")
        return ":".join([STAGE_VERSIONS[stage], *engines]) if engines else f"{STAGE_VERSIONS[stage]}:{FUSION.label}"

    def path(self, key: str, stage: str) -> Path:
        return self.settings.stage_dir(key, stage) / STAGE_FILES[stage]

    def read(self, key: str, stage: str, model):
        path = self.path(key, stage)
        if not path.exists():
            raise DocumentError("missing_input", f"{stage} has not been materialized for {key}")
        return read_model(path, model)

    def source(self, key: str) -> SourceInfo:
        """What ``source_pdf`` recorded, with the PDF's path on this machine (no registry round trip)."""
        info = self.read(key, SOURCE, SourceInfo)
        info.path = str(self.settings.resolve(info.path))
        return info


def options_digest(options) -> str:
    """8 hex digits of the options that shape an engine's output (not where or how it is hosted:
    ``EngineOptions.hosting_fields``)."""
    text = options.model_dump_json(exclude=set(options.hosting_fields))
    return hashlib.sha256(text.encode()).hexdigest()[:8]
