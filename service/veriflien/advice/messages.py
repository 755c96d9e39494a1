"""What to tell the person who pasted a whole message, for each kind of message.

A mass scam and targeted blackmail need different first words (no video exists / this is
serious but you did nothing wrong) and different steps; both are read from texts.toml
([message_plan] and [LANG.messages]) and routed to the report destinations of resources.toml,
with the same resolution rules as the advice for a link (country variants, minors, youth lines).
Steps that only make sense for some messages (a quoted password, a wallet to report, vouchers,
named relatives, links) appear only when the analysis found a reason for them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

# The renderer of link advice owns the routing rules (youth lines, country variants, minors);
# the message advice reuses them rather than keeping a second copy.
from veriflien.advice import _context, _resource_link, _Situation, _step_keys
from veriflien.advice.catalogue import (
    INTERNATIONAL,
    LANGS,
    MESSAGE_KINDS,
    Resource,
    load_resources,
    load_texts,
)
from veriflien.result import Verdict

__all__ = ["CONDITIONAL_STEPS", "reason_text", "render_message_advice"]

#: Message steps shown only when the analysis reports the matching condition.
CONDITIONAL_STEPS: Mapping[str, str] = {
    "message_password": "password",
    "message_spoofed": "spoofed",
    "message_wallet": "wallet",
    "message_vouchers": "vouchers",
    "message_links": "links",
    "message_relatives": "relatives",
}


def _situation(lang: str, country: str, minor: bool) -> _Situation:
    resources = load_resources()
    code = (country or "").strip().upper()
    national = [r for r in resources if r.country == code and code != INTERNATIONAL]
    return _Situation(
        verdict=Verdict.UNKNOWN,
        lang=lang,
        country=code,
        known_country=bool(national),
        minor=minor,
        platform=None,
        national=national,
        intl=[r for r in resources if r.country == INTERNATIONAL],
        texts=load_texts(),
    )


def _steps(kind: str, s: _Situation, conditions: Collection[str]) -> list[str]:
    texts = s.texts
    ctx = _context(s)
    steps: list[str] = []
    for step_id in texts.message_plan[kind]:
        own = texts.message(s.lang, "steps", step_id)
        if own is not None:
            condition = CONDITIONAL_STEPS.get(step_id)
            if condition is None or condition in conditions:
                steps.append(own.format_map(ctx))
            continue
        for key in _step_keys(step_id, s):
            text = texts.step(s.lang, key)
            if text is not None:
                steps.append(text.format_map(ctx))
    return steps


def _report_links(kind: str, s: _Situation) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(*resources: Resource) -> None:
        for resource in resources:
            if resource.id not in seen:
                seen.add(resource.id)
                out.append(_resource_link(resource, s))

    if s.minor:
        add(*s.youth_lines())
    if kind == "mass_scam":
        # The reference advice (cybermalveillance.gouv.fr in France) comes first; a complaint
        # matters mostly to those who paid.
        add(*s.national_scope("support"))
        add(*s.national_scope("complaint"))
    else:
        add(*s.national_scope("complaint"))
        add(*s.national_scope("support"))
        if not s.minor:
            add(*s.national_scope("adults"))
        add(s.hash_service())  # threatened images can be hashed before anyone posts them
    add(*(s.national_scope("prevention") or [r for r in s.intl if r.scope == "prevention"]))
    return out


def render_message_advice(
    kind: str,
    conditions: Collection[str] = (),
    *,
    lang: str = "fr",
    country: str = "FR",
    minor: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(advice {headline, summary, steps[]}, report_links) for a message classified as `kind`.

    `conditions` names what the analysis found among CONDITIONAL_STEPS' values (password,
    spoofed, wallet, vouchers, links, relatives)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    s = _situation(lang, country, minor)
    block = s.texts.message(lang, "kinds", kind)
    ctx = _context(s)
    advice = {
        "headline": block["headline"].format_map(ctx),
        "summary": block["summary"].format_map(ctx),
        "steps": _steps(kind, s, set(conditions)),
    }
    if not s.known_country:
        advice["notes"] = [s.texts.ui(lang, "note_unknown_country").format_map(ctx)]
    return advice, _report_links(kind, s)


def reason_text(code: str, lang: str) -> str:
    """The sentence that explains one sign found in a message (texts.toml)."""
    text = load_texts().message(lang, "reasons", code)
    return text if isinstance(text, str) else code
