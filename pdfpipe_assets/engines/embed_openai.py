"""``kind: openai``: any OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM,
text-embeddings-inference, a hosted API).  Transient failures are retried here, per request."""

from __future__ import annotations

import os
import random
import time
from typing import Literal

from pydantic import Field

from ..errors import DocumentError
from . import checks
from .base import Engine, EngineOptions

TRANSIENT_STATUS = {429, 500, 502, 503, 504}


class OpenAIEmbeddingsOptions(EngineOptions):
    kind: Literal["openai"] = "openai"
    url: str = Field("http://localhost:8000/v1", description="the server's base URL, up to /v1")
    model: str = Field(description="the model name the server knows")
    api_key_env: str | None = Field("OPENAI_API_KEY", description="environment variable holding the key, if any")
    batch_size: int = 64
    timeout_s: float = 60.0
    tries: int = 4
    backoff_s: float = 1.0


class OpenAIEmbeddings(Engine[OpenAIEmbeddingsOptions]):
    Options = OpenAIEmbeddingsOptions
    pool = "cpu"  # an HTTP client; the server's capacity is a pool the profile may name
    isolation = "none"
    requires = ("requests",)

    def diagnose(self) -> list:
        return [checks.server(self.options.url, "/models", expect=self.options.model)]

    def model_name(self) -> str:
        return self.options.model

    def _post(self, texts: list[str]) -> list[list[float]]:
        import requests

        o = self.options
        key = os.environ.get(o.api_key_env) if o.api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        for attempt in range(1, o.tries + 1):
            try:
                reply = requests.post(
                    f"{o.url.rstrip('/')}/embeddings",
                    json={"model": o.model, "input": texts},
                    headers=headers,
                    timeout=o.timeout_s,
                )
                if reply.status_code not in TRANSIENT_STATUS:
                    reply.raise_for_status()
                    data = sorted(reply.json()["data"], key=lambda d: d["index"])
                    return [d["embedding"] for d in data]
                problem = f"HTTP {reply.status_code}"
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = str(exc)
            except (requests.HTTPError, KeyError, ValueError) as exc:
                raise DocumentError("engine_error", f"embeddings server {o.url}: {exc}") from exc
            if attempt < o.tries:
                time.sleep(o.backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        raise DocumentError("transient", f"embeddings server {o.url}: {problem} after {o.tries} tries")

    def embed(self, texts: list[str]):
        import numpy as np

        rows: list[list[float]] = []
        for start in range(0, len(texts), self.options.batch_size):
            rows.extend(self._post(texts[start : start + self.options.batch_size]))
        if len(rows) != len(texts):
            raise DocumentError("engine_error", f"embeddings server returned {len(rows)} vectors for {len(texts)}")
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
