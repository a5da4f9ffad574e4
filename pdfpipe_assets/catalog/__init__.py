"""Catalog: the DuckDB document registry.  No Dagster here."""

from .ingest import ingest, pdf_files
from .registry import DocumentEntry, Registry

__all__ = ["DocumentEntry", "Registry", "ingest", "pdf_files"]
