"""``kind: embedded``: the scholarly structure from the spine alone, with refextract's fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..contracts.spine import OcrSpine
from .base import Engine, EngineOptions, ScholarlyOutput
from .refextract_refs import RefextractParser
from .scholarly_embedded_rules import extract_embedded, with_fields


class EmbeddedOptions(EngineOptions):
    kind: Literal["embedded"] = "embedded"


class EmbeddedScholarly(Engine[EmbeddedOptions]):
    """Title, authors, abstract, headings and references from fonts and positions; reference
    fields from refextract (offline, GPL-2.0-or-later).  Pure Python: it runs in the step."""

    Options = EmbeddedOptions
    isolation = "none"
    requires = ("refextract",)
    distribution = "refextract"

    def extract(self, path: Path, spine: OcrSpine) -> ScholarlyOutput:
        result = extract_embedded(spine)
        result.references = with_fields(
            result.references, RefextractParser().parse([r.text for r in result.references])
        )
        return ScholarlyOutput(result, {})

    def warm_up(self) -> None:
        """refextract compiles its knowledge bases on first use (about 1.7 s)."""
        RefextractParser().parse(["A. Author, A title, J. Phys. 1 (2000) 1."])
