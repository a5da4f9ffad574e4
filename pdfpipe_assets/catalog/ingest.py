"""Find PDFs under the paths a user names and register them."""

from __future__ import annotations

from pathlib import Path

from .registry import DocumentEntry, Registry


def pdf_files(paths: list[Path]) -> list[Path]:
    """Files named directly, plus ``*.pdf`` (any case) found under folders, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() == ".pdf" and not p.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return found


def ingest(registry: Registry, paths: list[Path]) -> list[tuple[DocumentEntry, bool]]:
    """Register the PDFs under ``paths``; a folder walk leaves out the copies the registry keeps
    (a kept file named directly is simply known already)."""
    kept = (registry.root / "sources").resolve()
    found = []
    for path in paths:
        files = pdf_files([path])
        found += [p for p in files if not p.resolve().is_relative_to(kept)] if path.is_dir() else files
    return registry.register(found)
