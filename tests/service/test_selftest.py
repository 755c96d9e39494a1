"""`veriflien selftest` against the fakes: every catalogue example gives its recorded verdict, the
report is kept where the service reads it, and /metrics, /readyz and the console's status endpoint
show it. A platform whose answers changed is reported, and the exit status says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakes.platform import FakePlatform
from veriflien import platforms, selftest
from veriflien.platforms import default_catalogue
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings


async def test_every_catalogue_example_still_gives_its_recorded_verdict(settings: Settings) -> None:
    platforms = selftest.selected(default_catalogue(), None)
    assert {p.id for p in platforms} >= {"youtube", "vimeo", "dailymotion", "tiktok", "x"}
    async with standalone_engine(settings) as engine:
        report = await selftest.run(engine, platforms)
    mismatches = [r for r in report.results if not r.match]
    assert not mismatches, mismatches
    assert report.ok and len(report.results) == sum(len(p.examples) for p in platforms)


def _cli(fake: FakePlatform, tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        **fake.env(),
        "VERIFLIEN_SELFTEST_FILE": str(tmp / "selftest.json"),
        "VERIFLIEN_CHECK_DEADLINE": "8",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "veriflien", "selftest", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=180,
        check=False,
    )


def test_cli_reports_per_platform_and_keeps_the_report(
    fake_platform: FakePlatform, tmp_path: Path
) -> None:
    done = _cli(fake_platform, tmp_path, "--platform", "youtube", "--platform", "vimeo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok  youtube: 4/4 as recorded" in done.stdout
    assert "ok  vimeo: 2/2 as recorded" in done.stdout
    kept = json.loads((tmp_path / "selftest.json").read_text())
    assert kept["ok"] is True and set(kept["platforms"]) == {"youtube", "vimeo"}


def test_a_changed_platform_fails_the_selftest(fake_platform: FakePlatform, tmp_path: Path) -> None:
    # A catalogue whose YouTube example expects another state: what a platform change looks like.
    source = (Path(platforms.__file__).parent / "platforms.toml").read_text(encoding="utf-8")
    changed = source.replace(
        'url = "https://www.youtube.com/watch?v=GJLlxj_dtq8"\nstate = "public"',
        'url = "https://www.youtube.com/watch?v=GJLlxj_dtq8"\nstate = "private"',
    )
    assert changed != source
    catalogue = tmp_path / "platforms.toml"
    catalogue.write_text(changed)
    done = _cli(
        fake_platform,
        tmp_path,
        "--platform",
        "youtube",
        "--json",
        VERIFLIEN_PLATFORMS_FILE=str(catalogue),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["platforms"] == {"youtube": False}
    bad = [r for r in report["results"] if not r["match"]]
    assert [(r["expected"], r["verdict"]) for r in bad] == [("private", "public")]


def test_unknown_platform_is_a_usage_error(fake_platform: FakePlatform, tmp_path: Path) -> None:
    done = _cli(fake_platform, tmp_path, "--platform", "myspace")
    assert done.returncode == 2
    assert "unknown platform: myspace" in done.stderr


async def test_service_shows_the_last_report(aiohttp_client: Any, settings: Settings, tmp_path):
    from veriflien.app import create_app

    path = tmp_path / "selftest.json"
    settings = settings.with_overrides(selftest_file=str(path))
    client = await aiohttp_client(create_app(settings))

    body = await (await client.get("/api/v1/selftest")).json()
    assert body == {"status": "not_run", "ran_at": None, "platforms": {}}

    report = selftest.Report(
        ran_at="2026-11-30T05:00:00Z",
        version="test",
        results=[
            selftest.ExampleResult("youtube", "https://www.youtube.com/watch?v=a", "public",
                                   "public", "2025-06"),
            selftest.ExampleResult("vimeo", "https://vimeo.com/1", "public", "unknown", "2023-10"),
        ],
    )  # fmt: skip
    path.write_text(json.dumps(report.to_json()))
    client.server.app[__import__("veriflien.appkeys").appkeys.SELFTEST]._read_at = -1e9

    status = await (await client.get("/api/v1/selftest")).json()
    assert status["platforms"] == {"youtube": "verified", "vimeo": "mismatch"}
    assert status["status"] == "degraded"
    assert "https://" not in json.dumps(status)  # the console gets no link, only platform ids

    ready = await client.get("/readyz")
    doc = await ready.json()
    assert doc["dependencies"]["selftest"] == "degraded"
    assert doc["unverified_platforms"] == ["vimeo"]
    assert ready.status == 503
    assert (await client.get("/readyz?degraded=ok")).status == 200

    metrics = await (await client.get("/metrics")).text()
    assert 'veriflien_selftest_match{platform="youtube"} 1.0' in metrics
    assert 'veriflien_selftest_match{platform="vimeo"} 0.0' in metrics
    assert "veriflien_selftest_age_seconds" in metrics


def test_examples_are_links_of_their_platform() -> None:
    catalogue = default_catalogue()
    for platform in catalogue.platforms:
        for example in platform.examples:
            assert catalogue.match(example.url) is platform
            assert platform.is_content(example.url), example.url
