"""The Docker deployment in ``deploy/``, validated without a Docker engine (none runs here):
the compose file's services, variables and mounts; the instance file loaded by Dagster itself
against a real PostgreSQL; the workspace pointing at the code server; the entry points."""

import importlib
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from pdfpipe_assets.settings import PROJECT_ROOT

from .conftest import TEST_POSTGRES, postgres_url

DEPLOY = PROJECT_ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())


def env_example() -> dict[str, str]:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_services_variables_and_mounts():
    spec = compose()
    services = spec["services"]
    assert set(services) == {
        *("postgres", "user_code", "webserver", "daemon", "grobid", "vllm"),
        *("rabbitmq", "worker_cpu", "worker_ocr"),
    }
    used = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "docker-compose.yaml").read_text()))
    assert used <= set(env_example()), f"undefined: {used - set(env_example())}"
    for name in ("user_code", "webserver", "daemon"):
        assert services[name]["image"] == "${PDFPIPE_IMAGE}" and "pdfpipe-data:/data" in services[name]["volumes"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in services["daemon"]["volumes"]  # it starts runs
    assert services["grobid"]["profiles"] == ["grobid"] and services["vllm"]["profiles"] == ["vlm"]
    (gpu,) = services["vllm"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpu["capabilities"] == ["gpu"]
    assert services["user_code"]["command"][-2:] == ["-m", "pdfpipe_assets.defs"]
    profile = Path(env_example()["PDFPIPE_PROFILE"].replace("/opt/pdfpipe", str(PROJECT_ROOT)))
    assert profile.is_file()


def test_cluster_workers_serve_the_queues_of_the_cluster_profile(monkeypatch):
    """Each worker service serves one class's queue of the profile the cluster runs with, with
    that node's slots; every pool's queue has a worker; the broker comes from the .env file."""
    from pdfpipe_assets.profiles import load_profile

    services = compose()["services"]
    monkeypatch.setenv("PDFPIPE_BROKER_URL", env_example()["PDFPIPE_BROKER_URL"])
    profile = load_profile(PROJECT_ROOT / "resources" / "cluster-docker.yaml")
    assert profile.cluster is not None and profile.cluster.broker == env_example()["PDFPIPE_BROKER_URL"]
    served = set()
    for name in ("worker_cpu", "worker_ocr"):
        service = services[name]
        assert service["profiles"] == ["cluster"] and "rabbitmq" in service["depends_on"]
        command = service["command"]
        assert command[:2] == ["pdfpipe", "worker"]
        node, queue = command[command.index("--node") + 1], command[command.index("--queue") + 1]
        assert profile.cluster.nodes[node][queue] >= 1
        served.add(queue)
    assert set(profile.cluster.queues.values()) == served
    assert "rabbitmq" in profile.cluster.broker.split("@")[-1]  # the compose service's name
    instance = (DEPLOY / "dagster.yaml").read_text()
    assert "PDFPIPE_BROKER_URL" in instance  # run containers get the broker too
    assert "celery" in re.search(r'pip install [^\n]*"\.\[([^]]+)\]"', (DEPLOY / "Dockerfile").read_text())[1]


def test_workspace_points_at_the_code_server():
    (location,) = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"]
    server = location["grpc_server"]
    command = compose()["services"][server["host"]]["command"]
    assert command[command.index("-p") + 1] == str(server["port"])


def test_dockerfile_copies_what_exists():
    text = (DEPLOY / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", text, flags=re.M):
        for source in sources.split():
            assert (PROJECT_ROOT / source).exists(), source


def test_instance_file_loads_in_dagster_against_postgres(tmp_path, monkeypatch):
    """Dagster reads deploy/dagster.yaml as the containers would, with storage on a real
    PostgreSQL (a fresh database) and the Docker run launcher."""
    import dagster as dg

    url = postgres_url("pdfpipe_deploy_test")
    if url is None:
        pytest.skip(f"no PostgreSQL at {TEST_POSTGRES}")
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    for var, value in {
        "DAGSTER_POSTGRES_HOST": parts.hostname,
        "DAGSTER_POSTGRES_USER": parts.username,
        "DAGSTER_POSTGRES_PASSWORD": parts.password or "",
        "DAGSTER_POSTGRES_DB": parts.path.lstrip("/"),
        "PDFPIPE_IMAGE": "pdfpipe:latest",
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_launcher).__name__ == "DockerRunLauncher"
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.get_runs_count() == 0


@pytest.mark.parametrize("module", ["pdfpipe_assets.defs", "dagster_webserver", "dagster_postgres", "dagster_docker"])
def test_the_images_entry_points_import(module):
    importlib.import_module(module)


def test_the_images_commands_exist():
    bin_dir = Path(sys.executable).parent
    for command in ("dagster", "dagster-webserver", "dagster-daemon"):
        assert shutil.which(command, path=str(bin_dir)), command
