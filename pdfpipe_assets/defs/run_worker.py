"""Execute one run in this process, as ``dagster api execute_run`` does: what a process forked
by the warm run launcher (``launcher/zygote.py``) runs."""

from dagster import DagsterInstance
from dagster._cli.api import _execute_run_command_body
from dagster._core.instance.ref import InstanceRef
from dagster._serdes import deserialize_value
from dagster._utils.interrupts import capture_interrupts

from ..budget import stop_workers
from . import dagster_fixes


def execute_run(run_id: str, instance_ref: str) -> int:
    """The run's exit code; its failures are in its event log."""
    dagster_fixes.install()
    try:
        # SIGINT (the launcher's terminate) is noted and acted on at Dagster's checkpoints
        with capture_interrupts(), DagsterInstance.from_ref(deserialize_value(instance_ref, InstanceRef)) as instance:
            return _execute_run_command_body(run_id, instance, lambda _event: None, set_exit_code_on_failure=False)
    finally:
        stop_workers()
