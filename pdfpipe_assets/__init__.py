"""pdfpipe: PDFs to structured JSON, one Dagster partition per document.

The package's pure layers (``contracts``, ``engines``, ``fusion``, ``catalog``,
``stages``) know nothing of Dagster; ``pdfpipe_assets.defs`` is the Dagster layer.
"""

__version__ = "0.1.0"
