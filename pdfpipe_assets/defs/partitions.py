"""One dynamic partition per document; the key comes from ``pdfpipe_assets.keys``."""

import dagster as dg

documents = dg.DynamicPartitionsDefinition(name="documents")
