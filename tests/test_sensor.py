"""inbox_sensor registers each new PDF once, ignores junk and links, waits for unfinished files."""

import os
import shutil
import time

import dagster as dg
import pytest

from pdfpipe_assets.catalog import inbox as inbox_module
from pdfpipe_assets.catalog.inbox import InboxCursor, scan_inbox
from pdfpipe_assets.defs.batching import wave_batches
from pdfpipe_assets.defs.resources import PdfpipeResource
from pdfpipe_assets.defs.sensors import inbox_sensor
from pdfpipe_assets.settings import DEFAULT_PROFILE

from .conftest import corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


@pytest.fixture
def inbox(workspace, monkeypatch):
    monkeypatch.setenv("PDFPIPE_INBOX", str(workspace.settings.data_dir / "inbox"))
    folder = workspace.settings.inbox_dir
    folder.mkdir(parents=True)
    return folder


def _tick(instance, resource, cursor):
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"pdfpipe": resource}) as context:
        return inbox_sensor(context)


def test_sensor_registers_new_files_once(workspace, inbox, monkeypatch, tmp_path):
    monkeypatch.setattr(inbox_module, "SETTLE_S", 0)
    resource = PdfpipeResource(data_dir=str(workspace.settings.data_dir), profile_path=str(DEFAULT_PROFILE))
    shutil.copyfile(corpus("ocr_test.pdf"), inbox / "scan one.pdf")
    shutil.copyfile(corpus("submission_363.pdf"), inbox / "paper.PDF")
    (inbox / "notes.txt").write_text("not a pdf")
    (inbox / ".partial.pdf").write_bytes(b"%PDF-1.4 half")
    outside = tmp_path / "outside.pdf"
    shutil.copyfile(corpus("multicolumn.pdf"), outside)
    os.symlink(outside, inbox / "link.pdf")

    with dg.instance_for_test() as instance:
        first = _tick(instance, resource, None)
        (added,) = first.dynamic_partitions_requests
        keys = sorted(added.partition_keys)
        assert len(keys) == 2 and keys[0].startswith("paper-") and keys[1].startswith("scan-one-")
        # two documents, two run slots in the cpu profile: one run each
        assert [r.partition_key for r in first.run_requests] == list(added.partition_keys)
        assert sorted(e.key for e in workspace.registry.all()) == keys  # no junk, no link
        assert not (inbox / "scan one.pdf").exists()  # registered: moved into sources/
        assert all(e.source_path.parent == workspace.settings.sources_dir for e in workspace.registry.all())

        again = _tick(instance, resource, first.cursor)
        assert not again.run_requests and again.skip_reason

        time.sleep(0.01)
        shutil.copyfile(corpus("ocr_test.pdf"), inbox / "same bytes.pdf")
        shutil.copyfile(corpus("ocr_test_rotated_270.pdf"), inbox / "new.pdf")
        third = _tick(instance, resource, first.cursor)
        assert [r.partition_key for r in third.run_requests] == [
            e.key for e in workspace.registry.all() if e.file_name == "new.pdf"
        ]
        assert not _tick(instance, resource, third.cursor).run_requests
    total, refused = workspace.registry.refused()
    reasons = {name: why for name, why, _ in refused}
    assert total == 4 and set(reasons) == {"notes.txt", ".partial.pdf", "link.pdf", "same bytes.pdf"}
    assert "symbolic link" in reasons["link.pdf"] and "hidden" in reasons[".partial.pdf"]
    assert reasons["same bytes.pdf"].startswith("same bytes as the registered document scan-one-")


def _simulated_slot_ends(batches, weights, runs):
    """The run queue: each batch goes to the slot that frees first; a batch costs its weight."""
    ends = [0] * runs
    for batch in batches:
        ends[ends.index(min(ends))] += sum(weights[k] for k in batch)
    return ends


def test_batches_come_in_waves_and_end_the_run_slots_together():
    weights = {f"doc{i}": w for i, w in enumerate([100, 1, 1, 1, 1, 1, 1, 1, 50, 50, 2, 2, 2, 30, 20])}
    batches = wave_batches(weights, size=8, runs=2)
    assert sorted(sum(batches, [])) == sorted(weights)  # every document once
    assert len(batches) == 4 and all(len(b) <= 8 for b in batches)
    loads = [sum(weights[k] for k in b) for b in batches]
    assert min(loads[:2]) > max(loads[2:])  # a lighter last wave
    ends = _simulated_slot_ends(batches, weights, 2)
    assert max(ends) - min(ends) <= 10, ends
    many = wave_batches({str(i): 1 for i in range(230)}, size=8, runs=2)
    assert len(many) == 30 and len(many) % 2 == 0 and all(len(b) <= 8 for b in many)
    assert [len(b) for b in many[-2:]] == [4, 4]  # the last wave, half the others
    assert wave_batches({"a": 5, "b": 1}, size=8, runs=2) == [["a"], ["b"]]


def test_a_file_still_being_written_waits(inbox):
    (inbox / "growing.pdf").write_bytes(b"%PDF-1.7\n")
    scan = scan_inbox(inbox, InboxCursor(), now=time.time())
    assert scan.ready == [] and scan.cursor == InboxCursor()
    scan = scan_inbox(inbox, InboxCursor(), now=time.time() + 5)
    assert [p.name for p in scan.ready] == ["growing.pdf"] and scan.cursor.names == ["growing.pdf"]


def test_resume_sensor_queues_what_is_missing_or_failed(workspace):
    from pdfpipe_assets.defs.batching import RANGE_END, RANGE_START
    from pdfpipe_assets.defs.sensors import resume_sensor
    from pdfpipe_assets.stages import STAGES

    resource = PdfpipeResource(data_dir=str(workspace.settings.data_dir), profile_path=str(DEFAULT_PROFILE))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", ["a", "b", "c"])
        for stage in STAGES:
            instance.report_runless_asset_event(dg.AssetMaterialization(stage, partition="a"))
        instance.report_runless_asset_event(dg.AssetMaterialization("source_pdf", partition="c"))
        with dg.build_sensor_context(instance=instance, resources={"pdfpipe": resource}) as context:
            result = resume_sensor(context)
        b, c = result.run_requests  # not a: each with the stages it misses
        assert (b.tags[RANGE_START], b.tags[RANGE_END], c.tags[RANGE_START]) == ("b", "b", "c")
        assert len(b.asset_selection) == len(STAGES) and len(c.asset_selection) == len(STAGES) - 1
        assert b.tags["pdfpipe/source"] == "resume"
        for key in ("b", "c"):
            for stage in STAGES:
                instance.report_runless_asset_event(dg.AssetMaterialization(stage, partition=key))
        with dg.build_sensor_context(instance=instance, resources={"pdfpipe": resource}) as context:
            done = resume_sensor(context)
        assert isinstance(done, dg.SkipReason) and "nothing to resume" in done.skip_message
