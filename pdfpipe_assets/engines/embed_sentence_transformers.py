"""``kind: sentence-transformers``: a local sentence-transformers model, on a GPU in the GPU
profiles.  The model is a folder on disk (``model_path``): nothing is downloaded at run time."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from ..errors import EngineUnavailable
from . import checks
from .base import Engine, EngineOptions


class SentenceTransformersOptions(EngineOptions):
    kind: Literal["sentence-transformers"] = "sentence-transformers"
    model_path: str = Field(description="a local sentence-transformers model folder")
    device: str = Field("cuda", description="cuda, cuda:1, cpu ...")
    batch_size: int = 128


class SentenceTransformersEmbeddings(Engine[SentenceTransformersOptions]):
    Options = SentenceTransformersOptions
    pool = "gpu"
    isolation = "spawn"  # it touches CUDA: never in a forked process
    requires = ("sentence_transformers", "torch")
    distribution = "sentence-transformers"
    extra = "sentence-transformers"

    def model_name(self) -> str:
        return Path(self.options.model_path).name

    def diagnose(self) -> list:
        found = [checks.folder(self.options.model_path, "model")]
        return found + ([checks.gpu()] if self.options.device.startswith("cuda") else [])

    @cached_property
    def _model(self):
        from sentence_transformers import SentenceTransformer

        if not Path(self.options.model_path).is_dir():
            raise EngineUnavailable(f"sentence-transformers model folder {self.options.model_path} does not exist")
        return SentenceTransformer(self.options.model_path, device=self.options.device, local_files_only=True)

    def embed(self, texts: list[str]):
        import numpy as np

        vectors = self._model.encode(
            texts, batch_size=self.options.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
