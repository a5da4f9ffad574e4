"""pdfpipe leans on a few private Dagster APIs: the warm run launcher and its run worker, and the
claim-wait fix.  A Dagster upgrade that moves or reshapes them must fail here, by name, before
it fails a deployment.  Dagster's own DefaultRunLauncher stays a supported choice (tested
end to end in test_launcher.py)."""

import inspect

import dagster as dg
import pytest

from .conftest import postgres_url

NEEDED = [  # (module, names, why)
    ("dagster._cli.api", ["_execute_run_command_body"], "a forked run executes like `dagster api execute_run`"),
    (
        "dagster._core.launcher.base",
        ["RunLauncher", "CheckRunHealthResult", "LaunchRunContext", "WorkerStatus"],
        "the warm run launcher",
    ),
    ("dagster._core.errors", ["DagsterLaunchFailedError", "DagsterExecutionInterruptedError"], "launcher, claim wait"),
    (
        "dagster._serdes",
        ["ConfigurableClass", "ConfigurableClassData", "serialize_value", "deserialize_value"],
        "the launcher's config and the run worker's instance ref",
    ),
    ("dagster._core.instance.ref", ["InstanceRef"], "the run worker"),
    ("dagster._utils.interrupts", ["capture_interrupts", "pop_captured_interrupt"], "run worker, claim wait"),
    ("dagster._core.execution.plan.instance_concurrency_context", ["InstanceConcurrencyContext"], "the claim wait"),
    ("dagster._core.definitions.reconstruct", ["ReconstructableRepository"], "the warm process preloads the location"),
    (
        "dagster._core.storage.partition_status_cache",
        ["get_and_update_asset_status_cache_value", "get_last_planned_storage_id"],
        "`pdfpipe status` counts from the asset status cache",
    ),
    ("dagster._core.instance.types", ["CachingDynamicPartitionsLoader"], "status reads the document keys once"),
    (
        "dagster._core.definitions.partitions.utils.base",
        ["generate_partition_key_based_definition_id"],
        "the status cache survives new documents",
    ),
    (
        "dagster._core.storage.event_log.sql_event_log",
        ["SqlEventLogStorage"],
        "the slot claim fix replaces one of its methods",
    ),
    ("dagster._core.storage.event_log.schema", ["ConcurrencySlotsTable"], "the slot claim fix"),
    ("dagster._core.storage.sqlalchemy_compat", ["db_select"], "the slot claim fix"),
    ("dagster._utils.concurrency", ["ConcurrencySlotStatus"], "the slot claim fix"),
    (
        "dagster._core.definitions.partitions.context",
        ["partition_loading_context"],
        "status compares a stored cache's keys with today's",
    ),
    ("dagster._core.loader", ["LoadingContext"], "status reads every stage's asset record in one query"),
    ("dagster._core.storage.event_log.base", ["AssetRecord"], "status reads every stage's asset record in one query"),
]


def test_the_key_value_table_that_status_remembers_prefixes_in_is_there():
    from dagster._core.storage.runs.sql_run_storage import SqlRunStorage

    for method in ("get_cursor_values", "set_cursor_values"):
        assert hasattr(SqlRunStorage, method), f"Dagster {dg.__version__}: SqlRunStorage lost {method}"


@pytest.mark.parametrize("module, names, why", NEEDED, ids=[m for m, _, _ in NEEDED])
def test_private_names_are_there(module, names, why):
    mod = __import__(module, fromlist=names)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"Dagster {dg.__version__} has no {module}.{missing} ({why}): update pdfpipe"


def test_a_stored_status_cache_has_what_status_reads_of_it():
    from dagster._core.storage.event_log.base import AssetEntry
    from dagster._core.storage.partition_status_cache import AssetStatusCacheValue

    fields = ("latest_storage_id", "partitions_def_id", "earliest_in_progress_materialization_event_id")
    assert set(fields) <= set(AssetStatusCacheValue._fields), AssetStatusCacheValue._fields
    for name in ("cached_status", "last_materialization_storage_id", "last_planned_materialization_storage_id"):
        assert hasattr(AssetEntry, name), name


def test_the_status_cache_update_takes_a_loading_context():
    from dagster._core.loader import LoadingContext
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    params = inspect.signature(get_and_update_asset_status_cache_value).parameters
    assert "loading_context" in params and "dynamic_partitions_loader" in params, list(params)
    abstract = getattr(LoadingContext, "__abstractmethods__", set())
    assert abstract == {"instance", "loaders"}, f"Dagster {dg.__version__}: LoadingContext wants {abstract}"


def test_shapes_pdfpipe_calls_are_unchanged():
    from dagster._cli.api import _execute_run_command_body
    from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
    from dagster._core.launcher.base import RunLauncher

    params = list(inspect.signature(_execute_run_command_body).parameters)
    assert params == ["run_id", "instance", "write_stream_fn", "set_exit_code_on_failure"], params
    for method in ("launch_run", "terminate", "check_run_worker_health", "supports_check_run_worker_health"):
        assert hasattr(RunLauncher, method), method
    # the claim-wait fix reads these attributes of a pending claim's context
    source = inspect.getsource(InstanceConcurrencyContext)
    for attr in ("self._pending_claims", "self._pending_timeouts", "def interval_to_next_pending_claim_check"):
        assert attr in source, f"Dagster {dg.__version__}: InstanceConcurrencyContext lost {attr}"
    # status reads the pools in one query, over connections kept open as the webserver does
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

    assert hasattr(SqlEventLogStorage, "get_concurrency_infos")
    params = list(inspect.signature(dg.DagsterInstance.optimize_for_webserver).parameters)
    assert params == ["self", "statement_timeout", "pool_recycle", "max_overflow"], params
    # the slot claim fix replaces this method, which claim_concurrency_slot calls by keyword
    params = list(inspect.signature(SqlEventLogStorage._claim_concurrency_slot).parameters)
    assert params == ["self", "concurrency_key", "run_id", "step_key"], params
    assert "self._claim_concurrency_slot(" in inspect.getsource(SqlEventLogStorage.claim_concurrency_slot)


def test_status_counts_from_the_cache_agree_with_per_partition_status():
    from pdfpipe_assets.defs.partitions import documents, stage_status, status_subsets

    with dg.instance_for_test() as instance:
        keys = ["a", "b", "c"]
        instance.add_dynamic_partitions(documents.name, keys)
        for key in ("a", "b"):
            instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition=key))
        materialized, failed, running = status_subsets(instance, "fused_document")
        per_key = stage_status(instance, keys, ["fused_document"])["fused_document"]
    assert materialized == {k for k, v in per_key.items() if v == dg.AssetPartitionStatus.MATERIALIZED} == {"a", "b"}
    assert failed == running == set()


def _instances(tmp_path, monkeypatch):
    """A temporary SQLite instance, and one on a fresh PostgreSQL database where the machine has
    a server (the storage whose private table ``document_keys`` reads)."""
    from pdfpipe_assets.settings import Settings

    yield "sqlite", dg.instance_for_test
    url = postgres_url("pdfpipe_test_keys")
    if url is None:  # no PostgreSQL here: SQLite only
        return
    monkeypatch.setenv("PDFPIPE_POSTGRES_URL", url)
    from pdfpipe_assets.defs.operations import get_instance

    yield "postgresql", lambda: get_instance(Settings(tmp_path / "data"))


def test_document_keys_and_corpus_sets_agree_with_dagster(tmp_path, monkeypatch):
    """``document_keys`` reads Dagster's partitions table directly on PostgreSQL, and the loader
    feeds Dagster's definition id from it: both must give Dagster's own answers, in its order,
    and the whole-corpus sets must agree with the per-key status."""
    from pdfpipe_assets.defs.followup import missing_stages
    from pdfpipe_assets.defs.partitions import (
        document_keys,
        documents,
        keys_between,
        keys_spanning,
        partitions_loader,
        stage_status,
    )

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    seen = []
    for name, open_instance in _instances(tmp_path, monkeypatch):
        keys = ["z-last-added-first", "b", "a", "doc with space", "x.y_z"]
        with open_instance() as instance:
            assert document_keys(instance) == []
            instance.add_dynamic_partitions(documents.name, keys[:2])
            instance.add_dynamic_partitions(documents.name, keys[2:])
            assert document_keys(instance) == list(instance.get_dynamic_partitions(documents.name)) == keys, name
            assert partitions_loader(instance).get_dynamic_partitions_definition_id(
                documents.name
            ) == instance.get_dynamic_partitions_definition_id(documents.name)
            # a range run's documents, in Dagster's order (on PostgreSQL read by row ids)
            assert keys_between(instance, "b", "doc with space") == keys[1:4], name
            # what planning range runs over some keys needs: from the first to the last of them
            span = keys_spanning(instance, ["doc with space", "b"])
            assert span == (keys[1:4] if name == "postgresql" else keys), name
            assert keys_spanning(instance, ["not a key"]) == ([] if name == "postgresql" else keys), name
            instance.delete_dynamic_partition(documents.name, "a")
            assert keys_between(instance, "b", "doc with space") == ["b", "doc with space"], name
            assert keys_between(instance, "b", "not a key") == [], name
            instance.add_dynamic_partitions(documents.name, ["a"])  # now last
            keys = [*keys[:2], *keys[3:], "a"]
            assert document_keys(instance) == keys, name
            for key in ("a", "b"):
                instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition=key))
            instance.report_runless_asset_event(dg.AssetMaterialization("source_pdf", partition="a"))
            per_key = stage_status(instance, keys, ["source_pdf", "fused_document"])
            work = missing_stages(instance, keys)
        assert per_key["source_pdf"]["a"] == dg.AssetPartitionStatus.MATERIALIZED, name
        assert per_key["fused_document"]["x.y_z"] is None, name
        assert set(work) == set(keys), name  # no key has every stage
        assert "source_pdf" not in work["a"] and "fused_document" not in work["a"], name
        assert "source_pdf" in work["b"] and "fused_document" not in work["b"], name
        seen.append(name)
    assert seen[0] == "sqlite"
    print("instances:", seen)


def test_the_status_cache_survives_new_documents_and_not_a_deleted_one(tmp_path, monkeypatch):
    """Dagster would rebuild every stage's status cache from all its events after each ingest
    (the definition's id hashes every key). The loader keeps a cache whose id hashes a prefix of
    today's keys; a deleted key still makes Dagster rebuild it. Counts stay right either way."""
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    from pdfpipe_assets.defs.partitions import definition_id, documents, partitions_loader, status_subsets

    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    def stored(instance) -> str:
        record = next(iter(instance.get_asset_records([dg.AssetKey("fused_document")])))
        return record.asset_entry.cached_status.partitions_def_id

    def materialize(instance, key):
        instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition=key))

    for name, open_instance in _instances(tmp_path, monkeypatch):
        with open_instance() as instance:
            instance.add_dynamic_partitions(documents.name, ["a", "b"])
            materialize(instance, "a")
            assert status_subsets(instance, "fused_document")[0] == {"a"}, name
            first = stored(instance)
            assert first == definition_id(["a", "b"])
            instance.add_dynamic_partitions(documents.name, ["c", "d"])
            materialize(instance, "c")
            assert status_subsets(instance, "fused_document")[0] == {"a", "c"}, name
            assert stored(instance) == first, name  # updated from the new events, not rebuilt
            instance.add_dynamic_partitions(documents.name, ["e"])
            assert status_subsets(instance, "fused_document", partitions_loader(instance))[0] == {"a", "c"}, name
            # Dagster's own reader (the UI's) rebuilds under today's id; pdfpipe keeps that one too
            get_and_update_asset_status_cache_value(instance, dg.AssetKey("fused_document"), documents)
            assert stored(instance) == definition_id(["a", "b", "c", "d", "e"]), name
            assert status_subsets(instance, "fused_document")[0] == {"a", "c"}, name
            instance.delete_dynamic_partition(documents.name, "a")
            assert status_subsets(instance, "fused_document")[0] == {"c"}, name  # rebuilt: "a" is gone
            assert stored(instance) == definition_id(["b", "c", "d", "e"]), name


def test_the_prefix_memo_stays_one_bounded_row(tmp_path, monkeypatch):
    """Each id the status caches were built under is remembered with how many keys it hashes;
    the UI's rebuilds leave a new id after every ingest, so only the newest few are kept."""
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    from pdfpipe_assets.defs import partitions
    from pdfpipe_assets.defs.partitions import definition_id, documents, status_subsets

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(partitions, "MEMO_IDS", 3)
    for name, open_instance in _instances(tmp_path, monkeypatch):
        with open_instance() as instance:
            keys = []
            for i in range(6):
                keys.append(f"k{i}")
                instance.add_dynamic_partitions(documents.name, [keys[-1]])
                instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition=keys[-1]))
                get_and_update_asset_status_cache_value(instance, dg.AssetKey("fused_document"), documents)
                assert status_subsets(instance, "fused_document")[0] == set(keys), name
            memo = partitions._remembered(instance, documents.name)
            assert [(k, n) for k, (n, _) in memo.items()] == [(definition_id(keys[:n]), n) for n in (4, 5, 6)], name
            # PostgreSQL vouches for a remembered prefix by its row ids: no key is read for it
            reads = []
            read_keys = partitions._keys_and_last_row
            monkeypatch.setattr(partitions, "_keys_and_last_row", lambda *a, r=reads, k=read_keys: r.append(1) or k(*a))
            instance.add_dynamic_partitions(documents.name, ["new"])
            assert status_subsets(instance, "fused_document")[0] == set(keys), name
            assert len(reads) == (0 if name == "postgresql" else 1), name
            monkeypatch.setattr(partitions, "_keys_and_last_row", read_keys)


def test_status_reads_a_current_cache_as_stored_and_updates_a_stale_one(tmp_path, monkeypatch):
    """No event since the cache was built: ``status_subsets`` takes the stored value, without
    Dagster's update (which would rebuild the same value). A materialization, a failed run or a
    deleted key since then: Dagster updates it, and the sets say so."""
    from dagster._core.storage import partition_status_cache

    from pdfpipe_assets.defs.partitions import documents, status_subsets

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    updates = []
    update = partition_status_cache.get_and_update_asset_status_cache_value
    monkeypatch.setattr(
        partition_status_cache,
        "get_and_update_asset_status_cache_value",
        lambda *a, **k: updates.append(1) or update(*a, **k),
    )

    @dg.asset(partitions_def=documents, name="fused_document")
    def failing(context):
        raise ValueError("for the test")

    def sets_and_updates(instance) -> tuple:
        before = len(updates)
        return status_subsets(instance, "fused_document"), len(updates) - before

    for name, open_instance in _instances(tmp_path, monkeypatch):
        with open_instance() as instance:
            instance.add_dynamic_partitions(documents.name, ["a", "b", "c"])
            instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition="a"))
            assert sets_and_updates(instance) == (({"a"}, set(), set()), 1), name
            assert sets_and_updates(instance) == (({"a"}, set(), set()), 0), name
            assert not dg.materialize([failing], instance=instance, partition_key="b", raise_on_error=False).success
            assert sets_and_updates(instance) == (({"a"}, {"b"}, set()), 1), name
            assert sets_and_updates(instance) == (({"a"}, {"b"}, set()), 0), name
            instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition="b"))
            assert sets_and_updates(instance) == (({"a", "b"}, set(), set()), 1), name
            instance.delete_dynamic_partition(documents.name, "a")
            assert sets_and_updates(instance) == (({"b"}, set(), set()), 1), name
            assert sets_and_updates(instance) == (({"b"}, set(), set()), 0), name


def test_status_reads_over_a_few_pooled_connections(tmp_path, monkeypatch):
    """Dagster's PostgreSQL storage opens a connection per query; ``status`` keeps them open."""
    import psycopg2

    from pdfpipe_assets.defs.operations import pool_connections
    from pdfpipe_assets.defs.partitions import documents
    from pdfpipe_assets.defs.status import collect

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    instances = dict(_instances(tmp_path, monkeypatch))
    if "postgresql" not in instances:
        pytest.skip("no PostgreSQL server on this machine")
    opened = []
    connect = psycopg2.connect
    monkeypatch.setattr(psycopg2, "connect", lambda *a, **k: opened.append(1) or connect(*a, **k))
    for pooled in (False, True):
        with instances["postgresql"]() as instance:
            if pooled:
                pool_connections(instance)
            instance.add_dynamic_partitions(documents.name, ["a", "b"])
            instance.report_runless_asset_event(dg.AssetMaterialization("fused_document", partition="a"))
            opened.clear()
            assert collect(instance).stages["fused_document"]["materialized"] == 1
            assert (len(opened) <= 3) == pooled, (pooled, len(opened))
