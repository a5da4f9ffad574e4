"""Celery, for a profile with a ``cluster`` block: the executor that routes each step to its
pool's queue, the app a ``pdfpipe worker`` serves, and the workers ``pdfpipe status`` lists.

Delivery is acknowledged late: a step whose worker dies (SIGKILL, a lost node) goes back to
its queue and runs again on the next worker, and a step writes its files by atomic rename
and its materialization only when it ends, so the document is materialized exactly once.
"""

from __future__ import annotations

import socket

from ..errors import EngineUnavailable
from ..profiles import FUSION_POOL, Cluster, Profile

EXTRA = "pip install 'pdfpipe[celery]'"


def celery_config(cluster: Cluster) -> dict:
    """The Celery settings both sides use (the run that sends steps, the workers that run them)."""
    return {
        "task_acks_late": True,  # acknowledged when the step ends, not when a worker takes it
        "task_reject_on_worker_lost": True,  # a killed worker's step is requeued, not dropped
        "worker_prefetch_multiplier": 1,  # a worker holds no more steps than it has slots
        "task_default_queue": cluster.queues.get(FUSION_POOL, "dagster"),  # untagged steps (checks)
        "broker_connection_retry_on_startup": True,
    }


def _require():
    try:
        import dagster_celery  # noqa: F401
    except ImportError as err:
        raise EngineUnavailable(f"a cluster profile needs dagster-celery, which is not installed: {EXTRA}") from err


def cluster_executor(profile: Profile):
    """``dagster-celery``'s executor, configured from the profile."""
    _require()
    from dagster_celery import celery_executor

    cluster = profile.cluster
    assert cluster is not None
    return celery_executor.configured(
        {"broker": cluster.broker, "backend": cluster.backend, "config_source": celery_config(cluster)}
    )


def worker_app(profile: Profile):
    """The Celery app with Dagster's step task, configured as the executor is."""
    _require()
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    cluster = profile.cluster
    if cluster is None:
        raise EngineUnavailable(f"profile {profile.name!r} has no `cluster` block: it runs steps in the run's process")
    executor = CeleryExecutor.for_cli(
        broker=cluster.broker, backend=cluster.backend, config_source=celery_config(cluster)
    )
    app = make_app(executor.app_args())
    create_task(app)
    return app


def worker_argv(queues: list[str], name: str) -> list[str]:
    """Celery's arguments for one slot: the queues, the ``solo`` pool (the step runs in the
    worker's own process), no prefetching beyond the step in hand."""
    argv = ["worker", "--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1"]
    return [*argv, "--hostname", name, "--loglevel", "INFO", "--queues", ",".join(queues)]  # repeated: last wins


def slot_names(name: str | None, queues: list[str], concurrency: int) -> list[str]:
    """One Celery worker name per slot: ``node-a@host`` -> ``node-a.1@host``, ``node-a.2@host``."""
    base = name or f"{'+'.join(queues)}@{socket.gethostname()}"
    if concurrency == 1:
        return [base]
    node, _, host = base.partition("@")
    return [f"{node}.{i}@{host or socket.gethostname()}" for i in range(1, concurrency + 1)]


def run_worker(profile: Profile, queues: list[str], concurrency: int, name: str | None) -> None:
    """Serve ``queues`` with ``concurrency`` slots until stopped (blocks).

    Each slot is its own Celery process with the ``solo`` pool.  Steps in threads of one
    process (Celery's ``threads`` pool) deadlocked here: a step forks its engine worker while
    another step's thread holds a lock, and the child inherits it held; a ``prefork`` pool's
    children are daemonic and may not start the engine worker at all."""
    from ..engines.threads import cap_threads

    cap_threads(profile.threads_per_worker)  # engines in this worker get the profile's thread caps
    names = slot_names(name, queues, concurrency)
    if len(names) == 1:
        worker_app(profile).worker_main(worker_argv(queues, names[0]))
        return
    import subprocess
    import sys

    base = [sys.executable, "-m", "pdfpipe_assets.cli", "worker", *(a for q in queues for a in ("--queue", q))]
    slots = [subprocess.Popen([*base, "--concurrency", "1", "--name", n]) for n in names]
    try:
        for slot in slots:
            slot.wait()
    finally:  # stopped (SIGTERM, Ctrl-C): the slots stop with it
        for slot in slots:
            if slot.poll() is None:
                slot.terminate()
        for slot in slots:
            slot.wait()


def workers(profile: Profile, timeout: float = 1.0) -> list[dict]:
    """The live workers: name, queues and slots, from a broadcast (``timeout`` seconds)."""
    inspect = worker_app(profile).control.inspect(timeout=timeout)
    queues = inspect.active_queues() or {}
    stats = inspect.stats() or {}
    return [
        {
            "name": name,
            "queues": sorted(q["name"] for q in queues.get(name, [])),
            "slots": stats.get(name, {}).get("pool", {}).get("max-concurrency"),
        }
        for name in sorted(queues)
    ]


def process_documents_job():
    """``process_documents`` of the environment's profile, by a name a Celery worker can
    import: the steps it is sent rebuild the job from this function."""
    from .operations import code_location

    return code_location().resolve_job_def("process_documents")


def execute_on_cluster(instance, batch, tags: dict, run_config: dict):
    """One run of ``batch`` in this process, its steps on the Celery workers of their queues."""
    import dagster as dg

    from ..stages import STAGES

    partition = {"dagster/partition": batch.keys[0]} if len(batch.keys) == 1 else {}
    tags = {k: v for k, v in tags.items() if not (partition and k.startswith("dagster/asset_partition_range"))}
    selection = batch.asset_selection if batch.stages != tuple(STAGES) else None
    with dg.execute_job(
        dg.reconstructable(process_documents_job),
        instance=instance,
        run_config=run_config,
        tags={**tags, **partition},
        asset_selection=selection,
    ) as result:
        return result
