"""What a process tree does, sampled from /proc: RSS, runnable threads (and, in bursts above
cores + 1, which processes ran), CPU seconds by kind of process, machine CPU utilisation."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

@dataclass
class Sampler:
    """RSS and runnable threads of this process's descendants, sampled from /proc."""

    interval: float = 0.05
    # (time, rss, runnable threads, machine busy jiffies, machine total jiffies, runnable threads
    # of the processes that do the documents' work: Dagster's control plane left out)
    samples: list[tuple[float, int, int, float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    burst_above: int = (os.cpu_count() or 1) + 1  # samples above this say which processes ran
    bursts: list[tuple[float, int, dict[str, int]]] = field(default_factory=list)
    cpu_ticks: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (role, CPU at last sight)
    _roles: dict[int, str] = field(default_factory=dict)

    def cpu_by_role(self) -> str:
        """CPU seconds of each kind of process over the sampler's life (a process's last < 50 ms
        before it ended is missed)."""
        seconds: dict[str, float] = {}
        for role, ticks in self.cpu_ticks.values():
            seconds[role] = seconds.get(role, 0.0) + ticks / CLOCK_TICKS
        busy = sorted(((r, s) for r, s in seconds.items() if s >= 0.05), key=lambda kv: -kv[1])
        return ", ".join(f"{role} {s:.1f} s" for role, s in busy)

    def worst_burst(self, start: float = 0.0, end: float = float("inf")) -> str:
        """'n of m samples above the limit; at the highest: who ran', and the same for the
        work processes' highest, within a window."""
        inside = [b for b in self.bursts if start <= b[0] <= end]
        total = sum(start <= s[0] <= end for s in self.samples)
        if not inside:
            return f"no sample of {total} above {self.burst_above}"
        _, n, who = max(inside, key=lambda b: b[1])
        line = f"{len(inside)} of {total} samples above {self.burst_above}; the highest, {n}: {_roles_text(who)}"
        _, _, work_who = max(inside, key=lambda b: _work(b[2]))
        if _work(work_who) > self.burst_above:
            line += f"; the work processes' highest, {_work(work_who)}: {_roles_text(work_who)}"
        return line

    def figures(self, start: float = 0.0, end: float = float("inf")) -> tuple[int, int, int, float, int]:
        """(peak RSS, peak and 99th-percentile runnable threads, CPU utilisation, peak runnable
        threads of the work processes) in a window."""
        window = [s for s in self.samples if start <= s[0] <= end]
        if len(window) < 2:
            return 0, 0, 0, 0.0, 0
        busy = window[-1][3] - window[0][3]
        total = window[-1][4] - window[0][4]
        runnable = sorted(s[2] for s in window)
        p99 = runnable[min(len(runnable) - 1, int(0.99 * len(runnable)))]
        work = max(s[5] for s in window)
        return max(s[1] for s in window), runnable[-1], p99, busy / total if total else 0.0, work

    def _sample(self) -> None:
        """Walk this process's descendants (not this process: the harness is not measured)
        through /proc/<pid>/task/<tid>/children, which is cheaper than scanning all of /proc."""
        rss = runnable = 0
        busy: dict[int, int] = {}  # pid -> runnable threads
        parent: dict[int, int] = {}
        todo = _task_children(os.getpid(), os.listdir("/proc/self/task"))
        while todo:
            pid = todo.pop()
            try:
                rss += int(open(f"/proc/{pid}/statm").read().split()[1]) * PAGE_SIZE
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                ticks = int(fields[11]) + int(fields[12])  # utime + stime
                role = self._roles.get(pid) or self._roles.setdefault(pid, _role(pid, parent))
                self.cpu_ticks[pid] = (role, ticks)
                tids = os.listdir(f"/proc/{pid}/task")
                for tid in tids:
                    state = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()[0]
                    if state == "R":
                        runnable += 1
                        busy[pid] = busy.get(pid, 0) + 1
                children = _task_children(pid, tids)
                parent.update((c, pid) for c in children)
                todo.extend(children)
            except (OSError, IndexError, ValueError):
                continue
        now = time.time()
        work = sum(n for pid, n in busy.items() if self._roles.get(pid) in WORK_ROLES)
        self.samples.append((now, rss, runnable, *cpu_seconds(), work))
        if runnable > self.burst_above:
            self.bursts.append((now, runnable, _who(busy, parent)))

    def __enter__(self):
        def loop():
            while not self._stop.wait(self.interval):
                self._sample()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# Processes that do the documents' work; the rest (daemon, code server, log capture) is Dagster's.
WORK_ROLES = {"warm process", "run process", "budget worker", "bare-loop process"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_ROLES = (("dagster-daemon", "daemon"), ("api grpc", "code server"), ("spawn_main", "run process"),
          ("watch_orphans", "log watcher"), ("tail", "log tail"), ("resource_tracker", "resource tracker"))


def _cmdline(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
    except OSError:
        return ""


def _role(pid: int, parent: dict[int, int]) -> str:
    """What a process is, for the burst report: a budget worker is a fork of its run process,
    a run process forked by the warm launcher is a fork of the warm process."""
    cmd, up = _cmdline(pid), parent.get(pid)
    forks = 0  # how many forks away from a process with another command line
    while up is not None and _cmdline(up) == cmd:
        forks, up = forks + 1, parent.get(up)
    if "pdfpipe_assets.launcher.zygote" in cmd:
        return ("warm process", "run process", "budget worker")[min(forks, 2)]
    if forks:
        return "budget worker"
    if "pdfpipe_assets.bench" in cmd:
        return "bare-loop process"
    return next((name for key, name in _ROLES if key in cmd), cmd[:40])


def _work(who: dict[str, int]) -> int:
    return sum(n for role, n in who.items() if role in WORK_ROLES)


def _roles_text(who: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(who.items(), key=lambda kv: -kv[1]))


def _who(busy: dict[int, int], parent: dict[int, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pid, n in busy.items():
        role = _role(pid, parent)
        out[role] = out.get(role, 0) + n
    return out


def _task_children(pid: int, tids: list[str]) -> list[int]:
    out = []
    for tid in tids:
        try:
            out += [int(c) for c in open(f"/proc/{pid}/task/{tid}/children").read().split()]
        except OSError:
            continue
    return out


def cpu_seconds() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    values = [float(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)
