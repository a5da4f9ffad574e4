"""What a process tree does, sampled from /proc: RSS, runnable threads (and, in bursts above
cores + 1, which processes ran), CPU seconds by kind of process, machine CPU utilisation.

Runnable threads are counted two ways.  The instant count (threads in state R in one sample)
catches every wake-up: a daemon thread's millisecond heartbeat, onnxruntime spawning its pool
at a model's load.  Overcommit is runnable threads *held* above the cores, so the target
figure is the peak of the mean over a sliding second (what the load average measures, over
one second instead of one minute)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Sampler:
    """RSS and runnable threads of this process's descendants, sampled from /proc."""

    interval: float = 0.1  # seconds; the sampler competes for the same cores
    # (time, rss, runnable threads, machine busy jiffies, machine total jiffies, runnable threads
    # of the processes that do the documents' work: Dagster's control plane left out)
    samples: list[tuple[float, int, int, float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    burst_above: int = (os.cpu_count() or 1) + 1  # samples above this say which processes ran
    cpu_ticks: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (role, CPU at last sight)
    runnable_by_role: list[dict[str, int]] = field(default_factory=list)  # one per sample
    _roles: dict[int, str] = field(default_factory=dict)

    def cpu_of(self, role: str) -> float:
        """CPU seconds of one kind of process over the sampler's life."""
        return sum(ticks for r, ticks in self.cpu_ticks.values() if r == role) / CLOCK_TICKS

    def cpu_by_role(self) -> str:
        """CPU seconds of each kind of process over the sampler's life (a process's last < 0.1 s
        before it ended is missed)."""
        seconds: dict[str, float] = {}
        for role, ticks in self.cpu_ticks.values():
            seconds[role] = seconds.get(role, 0.0) + ticks / CLOCK_TICKS
        busy = sorted(((r, s) for r, s in seconds.items() if s >= 0.05), key=lambda kv: -kv[1])
        return ", ".join(f"{role} {s:.1f} s" for role, s in busy)

    def worst_burst(self, start: float = 0.0, end: float = float("inf")) -> str:
        """'n of m samples above the limit; at the highest: who ran', and the same for the
        work processes' highest, within a window."""
        window = [(s[2], who) for s, who in zip(self.samples, self.runnable_by_role) if start <= s[0] <= end]
        inside = [(n, who) for n, who in window if n > self.burst_above]
        if not inside:
            return f"no sample of {len(window)} above {self.burst_above}"
        n, who = max(inside, key=lambda b: b[0])
        line = f"{len(inside)} of {len(window)} samples above {self.burst_above}; the highest, {n}: {_roles_text(who)}"
        _, work_who = max(inside, key=lambda b: _work(b[1]))
        if _work(work_who) > self.burst_above:
            line += f"; the work processes' highest, {_work(work_who)}: {_roles_text(work_who)}"
        return line

    def busiest_second(self, start: float = 0.0, end: float = float("inf")) -> str:
        """Which processes held the runnable threads in the second with the highest mean."""
        inside = [i for i, s in enumerate(self.samples) if start <= s[0] <= end]
        if not inside:
            return "no samples"
        mean, first, last = _best_window(self.samples[inside[0] : inside[-1] + 1], 2)
        window = self.runnable_by_role[inside[0] + first : inside[0] + last + 1]
        roles: dict[str, float] = {}
        for by_role in window:
            for role, n in by_role.items():
                roles[role] = roles.get(role, 0.0) + n / len(window)
        at = self.samples[inside[0] + last][0] - self.samples[inside[0]][0]
        parts = ", ".join(f"{role} {n:.1f}" for role, n in sorted(roles.items(), key=lambda kv: -kv[1]) if n >= 0.05)
        return f"{mean:.1f} in the second ending {at:.0f} s in: {parts}"

    def timeline(self, start: float = 0.0, end: float = float("inf")) -> list[tuple[float, int]]:
        """(seconds since the window's first sample, runnable threads) for a plot."""
        window = [s for s in self.samples if start <= s[0] <= end]
        return [(s[0] - window[0][0], s[2]) for s in window] if window else []

    def figures(self, start: float = 0.0, end: float = float("inf")) -> Figures:
        """The figures of the samples inside a window of time."""
        window = [s for s in self.samples if start <= s[0] <= end]
        if len(window) < 2:
            return Figures(0, 0.0, 0.0, 0, 0, 0.0)
        busy = window[-1][3] - window[0][3]
        total = window[-1][4] - window[0][4]
        runnable = sorted(s[2] for s in window)
        return Figures(
            peak_rss=max(s[1] for s in window),
            mean_peak=_best_window(window, 2)[0],
            work_mean_peak=_best_window(window, 5)[0],
            instant_peak=runnable[-1],
            instant_p99=runnable[min(len(runnable) - 1, int(0.99 * len(runnable)))],
            cpu_util=busy / total if total else 0.0,
        )

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
        by_role: dict[str, int] = {}
        for pid, n in busy.items():
            by_role[self._roles[pid]] = by_role.get(self._roles[pid], 0) + n
        self.samples.append((now, rss, runnable, *cpu_seconds(), _work(by_role)))
        self.runnable_by_role.append(by_role)

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


@dataclass
class Figures:
    peak_rss: int
    mean_peak: float  # runnable threads, peak of the mean over a sliding second: the target figure
    work_mean_peak: float  # the same for the work processes alone (no control plane)
    instant_peak: int  # runnable threads in one sample
    instant_p99: int
    cpu_util: float  # machine CPU utilisation


MEAN_WINDOW_S = 1.0


def _best_window(samples: list[tuple], column: int) -> tuple[float, int, int]:
    """(highest mean of ``column`` over MEAN_WINDOW_S of consecutive samples, its first and
    last sample).  A window shorter than that, at the start, is not judged."""
    best, total, first = (0.0, 0, 0), 0, 0
    for i, sample in enumerate(samples):
        total += sample[column]
        while sample[0] - samples[first][0] > MEAN_WINDOW_S:
            total -= samples[first][column]
            first += 1
        if sample[0] - samples[0][0] >= MEAN_WINDOW_S and total / (i - first + 1) > best[0]:
            best = (total / (i - first + 1), first, i)
    return best


# Processes that do the documents' work; the rest (daemon, code server, log capture) is Dagster's.
WORK_ROLES = {"warm process", "run process", "budget worker", "bare-loop process"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_ROLES = (
    ("dagster-daemon", "daemon"),
    ("api grpc", "code server"),
    ("spawn_main", "run process"),
    ("watch_orphans", "log watcher"),
    ("tail", "log tail"),
    ("resource_tracker", "resource tracker"),
)


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
    if "pdfpipe_launcher.zygote" in cmd:
        return ("warm process", "run process", "budget worker")[min(forks, 2)]
    if forks:
        return "budget worker"
    if "benchmarks.bench" in cmd:
        return "bare-loop process"
    return next((name for key, name in _ROLES if key in cmd), cmd[:40])


def _work(who: dict[str, int]) -> int:
    return sum(n for role, n in who.items() if role in WORK_ROLES)


def _roles_text(who: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(who.items(), key=lambda kv: -kv[1]))


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
