"""What yt-dlp's texts and availability values mean: the loader of `ytdlp_messages.toml`.

Why data: the sentences yt-dlp relays ("Private video", "Sign in to confirm you're not a bot")
change with the platforms, like their pages do; whoever keeps the platform catalogue current keeps
these too, in the same words (`supports`, `strength`, `code`, `detail`) and with the same strict
validation, which names the entry and the field at fault.

Nothing here touches the network or yt-dlp itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from veriflien.platforms import Rule, _Reader, _regex, _rule, read_toml

__all__ = ["MessageRule", "YtdlpMessages", "default_ytdlp_messages", "load_ytdlp_messages"]

FILE = "ytdlp_messages.toml"


@dataclass(frozen=True, slots=True)
class MessageRule:
    """A yt-dlp text (a case-insensitive regex) and what it means."""

    pattern: re.Pattern[str]
    rule: Rule


@dataclass(frozen=True, slots=True)
class YtdlpMessages:
    messages: tuple[MessageRule, ...]  # in the file's order: the first match wins
    availability: Mapping[str, Rule]  # yt-dlp's `availability` value -> its meaning

    def match(self, text: str) -> Rule | None:
        """The meaning of the first message pattern found in `text`, or None."""
        return next((m.rule for m in self.messages if m.pattern.search(text)), None)

    def rule(self, code: str) -> Rule:
        """The message rule recorded under `code` (the bridge names some facts itself)."""
        return next(m.rule for m in self.messages if m.rule.code == code)


def load_ytdlp_messages(path: str | Path | None = None) -> YtdlpMessages:
    """Read and validate the table; None = the packaged file."""
    doc, where = read_toml(path, FILE)
    top = _Reader(where, doc)
    top.only(frozenset({"message", "availability"}))
    raw_messages = doc.get("message")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise top.fail("message", "no [[message]] entries")
    messages = tuple(_message(top, index, raw) for index, raw in enumerate(raw_messages))
    raw_availability: Any = doc.get("availability", {})
    if not isinstance(raw_availability, Mapping):
        raise top.fail("availability", "must be a table of value = rule")
    availability = {
        str(value): _rule(top, f"availability.{value}", raw)
        for value, raw in raw_availability.items()
    }
    return YtdlpMessages(messages, MappingProxyType(availability))


def _message(top: _Reader, index: int, raw: Any) -> MessageRule:
    field = f"message[{index}]"
    rule = _rule(top, field, raw, extra=frozenset({"pattern"}))
    entry = _Reader(top.entry, raw, f"{field}.")
    pattern = _regex(entry, "pattern", entry.text("pattern") or "", re.IGNORECASE)
    return MessageRule(pattern, rule)


@lru_cache(maxsize=1)
def default_ytdlp_messages() -> YtdlpMessages:
    """The packaged table, loaded once per process (and at start-up, by runtime.py)."""
    return load_ytdlp_messages()
