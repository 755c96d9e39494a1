"""Fixtures shared by the service tests that run `python -m veriflien` as a subprocess."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SERVICE_DIR = Path(__file__).resolve().parents[2] / "service"


@pytest.fixture
def cli_env(fake_platform) -> dict[str, str]:
    """The environment of a `veriflien` command pointed at the fake platform (no VERIFLIEN_*
    variable of the caller's leaks in), with a short check deadline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")}
    env.update(fake_platform.env())
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SERVICE_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    env["PYTHONIOENCODING"] = "utf-8"
    env["VERIFLIEN_CHECK_DEADLINE"] = "8"
    return env
