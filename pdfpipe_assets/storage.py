"""Atomic artifact writes: a reader never sees a half-written file or folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_model(path: Path, model: BaseModel) -> None:
    write_bytes(path, model.model_dump_json(indent=1).encode())


def write_json(path: Path, obj) -> None:
    write_bytes(path, json.dumps(obj, indent=1, ensure_ascii=False).encode())


def read_model(path: Path, model: type[BaseModel]):
    return model.model_validate_json(path.read_bytes())


@contextmanager
def staged_dir(final: Path):
    """Yield an empty temp folder; on success it replaces ``final`` in one rename."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    try:
        yield tmp
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sweep_partial(root: Path) -> list[Path]:
    """Remove temp files and folders a killed writer left (``.<name>.*.tmp``, ``.<name>.old-*``).
    Call it only when nothing is writing: a resume with no run in flight."""
    removed = []
    for path in list(root.rglob(".*.tmp")) + list(root.rglob(".*.old-*")):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
