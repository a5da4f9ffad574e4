"""The code location: assets, the geometry check, the job, the inbox sensor, resources."""

import dagster as dg

from .assets import ALL_ASSETS
from .checks import page_geometry_agrees
from .jobs import process_documents
from .resources import GrobidResource, PdfpipeResource
from .sensors import batch_followup_sensor, inbox_sensor

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=[page_geometry_agrees],
    jobs=[process_documents],
    sensors=[inbox_sensor, batch_followup_sensor],
    resources={"pdfpipe": PdfpipeResource(grobid=GrobidResource())},
    executor=dg.in_process_executor,
)
