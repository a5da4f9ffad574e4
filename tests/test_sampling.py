"""The benchmark's overcommit figure: held runnable threads count, a one-sample spike does not."""

from benchmarks.sampling import Sampler


def _samples(counts: list[int], step: float = 0.1) -> list[tuple]:
    # (time, rss, runnable threads, machine busy, machine total, work processes' runnable)
    return [(i * step, 0, n, float(i), float(2 * i), n) for i, n in enumerate(counts)]


def test_a_held_level_sets_the_peak_and_a_spike_does_not():
    sampler = Sampler()
    sampler.samples = _samples([2] * 50 + [10] + [2] * 20 + [4] * 15 + [2] * 10)
    figures = sampler.figures()
    assert figures.instant_peak == 10
    assert figures.mean_peak == 4.0  # a whole second at 4; the spike's second averages 2.8
    assert figures.work_mean_peak == 4.0
    assert figures.cpu_util == 0.5


def test_a_window_shorter_than_a_second_is_not_judged():
    sampler = Sampler()
    sampler.samples = _samples([9] * 5)
    assert sampler.figures().mean_peak == 0.0


def test_the_busiest_second_names_who_held_the_threads():
    sampler = Sampler()
    sampler.samples = _samples([2] * 20 + [4] * 11 + [2] * 5)
    sampler.runnable_by_role = (
        [{"budget worker": 2}] * 20 + [{"budget worker": 2, "daemon": 2}] * 11 + [{"budget worker": 2}] * 5
    )
    assert sampler.busiest_second() == "4.0 in the second ending 3 s in: budget worker 2.0, daemon 2.0"
