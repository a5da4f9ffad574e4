"""Where the run slots' time went, from the event log: process starts, steps, the rest.

For the benchmark: it tells run-start overhead from work and from slots left without a run.
"""

from dataclasses import dataclass

import dagster as dg

_T = dg.DagsterEventType
_ENDS = (_T.RUN_SUCCESS, _T.RUN_FAILURE, _T.RUN_CANCELED)


@dataclass
class SlotTime:
    """Seconds of ``slots`` run slots between the first run's start and the last run's end."""

    slots: int
    wall_s: float
    launch_s: float = 0.0  # launched -> the run process has loaded the code (RUN_STARTING -> RUN_START)
    steps_s: float = 0.0  # inside steps: the stage functions, their events and resource set-up
    between_s: float = 0.0  # in a started run but in no step: step events, run teardown

    @property
    def idle_s(self) -> float:
        """Slot time with no run in it: the queue's reaction time and a batch's uneven end."""
        return max(0.0, self.slots * self.wall_s - self.launch_s - self.steps_s - self.between_s)

    def summary(self) -> str:
        total = self.slots * self.wall_s or 1.0
        parts = {
            "steps": self.steps_s,
            "run start": self.launch_s,
            "between steps": self.between_s,
            "no run": self.idle_s,
        }
        return ", ".join(f"{name} {s:.0f} s ({s / total:.0%})" for name, s in parts.items())


def slot_time(instance: dg.DagsterInstance, slots: int) -> SlotTime:
    """Split ``slots`` x (first run start .. last run end) into launch, steps, between, idle."""
    launches, steps, runs = [], [], []
    for record in instance.get_run_records():
        times: dict = {}
        step_start: dict[str, float] = {}
        step_s = 0.0
        for log in instance.all_logs(record.dagster_run.run_id):
            event = log.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if kind in (_T.RUN_STARTING, _T.RUN_START):
                times.setdefault(kind, log.timestamp)
            elif kind in _ENDS:
                times.setdefault("end", log.timestamp)
            elif kind == _T.STEP_START:
                step_start[event.step_key] = log.timestamp
            elif kind in (_T.STEP_SUCCESS, _T.STEP_FAILURE) and event.step_key in step_start:
                step_s += log.timestamp - step_start.pop(event.step_key)
        if {_T.RUN_STARTING, _T.RUN_START, "end"} <= times.keys():
            launches.append(times[_T.RUN_START] - times[_T.RUN_STARTING])
            runs.append((times[_T.RUN_STARTING], times["end"]))
            steps.append(step_s)
    if not runs:
        return SlotTime(slots, 0.0)
    wall = max(e for _, e in runs) - min(s for s, _ in runs)
    in_runs = sum(e - s for s, e in runs)
    return SlotTime(slots, wall, sum(launches), sum(steps), in_runs - sum(launches) - sum(steps))
