"""Finding codes are a contract: documented once (advice/findings.toml), emitted as documented.

In the manner of datasette's tests/test_docs.py, these tests fail when the code and its
documentation drift apart, in both directions:

- emitted but not documented: two witnesses. (1) Every check the test suite runs is recorded and
  its findings are held to the catalogue after each test (tests/finding_codes.py): that sees codes
  however they are built (f-strings with an HTTP status, platform catalogue tables, gate refusal
  reasons). (2) The static scan below reads service/ for the codes written at the places findings
  are made (Finding(...), ctx.add, a container result's add, the gate's errors, yt-dlp's message
  table, the platform catalogue's rules and marker kinds), so a code on a path no test exercises
  is caught too.
- documented but never emitted: each documented code must be found in the source or the data
  files, either written out (a quoted literal beside its detail sentence, a catalogue `code`, a
  refusal reason) or produced by an f-string whose fixed parts match it (`rule_{...}`,
  `http_{...}`). A code removed from the source then fails here until its entry goes too.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import tomllib
from pathlib import Path

import pytest

from finding_codes import contract_problems
from veriflien.advice.catalogue import CatalogueError
from veriflien.advice.findings import (
    FINDINGS_PATH,
    label_findings,
    load_finding_codes,
    parse_finding_codes,
)
from veriflien.probes.page.evidence import MARKER_SUPPORT
from veriflien.result import Finding, Strength, Verdict

SERVICE = Path(__file__).resolve().parents[2] / "service" / "veriflien"
OPENAPI = SERVICE / "api" / "openapi.json"
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# Calls that make a finding, and the position of the code among their arguments.
_CODE_ARG = {
    "Finding": 1,
    "_finding": 0,
    "_explain": 0,
    "give_up": 1,
    "_p": 1,
    "ProbeFailed": 0,
    # the gate's and the URL parser's errors: their reason becomes the fetch probe's code
    "Unreachable": 0,
    "Refused": 0,
    "InvalidTarget": 0,
    "InvalidUrl": 0,
    "RefusedUrl": 0,
}
# Calls that name a finding's code by keyword: the container parsers' entry points.
_CODE_KEYWORD = {"probe_file": "malformed_code", "probe_manifest": "malformed_code"}
# Receivers of `.add(code, detail, ...)` that hold findings: the probe context takes the probe
# first, the media and page results take the code first (and so does a media result's
# `.nothing_plays(code, detail, strength)`).
_ADD_RECEIVERS = {"ctx": 1, "res": 0, "out": 0, "result": 0}
_ADD_METHODS = ("add", "nothing_plays")


def _sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text("utf-8"))) for path in sorted(SERVICE.rglob("*.py"))]


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_code(node: ast.Call) -> ast.AST | None:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _CODE_KEYWORD:
        return next((k.value for k in node.keywords if k.arg == _CODE_KEYWORD[func.id]), None)
    if isinstance(func, ast.Name) and func.id in _CODE_ARG:
        index = _CODE_ARG[func.id]
    elif (
        isinstance(func, ast.Attribute)
        and func.attr in _ADD_METHODS
        and isinstance(func.value, ast.Name)
        and func.value.id in _ADD_RECEIVERS
        and len(node.args) >= 2
    ):
        index = _ADD_RECEIVERS[func.value.id]
    else:
        return None
    if index < len(node.args):
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == "code"), None)


def _catalogue_codes() -> set[str]:
    """Codes the probes' data files write (any `code` key in a TOML file of platforms/, probes/
    or net/: the platform catalogue's states and oEmbed rules, and any table that moves there),
    and the codes the catalogue's marker kinds give. (messages/signals.toml's codes are message
    reasons, not findings.)"""
    codes: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("code"), str):
                codes.add(value["code"])
            for key, child in value.items():
                if key == "markers" and isinstance(child, dict):
                    codes.update(f"marker_{kind}" for kind in child)
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for folder in ("platforms", "probes", "net"):
        for path in sorted((SERVICE / folder).rglob("*.toml")):
            walk(tomllib.loads(path.read_text("utf-8")))
    return codes


def emitted_codes() -> dict[str, str]:
    """Every code written out where a finding is made: code -> where."""
    found: dict[str, str] = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            code = _literal(_call_code(node))
            if code is not None and _CODE.match(code):
                found.setdefault(code, f"{path.relative_to(SERVICE)}:{node.lineno}")
    for code in _catalogue_codes():
        found.setdefault(code, "platforms/platforms.toml")
    # The page analysis' own marker kinds (their verdict weights live in code).
    for kind in MARKER_SUPPORT:
        found.setdefault(f"marker_{kind}", "probes/page/evidence.py MARKER_SUPPORT")
    return found


def _sentence(node: ast.AST | None) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _sentence(node.left)
    text = _literal(node)
    return text is not None and " " in text.strip()


def written_evidence() -> tuple[set[str], list[re.Pattern[str]]]:
    """Codes the source writes out, and the f-string templates that build codes."""
    literals: set[str] = set(emitted_codes())
    templates: list[re.Pattern[str]] = []
    for _path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and len(node.elts) == 4:
                # (code, detail, supports, strength): the HLS analysis's outcome tables
                code = _literal(node.elts[0])
                if code is not None and _CODE.match(code):
                    literals.add(code)
            if isinstance(node, ast.Call | ast.Tuple):
                items = node.args if isinstance(node, ast.Call) else node.elts
                for first, second in itertools.pairwise(items):
                    code = _literal(first)
                    if code is not None and _CODE.match(code) and _sentence(second):
                        literals.add(code)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    code = _literal(key)
                    if code is not None and _CODE.match(code) and _sentence(value):
                        literals.add(code)
            if isinstance(node, ast.JoinedStr):
                # f"rule_{verdict.value}" -> rule_[a-z0-9_-]+. Only f-strings whose fixed part
                # reads like part of a code ("http_", "_unreachable") count: f"{a}_{b}" would
                # vouch for any code at all, and a sentence never matches one.
                fixed = "".join(_literal(v) or "" for v in node.values)
                if len(fixed.strip("_-")) >= 3 and re.fullmatch(r"[a-z0-9_-]+", fixed):
                    templates.append(
                        re.compile(
                            "".join(
                                re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9_-]+"
                                for v in node.values
                            )
                        )
                    )
    return literals, templates


def test_every_code_written_in_the_source_is_documented() -> None:
    catalogue = load_finding_codes()
    missing = {c: where for c, where in emitted_codes().items() if not catalogue.documents(c)}
    assert not missing, f"emitted but not in findings.toml: {missing}"


def test_every_documented_code_is_emitted_somewhere() -> None:
    catalogue = load_finding_codes()
    literals, templates = written_evidence()
    stale = []
    for code in catalogue.codes():
        shown = code.replace("{status}", "404")
        if code in literals or any(t.fullmatch(shown) for t in templates):
            continue
        stale.append(code)
    assert not stale, f"documented in findings.toml but emitted nowhere: {stale}"


def test_the_scan_sees_the_kinds_of_emission_it_claims_to() -> None:
    """The scan is only as good as its list of emitting calls: prove it on known codes."""
    emitted = emitted_codes()
    # a ctx.add literal, a container result's add, a helper, the gate, the catalogue, a marker
    for code in ("http_ok", "truncated_mdat", "moov_missing", "dns", "oembed_private"):
        assert code in emitted, code
    assert "marker_private" in emitted
    _literals, templates = written_evidence()
    assert any(t.fullmatch("rule_public") for t in templates)
    assert any(t.fullmatch("media_http_404") for t in templates)


def test_openapi_lists_exactly_the_documented_codes_and_probes() -> None:
    catalogue = load_finding_codes()
    schemas = json.loads(OPENAPI.read_text("utf-8"))["components"]["schemas"]
    alternatives = schemas["FindingCode"]["anyOf"]
    enum = next(a["enum"] for a in alternatives if "enum" in a)
    patterns = sorted(a["pattern"] for a in alternatives if "pattern" in a)
    assert enum == sorted(catalogue.exact), "regenerate FindingCode.enum from findings.toml"
    assert patterns == catalogue.code_regexes()
    assert schemas["ProbeName"]["enum"] == sorted(catalogue.probes)
    assert schemas["Finding"]["properties"]["code"] == {"$ref": "#/components/schemas/FindingCode"}
    assert schemas["Finding"]["properties"]["probe"] == {"$ref": "#/components/schemas/ProbeName"}
    assert schemas["ProgressEvent"]["properties"]["probe"] == {
        "$ref": "#/components/schemas/ProbeName"
    }


@pytest.mark.parametrize("code", ["http_429", "media_http_410", "oembed_http_500"])
def test_status_patterns_cover_any_status(code: str) -> None:
    found = load_finding_codes().lookup(code)
    assert found is not None
    assert found[1] == {"status": code.rsplit("_", 1)[1]}


def test_a_code_written_out_wins_over_a_pattern() -> None:
    catalogue = load_finding_codes()
    assert catalogue.words("http_404", "fr")[0] == "Page introuvable"
    assert catalogue.words("http_418", "fr")[0] == "Réponse inhabituelle du site (418)"


def test_findings_get_words_in_the_result_language_and_keep_their_detail() -> None:
    marker = Finding(
        "page",
        "marker_private",
        "The page contains the platform's 'private' marker 're:\"reason\"\\s*:\\s*\"private\"'.",
        Verdict.PRIVATE,
        Strength.STRONG,
    )
    [fr] = label_findings([marker], "fr")
    [en] = label_findings([marker], "en")
    assert fr.label == "Marquée privée"
    assert "privée" in (fr.explanation or "")
    assert en.label == "Marked private"
    assert fr.detail == marker.detail  # the technical detail stays, for the JSON and the sheet
    doc = fr.to_json()
    assert doc["label"] == "Marquée privée" and doc["detail"] == marker.detail


def test_an_undocumented_code_reads_as_a_plain_other_finding() -> None:
    [finding] = label_findings([Finding("page", "marker_newkind", "re:x\\s*y")], "fr")
    assert finding.label == "Autre constat technique"
    assert "\\s" not in (finding.explanation or "")


def test_the_contract_check_names_each_breach() -> None:
    problems = contract_problems(
        [
            Finding("page", "no_such_code", "x"),
            Finding("ytdlp", "http_ok", "x"),
            Finding("page", "login_wall", "x", Verdict.PUBLIC, Strength.WEAK),
        ]
    )
    assert len(problems) == 3
    assert any("no_such_code: not documented" in p for p in problems)
    assert any("probe 'ytdlp'" in p for p in problems)
    assert any("supports 'public'" in p for p in problems)


def _doc() -> dict:
    return tomllib.loads(FINDINGS_PATH.read_text("utf-8"))


def test_the_loader_refuses_a_regular_expression_in_what_people_read() -> None:
    doc = _doc()
    doc["finding"][0]["fr"]["detail"] = 'Le marqueur re:"reason"\\s*:\\s*"private" est présent.'
    with pytest.raises(CatalogueError, match="regular expression"):
        parse_finding_codes(doc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["finding"][0]["en"].pop("label"), "missing label"),
        (lambda d: d["finding"][0]["supports"].append("maybe"), "is not a verdict"),
        (lambda d: d["finding"][0]["probes"].append("nowhere"), "not listed under"),
        (lambda d: d["finding"].append(dict(d["finding"][0])), "listed twice"),
        (lambda d: d["finding"][0]["fr"].__setitem__("label", "Code {status}"), "placeholder"),
    ],
)
def test_the_loader_refuses_an_incomplete_entry(change, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    change(doc)
    with pytest.raises(CatalogueError, match=message):
        parse_finding_codes(doc)
