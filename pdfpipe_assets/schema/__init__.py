"""The committed, versioned JSON Schema of the fused document."""

from __future__ import annotations

import json
from pathlib import Path

from ..contracts import SCHEMA_VERSION, FusedDocument

SCHEMA_PATH = Path(__file__).parent / f"fused_document.v{SCHEMA_VERSION.split('.')[0]}.json"


def current_schema() -> dict:
    schema = FusedDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://pdfpipe.dev/schema/fused_document/{SCHEMA_VERSION}"
    return schema


def current_schema_text() -> str:
    return json.dumps(current_schema(), indent=2, sort_keys=True) + "\n"
