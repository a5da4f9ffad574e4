"""pdfpipe's fixes to Dagster 1.13, installed where a run or a code location starts: a waiting
claim sleeps and can be stopped (``claim_wait``), and a pool slot goes to one step at a time
(``slot_claim``)."""

from . import claim_wait, slot_claim


def install() -> None:
    """Idempotent: each fix patches its one method once per process."""
    claim_wait.install()
    slot_claim.install()
