"""``kind: wordllama``: the offline CPU embedding model that ships inside the ``wordllama`` wheel.

wordllama 0.4 looks for its bundled tokenizer in the wrong folder and then asks the Hub, so
the adapter copies the tokenizer files into its own cache folder and loads with downloads off.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from .base import Engine, EngineOptions


class WordLlamaOptions(EngineOptions):
    kind: Literal["wordllama"] = "wordllama"
    config: str = Field("l2_supercat", description="the model bundled in the wheel")
    dim: int = Field(256, description="embedding dimension: 64, 128 or 256 (truncated Matryoshka)")
    batch_size: int = 32
    cache_dir: str | None = Field(None, description="where the tokenizer is copied; default: a temp folder")


class WordLlamaEmbeddings(Engine[WordLlamaOptions]):
    Options = WordLlamaOptions
    pool = "cpu"
    isolation = "none"  # numpy only, 0.3 s to load: no worker process needed
    requires = ("wordllama",)
    distribution = "wordllama"

    def model_name(self) -> str:
        return f"wordllama/{self.options.config}-{self.options.dim}"

    @cached_property
    def _model(self):
        import wordllama
        from wordllama import WordLlama

        cache = Path(self.options.cache_dir or Path(tempfile.gettempdir()) / "pdfpipe-wordllama")
        tokenizers = cache / "tokenizers"
        tokenizers.mkdir(parents=True, exist_ok=True)
        for bundled in (Path(wordllama.__file__).parent / "tokenizers").glob("*.json"):
            if not (tokenizers / bundled.name).exists():
                shutil.copy(bundled, tokenizers / bundled.name)
        dim = self.options.dim
        return WordLlama.load(
            config=self.options.config, cache_dir=cache, disable_download=True, trunc_dim=dim if dim != 256 else None
        )

    def embed(self, texts: list[str]):
        import numpy as np

        if not texts:
            return np.zeros((0, self.options.dim), dtype=np.float32)
        # a batch is padded to its longest text: batches of like lengths waste the least work
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = self._model.embed([texts[i] for i in order], norm=True, batch_size=self.options.batch_size)
        out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[order] = vectors
        return out
