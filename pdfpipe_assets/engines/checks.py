"""Checks an engine can make of what it needs beyond its packages, for ``pdfpipe doctor``:
a server that answers, weights on disk, a GPU the process can see."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Check:
    what: str  # "server", "weights", "gpu", ...
    ok: bool
    detail: str


def server(url: str, path: str = "", expect: str | None = None, timeout_s: float = 5.0) -> Check:
    """``GET url+path`` answers 200 (and its body names ``expect``, a model, when given)."""
    import requests

    target = url.rstrip("/") + path
    try:
        reply = requests.get(target, timeout=timeout_s)
    except requests.RequestException as exc:
        return Check("server", False, f"{target}: {type(exc).__name__}")
    if reply.status_code != 200:
        return Check("server", False, f"{target} answered {reply.status_code}")
    if expect is not None and expect not in reply.text:
        return Check("server", False, f"{target} answers, but does not serve {expect!r}")
    return Check("server", True, f"{target} answers" + (f" and serves {expect!r}" if expect else ""))


def folder(path: str | None, what: str = "weights") -> Check:
    if not path:
        return Check(what, False, "no folder set")
    found = Path(path)
    if not found.is_dir() or not any(found.iterdir()):
        return Check(what, False, f"{path} is missing or empty")
    return Check(what, True, f"{path}")


def gpu() -> Check:
    """An NVIDIA GPU this process can see (``nvidia-smi -L``), without importing torch."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return Check("gpu", False, "nvidia-smi not found: no NVIDIA driver on this machine")
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("gpu", False, f"nvidia-smi failed: {exc}")
    cards = [line for line in out.stdout.splitlines() if line.startswith("GPU ")]
    return Check("gpu", bool(cards), "; ".join(cards) or (out.stderr.strip() or "no GPU listed"))


def gpu_count() -> int:
    """How many NVIDIA GPUs ``nvidia-smi -L`` lists (0 without a driver)."""
    found = gpu()
    return found.detail.count("GPU ") if found.ok else 0
