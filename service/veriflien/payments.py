"""Payment details found in a text, and whether they could really receive money.

Blackmailers send a wallet address, an IBAN, an order to buy prepaid codes, and an amount. A
victim, a counsellor and the police need each one extracted exactly, and need to know whether it
is real: an address with a wrong checksum cannot receive anything (a typo, or a look-alike made
to dodge spam filters), so it is reported as `valid: false` and never as a payment address.

This module is a leaf (standard library and `validators` only) so that the message analysis
(veriflien.messages) and the page analysis (probes/page_analysis.py) share ONE implementation of
each check. What each check verifies:

- Bitcoin: legacy addresses by base58check (double SHA-256) AND their version byte (0x00 P2PKH,
  0x05 P2SH); segwit addresses by the bech32 (BIP-173, witness v0) or bech32m (BIP-350, v1+)
  checksum that matches their witness version, with the program lengths BIP-141 allows.
  `validators.btc_address` checks the base58 checksum but not the version byte (it accepts a
  Litecoin or Dogecoin address as Bitcoin) and only pattern-matches segwit addresses, so it is
  not enough on its own; it is used as a second opinion on the legacy checksum.
- Ethereum: 0x + 40 hex digits; when the letters are mixed-case, the EIP-55 checksum (Keccak-256,
  the original Keccak padding, NOT NIST SHA3-256). All-lower or all-upper addresses carry no
  checksum: their format is all that can be checked. `validators.eth_address` needs the optional
  eth-hash package and a Keccak backend (pycryptodome), which the project does not install: the
  Keccak-256 here is a small pure-Python implementation, tested against published vectors and
  against hashlib's SHA3-256 (same permutation, different padding).
- Litecoin (L/M/3 base58check, ltc1 bech32/bech32m), Dogecoin (D/A/9 base58check), Tron (T,
  base58check with version 0x41: `validators.trx_address` does this fully and is used), Monero
  (Monero's block base58 with a Keccak-256 checksum, standard 4…, sub-address 8…, integrated).
- IBAN: the country's registered length (ISO 13616 registry) and the mod-97 check
  (`validators.iban`, which checks mod-97 only).
- Prepaid vouchers (PCS, Transcash, Neosurf, Paysafecard, Toneo, gift cards): there is no public
  checksum, and whether a code is real, unused or already spent is known only to its issuer. A
  code can NOT be validated offline: `valid` is null for every voucher.

Everything here is bounded: linear regular expressions, and at most MAX_CANDIDATES candidates
of each kind per text, so a hostile 20,000-character text costs milliseconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import validators

__all__ = [
    "Payment",
    "address_kind",
    "base58check_decode",
    "bech32_decode",
    "eip55_ok",
    "find_addresses",
    "find_amounts",
    "find_ibans",
    "find_vouchers",
    "iban_ok",
    "keccak256",
    "monero_ok",
    "valid_wallet_kinds",
    "validate_address",
]

MAX_CANDIDATES = 64

# Currency code of each address kind (the `currency` field of a payment).
COIN_CURRENCY = {
    "bitcoin": "BTC",
    "ethereum": "ETH",
    "litecoin": "LTC",
    "dogecoin": "DOGE",
    "tron": "TRX",
    "monero": "XMR",
}


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment detail. `valid`: True/False when a checksum or format says so, None when
    nothing can be checked offline (vouchers). `start`/`end` locate it in the text searched."""

    kind: str
    value: str
    valid: bool | None
    currency: str | None = None
    brand: str | None = None
    start: int = 0
    end: int = 0

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {"kind": self.kind, "value": self.value, "valid": self.valid}
        if self.currency is not None:
            doc["currency"] = self.currency
        if self.brand is not None:
            doc["brand"] = self.brand
        return doc


# ------------------------------------------------------------------------------------ base58

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _b58_number(text: str) -> int | None:
    """The number a base58 string (Bitcoin's alphabet) writes, or None for a foreign character."""
    num = 0
    for char in text:
        index = _B58_INDEX.get(char)
        if index is None:
            return None
        num = num * 58 + index
    return num


def base58check_decode(text: str) -> bytes | None:
    """The payload (version byte(s) + data, checksum removed) of a base58check string, or None
    when a character is outside the alphabet or the double-SHA-256 checksum does not match."""
    if not text or len(text) > 128:
        return None
    num = _b58_number(text)
    if num is None:
        return None
    pad = len(text) - len(text.lstrip("1"))  # each leading '1' stands for a zero byte
    raw = b"\x00" * pad + (num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b"")
    if len(raw) < 5:
        return None
    body, checksum = raw[:-4], raw[-4:]
    return body if _sha256d(body)[:4] == checksum else None


def base58check_encode(payload: bytes) -> str:
    """The inverse of base58check_decode (used by the tests to build vectors)."""
    raw = payload + _sha256d(payload)[:4]
    num = int.from_bytes(raw, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _B58[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\x00"))) + out


# ------------------------------------------------------------------------------------ bech32

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: Iterable[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                checksum ^= _GENERATOR[i]
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: list[int], from_bits: int, to_bits: int) -> bytes | None:
    acc = bits = 0
    out = bytearray()
    maxv = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    # BIP-173: at most 4 bits of zero padding, never a whole group.
    if bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        return None
    return bytes(out)


def bech32_decode(address: str, hrp: str) -> tuple[int, bytes] | None:
    """(witness version, witness program) of a segwit address for `hrp`, or None.

    BIP-173 and BIP-350: one case only, at most 90 characters, the checksum constant that
    matches the witness version (bech32 for v0, bech32m for v1 to v16), a program of 2 to 40
    bytes, and exactly 20 or 32 bytes for v0."""
    if len(address) > 90 or (address.lower() != address and address.upper() != address):
        return None
    address = address.lower()
    given_hrp, sep, data = address.rpartition("1")
    if not sep or given_hrp != hrp or len(data) < 7:
        return None
    values = [_BECH32_CHARSET.find(c) for c in data]
    if min(values) < 0:
        return None
    const = _polymod(_hrp_expand(hrp) + values)
    version = values[0]
    if version > 16 or const != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return None
    program = _convert_bits(values[1:-6], 5, 8)
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    return version, program


# ---------------------------------------------------------------------------------- keccak

_KECCAK_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
# Rotation offsets r[x][y] of the rho step, lane (x, y) stored at index x + 5*y.
_KECCAK_ROT = (
    (0, 36, 3, 41, 18),
    (1, 44, 10, 45, 2),
    (62, 6, 43, 15, 61),
    (28, 55, 25, 21, 56),
    (27, 20, 39, 8, 14),
)
_MASK64 = (1 << 64) - 1


def _rol(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK64 if shift else value


def _keccak_f(a: list[int]) -> list[int]:
    for rc in _KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rol(a[x + 5 * y], _KECCAK_ROT[x][y])
        a = [
            b[i] ^ (~b[(i % 5 + 1) % 5 + 5 * (i // 5)] & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
            for i in range(25)
        ]
        a[0] ^= rc
    return a


def keccak256(data: bytes, *, pad: int = 0x01) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (pad byte 0x01). With pad=0x06 the same sponge
    is NIST SHA3-256, which is how the tests check this implementation against hashlib."""
    rate = 136
    message = bytearray(data)
    message.append(pad)
    message.extend(b"\x00" * (-len(message) % rate))
    message[-1] |= 0x80
    state = [0] * 25
    for offset in range(0, len(message), rate):
        for i in range(rate // 8):
            start = offset + 8 * i
            state[i] ^= int.from_bytes(message[start : start + 8], "little")
        state = _keccak_f(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))


# ------------------------------------------------------------------------------ per coin

_HEX40 = re.compile(r"0x[0-9a-fA-F]{40}")


def eip55_ok(address: str) -> bool:
    """True for an Ethereum address whose case is right: mixed case must follow EIP-55; an
    all-lower or all-upper address has no checksum to contradict it."""
    if not _HEX40.fullmatch(address):
        return False
    body = address[2:]
    if body == body.lower() or body == body.upper():
        return True
    digest = keccak256(body.lower().encode("ascii")).hex()
    return all(
        char.isdigit() or (char.isupper() == (int(nibble, 16) >= 8))
        for char, nibble in zip(body, digest[:40], strict=True)
    )


# Monero's base58 encodes 8-byte blocks as 11 characters; a last, shorter block of n bytes takes
# _MONERO_BLOCK_CHARS[n] characters.
_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)
# network byte -> address length: standard (4...), integrated (4...), sub-address (8...)
_MONERO_NETWORKS = {0x12: 95, 0x13: 106, 0x2A: 95}


def _monero_b58decode(text: str) -> bytes | None:
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        if len(block) not in _MONERO_BLOCK_CHARS:
            return None
        size = _MONERO_BLOCK_CHARS.index(len(block))
        num = _b58_number(block)
        if num is None or num >> (8 * size):
            return None
        out += num.to_bytes(size, "big")
    return bytes(out)


def monero_ok(address: str) -> bool:
    """A Monero main-network address (standard, integrated or sub-address) with its checksum."""
    if len(address) not in (95, 106):
        return False
    raw = _monero_b58decode(address)
    if raw is None or _MONERO_NETWORKS.get(raw[0]) != len(address):
        return False
    return keccak256(raw[:-4])[:4] == raw[-4:]


def _agreed(check: object) -> bool:
    # validators returns True or a falsy ValidationError; with RAISE_VALIDATION_ERROR=True in the
    # environment it raises instead. Either way a failure is a plain False here.
    return check is True


def _btc_legacy_ok(address: str) -> bool:
    payload = base58check_decode(address)
    if payload is None or len(payload) != 21 or payload[0] not in (0x00, 0x05):
        return False
    try:
        return _agreed(validators.btc_address(address))
    except (validators.ValidationError, ArithmeticError):  # it overflows on some inputs
        return False


def _tron_ok(address: str) -> bool:
    try:
        return _agreed(validators.trx_address(address))
    except (validators.ValidationError, ArithmeticError):
        return False


def _base58_version_ok(address: str, versions: tuple[int, ...]) -> bool:
    payload = base58check_decode(address)
    return payload is not None and len(payload) == 21 and payload[0] in versions


_LEGACY_PREFIX = {
    # first character -> kind; '3' is Bitcoin P2SH (Litecoin's old P2SH shared it).
    "1": "bitcoin",
    "3": "bitcoin",
    "L": "litecoin",
    "M": "litecoin",
    "D": "dogecoin",
    "A": "dogecoin",
    "9": "dogecoin",
    "T": "tron",
}


def address_kind(token: str) -> str | None:
    """Which coin a token looks like, by its shape alone (prefix and length), or None."""
    lower = token.lower()
    if lower.startswith("bc1") and 14 <= len(token) <= 90:
        return "bitcoin"
    if lower.startswith("ltc1") and 15 <= len(token) <= 90:
        return "litecoin"
    if token[:2] in ("0x", "0X") and len(token) == 42:
        return "ethereum" if _HEX40.fullmatch("0x" + token[2:]) else None
    if token[0] in "48" and len(token) in (95, 106):
        return "monero"
    kind = _LEGACY_PREFIX.get(token[0])
    if kind == "bitcoin" and 26 <= len(token) <= 35:
        return kind
    if kind in ("litecoin", "dogecoin", "tron") and len(token) == 34:
        return kind
    return None


def validate_address(kind: str, address: str) -> bool:
    """Whether `address` is a well-formed address of `kind` with a correct checksum."""
    lower = address.lower()
    if kind == "bitcoin":
        if lower.startswith("bc1"):
            return bech32_decode(address, "bc") is not None
        return _btc_legacy_ok(address)
    if kind == "litecoin":
        if lower.startswith("ltc1"):
            return bech32_decode(address, "ltc") is not None
        return _base58_version_ok(address, (0x30, 0x32, 0x05))
    if kind == "dogecoin":
        return _base58_version_ok(address, (0x1E, 0x16))
    if kind == "tron":
        return _tron_ok(address)
    if kind == "ethereum":
        return eip55_ok(address)
    if kind == "monero":
        return monero_ok(address)
    return False


# Candidates: any run of ASCII letters and digits of an address's length, so that a look-alike
# with a character outside the coin's alphabet (0, O, I, l in base58; b, i, o in bech32) is
# still found, and reported as invalid.
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{14,106}(?![A-Za-z0-9])")
_BASE58_SET = frozenset(_B58)
_BECH32_SET = frozenset(_BECH32_CHARSET + _BECH32_CHARSET.upper())


def _address_like(kind: str, token: str) -> bool:
    """Whether a token of an address's prefix and length is worth reporting at all.

    Real addresses mix letters and digits; a look-alike differs from one by a character or two,
    so a token with more characters outside the coin's alphabet is an ordinary word or code."""
    body = token[2:] if kind == "ethereum" else token
    if body.isdigit() or body.isalpha():
        return False
    lower = token.lower()
    if kind == "ethereum":
        return True  # the pattern already required 40 hex digits
    if lower.startswith(("bc1", "ltc1")):
        alphabet, letters_mixed = _BECH32_SET, True
    else:
        alphabet = _BASE58_SET
        letters_mixed = any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)
    outside = sum(char not in alphabet for char in token)
    return outside <= 2 and letters_mixed


def find_addresses(text: str, *, limit: int = MAX_CANDIDATES) -> list[Payment]:
    """Every token shaped like a wallet address, in text order, each with its checksum result."""
    found: list[Payment] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        kind = address_kind(token)
        if kind is None or not _address_like(kind, token):
            continue
        if len(found) >= limit:
            break
        found.append(
            Payment(
                kind=kind,
                value=token,
                valid=validate_address(kind, token),
                currency=COIN_CURRENCY[kind],
                start=match.start(),
                end=match.end(),
            )
        )
    return found


def valid_wallet_kinds(text: str) -> list[str]:
    """Kinds of the VALID wallet addresses in `text`, in order, each once (for page analysis)."""
    return list(dict.fromkeys(p.kind for p in find_addresses(text) if p.valid))


# -------------------------------------------------------------------------------------- IBAN

# Length of a full IBAN per country, from the ISO 13616 IBAN registry (SWIFT, release 2024).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def iban_ok(iban: str) -> bool:
    """A compact IBAN (no spaces) of a registered country, of that country's length, that
    passes mod-97 (ISO 7064)."""
    iban = iban.upper()
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None or len(iban) != expected or not iban[2:4].isdigit():
        return False
    if not iban.isalnum() or not iban.isascii():
        return False
    try:
        return _agreed(validators.iban(iban))
    except validators.ValidationError:
        return False


# Each repetition takes exactly one character (after an optional single separator), so the
# match is unambiguous and linear. Letters are upper-case only: IBANs are printed that way, and
# lower-case words after an IBAN must not be swallowed into it.
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}[0-9]{2}(?:[ \-]?[A-Z0-9]){8,30})")


def _group4(compact: str) -> str:
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def find_ibans(text: str, *, limit: int = MAX_CANDIDATES) -> list[Payment]:
    """IBANs of registered countries, in text order. One that has the wrong length or fails
    mod-97 is reported with valid False."""
    found: list[Payment] = []
    for match in _IBAN.finditer(text):
        raw = match.group(1)
        country = raw[:2]
        expected = IBAN_LENGTHS.get(country)
        if expected is None:
            continue
        # Keep characters up to the country's length: an upper-case word or a number printed
        # right after the IBAN ("... 189 BIC ...") would otherwise be read as part of it.
        compact, end = "", match.start(1)
        for offset, char in enumerate(raw):
            if char.isalnum():
                if len(compact) == expected:
                    break
                compact += char
            end = match.start(1) + offset + 1
        if len(compact) < 15:  # the shortest IBAN (Norway): shorter is not worth reporting
            continue
        found.append(
            Payment("iban", _group4(compact), iban_ok(compact), start=match.start(1), end=end)
        )
        if len(found) >= limit:
            break
    return found


# ---------------------------------------------------------------------------------- vouchers

_I = re.IGNORECASE
# Brand -> the words that name it. PCS is matched in capitals, or with a word that makes it a
# payment ("coupon PCS", "PCS Mastercard"), since "pcs" is also an abbreviation of "pieces".
VOUCHER_BRANDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "PCS",
        re.compile(
            r"\bPCS\b|\b(?i:pcs)(?=\s+(?i:mastercard|coupons?|recharges?|codes?|tickets?|cards?))"
            r"|(?i:coupons?|recharges?|codes?|tickets?|cartes?)\s+(?i:pcs)\b"
        ),
    ),
    ("Transcash", re.compile(r"\btrans\s?cash\b", _I)),
    ("Neosurf", re.compile(r"\bneo\s?surf\b", _I)),
    ("Paysafecard", re.compile(r"\bpay\s?safe\s?cards?\b|\bpaysafe\b", _I)),
    ("Toneo First", re.compile(r"\btoneo\b", _I)),
    (
        "Google Play",
        re.compile(r"\bgoogle\s+play\b(?=.{0,30}\b(?:cards?|cartes?|codes?|gift))", _I),
    ),
    (
        "Apple / iTunes",
        re.compile(
            r"\bitunes\b|\bapple\s+(?:gift\s+)?cards?\b|\bcartes?\s+(?:cadeaux?\s+)?apple\b", _I
        ),
    ),
    (
        "Amazon",
        re.compile(r"\bamazon\s+(?:gift\s+)?cards?\b|\bcartes?\s+(?:cadeaux?\s+)?amazon\b", _I),
    ),
    ("Steam", re.compile(r"\bsteam\s+(?:gift\s+|wallet\s+)?cards?\b|\bcartes?\s+steam\b", _I)),
    (
        "gift card",
        re.compile(
            r"\bgift\s?cards?\b|\bcartes?[\s-]+cadeaux?\b|\bcoupons?\s+de\s+recharge\b"
            r"|\btickets?\s+de\s+recharge\b|\bcartes?\s+pr[ée]pay[ée]es?\b|\bprepaid\s+cards?\b"
            r"|\bcodes?\s+de\s+recharge\b",
            _I,
        ),
    ),
)
# A code printed near a brand word: 8 to 20 capitals and digits, possibly in groups separated by
# spaces or dashes, each group with a digit and the whole with at least four (so that words,
# even in capitals, are not codes).
_CODE_GROUP = r"(?=[A-Z]{0,19}[0-9])[A-Z0-9]{2,20}"
_VOUCHER_CODE = re.compile(
    rf"(?<![A-Za-z0-9])({_CODE_GROUP}(?:[ \-]{_CODE_GROUP}){{0,4}})(?![A-Za-z0-9])"
)


# Substrings one of which every brand pattern above needs (a cheap first test).
_VOUCHER_HINTS = (
    "pcs", "trans", "neo", "paysafe", "toneo", "google", "itunes", "apple", "amazon", "steam",
    "gift", "cadeau", "coupon", "ticket", "pr\u00e9pay", "prepay", "prepaid", "recharge",
)  # fmt: skip


def find_vouchers(text: str, *, limit: int = MAX_CANDIDATES) -> list[Payment]:
    """Prepaid-voucher demands: one `voucher` item per brand named (value: the brand), and one
    `voucher_code` item per code printed within 80 characters after a brand word (and before the
    next one). Neither can be
    validated offline (valid None)."""
    found: list[Payment] = []
    lower = text.lower()
    if not any(word in lower for word in _VOUCHER_HINTS):
        return found  # the usual case: ten patterns spared
    seen: set[str] = set()
    mentions: list[tuple[int, int, str]] = []
    for brand, pattern in VOUCHER_BRANDS:
        for match in pattern.finditer(text):
            mentions.append((match.start(), match.end(), brand))
            if len(mentions) >= limit:
                break
    mentions.sort()
    specific = {b for _, _, b in mentions if b != "gift card"}
    codes_seen: set[str] = set()
    for index, (start, end, brand) in enumerate(mentions):
        # A code belongs to the brand named just before it: the window stops at the next one.
        stop = min(len(text), end + 80, *(m[0] for m in mentions[index + 1 : index + 2]))
        # "carte cadeau Amazon": the brand says more than the generic words.
        if brand not in seen and not (brand == "gift card" and specific):
            seen.add(brand)
            found.append(Payment("voucher", brand, None, start=start, end=end))
        for code in _VOUCHER_CODE.finditer(text, end, min(len(text), stop + 40)):
            if code.start(1) >= stop:
                break  # a code may run past the window, but must start inside it
            value = code.group(1)
            compact = re.sub(r"[ \-]", "", value)
            digits = sum(c.isdigit() for c in compact)
            if not 8 <= len(compact) <= 20 or digits < 4 or compact in codes_seen:
                continue
            codes_seen.add(compact)
            found.append(
                Payment(
                    "voucher_code",
                    value,
                    None,
                    brand=brand,
                    start=code.start(1),
                    end=code.end(1),
                )
            )
        if len(found) >= limit:
            break
    return found


# ----------------------------------------------------------------------------------- amounts

# Currency words -> ISO 4217 code (or the coin's ticker).
_CURRENCY_WORDS: tuple[tuple[str, str], ...] = (
    (r"€|eur\b|euros?\b", "EUR"),
    (r"(?:ca\$|c\$|\$\s?ca\b|cad\b|dollars?\s+canadiens?\b|canadian\s+dollars?\b)", "CAD"),
    (r"(?:us\$|\$|usd\b|dollars?\b)", "USD"),
    (r"£|gbp\b|pounds?(?:\s+sterling)?\b|livres?\s+sterling\b", "GBP"),
    (r"chf\b|francs?\s+suisses?\b|swiss\s+francs?\b", "CHF"),
    (r"btc\b|bitcoins?\b|bitcoin\b", "BTC"),
    (r"eth\b|ether\b|ethereum\b", "ETH"),
    (r"usdt\b|tether\b", "USDT"),
    (r"xmr\b|monero\b", "XMR"),
    (r"ltc\b|litecoins?\b", "LTC"),
)
_CURRENCY_ALT = "|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(_CURRENCY_WORDS))
# A number: grouped thousands (1 000, 1.000, 1,000, 1'000, with normal, non-breaking or thin
# spaces) or plain digits, with an optional decimal part. Bounded repetitions keep it linear.
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,'’]\d{3}){1,4}(?:[.,]\d{1,8})?|\d{1,12}(?:[.,]\d{1,8})?"
_AMOUNT_AFTER = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})\s?(?:{_CURRENCY_ALT})(?![\w])",
    _I,
)
_CURRENCY_BEFORE_ALT = (
    r"(?P<b0>€)|(?P<b1>ca\$|c\$)|(?P<b2>us\$|\$)|(?P<b3>£)|(?P<b4>eur|usd|gbp|chf|cad|btc)"
)
_AMOUNT_BEFORE = re.compile(
    rf"(?<![\w$€£])(?:{_CURRENCY_BEFORE_ALT})\s?(?P<num>{_NUMBER})(?![\w]|[.,]\d)",
    _I,
)
_BEFORE_CODES = {"b0": "EUR", "b1": "CAD", "b2": "USD", "b3": "GBP"}


_CRYPTO = frozenset({"BTC", "ETH", "USDT", "XMR", "LTC"})


def parse_number(text: str, *, crypto: bool = False) -> Decimal | None:
    """'1 000' -> 1000, '1.200,50' -> 1200.50, '$1,200' -> 1200, '0,05' -> 0.05, '1,5' -> 1.5.

    A separator followed by exactly three digits is a thousands separator, except in a number
    that starts with 0 ("0,050" is a fraction) and for a coin written with one point ("1.250
    BTC": coins are counted in fractions, and nobody demands 1,250 bitcoins); the last other
    separator is the decimal mark."""
    text = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    text = text.replace(" ", "").replace("'", "")
    separators = [i for i, c in enumerate(text) if c in ".,"]
    if not separators:
        digits = text
    else:
        last = separators[-1]
        decimals = len(text) - last - 1
        mixed = len({text[i] for i in separators}) > 1
        one_point = len(separators) == 1 and text[last] == "."
        if mixed or decimals != 3 or text.startswith("0") or (crypto and one_point):
            # The last separator is the decimal mark; any other one groups thousands.
            digits = text[:last].replace(".", "").replace(",", "") + "." + text[last + 1 :]
        else:
            digits = text.replace(".", "").replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class Amount:
    value: int | float
    currency: str
    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, object]:
        return {"kind": "amount", "value": self.value, "currency": self.currency}


def find_amounts(text: str, *, limit: int = MAX_CANDIDATES) -> list[Amount]:
    """Sums with their currency ("500 €", "€ 500", "1 000 euros", "$1,200", "0.05 BTC"), in
    text order. A number without a currency is not an amount."""
    found: list[Amount] = []
    for pattern, codes in ((_AMOUNT_AFTER, None), (_AMOUNT_BEFORE, _BEFORE_CODES)):
        for match in pattern.finditer(text):
            group = next(
                name for name, value in match.groupdict().items() if value and name != "num"
            )
            if codes is None:
                currency = _CURRENCY_WORDS[int(group[1:])][1]
            else:
                currency = codes.get(group) or match.group(group).upper()
            value = parse_number(match.group("num"), crypto=currency in _CRYPTO)
            if value is None or value <= 0:
                continue
            found.append(
                Amount(_json_number(value), currency, match.group(0), match.start(), match.end())
            )
            if len(found) >= limit:
                break
    found.sort(key=lambda a: a.start)
    # "€500 EUR" matches both ways: keep the first reading of overlapping spans.
    out: list[Amount] = []
    for amount in found:
        if out and amount.start < out[-1].end:
            continue
        out.append(amount)
    return out
