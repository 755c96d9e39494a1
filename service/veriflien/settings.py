"""The one settings table: every knob with its type, default, environment variable and help.

Values come, in increasing priority, from the defaults below, an optional TOML file
(`veriflien serve --config FILE`, keys are the setting names) and `VERIFLIEN_*` environment
variables. The README's settings table is checked against SETTINGS by a test, so a setting cannot
exist without being documented.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "VERIFLIEN_"
MAX_WORKERS = 256  # a bound that catches typos (1000), far above any useful count


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Address the HTTP service listens on."),
    Setting("port", int, 8080, "Port the HTTP service listens on."),
    Setting(
        "workers",
        int,
        0,
        "Processes serving HTTP on one shared listening socket (`veriflien serve --workers N` "
        "overrides it). 0: one per CPU the service may use (its CPU affinity, capped by a cgroup "
        "CPU quota). Without Redis, each worker keeps its own cache and rate-limit counters.",
    ),
    Setting("log_level", str, "info", "debug, info, warning or error. Logs never contain URLs."),
    Setting(
        "instance_key",
        str,
        "",
        "Secret for the keyed digests (HMAC) that stand in for URLs in logs, the cache's names "
        "and encryption keys, and the key that signs answers (unless signing_key_file is set); "
        "every replica needs the same one: 32 random bytes or more (deploy/README.md shows how). "
        "Empty: a random key per process, so digests cannot be linked across restarts and "
        "signed answers cannot be verified after one. Required when redis_url is set.",
    ),
    Setting("check_deadline", float, 20.0, "Seconds a whole check may take, all probes included."),
    Setting(
        "connect_timeout", float, 5.0, "Seconds to open one outbound connection (DNS, TCP, TLS)."
    ),
    Setting(
        "read_timeout", float, 8.0, "Seconds without receiving a byte before a fetch gives up."
    ),
    Setting(
        "max_redirects", int, 10, "Redirect hops followed (HTTP, Refresh header, meta refresh)."
    ),
    Setting(
        "max_response_bytes", int, 2 * 1024 * 1024, "Bytes read from one response (after decoding)."
    ),
    Setting("max_check_bytes", int, 8 * 1024 * 1024, "Bytes read over all requests of one check."),
    Setting(
        "media_budget_bytes",
        int,
        512 * 1024,
        "Bytes of media containers read per check, whatever the file size (range requests).",
    ),
    Setting("max_header_bytes", int, 16 * 1024, "Largest response header line or field accepted."),
    Setting(
        "max_requests_per_check",
        int,
        200,
        "Outbound requests one check may make (all probes, yt-dlp included): a file built to need "
        "thousands of tiny range reads cannot turn one check into a request flood.",
    ),
    Setting("allowed_ports", list, ["80", "443"], "Ports outbound URLs may use (comma-separated)."),
    Setting(
        "resolve",
        list,
        [],
        "Lab/test only. Pin host names to addresses, like curl --resolve: 'host:port:address' or "
        "'host:port:address:target_port' (IPv6 in brackets), comma-separated. The address policy "
        "still applies to the pinned address.",
    ),
    Setting(
        "ca_bundle",
        str,
        "",
        "Lab/test only. Extra trusted CA certificates (PEM file), added to the system store. "
        "TLS is always verified.",
    ),
    Setting(
        "allow_networks",
        list,
        [],
        "Lab/test only. CIDRs exempted from the address policy (e.g. 127.0.0.2/32), matched "
        "exactly and in their IPv4-mapped form, never through 6to4 or NAT64. Empty in production.",
    ),
    Setting(
        "user_agent",
        str,
        "VerifLien/{version} (link safety checker; +https://github.com/veriflien/veriflien)",
        "User-Agent sent on every outbound request; {version} is replaced.",
    ),
    Setting("accept_language", str, "en;q=0.9,fr;q=0.8", "Accept-Language sent to platforms."),
    Setting("default_lang", str, "fr", "Language of results when a request does not say (fr, en)."),
    Setting(
        "default_country", str, "FR", "Country for report routing when a request does not say."
    ),
    Setting("max_concurrent_checks", int, 64, "Checks running at once; more wait their turn."),
    Setting("ytdlp_workers", int, 4, "Threads running yt-dlp extractions (each one blocking)."),
    Setting("ytdlp_timeout", float, 12.0, "Seconds one yt-dlp extraction may take."),
    Setting(
        "platforms_file",
        str,
        "",
        "Platform catalogue (TOML). Empty: the catalogue shipped with the service.",
    ),
    Setting(
        "resources_file",
        str,
        "",
        "Report destinations and help lines per country (TOML). Empty: the shipped catalogue.",
    ),
    Setting(
        "redis_url",
        str,
        "",
        "Shared state for several replicas: the result cache and the rate limits live in this "
        "Redis or Valkey (redis://host:6379/0, rediss:// for TLS). Empty: kept in process memory. "
        "When Redis is down the service keeps answering from local state and /readyz reports it.",
    ),
    Setting(
        "allow_random_instance_key",
        bool,
        False,
        "With redis_url set and instance_key empty, start anyway with a random key per process: "
        "replicas then share neither cache nor rate limits through Redis. Off: such a "
        "configuration refuses to start.",
    ),
    Setting(
        "redis_timeout",
        float,
        0.5,
        "Seconds one Redis operation may take before the service falls back to local state.",
    ),
    Setting(
        "cache_ttl",
        float,
        600.0,
        "Seconds a public, unlisted or suspicious result is reused for the same link, language, "
        "country and minor flag. The cached document is encrypted under a key derived from the "
        "link itself. 0 disables the cache.",
    ),
    Setting(
        "cache_ttl_non_public",
        float,
        60.0,
        "Seconds a private, removed, incomplete, login_required or no_video result is reused (at "
        "most cache_ttl): a video made public since must not hide behind a stale answer. 0: "
        "never reused.",
    ),
    Setting(
        "cache_hide_hits",
        bool,
        False,
        "Answer from the cache at the pace of the check it reuses (its progress events are always "
        "replayed), so that not even timing tells a caller the link was checked recently. Costs "
        "the cache's speed: off by default (SECURITY.md, 'cache timing').",
    ),
    Setting(
        "keys_file",
        str,
        "",
        "API keys file (name and salted scrypt hash per line; `veriflien keys add NAME` appends "
        "one). Keys are sent as `Authorization: Bearer KEY`. Empty: no keys.",
    ),
    Setting(
        "anonymous_checks",
        str,
        "local",
        "Who may call /api/v1/* without a key: 'local' (127.0.0.1 and ::1, not through a proxy), "
        "'any' or 'none'.",
    ),
    Setting(
        "rate_limit_window",
        float,
        60.0,
        "Seconds of one rate-limit window.",
    ),
    Setting(
        "rate_limit_per_client",
        int,
        20,
        "Checks one client (an IPv4 address, an IPv6 network: rate_limit_ipv6_prefix) may start "
        "per window (0: no limit). The machine's own loopback calls count too, unless "
        "rate_limit_local is false.",
    ),
    Setting(
        "rate_limit_per_key",
        int,
        300,
        "Checks one API key may start per window, across all replicas (0: no limit).",
    ),
    Setting(
        "rate_limit_ipv6_prefix",
        int,
        64,
        "IPv6 clients are counted per network of this prefix length (32 to 128): one subscriber "
        "usually holds a whole /64, and could otherwise use a new address for every check.",
    ),
    Setting(
        "rate_limit_local",
        bool,
        True,
        "Count the machine's own loopback calls (127.0.0.1, ::1, no proxy) against "
        "rate_limit_per_client too. false: only where no reverse proxy runs on this machine, or "
        "the proxy's visitors would all be unlimited.",
    ),
    Setting(
        "key_attempts_per_client",
        int,
        10,
        "API key verifications one client address may cause per window, counted before the "
        "salted hash (scrypt, about 50 ms and 16 MiB) is computed; a verified key is remembered "
        "for a minute. Over it: 429 (0: no limit).",
    ),
    Setting(
        "trusted_proxies",
        list,
        [],
        "CIDRs of reverse proxies whose X-Forwarded-For is believed (e.g. 127.0.0.1/32). Empty: "
        "the header is ignored and the connecting address is the client. A loopback address "
        "listed here is a proxy, never the machine's own caller.",
    ),
    Setting(
        "allowed_hosts",
        list,
        ["localhost", "127.0.0.1", "::1"],
        "Host names the service answers to, besides its listen address (host); another Host "
        "header gets 421, so a DNS-rebinding page cannot drive it from a visitor's browser. "
        "Behind a proxy that passes the visitor's Host, add the public name. '*.example.org' "
        "matches subdomains; a CIDR (10.0.0.0/8) matches an address used as Host (Kubernetes "
        "probes, Prometheus).",
    ),
    Setting(
        "cors_origins",
        list,
        ["chrome-extension://*", "moz-extension://*"],
        "Origins allowed to call /api/v1/* from a browser (CORS, with preflight); '*' matches "
        "any extension id.",
    ),
    Setting(
        "metrics_networks",
        list,
        ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
        "CIDRs allowed to read /metrics, directly (a request that came through a proxy is "
        "refused).",
    ),
    Setting(
        "selftest_file",
        str,
        "",
        "Where `veriflien selftest` writes its last report and the service reads it. Empty: "
        "$STATE_DIRECTORY/selftest.json under systemd, else ~/.local/state/veriflien/. With "
        "redis_url set the report is also shared through Redis.",
    ),
    Setting(
        "signing_key_file",
        str,
        "",
        "Ed25519 private key (unencrypted PEM, e.g. from `openssl genpkey -algorithm ed25519`) "
        "that signs every answer. Empty: a key derived from instance_key (HKDF, its own label), "
        "the same on every replica.",
    ),
    Setting(
        "signing_retired_keys_file",
        str,
        "",
        "Public keys that signed answers before a rotation (TOML: [[key]] with public_key as PEM "
        "and valid_until; `veriflien signing-key` prints the current key's entry). They stay "
        "published at /.well-known/veriflien-keys.json so older answers still verify.",
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Instance keys drawn at random because none was configured (see Settings.instance_key_is_random).
_RANDOM_INSTANCE_KEYS: set[str] = set()


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 0
    log_level: str = "info"
    instance_key: str = ""
    check_deadline: float = 20.0
    connect_timeout: float = 5.0
    read_timeout: float = 8.0
    max_redirects: int = 10
    max_response_bytes: int = 2 * 1024 * 1024
    max_check_bytes: int = 8 * 1024 * 1024
    media_budget_bytes: int = 512 * 1024
    max_header_bytes: int = 16 * 1024
    max_requests_per_check: int = 200
    allowed_ports: list[str] = field(default_factory=lambda: ["80", "443"])
    resolve: list[str] = field(default_factory=list)
    ca_bundle: str = ""
    allow_networks: list[str] = field(default_factory=list)
    user_agent: str = SETTINGS_BY_NAME["user_agent"].default
    accept_language: str = "en;q=0.9,fr;q=0.8"
    default_lang: str = "fr"
    default_country: str = "FR"
    max_concurrent_checks: int = 64
    ytdlp_workers: int = 4
    ytdlp_timeout: float = 12.0
    platforms_file: str = ""
    resources_file: str = ""
    redis_url: str = ""
    allow_random_instance_key: bool = False
    redis_timeout: float = 0.5
    cache_ttl: float = 600.0
    cache_ttl_non_public: float = 60.0
    cache_hide_hits: bool = False
    keys_file: str = ""
    anonymous_checks: str = "local"
    rate_limit_window: float = 60.0
    rate_limit_per_client: int = 20
    rate_limit_per_key: int = 300
    rate_limit_ipv6_prefix: int = 64
    rate_limit_local: bool = True
    key_attempts_per_client: int = 10
    trusted_proxies: list[str] = field(default_factory=list)
    allowed_hosts: list[str] = field(
        default_factory=lambda: list(SETTINGS_BY_NAME["allowed_hosts"].default)
    )
    cors_origins: list[str] = field(
        default_factory=lambda: list(SETTINGS_BY_NAME["cors_origins"].default)
    )
    metrics_networks: list[str] = field(
        default_factory=lambda: list(SETTINGS_BY_NAME["metrics_networks"].default)
    )
    selftest_file: str = ""
    signing_key_file: str = ""
    signing_retired_keys_file: str = ""

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some settings changed (values are coerced and validated like env values)."""
        coerced = {name: _coerce(SETTINGS_BY_NAME[name], value) for name, value in changes.items()}
        return _validated(replace(self, **coerced))

    @property
    def port_set(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.allowed_ports)

    @property
    def secret(self) -> bytes:
        return self.instance_key.encode()

    @property
    def instance_key_is_random(self) -> bool:
        """True when no instance key was configured and this process drew one: whatever it
        keys (a signing key included) dies with the process."""
        return self.instance_key in _RANDOM_INSTANCE_KEYS


def _coerce(setting: Setting, raw: Any) -> Any:
    try:
        if setting.type is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if setting.type is list:
            if isinstance(raw, list | tuple):
                return [str(v).strip() for v in raw if str(v).strip()]
            return [part.strip() for part in str(raw).split(",") if part.strip()]
        if setting.type is int and isinstance(raw, float):
            raise ValueError("not a whole number")
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"{setting.env}: cannot read {raw!r} as {setting.type.__name__}"
        ) from exc


def _validated(settings: Settings) -> Settings:
    if settings.log_level.lower() not in {"debug", "info", "warning", "error"}:
        raise SettingsError(f"{ENV_PREFIX}LOG_LEVEL: expected debug, info, warning or error")
    if settings.default_lang not in {"fr", "en"}:
        raise SettingsError(f"{ENV_PREFIX}DEFAULT_LANG: expected fr or en")
    for name in ("check_deadline", "connect_timeout", "read_timeout", "ytdlp_timeout"):
        value = getattr(settings, name)
        if not math.isfinite(value) or value <= 0:  # nan <= 0 is False: check finiteness first
            raise SettingsError(f"{SETTINGS_BY_NAME[name].env}: must be a positive number")
    if not 0 <= settings.port < 65536:
        raise SettingsError(f"{ENV_PREFIX}PORT: {settings.port} is not a port")
    if not 0 <= settings.workers <= MAX_WORKERS:
        raise SettingsError(
            f"{ENV_PREFIX}WORKERS: expected 0 (one per CPU) to {MAX_WORKERS}, "
            f"got {settings.workers}"
        )
    for name in (
        "max_response_bytes",
        "max_check_bytes",
        "media_budget_bytes",
        "ytdlp_workers",
        "max_concurrent_checks",
        "max_header_bytes",
        "max_requests_per_check",
    ):
        if getattr(settings, name) < 1:
            raise SettingsError(f"{SETTINGS_BY_NAME[name].env}: must be at least 1")
    if not 0 <= settings.max_redirects <= 50:
        raise SettingsError(f"{ENV_PREFIX}MAX_REDIRECTS: expected 0 to 50")
    for port in settings.allowed_ports:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{ENV_PREFIX}ALLOWED_PORTS: {port!r} is not a port")
    for cidr in settings.allow_networks:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise SettingsError(f"{ENV_PREFIX}ALLOW_NETWORKS: {cidr!r} is not a network") from exc
    if settings.anonymous_checks not in {"local", "any", "none"}:
        raise SettingsError(f"{ENV_PREFIX}ANONYMOUS_CHECKS: expected local, any or none")
    for name in ("redis_timeout", "rate_limit_window"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{SETTINGS_BY_NAME[name].env}: must be positive")
    for name in (
        "cache_ttl",
        "cache_ttl_non_public",
        "rate_limit_per_client",
        "rate_limit_per_key",
    ):
        value = getattr(settings, name)
        if not math.isfinite(value) or value < 0:  # nan < 0 is False: check finiteness first
            raise SettingsError(f"{SETTINGS_BY_NAME[name].env}: must not be negative")
    if settings.key_attempts_per_client < 0:
        raise SettingsError(f"{ENV_PREFIX}KEY_ATTEMPTS_PER_CLIENT: must not be negative")
    if not 32 <= settings.rate_limit_ipv6_prefix <= 128:
        raise SettingsError(f"{ENV_PREFIX}RATE_LIMIT_IPV6_PREFIX: expected 32 to 128")
    for entry in settings.allowed_hosts:
        if not _host_pattern_ok(entry):
            raise SettingsError(
                f"{ENV_PREFIX}ALLOWED_HOSTS: {entry!r} is not a host name, '*.domain', an "
                "address or a CIDR (write names without a port)"
            )
    if settings.redis_url and not settings.redis_url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise SettingsError(f"{ENV_PREFIX}REDIS_URL: expected redis://, rediss:// or unix://")
    for name in ("trusted_proxies", "metrics_networks"):
        for cidr in getattr(settings, name):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"{SETTINGS_BY_NAME[name].env}: {cidr!r} is not a network"
                ) from exc
    if settings.ca_bundle and not Path(settings.ca_bundle).is_file():
        raise SettingsError(f"{ENV_PREFIX}CA_BUNDLE: no file at {settings.ca_bundle}")
    if settings.redis_url and not settings.instance_key and not settings.allow_random_instance_key:
        # Each replica would draw its own random key below: its cache entries and rate-limit
        # counters would be named and encrypted under it, unreadable to every other replica, and
        # the shared Redis would silently share nothing. Fail at start-up instead.
        raise SettingsError(
            f"{ENV_PREFIX}INSTANCE_KEY is empty while {ENV_PREFIX}REDIS_URL is set: every replica "
            "would use its own random key and they would share neither cache nor rate limits. "
            f'Set the same {ENV_PREFIX}INSTANCE_KEY on every replica (python3 -c "import secrets; '
            f'print(secrets.token_hex(32))"), or {ENV_PREFIX}ALLOW_RANDOM_INSTANCE_KEY=true to '
            "accept it."
        )
    if not settings.instance_key:
        settings = replace(settings, instance_key=secrets.token_hex(32))
        _RANDOM_INSTANCE_KEYS.add(settings.instance_key)
    if settings.signing_key_file or settings.signing_retired_keys_file:
        # Read here so an unusable key file stops the service at start-up, naming the setting.
        from veriflien.attestation import load_key_files

        try:
            load_key_files(settings)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
    # Parsed here so a bad pin fails at start-up, not at the first check.
    try:
        parse_pins(settings.resolve)
    except ValueError as exc:
        raise SettingsError(f"{ENV_PREFIX}RESOLVE: {exc}") from exc
    return settings


_LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
_HOST_LABELS = re.compile(rf"^(\*\.)?({_LABEL}\.)*{_LABEL}\.?$")


def _host_pattern_ok(entry: str) -> bool:
    """A host name, '*.domain', an IP address (IPv6 with or without brackets) or a CIDR."""
    text = entry.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        if "/" in text:
            ipaddress.ip_network(text, strict=False)
        else:
            ipaddress.ip_address(text)
        return True
    except ValueError:
        return bool(_HOST_LABELS.match(text)) and len(text) <= 253


def load(env: Mapping[str, str] | None = None, config_file: str | Path | None = None) -> Settings:
    """Defaults, then the TOML file, then VERIFLIEN_* variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if config_file:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {path}: {exc}") from exc
        for key, raw in data.items():
            setting = SETTINGS_BY_NAME.get(key)
            if setting is None:
                raise SettingsError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(setting, raw)
    for setting in SETTINGS:
        if setting.env in env:
            values[setting.name] = _coerce(setting, env[setting.env])
    known = {f.name for f in fields(Settings)}
    assert known == set(SETTINGS_BY_NAME), "Settings and SETTINGS disagree"
    return _validated(Settings(**values))


# ---------------------------------------------------------------------------------------------
# The syntax of `resolve` (read here, so that a bad pin stops the service at start-up; the
# gate's resolver uses the parsed pins)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pin:
    host: str
    port: int
    address: str
    target_port: int


def _split_address(rest: str) -> tuple[str, str]:
    """Split 'address[:target_port]', where an IPv6 address is written in brackets."""
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise ValueError(f"unclosed bracket in {rest!r}")
        address, tail = rest[1:end], rest[end + 1 :]
        if tail and not tail.startswith(":"):
            raise ValueError(f"unexpected text after ']' in {rest!r}")
        return address, tail[1:]
    address, _, target = rest.partition(":")
    return address, target


def parse_pins(entries: Iterable[str]) -> dict[tuple[str, int], Pin]:
    """Parse 'host:port:address[:target_port]' entries (curl --resolve syntax, plus a target port
    so tests can route https://www.youtube.com:443 to a fake served on an unprivileged port)."""
    pins: dict[tuple[str, int], Pin] = {}
    for entry in entries:
        host, sep1, rest = entry.partition(":")
        port, sep2, rest = rest.partition(":")
        if not (sep1 and sep2 and host and port.isdigit() and rest):
            raise ValueError(f"expected host:port:address[:target_port], got {entry!r}")
        address, target = _split_address(rest)
        ipaddress.ip_address(address)  # raises ValueError with a clear message
        if target and not target.isdigit():
            raise ValueError(f"target port must be a number in {entry!r}")
        pin = Pin(host.lower().rstrip("."), int(port), address, int(target or port))
        pins[(pin.host, pin.port)] = pin
    return pins
