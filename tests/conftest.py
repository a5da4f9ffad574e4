"""Shared fixtures: the corpus beside the repo, a fresh workspace per test, and helpers.

Tests that read the corpus are marked ``corpus``; without a corpus they are skipped, with one
line in the header that says how to point ``PDFPIPE_CORPUS`` at one.  The rest still runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import Workspace

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PDFPIPE_CORPUS", REPO.parent / "shared" / "corpus"))

HAVE_CORPUS = CORPUS.is_dir()
NO_CORPUS = f"no test corpus at {CORPUS}: set PDFPIPE_CORPUS=/path/to/corpus to run the corpus tests"


def pytest_report_header(config) -> str | None:
    return None if HAVE_CORPUS else f"SKIPPING corpus tests: {NO_CORPUS}"


def pytest_collection_modifyitems(config, items) -> None:
    if HAVE_CORPUS:
        return
    skip = pytest.mark.skip(reason=NO_CORPUS)
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _restore_dagster_home():
    """pdfpipe sets $DAGSTER_HOME for its own process when it was unset; undo that after each test,
    so that a later test never inherits a removed temporary instance."""
    before = os.environ.get("DAGSTER_HOME")
    yield
    if before is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = before


def corpus(name: str) -> Path:
    return CORPUS / name


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def recall(expected: str, got: str) -> float:
    """Share of the expected words (with multiplicity) found in ``got``."""
    want = words_of(expected)
    have: dict[str, int] = {}
    for w in words_of(got):
        have[w] = have.get(w, 0) + 1
    hit = 0
    for w in want:
        if have.get(w, 0) > 0:
            have[w] -= 1
            hit += 1
    return hit / len(want) if want else 1.0


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(Settings(tmp_path / "data"), load_profile())


def register(ws: Workspace, *names: str) -> list[str]:
    return [entry.key for entry, _ in ws.registry.register([corpus(n) for n in names])]


def cli(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``pdfpipe ARGS`` in a fresh process with ``env``, output captured."""
    from pdfpipe_assets.settings import PROJECT_ROOT

    return subprocess.run(
        [sys.executable, "-m", "pdfpipe_assets.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


TEST_POSTGRES = os.environ.get("PDFPIPE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def postgres_url(name: str) -> str | None:
    """A fresh database ``name`` on the local PostgreSQL server, or None where there is none."""
    from pdfpipe_assets.defs.operations import fresh_postgres_database

    try:
        return fresh_postgres_database(TEST_POSTGRES, name)
    except Exception:  # no server here
        return None


@pytest.fixture
def pool_home(tmp_path: Path, monkeypatch) -> Path:
    """$DAGSTER_HOME of an instance on PostgreSQL when the machine has one (the storage a
    deployment uses for pools), else on SQLite."""
    from pdfpipe_assets.defs.operations import instance_config

    url = postgres_url("pdfpipe_test_pools")
    if url:
        monkeypatch.setenv("PDFPIPE_POSTGRES_URL", url)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_config(load_profile()))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home
