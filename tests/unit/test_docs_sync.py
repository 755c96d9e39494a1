"""The README and the OpenAPI document cannot drift from the code: every setting, verdict, result
field and route the code has is documented, under the same name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import web

from veriflien.app import create_app, openapi_document
from veriflien.attestation import Signer
from veriflien.cli import _LABELS, _verdict_word
from veriflien.result import (
    CheckResult,
    Confidence,
    FetchedDocument,
    Finding,
    MediaInfo,
    Redirect,
    Strength,
    Verdict,
)
from veriflien.settings import SETTINGS, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README text under a '## ' or '### ' heading, up to the next heading of any level."""
    text = readme()
    match = re.search(rf"^#+ {re.escape(title)}\s*$(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|") or re.match(r"^\|[-|: ]+\|$", line):
            continue
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[1:]  # without the header row


def settings_rows() -> dict[str, list[str]]:
    rows = table_rows(section("Settings"))
    return {row[0].strip("`"): row for row in rows}


def sample_result() -> CheckResult:
    return CheckResult(
        url="https://videos.example.com/v",
        verdict=Verdict.PRIVATE,
        confidence=Confidence.HIGH,
        checked_at="2026-11-21T05:30:00Z",
        version="0",
        final_url="https://videos.example.com/v2",
        redirects=[Redirect("https://videos.example.com/v", 302)],
        platform={"id": "x", "name": "X"},
        media=MediaInfo("mp4", True, 10.0, 10.0, 100, 50),
        findings=[Finding("page", "private", "Private.", Verdict.PRIVATE, Strength.STRONG)],
        documents=[
            FetchedDocument("https://videos.example.com/v2", 200, "text/html", "a" * 64, "")
        ],
        server_address="203.0.113.7",
    )


def signed_sample() -> dict:
    """The sample as every answer carries it: with its attestation (attestation.py)."""
    return Signer.from_settings(Settings().with_overrides()).sign(sample_result().to_json())


def schema(name: str) -> dict:
    return openapi_document()["components"]["schemas"][name]


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_readme_settings_table_lists_every_setting_with_its_env_var(setting) -> None:
    rows = settings_rows()
    assert setting.name in rows, f"README settings table lacks `{setting.name}`"
    assert rows[setting.name][1] == f"`{setting.env}`", (
        f"README row for `{setting.name}` should name `{setting.env}`"
    )


def _documented_default(setting) -> str:
    value = setting.default
    if isinstance(value, bool):
        return "true" if value else "false"  # as the environment variable is written
    if value in ("", []):
        return "(empty)"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


_TYPE_WORDS = {str: "text", int: "integer", float: "number", list: "list", bool: "boolean"}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_readme_settings_table_type_default_and_help_match(setting) -> None:
    row = settings_rows().get(setting.name)
    if row is None:
        pytest.skip("reported by the test above")
    assert len(row) == 5, row
    assert row[2] == _TYPE_WORDS[setting.type], f"type of `{setting.name}`"
    assert row[3] == f"`{_documented_default(setting)}`", f"default of `{setting.name}`"
    assert row[4] == setting.help, f"help of `{setting.name}`"


def test_readme_settings_table_has_no_unknown_setting() -> None:
    known = {s.name for s in SETTINGS}
    extra = sorted(set(settings_rows()) - known)
    assert extra == [], f"README documents settings that do not exist: {extra}"


def test_settings_table_and_dataclass_agree() -> None:
    from dataclasses import fields

    assert [f.name for f in fields(Settings)] == [s.name for s in SETTINGS]


# --- verdicts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", list(Verdict), ids=str)
def test_readme_lists_every_verdict(verdict: Verdict) -> None:
    rows = {row[0]: row for row in table_rows(section("The result document"))}
    verdict_row = rows.get("`verdict`")
    assert verdict_row, "README result table has no `verdict` row"
    assert f"`{verdict.value}`" in verdict_row[1], f"README does not list verdict {verdict.value}"


def test_openapi_verdict_enum_is_the_verdict_enum() -> None:
    assert schema("Verdict")["enum"] == [v.value for v in Verdict]


@pytest.mark.parametrize("lang", sorted(_LABELS))
def test_cli_has_a_label_for_every_verdict_and_confidence(lang: str) -> None:
    missing = [c.value for c in Confidence if c.value not in _LABELS[lang]]
    assert missing == []
    # Verdict names: the texts catalogue's labels, the words the console and extension show.
    assert all(_verdict_word(lang, v.value).strip() for v in Verdict)


# --- result fields ------------------------------------------------------------------------------


def test_every_result_field_is_in_the_openapi_schema() -> None:
    properties = schema("CheckResult")["properties"]
    missing = [key for key in signed_sample() if key not in properties]
    assert missing == [], f"CheckResult fields missing from openapi.json: {missing}"


def test_every_openapi_result_property_is_produced() -> None:
    produced = set(signed_sample())
    ghosts = sorted(set(schema("CheckResult")["properties"]) - produced)
    assert ghosts == [], f"openapi.json documents fields the service never sends: {ghosts}"
    required = set(schema("CheckResult").get("required", []))
    assert required <= produced


@pytest.mark.parametrize("field", list(signed_sample()))
def test_every_result_field_is_in_the_readme_result_table(field: str) -> None:
    documented = " ".join(row[0] for row in table_rows(section("The result document")))
    assert f"`{field}`" in documented, f"README result table lacks `{field}`"


@pytest.mark.parametrize(
    ("name", "doc"),
    [
        ("Media", MediaInfo("mp4", True, 10.0, 5.0, 100, 50).to_json()),
        ("Redirect", Redirect("https://a.example/", 301).to_json()),
        ("Document", FetchedDocument("https://a.example/", 200, "text/html", None, None).to_json()),
        (
            "Finding",
            Finding("p", "c", "d", Verdict.PUBLIC, Strength.WEAK, "label", "explanation").to_json(),
        ),
        ("Attestation", signed_sample()["attestation"]),
    ],
)
def test_nested_objects_match_their_openapi_schema(name: str, doc: dict) -> None:
    properties = set(schema(name)["properties"])
    assert set(doc) == properties, f"{name}: code {sorted(doc)} vs openapi {sorted(properties)}"


# --- routes -------------------------------------------------------------------------------------


def _routes() -> set[tuple[str, str]]:
    app = create_app(Settings().with_overrides())
    routes = set()
    for route in app.router.routes():
        if isinstance(route.resource, web.StaticResource) or route.method == "HEAD":
            continue
        routes.add((route.method.lower(), route.resource.canonical))
    return routes


@pytest.mark.parametrize(("method", "path"), sorted(_routes()))
def test_every_route_is_in_the_openapi_paths(method: str, path: str) -> None:
    paths = openapi_document()["paths"]
    assert path in paths, f"route {path} is not in openapi.json"
    assert method in paths[path], f"{method.upper()} {path} is not in openapi.json"


def test_every_openapi_operation_is_a_route() -> None:
    documented = {
        (method, path)
        for path, operations in openapi_document()["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented - _routes() == set()


@pytest.mark.parametrize(("method", "path"), sorted(_routes()))
def test_every_route_is_in_the_readme(method: str, path: str) -> None:
    assert f"{method.upper()} {path}" in readme(), f"README does not mention {method} {path}"


# --- SECURITY.md --------------------------------------------------------------------------------


def test_every_test_security_md_cites_exists() -> None:
    """SECURITY.md names the test that proves each defence: a renamed or deleted test must not
    leave the document pointing at nothing."""
    root = README.parent
    text = (root / "SECURITY.md").read_text(encoding="utf-8")
    names = re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", text)
    cited = {name for name in names if not name.endswith("_")}  # not globs like test_gate_*.py
    defined = set()
    for path in (root / "tests").rglob("test_*.py"):
        defined |= set(re.findall(r"^(?:async )?def (test_[a-z0-9_]+)", path.read_text(), re.M))
    assert cited, "SECURITY.md cites no test"
    assert sorted(cited - defined) == []
