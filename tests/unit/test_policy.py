"""The address policy, on the traps listed in shared facts (outbound-safety.md)."""

from __future__ import annotations

import ipaddress

import pytest

from veriflien.net.policy import AddressPolicy
from veriflien.net.urls import InvalidUrl, RefusedUrl, parse_target
from veriflien.settings import parse_pins

POLICY = AddressPolicy(
    local_addresses=[ipaddress.ip_address("198.51.100.7"), ipaddress.ip_address("8.8.4.4")]
)
PORTS = frozenset({80, 443})


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "cgnat"),  # is_private is False in Python for this one
        ("169.254.169.254", "link_local"),  # cloud metadata
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),  # is_global is True in Python for this one
        ("192.0.0.192", "reserved"),  # is_global is True in Python for this one
        ("192.0.2.10", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.5", "documentation"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("fe80::1", "link_local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: is_loopback is False in Python
        ("::ffff:169.254.169.254", "link_local"),
        ("::127.0.0.1", "reserved"),  # IPv4-compatible: is_global is True in Python
        ("64:ff9b::a9fe:a9fe", "link_local"),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::7f00:1", "reserved"),  # local-use NAT64: refused whatever it embeds
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("8.8.4.4", "own_address"),  # the machine's own public address
        ("fe80::1%eth0", "link_local"),  # zone ids are not a way around
    ],
)
def test_refuses_non_global_addresses(address: str, reason: str) -> None:
    refusal = POLICY.check(address)
    assert refusal is not None, f"{address} must be refused"
    assert refusal.reason == reason


def test_teredo_is_never_dialled() -> None:
    # Teredo 2001::/32 wraps a server and an obfuscated client; neither is checked by is_global.
    assert POLICY.check("2001:0:4136:e378:8000:63bf:3fff:fdd2") is not None


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4007:80e::200e"]
)
def test_accepts_public_unicast(address: str) -> None:
    assert POLICY.check(address) is None


def test_allow_networks_exempts_only_what_it_names() -> None:
    policy = AddressPolicy(["127.0.0.2/32"], local_addresses=[])
    assert policy.check("127.0.0.2") is None
    assert policy.check("127.0.0.1") is not None
    assert policy.check("::ffff:127.0.0.2") is None  # the same address, mapped
    assert policy.check("10.0.0.1") is not None


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:2::1",  # 6to4 of 127.0.0.2: reached through a relay, not the lab's address
        "64:ff9b::7f00:2",  # NAT64 well-known prefix of 127.0.0.2
        "64:ff9b:1::7f00:2",  # local-use NAT64
        "::ffff:0:7f00:2",  # SIIT "IPv4-translated" form
        "::127.0.0.2",  # IPv4-compatible form
        "2001:0:4136:e378:8000:63bf:80ff:fffd",  # Teredo whose client is 127.0.0.2
    ],
)
def test_lab_allow_list_does_not_open_translated_forms_of_its_networks(address: str) -> None:
    # Issue 13, item 10: with ALLOW_NETWORKS=127.0.0.2/32 these were dialled. The allow-list
    # matches the exact networks it names and their IPv4-mapped form, nothing else.
    policy = AddressPolicy(["127.0.0.2/32"], local_addresses=[])
    assert policy.check(address) is not None, f"{address} must stay refused"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("::ffff:0:7f00:1", "reserved"),  # SIIT: dialled as IPv6 to whatever translator exists
        ("::ffff:0:a9fe:a9fe", "reserved"),  # SIIT form of the metadata address
        ("::ffff:0:808:808", "reserved"),  # SIIT of a public address: still not a web server
        ("64:ff9b:1:7f00:0:1::", "reserved"),  # local-use NAT64 /48 layout of 127.0.0.1
        ("64:ff9b:1:a9fe:a9:fe00::", "reserved"),  # /48 layout of 169.254.169.254
        ("64:ff9b:1::808:808", "reserved"),  # local-use NAT64 is never a public translator
        ("5f00::1", "reserved"),  # SRv6 segment identifiers (RFC 9602)
        ("5f00:1234::abcd", "reserved"),
        ("3fff::1", "documentation"),  # RFC 9637 documentation prefix
        ("3fff:fff:ffff::1", "documentation"),
        ("100:0:0:1::1", "reserved"),  # dummy prefix (RFC 9780)
        ("2001:2::1", "reserved"),  # benchmarking
        ("2001:20::1", "reserved"),  # ORCHIDv2
        ("4000::1", "reserved"),  # outside global unicast 2000::/3
        ("1::1", "reserved"),
    ],
)
def test_address_forms_python_calls_global_are_refused(address: str, reason: str) -> None:
    refusal = POLICY.check(address)
    assert refusal is not None, f"{address} must be refused"
    assert refusal.reason == reason


SAMPLES = [
    "127.0.0.1", "10.1.2.3", "100.64.0.1", "169.254.169.254", "192.0.0.192", "224.0.0.1",
    "240.0.0.1", "::1", "::127.0.0.1", "::ffff:0:7f00:1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::7f00:1", "2002:7f00:1::", "2001:2::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "3fff::1", "5f00::1", "fd00::1", "fe80::1", "ff02::1", "4000::1",
    "93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1", "64:ff9b::808:808",
]  # fmt: skip


@pytest.mark.parametrize("flag", [True, False])
def test_decisions_do_not_depend_on_the_runtimes_is_global(monkeypatch, flag: bool) -> None:
    # `is_global` changed between Python patch releases (3.11.x, 3.12.x, 3.13): the policy must
    # give the same answers whatever the runtime believes.
    expected = {address: POLICY.check(address) for address in SAMPLES}
    for cls in (ipaddress.IPv4Address, ipaddress.IPv6Address):
        monkeypatch.setattr(cls, "is_global", property(lambda self: flag))
        monkeypatch.setattr(cls, "is_private", property(lambda self: not flag))
    assert {address: POLICY.check(address) for address in SAMPLES} == expected
    # And those answers are the intended ones: only public unicast, and the forms that reach it.
    passing = {a for a, refusal in expected.items() if refusal is None}
    assert passing == {
        "93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1", "64:ff9b::808:808",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://user:pass@example.com/", "credentials"),
        ("http://evil.com@127.0.0.1/", "credentials"),
        ("http://2130706433/", "obfuscated_address"),
        ("http://0x7f000001/", "obfuscated_address"),
        ("http://0177.0.0.1/", "obfuscated_address"),
        ("http://127.1/", "obfuscated_address"),
        ("https://example.com:8443/", "port"),
        ("http://example.com:22/", "port"),
    ],
)
def test_refused_url_texts(url: str, code: str) -> None:
    with pytest.raises(RefusedUrl) as info:
        parse_target(url, PORTS)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not a url", "whitespace"),
        ("javascript:alert(1)", "scheme"),
        ("ftp://example.com/video.mp4", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://", "no_host"),
        ("x" * 5000, "too_long"),
    ],
)
def test_invalid_url_texts(url: str, code: str) -> None:
    with pytest.raises(InvalidUrl) as info:
        parse_target(url, PORTS)
    assert info.value.code == code


def test_pasted_link_without_scheme_is_read_as_https() -> None:
    target = parse_target("www.youtube.com/watch?v=abc#t=10", PORTS)
    assert str(target.url) == "https://www.youtube.com/watch?v=abc"


def test_fullwidth_and_ideographic_dots_become_plain_literals() -> None:
    # yarl folds these to 127.0.0.1: the gate then refuses the dialled address, never the text.
    target = parse_target("http://127。0。0。1/", PORTS)
    assert target.url.host == "127.0.0.1"


def test_resolve_pins_syntax() -> None:
    pins = parse_pins(
        ["www.youtube.com:443:127.0.0.2:8443", "v6.test:80:[::1]", "a.test:80:1.2.3.4"]
    )
    assert pins[("www.youtube.com", 443)].target_port == 8443
    assert pins[("v6.test", 80)].address == "::1"
    assert pins[("a.test", 80)].target_port == 80
    for bad in ["nohost", "a:b:1.2.3.4", "a:80:not-an-ip", "a:80:[::1"]:
        with pytest.raises(ValueError):
            parse_pins([bad])
