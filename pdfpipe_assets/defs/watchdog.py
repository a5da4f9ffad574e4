"""While a command waits on its runs, free the slots of runs that die meanwhile, and say so.

``pdfpipe run`` and ``resume`` free dead runs' slots before they plan; a run that dies while
they wait (another process SIGKILLed, OOM) is noticed here within ``every_s`` seconds, its
slots freed, and a line printed, so that no wait is silent and none lasts for ever.
"""

import threading
from collections.abc import Callable

import dagster as dg

from .liveness import DeadHolder, free_dead_slots

CHECK_EVERY_S = 15.0


def describe(holder: DeadHolder) -> str:
    held = f"held {', '.join(holder.pools)} slot(s)" if holder.pools else "waited for a slot"
    done = "marked failed, slots freed" if holder.process_gone else "slots freed"
    return f"run {holder.run_id} {held} but {holder.why}: {done}"


class SlotWatchdog:
    """A daemon thread with its own instance connection, for the duration of a ``with`` block."""

    def __init__(self, say: Callable[[str], None] = print, every_s: float = CHECK_EVERY_S):
        self.say = say
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pdfpipe-slot-watchdog", daemon=True)

    def _loop(self) -> None:
        with dg.DagsterInstance.get() as instance:
            while not self._stop.wait(self.every_s):
                try:
                    for holder in free_dead_slots(instance):
                        self.say(describe(holder))
                except Exception as err:  # noqa: BLE001 - a watchdog must not kill the command
                    self.say(f"slot watchdog: {type(err).__name__}: {err}")

    def __enter__(self) -> "SlotWatchdog":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
