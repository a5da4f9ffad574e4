"""Commands on a data dir that is brand new, or that an older pdfpipe made."""

import duckdb

from pdfpipe_assets.catalog import Registry
from pdfpipe_assets.cli import main


def test_status_on_a_fresh_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PDFPIPE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["status"]) == 0
    out, err = capsys.readouterr()
    assert "documents registered: 0" in out and "PreviewWarning" not in err
    assert (tmp_path / "data" / "inbox").is_dir()


def test_a_registry_without_the_refused_table_reads(tmp_path):
    path = tmp_path / "registry.duckdb"
    with duckdb.connect(str(path)) as con:  # the schema before inbox refusals were recorded
        con.execute(
            "CREATE TABLE documents (key VARCHAR PRIMARY KEY, source_path VARCHAR NOT NULL, file_name VARCHAR NOT NULL, "
            "sha256 VARCHAR NOT NULL UNIQUE, size_bytes BIGINT NOT NULL, registered_at TIMESTAMPTZ NOT NULL)"
        )
    registry = Registry(path)
    assert registry.refused() == (0, [])
    registry.refuse([("x.txt", "name does not end in .pdf")])  # a write adds the table
    total, rows = registry.refused()
    assert total == 1 and rows[0][:2] == ("x.txt", "name does not end in .pdf")
