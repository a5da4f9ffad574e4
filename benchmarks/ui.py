"""The Dagster UI, checked for real: a small batch (good and bad documents) materialized on a
fresh instance, the webserver started on it, the per-document facts read back through its
GraphQL API, and headless Chromium screenshots of the pages people look at.

    python -m benchmarks.ui [--out docs/ui]     # screenshots need Debian's chromium

``tests/test_ui_graphql.py`` runs the same batch and GraphQL queries and asserts on them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT, Settings

GOOD = ("submission_363.pdf", "multicolumn.pdf")
BAD = ("empty.pdf",)
STARTUP_S = 120

PARTITION_FACTS = """
query Facts($fused: [String!], $failed: [String!]) {
  fused: assetOrError(assetKey: {path: ["fused_document"]}) {
    ... on Asset { assetMaterializations(partitions: $fused) { partition metadataEntries { label __typename
      ... on MarkdownMetadataEntry { mdStr } ... on TextMetadataEntry { text } ... on IntMetadataEntry { intValue }
      ... on FloatMetadataEntry { floatValue } ... on PathMetadataEntry { path } } } }
  }
  source: assetOrError(assetKey: {path: ["source_pdf"]}) {
    ... on Asset { assetObservations(partitions: $failed) { partition metadataEntries { label
      ... on TextMetadataEntry { text } } } }
  }
  checks: assetCheckExecutions(assetKey: {path: ["ocr_spine"]}, checkName: "page_geometry_agrees", limit: 50) {
    partition status
  }
}
"""


def materialize_batch(data: Path, corpus: Path) -> dict:
    """Register and materialize the good and bad documents in one batch; their keys and runs."""
    from pdfpipe_assets.defs.operations import get_instance, materialize_documents, register

    settings = Settings(data)
    os.environ["PDFPIPE_DATA"] = str(data)
    os.environ.pop("DAGSTER_HOME", None)
    with get_instance(settings) as instance:
        keys = [e.key for e, _ in register(instance, settings, [corpus / n for n in GOOD + BAD])]
        materialize_documents(instance, keys, batch_size=8)
        runs = [r.run_id for r in instance.get_runs()]
    return {
        "good": keys[: len(GOOD)],
        "bad": keys[len(GOOD) :],
        "runs": runs,
        "dagster_home": os.environ["DAGSTER_HOME"],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def webserver(data: Path, dagster_home: str):
    """``dagster-webserver`` on the instance, on a free port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "PDFPIPE_DATA": str(data), "DAGSTER_HOME": dagster_home}
    cmd = [sys.executable, "-m", "dagster_webserver", "-m", "pdfpipe_assets.defs", "-h", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2).read()
                break
            except OSError:
                time.sleep(1)
        else:
            raise RuntimeError(f"dagster-webserver did not start (exit {proc.poll()})")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def graphql(url: str, query: str, variables: dict, timeout: float = 60) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    answer = json.loads(urllib.request.urlopen(request, timeout=timeout).read())
    if answer.get("errors"):
        raise RuntimeError(answer["errors"])
    return answer["data"]


def facts(url: str, batch: dict) -> dict:
    """Per-document facts as the UI shows them: fused metadata, failure observation, checks."""
    data = graphql(url, PARTITION_FACTS, {"fused": batch["good"], "failed": batch["bad"]})

    fields = ("mdStr", "text", "intValue", "floatValue", "path")

    def entries(event) -> dict:
        return {
            e["label"]: next((e[f] for f in fields if e.get(f) is not None), None) for e in event["metadataEntries"]
        }

    checks: dict = {}
    for execution in data["checks"]:  # newest first: each partition's latest status
        checks.setdefault(execution["partition"], execution["status"])
    return {
        "fused": {m["partition"]: entries(m) for m in data["fused"]["assetMaterializations"]},
        "failed": {o["partition"]: entries(o) for o in data["source"]["assetObservations"]},
        "checks": checks,
    }


def screenshot(url: str, out: Path) -> Path:
    """A headless Chromium screenshot of ``url`` once the UI has rendered."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("screenshots need Chromium: apt-get install chromium")
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1440,900"]
    args += ["--virtual-time-budget=15000", f"--screenshot={out}", url]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "ui")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="pdfpipe-ui-"))
    batch = materialize_batch(data, args.corpus)
    args.out.mkdir(parents=True, exist_ok=True)
    with webserver(data, batch["dagster_home"]) as url:
        print(json.dumps(facts(url, batch), indent=1)[:4000])
        good, bad = batch["good"][0], batch["bad"][0]
        pages = {
            "asset-graph.png": f"{url}/asset-groups/documents/lineage",
            "document-partition.png": f"{url}/assets/fused_document?view=partitions&partition={good}",
            "failed-partition.png": f"{url}/assets/source_pdf?view=events&partition={bad}",
            "run.png": f"{url}/runs/{batch['runs'][-1]}",
        }
        for name, page in pages.items():
            print(screenshot(page, args.out / name))
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
