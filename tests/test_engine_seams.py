"""The engine seams: every profile validates, unknown kinds and missing extras are clear errors,
the asset pools follow the engine choice, and a second table engine plugs in beside the
layout model (pdfplumber: the worked example of adding an engine)."""

from pathlib import Path

import pytest

from pdfpipe_assets.contracts import LayoutOutput
from pdfpipe_assets.engines import registry
from pdfpipe_assets.engines.base import INTERFACES
from pdfpipe_assets.errors import EngineUnavailable
from pdfpipe_assets.profiles import ASSET_ENGINE, Profile, load_profile
from pdfpipe_assets.settings import CONFIG_DIR
from pdfpipe_assets.stages import ASSET_STAGES, LAYOUT, run_layout, run_renders, run_source, run_spine

from .conftest import register

PROFILES = sorted((CONFIG_DIR / "profiles").glob("*.yaml"))
BASE = {"name": "t", "pools": {"cpu": 1, "ocr": 1, "grobid": 1}}


@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_every_packaged_profile_validates(path: Path):
    profile = load_profile(path)
    assert {profile.asset_pool(a) for a in ASSET_ENGINE} <= set(profile.pools)
    assert profile.max_concurrent_runs * profile.threads_per_worker >= 1


def test_a_cluster_broker_comes_from_the_environment(monkeypatch):
    cluster = {"broker": "${PDFPIPE_T_BROKER:-pyamqp://guest@localhost//}", "queues": {"cpu": "q", "ocr": "q"}}
    monkeypatch.delenv("PDFPIPE_T_BROKER", raising=False)
    assert Profile.model_validate({**BASE, "cluster": cluster}).cluster.broker == "pyamqp://guest@localhost//"
    monkeypatch.setenv("PDFPIPE_T_BROKER", "redis://r:6379/0")
    assert Profile.model_validate({**BASE, "cluster": cluster}).cluster.broker == "redis://r:6379/0"
    with pytest.raises(ValueError, match=r"\$\{PDFPIPE_T_UNSET\} is not set"):
        Profile.model_validate({**BASE, "cluster": {**cluster, "broker": "pyamqp://${PDFPIPE_T_UNSET}@h//"}})


def test_every_registered_engine_implements_its_stage():
    for stage, kinds in registry.REGISTRY.items():
        for kind in kinds:
            cls = registry.engine_class(stage, kind)
            assert issubclass(cls, INTERFACES[stage]), (stage, kind)
            assert cls.Options.model_fields["kind"].default == kind


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown ocr engine kind 'surya'; known kinds: auto, tesseract, rapidocr"):
        Profile.model_validate({**BASE, "engines": {"ocr": "surya"}})
    with pytest.raises(EngineUnavailable, match="known kinds: embedded, grobid"):
        registry.engine_class("scholarly", "docling")


def test_typed_options_are_checked():
    with pytest.raises(ValueError, match="dpi"):
        Profile.model_validate({**BASE, "engines": {"render": {"kind": "pymupdf", "dpi": "high"}}})
    with pytest.raises(ValueError, match="extra"):
        Profile.model_validate({**BASE, "engines": {"ocr": {"kind": "tesseract", "langs": "eng"}}})


def test_missing_library_names_the_extra(monkeypatch):
    cls = registry.engine_class("tables", "pdfplumber")
    monkeypatch.setattr(cls, "requires", ("pdfplumber_not_installed",))
    with pytest.raises(EngineUnavailable, match=r"pip install 'pdfpipe\[pdfplumber\]'"):
        registry.check_available("tables", "pdfplumber")


def test_pools_follow_the_engine_choice():
    grobid = Profile.model_validate({**BASE, "engines": {"scholarly": {"kind": "grobid", "url": "http://x"}}})
    assert grobid.asset_pool("grobid_alignment") == "grobid"
    assert Profile.model_validate(BASE).asset_pool("grobid_alignment") == "cpu"  # embedded: CPU work
    moved = Profile.model_validate(
        {**BASE, "pools": {**BASE["pools"], "gpu-a": 2}, "engines": {"ocr": {"kind": "rapidocr", "pool": "gpu-a"}}}
    )
    assert moved.asset_pool("ocr_spine") == "gpu-a"
    with pytest.raises(ValueError, match="pools without a limit"):
        Profile.model_validate({**BASE, "engines": {"ocr": {"kind": "rapidocr", "pool": "nowhere"}}})


def test_extends_merges_blocks(tmp_path):
    fast = load_profile(CONFIG_DIR / "profiles" / "cpu-fast.yaml")
    assert fast.engines.layout.features == "text" and fast.engines.render.dpi == 150 and fast.pools["cpu"] == 2
    (tmp_path / "loop.yaml").write_text("extends: loop.yaml\nname: loop\n")
    with pytest.raises(ValueError, match="extends itself"):
        load_profile(tmp_path / "loop.yaml")


def test_code_versions_name_the_declared_engines(workspace):
    assert ASSET_STAGES[LAYOUT] == ("layout", "tables")
    workspace.profile.engines.tables = registry.engine_class("tables", "pdfplumber").Options()
    assert ":pdfplumber-1+" in workspace.code_version(LAYOUT)


@pytest.mark.corpus
def test_pdfplumber_tables_beside_the_pymupdf_layout_model(workspace):
    workspace.profile.engines.tables = registry.engine_class("tables", "pdfplumber").Options()
    key, rotated = register(workspace, "2305.03393v1-pg9.pdf", "nics-background-checks-2015-11-rotated.pdf")
    for k in (key, rotated):
        for stage in (run_source, run_renders, run_spine, run_layout):
            stage(workspace, k)
    layout = workspace.read(key, LAYOUT, LayoutOutput)
    assert "+pdfplumber" in layout.engine and any(r.label == "table" for r in layout.regions)
    (table,) = layout.tables
    assert (table.rows, table.cols) == (6, 6) and table.header_rows == 2  # "# dec-layers" spans both title rows
    assert any("TEDs" in c.text for c in table.cells)
    turned = workspace.read(rotated, LAYOUT, LayoutOutput)
    big = max(turned.tables, key=lambda t: t.rows)
    # pdfplumber on the upright page: the big grid (its rows counted after clean-up), inside the page
    assert big.rows >= 20 and big.bbox.x1 <= 612 and big.bbox.y1 <= 1008
