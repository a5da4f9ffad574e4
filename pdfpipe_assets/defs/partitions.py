"""One dynamic partition per document; the key comes from ``pdfpipe_assets.keys``."""

import hashlib
import json
from collections.abc import Sequence

import dagster as dg
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.definitions.partitions.utils.base import generate_partition_key_based_definition_id
from dagster._core.instance.types import CachingDynamicPartitionsLoader  # private: see test_dagster_private_api
from dagster._core.loader import LoadingContext
from dagster._core.storage.event_log.base import AssetRecord
from dagster_shared.utils.cached_method import cached_method

documents = dg.DynamicPartitionsDefinition(name="documents")


def stage_status(
    instance: dg.DagsterInstance, keys: list[str], stages: tuple[str, ...] | list[str]
) -> dict[str, dict[str, dg.AssetPartitionStatus]]:
    """stage -> key -> partition status, from Dagster's asset status cache: the one status query
    that status, resume, follow-ups and the reports share (None: never materialized).  The same
    answer as ``get_status_by_partition``, with the document keys read once, not twice per stage."""
    loader = partitions_loader(instance)
    out = {}
    for stage in stages:
        materialized, failed, running = status_subsets(instance, stage, loader)
        out[stage] = {
            key: dg.AssetPartitionStatus.IN_PROGRESS
            if key in running
            else dg.AssetPartitionStatus.FAILED
            if key in failed
            else dg.AssetPartitionStatus.MATERIALIZED
            if key in materialized
            else None
            for key in keys
        }
    return out


def done_and_running(
    instance: dg.DagsterInstance, stages: tuple[str, ...] | list[str], loader: "KeysOnceLoader | None" = None
) -> tuple[dict[str, set[str]], set[str]]:
    """Per stage the keys whose status is materialized (not failed or in progress since); and
    the keys that a run is materializing at any stage. The same statuses as ``stage_status``, as
    sets, for questions about the whole corpus (no map of every key). ``loader``: one whose keys
    the caller reads too, so that they are read once."""
    loader = loader or partitions_loader(instance)
    done, running = {}, set()
    for stage in stages:
        materialized, failed, in_progress = status_subsets(instance, stage, loader)
        done[stage] = materialized - failed - in_progress
        running |= in_progress
    return done, running


class _Records(LoadingContext):
    """Dagster's batch loader of asset records: one query for every stage, read again by each
    stage's status cache update without going back to the database."""

    def __init__(self, instance: dg.DagsterInstance):
        self._instance = instance
        self._loaders: dict = {}

    @property
    def instance(self) -> dg.DagsterInstance:
        return self._instance

    @property
    def loaders(self) -> dict:
        return self._loaders


class KeysOnceLoader(CachingDynamicPartitionsLoader):
    """Reads the document keys once (``document_keys``) for many status-cache lookups, and keeps
    a status cache that still holds after documents were added.

    Dagster names a dynamic partitions definition by a hash of all its keys and throws a cache
    away when the name changes: after every ingest it would rebuild each asset's cache from all
    its events (49 s for 7 stages at 100,000 materialized documents, 2 cores). Documents are only
    ever added, in order, so a cache built over a prefix of today's keys is still right: the
    documents added since are not materialized in it yet. ``status_subsets`` names the id it
    found stored (``prefer``); when that id hashes a prefix of today's keys the loader answers
    with it, and Dagster updates the cache from the new events instead. Any other change (a
    deleted key) gives today's id, and Dagster rebuilds as before."""

    def __init__(self, instance: dg.DagsterInstance):
        super().__init__(instance)
        self._preferred: dict[str, str] = {}
        self._prefixes: dict[str, int | None] = {}  # id -> how many keys it hashes (None: no prefix)
        self._today: dict[str, str] = {}
        self._stored: dict[str, str | None] | None = None
        self._last_row: dict[str, int | None] = {}  # the row id of the last key read (PostgreSQL)
        # the stages' asset records as of the first status read: a loader answers one question
        self.records = _Records(instance)

    @cached_method
    def get_dynamic_partitions(self, partitions_def_name: str) -> Sequence[str]:
        keys, self._last_row[partitions_def_name] = _keys_and_last_row(self._instance, partitions_def_name)
        return keys

    def get_dynamic_partitions_definition_id(self, partitions_def_name: str) -> str:
        if self._preferred.get(partitions_def_name):
            return self._preferred[partitions_def_name]
        if partitions_def_name not in self._today:
            keys = self.get_dynamic_partitions(partitions_def_name)
            today = self._today[partitions_def_name] = definition_id(keys)
            self._prefixes[today] = len(keys)
            last = self._last_row[partitions_def_name]
            _remember(self._instance, partitions_def_name, today, len(keys), last)  # for later calls
        return self._today[partitions_def_name]

    def stored_id(self, stage: str) -> str | None:
        """The definition id of the status cache stored for ``stage`` (one query for all stages,
        whose records Dagster's cache update then reads from ``records``)."""
        if self._stored is None:
            from ..stages import STAGES

            self._stored = {}
            for record in AssetRecord.blocking_get_many(self.records, [dg.AssetKey(s) for s in STAGES]):
                if record is not None:
                    cache = record.asset_entry.cached_status
                    key = record.asset_entry.asset_key.to_user_string()
                    self._stored[key] = cache.partitions_def_id if cache else None
        return self._stored.get(stage)

    def prefer(self, partitions_def_name: str, stored_id: str | None) -> None:
        """Answer with ``stored_id`` (a cache's) while it names a prefix of today's keys."""
        keep = stored_id is not None and self._hashes_a_prefix(partitions_def_name, stored_id)
        self._preferred[partitions_def_name] = (stored_id or "") if keep else ""

    def _hashes_a_prefix(self, name: str, stored_id: str) -> bool:
        if stored_id not in self._prefixes:  # once per distinct id and call
            n, last = _remembered(self._instance, name).get(stored_id, (None, None))
            if n is None or last is None or _rows_up_to(self._instance, name, last) != n:
                n = self._prefix_from_keys(name, stored_id, n)
            self._prefixes[stored_id] = n
        return self._prefixes[stored_id] is not None

    def _prefix_from_keys(self, name: str, stored_id: str, remembered: int | None) -> int | None:
        """How many of today's keys ``stored_id`` hashes, from the keys themselves; remembered
        with the row id of the last of them, so that PostgreSQL can vouch for it next time."""
        keys = self.get_dynamic_partitions(name)
        n = remembered
        if n is None or n > len(keys) or definition_id(keys[:n]) != stored_id:
            n = _prefix_length(keys, stored_id)  # one pass over the keys, then remembered
        if n is not None:
            last = self._last_row[name] if n == len(keys) else _row_id_of(self._instance, name, n)
            _remember(self._instance, name, stored_id, n, last)
        return n


def definition_id(keys: Sequence[str]) -> str:
    """Dagster's name for a dynamic partitions definition with these keys."""
    return generate_partition_key_based_definition_id(list(keys))


def _prefix_length(keys: Sequence[str], wanted: str) -> int | None:
    """n such that the first n keys give the id ``wanted``: the JSON list hashed one key at a
    time (1.5 s at 500,000 keys on 2 cores; the answer is remembered)."""
    digest = hashlib.sha1(b"[")
    for n, key in enumerate(keys, start=1):
        digest.update(((", " if n > 1 else "") + json.dumps(key)).encode())
        end = digest.copy()
        end.update(b"]")
        if end.hexdigest() == wanted:
            return n
    return None


# The most recent ids remembered per partitions definition: one per stage's cache, plus the
# ids the UI's rebuilds leave behind. Older ones are dropped, so the memo stays one small row.
MEMO_IDS = 32


def _memo(name: str) -> str:
    """Key of Dagster's key-value table that holds, for ``name``, {definition id: [how many keys
    it hashes, the row id of the last of them (PostgreSQL; else null)]}."""
    return f"pdfpipe/prefix_of/{name}"


def _remembered(instance: dg.DagsterInstance, name: str) -> dict[str, tuple[int, int | None]]:
    get = getattr(instance.run_storage, "get_cursor_values", None)  # Dagster's key-value table
    value = get({_memo(name)}).get(_memo(name)) if get else None
    try:
        memo = json.loads(value) if value else {}
        return {str(k): (int(v[0]), None if v[1] is None else int(v[1])) for k, v in memo.items()}
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):  # another version's: start again
        return {}


def _remember(instance: dg.DagsterInstance, name: str, definition: str, n: int, last_row: int | None) -> None:
    if hasattr(instance.run_storage, "set_cursor_values"):
        memo = _remembered(instance, name)
        if list(memo.items())[-1:] == [(definition, (n, last_row))]:
            return  # already the newest
        memo.pop(definition, None)
        memo[definition] = (n, last_row)  # newest last
        kept = dict(list(memo.items())[-MEMO_IDS:])
        instance.run_storage.set_cursor_values({_memo(name): json.dumps(kept)})


def partitions_loader(instance: dg.DagsterInstance) -> KeysOnceLoader:
    return KeysOnceLoader(instance)


# Dagster forbids newlines in partition keys, so one newline-joined string splits back exactly.
_KEYS_IN_ORDER = (
    "SELECT string_agg(partition, E'\\n' ORDER BY id), max(id) FROM dynamic_partitions"
    " WHERE partitions_def_name = :name"
)
# Row ids only grow, so the first n rows are still the ones hashed while n rows lie at or below
# the n-th one's id: a deleted key lowers the count, a new key lands above it.
_ROWS_UP_TO = "SELECT count(*) FROM dynamic_partitions WHERE partitions_def_name = :name AND id <= :last"
_ROW_ID_OF = "SELECT id FROM dynamic_partitions WHERE partitions_def_name = :name ORDER BY id OFFSET :skip LIMIT 1"
# Every key from the first of :keys to the last (a missing key is left out of the ends).
_KEYS_SPANNING = (
    "SELECT string_agg(partition, E'\\n' ORDER BY id) FROM dynamic_partitions"
    " WHERE partitions_def_name = :name AND id BETWEEN"
    " (SELECT min(id) FROM dynamic_partitions WHERE partitions_def_name = :name AND partition = ANY(:keys))"
    " AND (SELECT max(id) FROM dynamic_partitions WHERE partitions_def_name = :name AND partition = ANY(:keys))"
)


def _on_postgres(instance: dg.DagsterInstance, sql: str, **params):
    """The first row of ``sql`` on Dagster's own PostgreSQL tables; None on other storage (or
    when there is no row)."""
    import sqlalchemy as sa

    storage = instance.event_log_storage
    if hasattr(storage, "index_connection"):
        with storage.index_connection() as conn:
            if conn.dialect.name == "postgresql":
                return conn.execute(sa.text(sql), params).first()
    return None


def _split(joined: str | None) -> list[str]:
    """Keys that PostgreSQL joined with newlines, which Dagster forbids inside a key."""
    return joined.split("\n") if joined else []


def keys_between(
    instance: dg.DagsterInstance, start: str, end: str, loader: "KeysOnceLoader | None" = None
) -> list[str]:
    """The document keys from ``start`` to ``end`` in Dagster's order (a range run's), or none
    when either end is gone: on PostgreSQL only those rows are read; elsewhere every key
    (``loader``'s), then a slice."""
    row = _on_postgres(instance, _KEYS_SPANNING, name=documents.name, keys=[start, end])
    if row is not None:
        span = _split(row[0])
        return span if span[:1] == [start] and span[-1:] == [end] else []
    order = list((loader or partitions_loader(instance)).get_dynamic_partitions(documents.name))
    return order[order.index(start) : order.index(end) + 1] if start in order and end in order else []


def keys_spanning(instance: dg.DagsterInstance, keys: Sequence[str]) -> list[str]:
    """Every document key from the first of ``keys`` to the last, in Dagster's order: what
    planning range runs over ``keys`` needs (a range covers every key between its ends). On
    PostgreSQL only that span is read: a few rows for documents just registered, which come
    last; elsewhere every key."""
    if not keys:
        return []
    row = _on_postgres(instance, _KEYS_SPANNING, name=documents.name, keys=list(keys))
    return _split(row[0]) if row is not None else document_keys(instance)


def _keys_and_last_row(instance: dg.DagsterInstance, name: str) -> tuple[list[str], int | None]:
    row = _on_postgres(instance, _KEYS_IN_ORDER, name=name)
    if row is None:
        return list(instance.get_dynamic_partitions(name)), None
    return _split(row[0]), row[1]


def _rows_up_to(instance: dg.DagsterInstance, name: str, last_row: int) -> int | None:
    row = _on_postgres(instance, _ROWS_UP_TO, name=name, last=last_row)
    return None if row is None else row[0]


def _row_id_of(instance: dg.DagsterInstance, name: str, n: int) -> int | None:
    row = _on_postgres(instance, _ROW_ID_OF, name=name, skip=n - 1)
    return None if row is None else row[0]


def document_keys(instance: dg.DagsterInstance, partitions_def_name: str = documents.name) -> list[str]:
    """Every key of a dynamic partitions definition, in Dagster's order: what
    ``instance.get_dynamic_partitions`` returns. On PostgreSQL the database joins them into one
    string: 500,000 keys in 0.5 s on 2 cores, against 2.5 s read row by row through Dagster.
    Reads Dagster's ``dynamic_partitions`` table (``tests/test_dagster_private_api.py`` checks
    the answer against Dagster's own)."""
    return _keys_and_last_row(instance, partitions_def_name)[0]


def status_subsets(instance: dg.DagsterInstance, stage: str, loader=None) -> tuple[set[str], set[str], set[str]]:
    """(materialized, failed, in progress) keys of ``stage`` from Dagster's asset status cache,
    without listing every document: what whole-corpus counts need at 500,000 documents.
    ``get_status_by_partition`` reads the same cache but wants every key and builds a map of
    them; the cache itself is only reachable through Dagster's ``partition_status_cache`` module
    (``tests/test_dagster_private_api.py`` fails loudly if an upgrade moves it)."""
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    loader = loader or partitions_loader(instance)
    loader.prefer(documents.name, loader.stored_id(stage))
    value = _current_cache(instance, stage, loader) or get_and_update_asset_status_cache_value(
        instance, dg.AssetKey(stage), documents, dynamic_partitions_loader=loader, loading_context=loader.records
    )
    if value is None:
        return set(), set(), set()
    return (
        set(value.deserialize_materialized_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_failed_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_in_progress_partition_subsets(documents).get_partition_keys()),
    )


def _current_cache(instance: dg.DagsterInstance, stage: str, loader: KeysOnceLoader):
    """``stage``'s stored status cache when no event has come since it was built (no newer
    materialization or planned one, nothing in progress), over the same keys; else None.
    Dagster's update would then rebuild the same value, deserializing and re-serializing every
    subset: 0.2 s of ``status`` at 100,000 materialized documents. The test is the one its
    ``_build_status_cache`` makes before it reads any new event."""
    from dagster._core.storage.partition_status_cache import get_last_planned_storage_id

    record = AssetRecord.blocking_get(loader.records, dg.AssetKey(stage))
    cache = record.asset_entry.cached_status if record else None
    if cache is None or cache.earliest_in_progress_materialization_event_id is not None:
        return None
    planned = get_last_planned_storage_id(instance, dg.AssetKey(stage), record)
    latest = max(record.asset_entry.last_materialization_storage_id or 0, planned or 0)
    with partition_loading_context(None, loader):
        same_keys = cache.partitions_def_id == documents.get_serializable_unique_identifier()
    return cache if same_keys and cache.latest_storage_id == latest else None
