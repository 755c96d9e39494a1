"""Reading a whole blackmail message: what it is, what it asks for, and what a complaint needs.

Victims receive a message, not a link. This package reads the pasted text (any language, at most
MAX_TEXT_CHARS characters) and returns, without keeping or logging anything:

- its links (checked by the normal engine, elsewhere: see report.py),
- the payment details, validated (veriflien.payments: checksums, IBAN mod-97, vouchers),
- the sums demanded, contacts (e-mail addresses, phone numbers, handles), dates and deadlines,
- a classification (mass scam, targeted blackmail, unknown) with the signs found (classify.py).

`analyse_text` is pure and bounded: normalisation and every pattern are linear, and each list is
capped, so a hostile 20,000-character text costs milliseconds (tests/unit/test_messages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Modules, not their same-named functions: `veriflien.messages.extract` stays the module.
from veriflien.messages import classify, extract, text
from veriflien.messages.classify import KINDS, Classification
from veriflien.messages.extract import MAX_LINKS, Extraction

__all__ = [
    "KINDS",
    "MAX_LINKS",
    "MAX_TEXT_CHARS",
    "MessageAnalysis",
    "analyse_text",
]

#: The longest message accepted, in characters (Unicode code points).
MAX_TEXT_CHARS = 20_000

_CONDITIONS = {
    "password_quoted": "password",
    "spoofed_sender": "spoofed",
    "relatives": "relatives",
    "named_relatives": "relatives",
}


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    extraction: Extraction
    classification: Classification

    @property
    def conditions(self) -> frozenset[str]:
        """What the advice must react to (see veriflien.advice.messages.CONDITIONAL_STEPS)."""
        found = {_CONDITIONS[r.code] for r in self.classification.reasons if r.code in _CONDITIONS}
        payments = self.extraction.payments
        if any(p.valid and p.kind not in ("voucher", "voucher_code") for p in payments):
            found.add("wallet")
        if any(p.kind in ("voucher", "voucher_code") for p in payments):
            found.add("vouchers")
        if self.extraction.links:
            found.add("links")
        return frozenset(found)

    @property
    def links_to_check(self) -> list[str]:
        return self.extraction.links[:MAX_LINKS]

    def payments_json(self) -> list[dict[str, Any]]:
        """Payment details and sums demanded, in the order they appear in the message."""
        items = [(p.start, p.to_json()) for p in self.extraction.payments]
        items += [(a.start, a.to_json()) for a in self.extraction.amounts]
        return [doc for _, doc in sorted(items, key=lambda item: item[0])]

    def contacts_json(self) -> list[dict[str, str]]:
        return [contact.to_json() for contact in self.extraction.contacts]

    def evidence_json(self) -> list[dict[str, Any]]:
        """What a complaint needs, grouped: payment details, sums, contacts, links, dates."""
        ex = self.extraction
        evidence: list[dict[str, Any]] = [p.to_json() for p in ex.payments]
        evidence += [a.to_json() for a in ex.amounts]
        evidence += [c.to_json() for c in ex.contacts]
        evidence += [{"kind": "link", "value": link} for link in ex.links]
        evidence += [m.to_json() for m in ex.moments]
        return evidence


def analyse_text(message: str) -> MessageAnalysis:
    """Extract and classify; `message` must be within MAX_TEXT_CHARS (the API checks)."""
    prepared = text.prepare(message)
    extraction = extract.extract(prepared)
    return MessageAnalysis(extraction, classify.classify(prepared, extraction))
