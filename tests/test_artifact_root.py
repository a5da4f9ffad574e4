"""The artifact root can move: no absolute path of it is stored in the registry, the stage
outputs, the fused document, the catalog or Dagster's event log, and the source PDFs are kept
under it, so a moved data directory (and deleted originals) still resolve."""

import shutil

import pytest

from pdfpipe_assets.cli import main
from pdfpipe_assets.defs.operations import get_instance, materialize_documents
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import PROJECT_ROOT, Settings
from pdfpipe_assets.stages import FUSED, SOURCE, STAGES, Workspace


def _files_mentioning(root, text: str) -> list[str]:
    needle = text.encode()
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_moved_data_dir_still_resolves(tmp_path, monkeypatch, capsys):
    pdfs, old, new = tmp_path / "pdfs", tmp_path / "old-data", tmp_path / "elsewhere" / "data"
    pdfs.mkdir()
    for name in ("submission_363.pdf", "ocr_test.pdf"):
        shutil.copyfile(PROJECT_ROOT / "samples" / name, pdfs / name)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("PDFPIPE_DATA", str(old))
    assert main(["run", str(pdfs)]) == 0
    ws = Workspace(Settings(old), load_profile())
    keys = ws.registry.keys()
    paper = next(k for k in keys if k.startswith("submission"))
    assert ws.registry.get(paper).source_path == old / "sources" / f"{paper}.pdf"
    assert ws.source(paper).file_name == "submission_363.pdf"
    assert '"file_name": "submission_363.pdf"' in ws.path(paper, FUSED).read_text()
    # nothing under the data dir names it (SQLite event log and run storage included)
    assert _files_mentioning(old, str(old)) == []
    assert _files_mentioning(old, str(pdfs)) == []

    shutil.move(old, new)
    shutil.rmtree(pdfs)  # the originals are gone: the sources kept under the root are enough
    monkeypatch.setenv("PDFPIPE_DATA", str(new))
    monkeypatch.delenv("DAGSTER_HOME")  # as a new shell would have it
    capsys.readouterr()
    assert main(["resume"]) == 0
    assert "0 of 2 documents have missing or failed stages" in capsys.readouterr().out
    assert main(["show", paper, "--overlay", "1", "--out", str(tmp_path / "p1.png")]) == 0
    assert (tmp_path / "p1.png").stat().st_size > 1000

    moved = Workspace(Settings(new), load_profile())
    assert moved.source(paper).path == str(new / "sources" / f"{paper}.pdf")
    with get_instance(moved.settings) as instance:  # every stage again, from the moved sources
        (outcome,) = materialize_documents(instance, [paper], 8, {paper: tuple(STAGES)})
        assert outcome.ok, outcome.message
    assert moved.read(paper, SOURCE, type(moved.source(paper))).path == f"sources/{paper}.pdf"
    assert main(["catalog", "--rebuild"]) == 0
    assert main(["search", "quantum dot resonance", "-k", "1"]) == 0
    assert "COHERENCE PROPERTIES" in capsys.readouterr().out


@pytest.mark.parametrize("root", ["shared-artifacts", None])
def test_the_profile_sets_the_artifact_root(tmp_path, root):
    profile = load_profile().model_copy(update={"artifact_root": root})
    ws = Workspace(Settings(tmp_path / "data"), profile)
    expected = (tmp_path / "data" / root) if root else tmp_path / "data"
    assert ws.settings.root == expected and ws.settings.documents_dir == expected / "documents"
    assert ws.registry.root == expected and ws.settings.registry_path.parent == tmp_path / "data"
    assert ws.settings.relative(expected / "documents" / "k" / "x.json") == "documents/k/x.json"
