"""Reading a URL typed, pasted or right-clicked by a frightened person, before anything is fetched.

Two kinds of rejection, kept apart because the victim is told different things:
- `InvalidUrl`: this is not a web address we can check (typo, empty, another scheme);
- `RefusedUrl`: it is a web address, but one the service will not fetch (credentials, a port or
  an address form used to reach internal machines).
Address classification itself happens on resolved addresses in the gate; this module only refuses
what is wrong in the text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yarl import URL

MAX_URL_LENGTH = 4096
_SCHEMELESS = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
# Host forms that glibc or browsers read as an IPv4 address but that are not dotted-quad text:
# 2130706433, 0x7f000001, 0177.0.0.1, 127.1. They exist to slip past naive filters.
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}$", re.IGNORECASE)
# Any whitespace (str.isspace: Unicode spaces included) or ASCII control character; one regex scan
# instead of a Python loop over the characters (this runs on every request, cached answers too).
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_DOTTED_QUAD = re.compile(
    r"^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
)


class UrlRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidUrl(UrlRejected):
    """Not a web address we can check."""


class RefusedUrl(UrlRejected):
    """A web address the service will not fetch."""


@dataclass(frozen=True, slots=True)
class Target:
    url: URL  # normalised, fragment removed: what the gate fetches
    given: str  # as the user gave it (trimmed), for the evidence sheet


def parse_target(raw: str, allowed_ports: frozenset[int]) -> Target:
    """Validate and normalise a user-supplied URL, or raise InvalidUrl / RefusedUrl."""
    text = (raw or "").strip()
    if not text:
        raise InvalidUrl("empty", "No link was given.")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidUrl("too_long", f"The link is longer than {MAX_URL_LENGTH} characters.")
    if _SPACE_OR_CONTROL.search(text):
        raise InvalidUrl("whitespace", "The link contains spaces or control characters.")
    if "://" not in text and _SCHEMELESS.match(text):
        # People paste "www.example.com/video" from a chat message; browsers add https too.
        text = "https://" + text
    try:
        url = URL(text)
    except (ValueError, TypeError) as exc:
        raise InvalidUrl("unparsable", "This does not look like a web address.") from exc
    if url.scheme not in {"http", "https"}:
        raise InvalidUrl("scheme", "Only http:// and https:// links can be checked.")
    check_fetchable(url, allowed_ports)
    return Target(url=url.with_fragment(None), given=text)


def check_fetchable(url: URL, allowed_ports: frozenset[int]) -> None:
    """The text-level rules applied to the first URL and to every redirect hop."""
    if url.scheme not in {"http", "https"}:
        raise RefusedUrl("scheme", "The link leads to a non-web address.")
    try:
        host = url.host
        port = url.port
    except ValueError as exc:
        raise InvalidUrl("unparsable", "This does not look like a web address.") from exc
    if not host:
        raise InvalidUrl("no_host", "The link has no site name.")
    if url.raw_user is not None or url.raw_password is not None or "@" in (url.raw_authority or ""):
        raise RefusedUrl(
            "credentials",
            "The link carries a user name or password; such links are used to disguise where "
            "they lead and are not fetched.",
        )
    bare = host.strip("[]").rstrip(".")
    if _NUMERIC_HOST.match(bare) and not _DOTTED_QUAD.match(bare):
        raise RefusedUrl(
            "obfuscated_address",
            "The link hides a numeric address in an unusual form; it is not fetched.",
        )
    if port is None or port not in allowed_ports:
        raise RefusedUrl("port", f"The link uses port {port}, which this service does not fetch.")
