"""The files that host the explorer: Dockerfile, Community Cloud's requirements, nginx, compose, Kubernetes, the Space.

No Docker daemon, cluster or Hub is reachable from a test run, so each file is checked for what a host relies on,
and run where this machine can run it: the health check against a real app, nginx in front of real replicas
(when Debian's nginx is installed), the Space's push script into a local repository.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import free_port, start_app, stop, wait_healthy  # noqa: E402
from scaleout import holder, local_nginx_conf, nginx_command  # noqa: E402

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None,
                                 reason="needs Debian's nginx (apt-get install -y nginx); .ci/run does not install it")


def pyproject_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {Requirement(line).name: Requirement(line) for line in project["dependencies"]}


def requirement_lines() -> list[str]:
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line]


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    rows = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(row.split(None, 1)[0].upper(), row.split(None, 1)[1] if " " in row else "") for row in rows]


def instructions(keyword: str) -> list[str]:
    return [arguments for name, arguments in dockerfile() if name == keyword]


def exec_form(arguments: str) -> list[str]:
    return json.loads(arguments[arguments.index("["):])


def torch_pin() -> Version:
    line = next(line for line in requirement_lines() if not line.startswith("-") and Requirement(line).name == "torch")
    (spec,) = Requirement(line).specifier
    return Version(spec.version)


# -- Streamlit Community Cloud ---------------------------------------------------------------

def test_requirements_ask_for_what_pyproject_asks_for():
    wanted = pyproject_requirements()
    given = {Requirement(line).name: Requirement(line) for line in requirement_lines() if not line.startswith("-")}
    assert set(given) == set(wanted), "requirements.txt and pyproject.toml list different packages"
    for name, requirement in given.items():
        if name == "torch":
            continue  # pinned to a CPU build, checked below
        assert requirement.specifier == wanted[name].specifier, f"{requirement}, but pyproject has {wanted[name]}"


def test_requirements_pin_a_cpu_torch_that_pyproject_allows():
    pin = torch_pin()
    assert pin.local == "cpu", "torch must be the CPU build (PyPI's Linux wheel is the CUDA one, several GB)"
    assert pyproject_requirements()["torch"].specifier.contains(pin, prereleases=False)
    assert f"--extra-index-url {CPU_INDEX}" in requirement_lines()


def test_packages_txt_installs_graphviz_for_the_server_side_layout():
    packages = (ROOT / "packages.txt").read_text().split()
    assert "graphviz" in packages


# -- the Dockerfile --------------------------------------------------------------------------

def test_dockerfile_runs_the_app_as_a_user_who_is_not_root():
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0"), "the container must not run as root"
    names = [name for name, _ in dockerfile()]
    assert names.index("CMD") > len(names) - 1 - names[::-1].index("USER"), "USER must come before CMD"


def test_dockerfile_installs_graphviz_and_cpu_torch_first():
    runs = instructions("RUN")
    assert any(re.search(r"apt-get install .*\bgraphviz\b", run) for run in runs)
    pip_runs = [run for run in runs if "pip install" in run]
    first = pip_runs[0]
    match = re.search(r"pip install torch==(\S+) --index-url (\S+)", first)
    assert match, f"the first pip install must be torch from the CPU index, not {first!r}"
    assert match.group(2) == CPU_INDEX
    assert Version(match.group(1)) == Version(torch_pin().base_version), "Dockerfile and requirements.txt differ"
    assert pyproject_requirements()["torch"].specifier.contains(match.group(1))


def test_dockerfile_health_check_and_command_use_the_exposed_port():
    (port,) = instructions("EXPOSE")
    health = exec_form(instructions("HEALTHCHECK")[0])
    command = exec_form(instructions("CMD")[0])
    assert f"127.0.0.1:{port}/_stcore/health" in " ".join(health)
    assert command[:2] == ["python", "app.py"] and f"--server.port={port}" in command
    assert "--server.address=0.0.0.0" in command, "inside a container the app must listen beyond loopback"


def test_dockerignore_lets_through_everything_the_image_copies():
    kept = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    copied = {source.rstrip("/") for arguments in instructions("COPY") for source in arguments.split()[:-1]}
    assert copied <= kept, f"copied but ignored: {sorted(copied - kept)}"


def test_the_image_copies_every_local_module_the_app_imports():
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse((ROOT / "app.py").read_text()))
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse((ROOT / "app.py").read_text()))
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    local = {name for name in imported if (ROOT / name).is_dir() or (ROOT / f"{name}.py").exists()}
    copied = {source.rstrip("/") for arguments in instructions("COPY") for source in arguments.split()[:-1]}
    assert local and local <= copied, f"app.py imports {sorted(local - copied)}, which the image lacks"


def test_the_image_serves_the_plots_plotly_bundle_with_its_licence():
    from explorer.draw.figure import PLOTLY_BUNDLE

    copied = {source.rstrip("/") for arguments in instructions("COPY") for source in arguments.split()[:-1]}
    assert {"assets", "static"} <= copied, "the plot's script (assets/) and its Plotly bundle (static/)"
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"], "Streamlit serves static/ at app/static/ only when asked"
    bundle = ROOT / "static" / PLOTLY_BUNDLE
    header = bundle.read_text()[:200]
    version = PLOTLY_BUNDLE.removeprefix("plotly-cartesian-").removesuffix(".min.js")
    assert f"plotly.js (cartesian - minified) v{version}" in header and "Licensed under the MIT license" in header
    assert "MIT License" in (ROOT / "static" / "plotly.js-LICENSE.txt").read_text()
    assert bundle.stat().st_size < 2_000_000, "the cartesian bundle, not the 4.7 MB full one"


def test_the_plot_in_the_page_and_the_downloaded_plot_use_the_same_plotly_js():
    # the page draws with the vendored bundle, and "Plot HTML" carries the same bundle inline; plotly.py writes the
    # figures' JSON for its own plotly.js: a plotly upgrade without a new bundle in static/ would draw differently
    import plotly.offline

    from explorer.draw.figure import PLOTLY_BUNDLE

    assert PLOTLY_BUNDLE == f"plotly-cartesian-{plotly.offline.get_plotlyjs_version()}.min.js"


def test_health_check_passes_on_a_running_app_and_fails_without_one():
    (port,) = instructions("EXPOSE")
    local = free_port()
    health = [part.replace(f":{port}/", f":{local}/") for part in exec_form(instructions("HEALTHCHECK")[0])]
    health[0] = sys.executable
    app = start_app(local)
    try:
        wait_healthy(f"http://127.0.0.1:{local}")
        assert subprocess.run(health, capture_output=True, timeout=30).returncode == 0
    finally:
        stop(app)
    assert subprocess.run(health, capture_output=True, timeout=30).returncode != 0


# -- .streamlit/config.toml: public settings -------------------------------------------------

def test_streamlit_config_is_fit_for_a_public_host():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server, client = config["server"], config["client"]
    assert server["enableXsrfProtection"] and server["enableCORS"]
    assert server["fileWatcherType"] == "none" and not server["runOnSave"]
    assert server["maxUploadSize"] <= 1 and server["maxMessageSize"] <= 50
    assert client["showErrorDetails"] == "none", "a visitor must not see tracebacks with the server's paths"
    assert client["toolbarMode"] == "viewer"


# -- nginx in front of replicas --------------------------------------------------------------

@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path):
    tmp_path.chmod(0o755)
    conf = local_nginx_conf(tmp_path, [free_port(), free_port()], free_port())
    checked = subprocess.run(nginx_command(conf, tmp_path, test=True), capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two real replicas behind nginx on loopback, as benchmarks/scaleout.py runs them."""
    tmp_path = tmp_path_factory.mktemp("nginx")
    tmp_path.chmod(0o755)  # nginx's workers are not root
    ports = [free_port(), free_port()]
    replicas = [start_app(port) for port in ports]
    front = free_port()
    nginx = subprocess.Popen(nginx_command(local_nginx_conf(tmp_path, ports, front), tmp_path),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for port in (*ports, front):
            wait_healthy(f"http://127.0.0.1:{port}")
        yield f"127.0.0.1:{front}", ports
    finally:
        for process in (nginx, *replicas):
            stop(process)


async def _replica_of(front: str, ports: list[int], route: str) -> int | None:
    """Open the page's websocket through nginx as a browser with this route cookie would; where it lands.

    The browser is on a public host name, not 127.0.0.1: Streamlit lets any loopback origin in, so only a
    real name shows whether nginx hands Streamlit the Host that the browser's Origin names.
    """
    from websockets.asyncio.client import connect

    port = int(front.rsplit(":", 1)[1])
    site = f"explorer.example.org:{port}"
    async with connect(f"ws://{site}/_stcore/stream", sock=socket.create_connection(("127.0.0.1", port)),
                       subprotocols=["streamlit"], origin=f"http://{site}",
                       additional_headers={"Cookie": f"explorer_route={route}"}, ping_interval=None):
        # the previous socket may take a moment to close on the replica's side: wait until one replica holds one
        for _ in range(50):
            await asyncio.sleep(0.1)
            if (replica := holder(ports)) is not None:
                return replica
        return None


@needs_nginx
def test_nginx_keeps_each_browser_on_one_replica_and_spreads_browsers_over_both(cluster):
    front, ports = cluster
    # the websocket is accepted: Streamlit saw the Host the browser's Origin names, port included
    landed = {route: {asyncio.run(_replica_of(front, ports, route)) for _ in range(3)} for route in "abcdefgh"}
    assert all(len(replicas) == 1 and None not in replicas for replicas in landed.values()), landed
    assert {replica for replicas in landed.values() for replica in replicas} == set(ports)


@needs_nginx
def test_nginx_gives_a_new_browser_its_route_cookie(cluster):
    import urllib.request

    front, _ = cluster
    with urllib.request.urlopen(f"http://{front}/", timeout=30) as answer:
        cookie = answer.headers.get("Set-Cookie", "")
    assert re.match(r"explorer_route=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax", cookie), cookie


async def _open_sessions(front: str, count: int, address: str) -> tuple[int, list[int]]:
    """Open ``count`` websockets at once from ``address`` and hold them; how many opened, and the refusals'
    HTTP statuses."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    host, port = front.rsplit(":", 1)
    opened, refused = [], []

    async def one() -> None:
        sock = socket.create_connection((host, int(port)), source_address=(address, 0))
        try:
            opened.append(await connect(f"ws://{front}/_stcore/stream", sock=sock, subprotocols=["streamlit"],
                                        ping_interval=None, open_timeout=60))
        except InvalidStatus as refusal:
            refused.append(refusal.response.status_code)

    await asyncio.gather(*(one() for _ in range(count)))
    for ws in opened:
        await ws.close()
    return len(opened), refused


def _statuses(front: str, count: int, address: str) -> list[int]:
    """``count`` requests for the health check, one after another on one connection from ``address``."""
    import http.client

    host, port = front.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(address, 0))
    statuses = []
    try:
        for _ in range(count):
            connection.request("GET", "/_stcore/health")
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
            if answer.getheader("Connection", "").lower() == "close":
                connection.close()
    finally:
        connection.close()
    return statuses


@needs_nginx
def test_nginx_refuses_one_addresss_flood_of_sessions_and_requests_and_serves_the_next_visitor(cluster):
    # loopback answers on all of 127.0.0.0/8: each address below is another visitor to nginx
    front, _ = cluster
    opened, refused = asyncio.run(_open_sessions(front, 80, "127.0.0.3"))
    assert opened <= 60 and refused and set(refused) == {429}, (opened, refused)
    flood = _statuses(front, 700, "127.0.0.3")
    assert flood.count(429) >= 100 and set(flood) == {200, 429}
    assert _statuses(front, 20, "127.0.0.4") == [200] * 20, "a visitor from another address is served"
    assert asyncio.run(_open_sessions(front, 3, "127.0.0.4")) == (3, []), "and opens their pages"


# -- compose and Kubernetes ------------------------------------------------------------------

def test_compose_runs_the_replicas_nginx_sends_to():
    yaml = pytest.importorskip("yaml", reason="needs PyYAML to read deploy/compose.yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    upstreams = re.findall(r"server (\w+):(\d+)", (ROOT / "deploy" / "nginx" / "nginx.conf").read_text())
    (exposed,) = instructions("EXPOSE")
    for name, port in upstreams:
        service = compose["services"][name]
        assert port == exposed and port in service["expose"]
        assert (ROOT / "deploy" / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == \
            ROOT / "Dockerfile"
    assert len(upstreams) >= 2
    nginx = compose["services"]["nginx"]
    assert "./nginx:/etc/nginx/explorer:ro" in nginx["volumes"]
    assert all(nginx["depends_on"][name]["condition"] == "service_healthy" for name, _ in upstreams)


def test_kubernetes_runs_replicas_with_health_probes_and_cookie_affinity():
    yaml = pytest.importorskip("yaml", reason="needs PyYAML to read deploy/kubernetes.yaml")
    documents = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text())}
    deployment, ingress = documents["Deployment"], documents["Ingress"]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"]
    (container,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/_stcore/health", "port": 8501}
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    for limit in ("limit-connections", "limit-rps"):  # per address, as deploy/nginx/limits.conf
        assert int(notes[f"nginx.ingress.kubernetes.io/{limit}"]) > 0


_APP_MIB = 1536  # the app's own process: Streamlit, the sessions, the bounded caches (kubernetes.yaml's comment)


def _mebibytes(quantity: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    return int(float(quantity[:-2]) * units[quantity[-2:]])


def test_kubernetes_gives_each_process_room_for_its_own_memory_limit_before_the_oom_killer():
    yaml = pytest.importorskip("yaml", reason="needs PyYAML to read deploy/kubernetes.yaml")
    from explorer.serve.pool import Limits
    from explorer.serve.sympy_worker import _MEMORY as sympy_bytes

    documents = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text())}
    (container,) = documents["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in container.get("env", [])}
    workers = int(env.get("EXPLORER_WORKERS", Limits.workers))
    worker_mib = int(env.get("EXPLORER_WORKER_MB", Limits.memory_mb))
    # each worker, and its dot (which inherits the worker's RLIMIT_DATA), and its sympy process
    needed = _APP_MIB + workers * (2 * worker_mib + sympy_bytes // 2**20)
    limits = container["resources"]["limits"]
    assert _mebibytes(limits["memory"]) >= needed, f"{limits['memory']} < {needed} Mi"
    assert float(limits["cpu"]) >= workers + 1, "a core per worker, and one for the app"


# -- the Hugging Face Space ------------------------------------------------------------------

def space_front_matter() -> dict[str, str]:
    text = (ROOT / "deploy" / "huggingface" / "README.md").read_text()
    block = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in block.strip().splitlines())


def test_space_readme_asks_the_hub_to_build_the_dockerfile_on_its_port():
    front = space_front_matter()
    assert front["sdk"] == "docker"
    assert [front["app_port"]] == instructions("EXPOSE")
    assert front["title"] and front["emoji"]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_space_push_sends_the_committed_app_with_the_space_readme(tmp_path):
    space = tmp_path / "space.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(space)], check=True)
    subprocess.run(["bash", str(ROOT / "deploy" / "huggingface" / "push.sh"), str(space)], check=True,
                   capture_output=True, timeout=120)
    files = subprocess.run(["git", "-C", str(space), "ls-tree", "-r", "--name-only", "main"], check=True,
                           capture_output=True, text=True).stdout.split()
    assert {"Dockerfile", "app.py", "requirements.txt", "pyproject.toml", "assets/graph.js"} <= set(files)
    assert not [name for name in files if name.endswith(".png")], "the Hub refuses binary files outside LFS"
    readme = subprocess.run(["git", "-C", str(space), "show", "main:README.md"], check=True, capture_output=True,
                            text=True).stdout
    assert readme == (ROOT / "deploy" / "huggingface" / "README.md").read_text()


def test_the_image_copies_the_shipped_decks_the_lessons_are_read_from():
    from explorer.content.decks import SHIPPED

    copied = {source.rstrip("/") for arguments in instructions("COPY") for source in arguments.split()[:-1]}
    assert SHIPPED.relative_to(ROOT).as_posix() in copied, "the lab's lessons are decks/lab.json"
