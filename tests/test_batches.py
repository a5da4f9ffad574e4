"""A bad document inside a batched run costs nobody else."""

import functools

import dagster as dg
import pytest

from pdfpipe_assets.budget import stop_workers
from pdfpipe_assets.defs.batching import Batch, contiguous_batches
from pdfpipe_assets.defs.followup import failed_documents
from pdfpipe_assets.defs.operations import execute_batch, materialize_documents
from pdfpipe_assets.defs.partitions import documents
from pdfpipe_assets.defs.resources import PdfpipeResource
from pdfpipe_assets.defs.sensors import batch_followup_sensor
from pdfpipe_assets.stages import STAGES

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

NAMES = ["submission_363.pdf", "empty.pdf", "ocr_test.pdf", "corrupted.pdf", "multicolumn.pdf"]


def _status(instance, stage, keys):
    return instance.get_status_by_partition(dg.AssetKey(stage), keys, documents)


def test_batch_with_bad_documents_finishes_the_good_ones(workspace, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    keys = register(workspace, *NAMES)
    good = [keys[0], keys[2], keys[4]]
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        outcomes = {o.key: o for o in materialize_documents(instance, keys, batch_size=5)}
        fused = _status(instance, "fused_document", keys)
        source = _status(instance, "source_pdf", keys)
        runs = instance.get_runs()
    assert [k for k in keys if outcomes[k].ok] == good
    assert all(fused[k] == dg.AssetPartitionStatus.MATERIALIZED for k in good)
    assert source[keys[1]] == source[keys[3]] == dg.AssetPartitionStatus.FAILED
    assert "[empty] empty file" in outcomes[keys[1]].message
    assert "[not_pdf] not a PDF" in outcomes[keys[3]].message
    # one batch run, then follow-ups over the contiguous good ranges, only for missing stages
    assert len(runs) == 1 + 3
    first = runs[-1].tags  # its summary, as run tags the UI shows
    assert first["pdfpipe/summary_failed"] == "2" and first["pdfpipe/summary_documents"] == "0"
    assert sorted(first["pdfpipe/summary_failure_classes"].split(",")) == ["empty:1", "not_pdf:1"]
    assert sum(int(r.tags["pdfpipe/summary_documents"]) for r in runs) == len(good)
    assert all(workspace.path(k, "fused_document").exists() for k in good)


def test_followup_sensor_plans_the_missing_stages_of_the_good_documents(workspace, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    keys = register(workspace, *NAMES[:3])
    resource = PdfpipeResource(data_dir=str(workspace.settings.data_dir))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        result = execute_batch(instance, Batch(tuple(keys), tuple(STAGES)))
        assert not result.success
        assert set(failed_documents(result.all_events)) == {keys[1]}
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        with dg.build_run_status_sensor_context(
            sensor_name="batch_followup_sensor",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"pdfpipe": resource},
        ) as context:
            reads = []
            read_keys = dg.DagsterInstance.get_dynamic_partitions
            monkeypatch.setattr(
                dg.DagsterInstance, "get_dynamic_partitions", lambda *a: reads.append(1) or read_keys(*a)
            )
            requests = list(batch_followup_sensor(context.for_run_failure()))
    assert len(reads) == 1  # SQLite: every key read once, for the run's range and the plan
    # the good documents are not adjacent (the bad one sits between them): one range each
    assert [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"]) for r in requests
    ] == [(keys[0], keys[0]), (keys[2], keys[2])]
    for request in requests:
        assert [k.path[-1] for k in request.asset_selection] == STAGES_AFTER_SOURCE
        assert request.tags["pdfpipe/followup_depth"] == "1"


STAGES_AFTER_SOURCE = [s for s in STAGES if s != "source_pdf"]


def test_contiguous_batches_split_around_other_work():
    order = ["a", "b", "c", "d", "e"]
    work = {"a": ("x",), "b": ("x",), "d": ("x",), "e": ("y",)}
    assert contiguous_batches(order, work, 8) == [
        Batch(("a", "b"), ("x",)),
        Batch(("d",), ("x",)),
        Batch(("e",), ("y",)),
    ]
    assert [b.keys for b in contiguous_batches(order, {k: ("x",) for k in order}, 2)] == [
        ("a", "b"),
        ("c", "d"),
        ("e",),
    ]


def test_an_engine_crash_fails_only_its_document(workspace, monkeypatch, request):
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    keys = register(workspace, "submission_363.pdf", "ocr_test.pdf")
    from pdfpipe_assets.engines.pymupdf_layout import PyMuPDFLayout

    real = PyMuPDFLayout.detect_with_tables

    @functools.wraps(real)  # the budget worker calls the method by name
    def flaky(self, pages):
        if "ocr-test" in str(pages[0].pdf):  # the key names the kept source
            raise RuntimeError("MuPDF fell over")
        return real(self, pages)

    monkeypatch.setattr(PyMuPDFLayout, "detect_with_tables", flaky)
    stop_workers()  # the budget worker forked before the patch would not see it
    request.addfinalizer(stop_workers)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        outcomes = {o.key: o for o in materialize_documents(instance, keys, batch_size=2)}
        tables = _status(instance, "layout_tables", keys)
    assert outcomes[keys[0]].ok and not outcomes[keys[1]].ok
    assert "[engine_error] layout and table finding failed: RuntimeError: MuPDF fell over" in outcomes[keys[1]].message
    assert tables[keys[1]] == dg.AssetPartitionStatus.FAILED


def test_each_document_shows_its_own_check_status_and_failure(workspace, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    keys = register(workspace, "submission_363.pdf", "multicolumn.pdf", "empty.pdf")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        materialize_documents(instance, keys[:2], batch_size=5)  # one range run: the check sees both
        (run,) = instance.get_runs()
        evaluations = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        by_partition = {
            r.event_log_entry.dagster_event.event_specific_data.partition: r.event_log_entry.dagster_event
            for r in evaluations.records
        }
        materialize_documents(instance, keys[2:], batch_size=5)
        (observed,) = instance.fetch_observations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("source_pdf"), asset_partitions=[keys[2]]), limit=1
        ).records
    assert {k for k in by_partition if k} == set(keys[:2])
    assert all(by_partition[k].event_specific_data.passed for k in keys[:2])
    metadata = observed.asset_observation.metadata
    assert metadata["failure_class"].value == "empty" and "empty file" in metadata["failure_message"].value
