"""A client of an OpenAI-compatible chat endpoint (vLLM, SGLang, llama.cpp's ``llama-server``)
for one page image at a time.  The server batches; the caller keeps several pages in flight.

429 and 5xx answers and dropped connections are transient: retried with exponential back-off
and jitter (a ``Retry-After`` header is honoured).  Any other error, or an empty answer, is
the page's failure, not the document's.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from .retry import with_retries

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class PageError(Exception):
    """One page could not be read; ``error`` is its failure class."""

    def __init__(self, error: str, message: str, retry_after: float | None = None):
        super().__init__(f"[{error}] {message}")
        self.error = error
        self.message = message
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After)


@dataclass
class ChatClient:
    base_url: str
    model: str
    max_tokens: int = 4096
    temperature: float = 0.0
    timeout_s: float = 300.0
    tries: int = 4
    backoff_s: float = 2.0
    api_key_env: str | None = None

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return {"Authorization": f"Bearer {key}"} if key else {}

    def body(self, prompt: str, image: Path) -> dict:
        data = base64.b64encode(image.read_bytes()).decode()
        content = [
            {"type": "text", "text": prompt},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
        ]
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def read_page(self, prompt: str, image: Path) -> str:
        """The model's answer for one page image; transient failures retried ``tries`` times."""
        body = self.body(prompt, image)
        return with_retries(
            lambda: self._post(body),
            self.tries,
            self.backoff_s,
            transient=lambda err: isinstance(err, PageError) and err.error == "transient",
            asked_wait=lambda err: getattr(err, "retry_after", None),
        )

    def _post(self, body: dict) -> str:
        import requests

        url = f"{self.base_url.rstrip('/')}/chat/completions"
        try:
            reply = requests.post(url, json=body, headers=self._headers(), timeout=self.timeout_s)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise PageError("transient", f"{url}: {type(exc).__name__}: {exc}") from exc
        if reply.status_code in TRANSIENT_STATUS:
            after = reply.headers.get("Retry-After", "")
            wait = min(float(after), 60.0) if after.replace(".", "", 1).isdigit() else None
            raise PageError("transient", f"{url} answered {reply.status_code}: {reply.text[:200]}", wait)
        if reply.status_code != 200:
            raise PageError("engine_error", f"{url} answered {reply.status_code}: {reply.text[:200]}")
        try:
            choice = reply.json()["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise PageError("engine_error", f"{url}: not a chat completion: {reply.text[:200]}") from exc
        if not text.strip():
            raise PageError("empty", f"the model returned no text (finish_reason {choice.get('finish_reason')!r})")
        return text
