"""deploy/: the compose file, the Dockerfile and the nginx config say what deploy/README.md says.

No container engine runs here, so these tests read the files: the compose file as YAML, the
Dockerfile instruction by instruction. The image's health check command is run for real
against a running app.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from lrs.app import create_app
from lrs.settings import Settings
from lrs.statements import schema

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


# --- compose --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def lrs_services(services: dict) -> dict:
    return {name: s for name, s in services.items() if s.get("build", {}).get("dockerfile") == "deploy/Dockerfile"}


def mongo_members(services: dict) -> dict:
    return {name: s for name, s in services.items() if "--replSet" in (s.get("command") or [])}


def test_compose_has_a_three_member_replica_set(services):
    members = mongo_members(services)
    assert len(members) == 3
    for service in members.values():
        command = service["command"]
        assert command[0] == "mongod"
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--bind_ip_all" in command
        assert service["image"].startswith("mongo:")
        assert service["volumes"], "each member keeps its data in a volume"
        assert service["healthcheck"]["test"]


def test_compose_initiates_the_replica_set_once_with_every_member(services):
    init = services["mongo-init"]
    assert init["restart"] == "no"
    assert set(init["depends_on"]) == set(mongo_members(services))
    assert all(d["condition"] == "service_healthy" for d in init["depends_on"].values())
    assert init["command"][0] == "mongosh"
    source, target, _ = init["volumes"][0].split(":")
    assert init["command"][init["command"].index("--file") + 1] == target
    script = (DEPLOY / source).read_text()
    assert "rs.initiate(" in script and '_id: "rs0"' in script
    assert set(re.findall(r'host: "([^"]+)"', script)) == {f"{m}:27017" for m in mongo_members(services)}
    assert "NotYetInitialized" in script  # a second run leaves an initiated set alone


def test_compose_runs_two_or_more_lrs_processes_on_the_replica_set(services):
    processes = lrs_services(services)
    assert len(processes) >= 2
    for service in processes.values():
        uri = urlsplit(service["environment"]["LRS_MONGODB_URI"])
        assert uri.scheme == "mongodb"
        assert set(uri.netloc.split(",")) == {f"{m}:27017" for m in mongo_members(services)}
        options = parse_qs(uri.query)
        assert options["replicaSet"] == ["rs0"] and options["w"] == ["majority"]
        assert service["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
        assert "ports" not in service, "LRS processes are reached through the load balancer only"
        grace = int(service["stop_grace_period"].rstrip("s"))
        assert grace > int(service["environment"]["LRS_SHUTDOWN_TIMEOUT"])


def test_compose_puts_a_load_balancer_in_front_of_every_lrs_process(services):
    balancer = services["lb"]
    assert balancer["image"].startswith("nginx:")
    published = [str(p) for p in balancer["ports"]]
    assert len(published) == 1 and published[0].endswith(":80")
    assert set(balancer["depends_on"]) == set(lrs_services(services))
    source, target, _ = balancer["volumes"][0].split(":")
    assert target == "/etc/nginx/nginx.conf"
    config = (DEPLOY / source).read_text()
    upstream = re.search(r"upstream lrs \{(.*?)\}", config, re.S).group(1)
    assert set(re.findall(r"server (\S+):8080", upstream)) == set(lrs_services(services))
    assert "proxy_pass http://lrs;" in config
    assert re.search(r"location = /metrics \{\s*return 404;", config)  # scraped per process


def test_the_balancer_takes_the_bodies_the_lrs_processes_take(services):
    config = (DEPLOY / "nginx.conf").read_text()
    balancer_mb = int(re.search(r"client_max_body_size (\d+)m;", config).group(1))
    default = Settings.from_env({}).max_body_mb
    for service in lrs_services(services).values():
        assert balancer_mb == int(service["environment"].get("LRS_MAX_BODY_MB", default))


def test_compose_file_paths_exist(services):
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), source
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()


# --- Dockerfile -----------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None


def parse_dockerfile(text: str) -> list[Stage]:
    logical, current = [], ""
    for line in text.splitlines():
        if not current and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip():
            logical.append(current.strip())
        current = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile((DEPLOY / "Dockerfile").read_text())


def test_dockerfile_builds_in_stages(stages):
    names = [s.name for s in stages]
    assert names == ["scorm-runtime", "python-build", "runtime"]
    scorm = stages[0]
    assert any("package-lock.json" in c for c in scorm.all("COPY"))
    assert any("npm ci" in r for r in scorm.all("RUN"))
    runtime = stages[-1]
    copied_from = {re.search(r"--from=(\S+)", c).group(1) for c in runtime.all("COPY") if "--from=" in c}
    assert copied_from == {"scorm-runtime", "python-build"}
    assert not any("npm" in r or "pip install" in r for r in runtime.all("RUN")), "no build tools at run time"


def test_dockerfile_runs_lrs_serve_as_a_non_root_user_on_all_interfaces(stages):
    runtime = stages[-1]
    user = runtime.last("USER")
    assert user and user.split(":")[0] not in ("root", "0")
    assert json.loads(runtime.last("ENTRYPOINT")) == ["lrs"]
    assert json.loads(runtime.last("CMD")) == ["serve"]
    environment = " ".join(runtime.all("ENV"))
    assert "LRS_HOST=0.0.0.0" in environment
    assert runtime.last("EXPOSE") == "8080"


def test_dockerfile_health_check_probes_health(stages):
    check = stages[-1].last("HEALTHCHECK")
    assert check and "--interval=" in check
    command = json.loads(check[check.index("CMD") + 3 :])
    assert any("/health" in part for part in command)


def test_image_keeps_schemas_beside_the_packages(stages):
    # The validator finds schemas/ two levels above its module; the image keeps the repository
    # layout under /app with an editable install, so /app/lrs/... finds /app/schemas.
    assert schema.SCHEMA_PATH.relative_to(REPO).parts[0] == "schemas"
    build = stages[1]
    assert build.last("WORKDIR") == "/app"
    sources = [shlex.split(c)[:-1] for c in build.all("COPY")]
    copied = {Path(s).name for group in sources for s in group}
    assert {"schemas", "lrs", "cmi5", "bridge", "console", "pyproject.toml"} <= copied
    assert any("pip install --editable" in r for r in build.all("RUN"))
    for name in copied:
        assert (REPO / name).exists(), name
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert not {"schemas", "lrs", "cmi5", "bridge", "console"} & set(ignored)


def test_build_context_leaves_out_everything_git_ignores():
    # A benchmark's .bench-data or a local .venv would otherwise be sent to every image build.
    def patterns(path: Path) -> set[str]:
        lines = [line.strip() for line in path.read_text().splitlines()]
        return {line.removeprefix("**/").rstrip("/") for line in lines if line and not line.startswith("#")}

    assert patterns(REPO / ".gitignore") <= patterns(DEPLOY / "Dockerfile.dockerignore")


async def test_the_image_health_check_command_passes_against_a_running_app(settings, aiohttp_server, stages):
    check = stages[-1].last("HEALTHCHECK")
    command = json.loads(check[check.index("CMD") + 3 :])
    assert command[0] == "python"
    server = await aiohttp_server(create_app(settings))

    def run(port: int) -> int:
        return subprocess.run(
            [sys.executable, *command[1:]], env={"LRS_PORT": str(port)}, capture_output=True, timeout=30
        ).returncode

    assert await asyncio.to_thread(run, server.port) == 0
    await server.close()
    assert await asyncio.to_thread(run, server.port) != 0
