"""Step intervals, read from the event log, end where Dagster gives the slot back."""

import dagster as dg

from pdfpipe_assets.defs.pools import max_overlap, step_intervals


def test_a_retried_step_is_two_intervals_split_at_the_retry(tmp_path):
    attempts = []

    @dg.asset(pool="cpu", retry_policy=dg.RetryPolicy(max_retries=1))
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("transient")

    with dg.DagsterInstance.ephemeral() as instance:
        assert dg.materialize([flaky], instance=instance).success
        steps = step_intervals(instance, {"flaky": "cpu"})
        retried_at = [
            r.timestamp
            for r in instance.all_logs(instance.get_runs()[0].run_id)
            if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
        ]
    assert len(attempts) == 2 and len(retried_at) == 1
    first, second = sorted(steps["cpu"])
    assert first[1] == retried_at[0] <= second[0]  # the first attempt's slot ends at the retry
    assert max_overlap(steps["cpu"]) == 1
