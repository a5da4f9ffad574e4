"""Hardware profiles (``resources/*.yaml``): slots per pool, batch sizes, and the engine of each
stage with its typed options, pool and process isolation.

A profile may ``extends: cpu.yaml`` (a path relative to its own folder) and override any block;
mappings merge, everything else replaces.  Every profile is validated when it is loaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from .engines.base import EngineOptions, Isolation
from .engines.registry import REGISTRY, engine_class, known_kinds
from .settings import DEFAULT_PROFILE

# Which engine stage decides each asset's pool (fusion is pdfpipe's own CPU work).
ASSET_ENGINE = {
    "source_pdf": "source",
    "page_renders": "render",
    "ocr_spine": "ocr",
    "layout_tables": "layout",
    "grobid_alignment": "scholarly",
    "fused_document": None,
    "embeddings": "embeddings",
}
FUSION_POOL = "cpu"
DEFAULTS: dict[str, dict[str, Any]] = {
    "source": {"kind": "pymupdf"},
    "render": {"kind": "pymupdf"},
    "text_layer": {"kind": "pymupdf"},
    "ocr": {"kind": "auto"},
    "image_text": {"kind": "rapidocr"},
    "layout": {"kind": "pymupdf"},
    "tables": {"kind": "pymupdf"},
    "scholarly": {"kind": "embedded"},
    "embeddings": {"kind": "wordllama"},
}


def _options_type(stage: str):
    """The stage's engine options: a union discriminated by ``kind`` over every registered engine."""
    classes = tuple(engine_class(stage, kind).Options for kind in known_kinds(stage))
    if len(classes) == 1:
        return classes[0]
    return Annotated[Union[classes], Field(discriminator="kind")]  # noqa: UP007 - a runtime tuple


class _EnginesBase(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, data: Any) -> Any:
        """``ocr: auto`` is short for ``ocr: {kind: auto}``; an unknown kind lists the known ones."""
        if not isinstance(data, dict):
            return data
        out = {}
        for stage, value in data.items():
            value = {"kind": value} if isinstance(value, str) else value
            if stage in REGISTRY and isinstance(value, dict):
                kind = value.get("kind")
                if kind not in REGISTRY[stage]:
                    raise ValueError(f"unknown {stage} engine kind {kind!r}; known kinds: {', '.join(REGISTRY[stage])}")
            out[stage] = value
        return out


Engines = create_model(  # type: ignore[call-overload]  # one typed field per stage, defaulting to the CPU engines
    "Engines",
    __base__=_EnginesBase,
    **{stage: (_options_type(stage), Field(default_factory=lambda s=stage: DEFAULTS[s])) for stage in REGISTRY},
)


class Budget(BaseModel):
    """Per-document limits; heavy native work runs in a child process that is killed past them."""

    base_s: float = Field(60, description="seconds every document gets")
    per_page_s: float = Field(20, description="seconds added per page")
    memory_mb: int | None = Field(
        4096, description="cap on the writable memory (RLIMIT_DATA) of the child; empty: none"
    )
    max_pages: int = Field(5000, description="documents with more pages fail as suspicious")

    def seconds(self, pages: int) -> float:
        return self.base_s + self.per_page_s * max(1, pages)


class Cluster(BaseModel):
    """Steps run on Celery workers (``dagster-celery``'s executor) instead of in the run's
    process: each pool's steps go to the queue named here, and each node's worker on that
    queue has as many slots as the node gives the class.  Dagster pools stay deployment-wide caps."""

    model_config = ConfigDict(extra="forbid")

    broker: str = Field("pyamqp://guest@127.0.0.1:5672//", description="the Celery broker (RabbitMQ or Redis)")
    backend: str = Field("rpc://", description="where step results go back to the run")
    queues: dict[str, str] = Field(description="pool -> the Celery queue its steps are routed to")
    nodes: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="node -> {queue: slots}: the workers `pdfpipe worker --node N` starts"
    )

    @field_validator("broker", "backend")
    @classmethod
    def _expand(cls, url: str) -> str:
        """``${NAME}`` and ``${NAME:-default}`` come from the environment, so that a password
        stays out of the profile (the Docker deployment reads ``${PDFPIPE_BROKER_URL:-...}``)."""
        return expand_env(url)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    pools: dict[str, int] = Field(description="slots per Dagster pool, deployment-wide")
    max_concurrent_runs: int = 2
    threads_per_worker: int = Field(1, description="OpenMP/BLAS/onnxruntime threads per engine process")
    batch_size: int = Field(8, description="documents per run, at most")
    budget: Budget = Budget()
    chunk_chars: int = Field(1500, description="search chunks are at most this many characters")
    ocr_layers: Literal["vote", "trust"] = Field(
        "vote",
        description="a scan's invisible OCR layer: 'vote' also reads the page with the ocr and image_text "
        "engines and takes a word both read alike over the layer's (fusion/ocr_layer.py); 'trust' keeps "
        "the layer as it is, with no OCR",
    )
    artifact_root: str | None = Field(
        None,
        description="where documents' files and source PDFs live (a shared mount on a cluster); default: the data dir",
    )
    engines: Engines = Field(default_factory=Engines)
    cluster: Cluster | None = Field(None, description="run steps on Celery workers, per-node slots")

    def engine(self, stage: str) -> EngineOptions:
        return getattr(self.engines, stage)

    def hosting(self, stage: str) -> tuple[str, Isolation]:
        """(pool, isolation) of the stage's engine: the profile's override, else the engine's own."""
        options = self.engine(stage)
        cls = engine_class(stage, options.kind)
        return options.pool or cls.pool, options.isolation or cls.isolation

    def asset_pool(self, asset: str) -> str:
        stage = ASSET_ENGINE[asset]
        return self.hosting(stage)[0] if stage else FUSION_POOL

    @model_validator(mode="after")
    def _pools_have_limits(self) -> Profile:
        pools = {asset: self.asset_pool(asset) for asset in ASSET_ENGINE}
        unknown = {a: p for a, p in pools.items() if p not in self.pools}
        if unknown:
            raise ValueError(f"pools without a limit in `pools`: {unknown} (asset: pool)")
        unrouted = {a: p for a, p in pools.items() if self.cluster and p not in self.cluster.queues}
        if unrouted:
            raise ValueError(f"pools without a Celery queue in `cluster.queues`: {unrouted} (asset: pool)")
        return self

    def queue(self, asset: str) -> str | None:
        """The Celery queue of the asset's steps, on a cluster profile."""
        return self.cluster.queues[self.asset_pool(asset)] if self.cluster else None


_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def expand_env(text: str) -> str:
    """``text`` with each ``${NAME}`` / ``${NAME:-default}`` replaced; an unset name without a
    default is an error that names it."""

    def value(match: re.Match) -> str:
        name, default = match.groups()
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ValueError(f"${{{name}}} is not set and has no default (write ${{{name}:-value}})")
        return default

    return _VARIABLE.sub(value, text)


def _merge(base: dict, override: dict) -> dict:
    """Mappings merge, except an engine block of another ``kind``: that replaces the base's."""
    out = dict(base)
    for key, value in override.items():
        other_kind = isinstance(value, dict) and "kind" in value and value["kind"] != (out.get(key) or {}).get("kind")
        mergeable = isinstance(value, dict) and isinstance(out.get(key), dict) and not other_kind
        out[key] = _merge(out[key], value) if mergeable else value
    return out


def _raw(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    if path in seen:
        raise ValueError(f"profile {path} extends itself through {' -> '.join(map(str, seen))}")
    data = yaml.safe_load(path.read_text()) or {}
    parent = data.pop("extends", None)
    return _merge(_raw(path.parent / parent, (*seen, path)), data) if parent else data


def profile_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get("PDFPIPE_PROFILE") or DEFAULT_PROFILE)


def load_profile(path: str | Path | None = None) -> Profile:
    """The profile at ``path``, else ``$PDFPIPE_PROFILE``, else the packaged ``cpu.yaml``."""
    path = profile_path(path)
    try:
        return Profile.model_validate(_raw(path))
    except (ValueError, OSError) as err:
        raise ValueError(f"profile {path}: {err}") from err
