"""The finding codes as a contract, and the words a counsellor reads for each one.

`result.py` promises that finding codes are stable identifiers; this module is where they are
listed. The list is data (`findings.toml`, next to the advice texts) so that a helpline can reword
what its counsellors read without touching code, and so that the OpenAPI document, the console, the
extension and the evidence sheet all read one list. Each code says which probes write it and which
verdicts it may support; `tests/unit/test_finding_codes.py` holds the code to that list.

A finding's `detail` is a technical sentence in English, kept for the JSON and the evidence sheet
(it may quote a platform's marker, a regular expression or an HTTP status). What the person reads
in the console and the extension is the `label` and `explanation` added here, in the language of
the result: plain words, never a regular expression.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from veriflien.advice.catalogue import LANGS, CatalogueError
from veriflien.datafiles import read_data_file
from veriflien.result import Finding, Verdict

FINDINGS_PATH = Path(__file__).resolve().parent / "findings.toml"

#: What a placeholder in a code stands for. Only HTTP statuses vary inside a code today.
CODE_PLACEHOLDERS: Mapping[str, str] = {"status": "[1-5][0-9]{2}"}
_CODE = re.compile(r"^[a-z][a-z0-9_-]*(?:\{[a-z]+\}[a-z0-9_-]*)*$")
_PROBE = re.compile(r"^[a-z][a-z0-9-]*$")
# Characters that betray a regular expression or markup leaking into a counsellor's text.
_TECHNICAL = re.compile(r"re:|\\[sdwb]|\(\?|[<>\[\]|^$]")


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One documented code (or code pattern such as `http_{status}`) and its wording."""

    code: str
    probes: tuple[str, ...]
    supports: frozenset[Verdict]
    meaning: str
    texts: Mapping[str, tuple[str, str]]  # lang -> (label, detail template)
    pattern: re.Pattern[str] | None = None  # set when the code has a placeholder

    @property
    def is_pattern(self) -> bool:
        return self.pattern is not None


@dataclass(frozen=True, slots=True)
class FindingCodes:
    """The checked contents of findings.toml."""

    probes: Mapping[str, Mapping[str, str]]  # name -> {"meaning", "fr", "en"}
    exact: Mapping[str, CodeEntry]
    patterns: tuple[CodeEntry, ...]
    fallback: Mapping[str, tuple[str, str]]

    def lookup(self, code: str) -> tuple[CodeEntry, dict[str, str]] | None:
        """The entry documenting `code`, with the values of its placeholders; None if none."""
        entry = self.exact.get(code)
        if entry is not None:
            return entry, {}
        for entry in self.patterns:
            assert entry.pattern is not None
            match = entry.pattern.fullmatch(code)
            if match:
                return entry, match.groupdict()
        return None

    def documents(self, code: str) -> bool:
        return self.lookup(code) is not None

    def words(self, code: str, lang: str) -> tuple[str, str]:
        """(label, explanation) for `code` in `lang`; the fallback wording for an unknown code."""
        found = self.lookup(code)
        if found is None:
            return self.fallback[lang]
        entry, values = found
        label, detail = entry.texts[lang]
        return label.format(**values), detail.format(**values)

    def codes(self) -> list[str]:
        """Every documented code, exact codes first then patterns, each sorted."""
        return sorted(self.exact) + sorted(e.code for e in self.patterns)

    def code_regexes(self) -> list[str]:
        """The patterns' regular expressions (anchored), as the OpenAPI document writes them."""
        return sorted(f"^{_regex_source(e.code, named=False)}$" for e in self.patterns)


def label_findings(findings: Iterable[Finding], lang: str) -> list[Finding]:
    """The findings with their human label and explanation in `lang` (the result's language)."""
    catalogue = load_finding_codes()
    out = []
    for finding in findings:
        label, explanation = catalogue.words(finding.code, lang)
        out.append(replace(finding, label=label, explanation=explanation))
    return out


def _regex_source(code: str, *, named: bool) -> str:
    # `_CODE` admits letters, digits, "_" and "-" only: none needs escaping outside a class (and
    # "\-" would be an error in the ECMAScript patterns of the OpenAPI document).
    parts = []
    for literal, name, _, _ in string.Formatter().parse(code):
        parts.append(literal)
        if name is not None:
            body = CODE_PLACEHOLDERS[name]
            parts.append(f"(?P<{name}>{body})" if named else f"(?:{body})")
    return "".join(parts)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _words(block: Any, where: str, allowed: set[str], errors: list[str]) -> tuple[str, str] | None:
    if not isinstance(block, dict):
        errors.append(f"{where}: missing")
        return None
    texts = []
    for key in ("label", "detail"):
        text = block.get(key)
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: missing {key}")
            return None
        try:
            extra = _fields(text) - allowed
        except ValueError as exc:
            errors.append(f"{where}.{key}: {exc}")
            return None
        if extra:
            errors.append(f"{where}.{key}: unknown placeholder(s) {sorted(extra)}")
        if _TECHNICAL.search(text):
            errors.append(f"{where}.{key}: looks like markup or a regular expression: {text!r}")
        texts.append(text)
    return texts[0], texts[1]


def parse_finding_codes(doc: Mapping[str, Any], origin: str = "findings.toml") -> FindingCodes:
    """Check a parsed findings document; raise CatalogueError listing every problem."""
    errors: list[str] = []
    probes: dict[str, dict[str, str]] = {}
    for name, block in (doc.get("probes") or {}).items():
        if not _PROBE.match(name) or not isinstance(block, dict):
            errors.append(f"{origin}: [probes.{name}] is not a probe entry")
            continue
        for key in ("meaning", *LANGS):
            if not isinstance(block.get(key), str) or not block[key].strip():
                errors.append(f"{origin}: [probes.{name}] missing {key}")
        probes[name] = {k: str(block.get(k, "")) for k in ("meaning", *LANGS)}

    fallback: dict[str, tuple[str, str]] = {}
    for lang in LANGS:
        words = _words(
            (doc.get("fallback") or {}).get(lang), f"{origin}: [fallback.{lang}]", set(), errors
        )
        if words:
            fallback[lang] = words

    exact: dict[str, CodeEntry] = {}
    patterns: list[CodeEntry] = []
    verdicts = {v.value for v in Verdict}
    for index, block in enumerate(doc.get("finding") or [], start=1):
        where = f"{origin}: [[finding]] #{index}"
        codes, entry_probes, supports = (
            block.get("codes"),
            block.get("probes"),
            block.get("supports"),
        )
        if not _strings(codes) or not codes:
            errors.append(f"{where}: codes must be a non-empty list of strings")
            continue
        where = f"{origin}: [[finding]] {codes[0]}"
        if not _strings(entry_probes) or not entry_probes:
            errors.append(f"{where}: probes must be a non-empty list of probe names")
            entry_probes = []
        for probe in entry_probes:
            if probe not in probes:
                errors.append(f"{where}: probe {probe!r} is not listed under [probes]")
        if not _strings(supports):
            errors.append(f"{where}: supports must be a list of verdicts (may be empty)")
            supports = []
        for verdict in supports:
            if verdict not in verdicts:
                errors.append(f"{where}: {verdict!r} is not a verdict")
        meaning = block.get("meaning")
        if not isinstance(meaning, str) or not meaning.strip():
            errors.append(f"{where}: missing meaning")
        for code in codes:
            if not _CODE.match(code) or not _fields(code) <= set(CODE_PLACEHOLDERS):
                errors.append(f"{where}: {code!r} is not a finding code")
                continue
            if code in exact or any(p.code == code for p in patterns):
                errors.append(f"{where}: {code!r} is listed twice")
                continue
            texts: dict[str, tuple[str, str]] = {}
            for lang in LANGS:
                words = _words(block.get(lang), f"{where} [{lang}]", _fields(code), errors)
                if words:
                    texts[lang] = words
            entry = CodeEntry(
                code=code,
                probes=tuple(entry_probes),
                supports=frozenset(Verdict(v) for v in supports if v in verdicts),
                meaning=str(meaning or ""),
                texts=texts,
                pattern=re.compile(_regex_source(code, named=True)) if _fields(code) else None,
            )
            (patterns.append(entry) if entry.is_pattern else exact.__setitem__(code, entry))
    if errors:
        raise CatalogueError("\n".join(errors))
    return FindingCodes(probes=probes, exact=exact, patterns=tuple(patterns), fallback=fallback)


def load_finding_codes(path: Path | None = None) -> FindingCodes:
    """Read and check a findings file (the packaged one by default)."""
    if path is None:
        return _default()
    return read_data_file(Path(path), parse_finding_codes)


@lru_cache(maxsize=1)
def _default() -> FindingCodes:
    return read_data_file(FINDINGS_PATH, parse_finding_codes)


def probe_names() -> Sequence[str]:
    """Every documented probe name, sorted."""
    return sorted(load_finding_codes().probes)
