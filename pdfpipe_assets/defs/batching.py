"""The batching planner: how documents are grouped into runs, for every path that starts runs.

A run costs ~2 s to start, so documents travel in batches of up to the profile's
``batch_size``.  Two rules, one per situation:

- keys not yet registered (the inbox sensor) may be put in any order, so they are balanced
  by weight into waves that fill the run slots (``wave_batches``); the sensor then registers
  them batch by batch, so each batch is a key range;
- registered keys (``pdfpipe run``/``resume``/``eval``, the follow-up after a failed batch)
  keep the instance's order: a run over several partitions is a key range, so a batch is a
  run of adjacent keys that need the same stages (``contiguous_batches``).

A backfill launched from the UI uses ``backfill_policy``, the same size.
"""

import heapq
from dataclasses import dataclass

import dagster as dg

from ..profiles import Profile

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
TAIL_WEIGHT = 0.5  # the last wave's batches, against the others


@dataclass(frozen=True)
class Batch:
    keys: tuple[str, ...]
    stages: tuple[str, ...]

    def tags(self) -> dict[str, str]:
        return {RANGE_START: self.keys[0], RANGE_END: self.keys[-1]}

    @property
    def asset_selection(self) -> list[dg.AssetKey]:
        return [dg.AssetKey(s) for s in self.stages]


def backfill_policy(profile: Profile) -> dg.BackfillPolicy:
    """Backfills run ``batch_size`` documents per run, as every other path does."""
    return dg.BackfillPolicy.multi_run(max_partitions_per_run=profile.batch_size)


def wave_batches(weights: dict[str, int], size: int, runs: int) -> list[list[str]]:
    """Batches of at most ``size`` items, at least two waves of one batch per run slot, in
    queue order: equal weights, then a last wave of half-weight batches.  Heaviest items first,
    each into the batch that most lacks weight.  The queue gives each batch to the run slot
    that frees first, so the small last wave evens out the slots' ends (bytes predict a
    document's cost badly).  Few runs: each costs ~1.5 s of slot time."""
    if not weights:
        return []
    n, runs = len(weights), max(1, runs)
    count = max(-(-n // size), min(n, 2 * runs))
    count = min(n, -(-count // runs) * runs)  # whole waves
    tail = runs if count > runs else 0
    targets = [1.0] * (count - tail) + [TAIL_WEIGHT] * tail
    total = sum(max(1, w) for w in weights.values())
    scale = total / sum(targets)
    batches: list[list[str]] = [[] for _ in range(count)]
    lacking = [(-t * scale, i) for i, t in enumerate(targets)]  # heap: (-(target - load), batch)
    heapq.heapify(lacking)
    for item in sorted(weights, key=lambda k: (-weights[k], k)):
        need, i = heapq.heappop(lacking)
        batches[i].append(item)
        if len(batches[i]) < size:
            heapq.heappush(lacking, (need + max(1, weights[item]), i))
    return [b for b in batches if b]


def contiguous_batches(order: list[str], work: dict[str, tuple[str, ...]], size: int) -> list[Batch]:
    """Group keys that need the same stages into runs of adjacent keys.

    ``order`` is every partition key in the instance's order: a range run covers every key
    between its ends, so a key with other (or no) work breaks the range.
    """
    batches: list[Batch] = []
    current: list[str] = []
    stages: tuple[str, ...] = ()
    for key in order:
        need = work.get(key)
        if need is None or need != stages or len(current) >= size:
            if current:
                batches.append(Batch(tuple(current), stages))
            current, stages = ([key], need) if need else ([], ())
        else:
            current.append(key)
    if current:
        batches.append(Batch(tuple(current), stages))
    return batches
