"""veriflien.payments: every checksum against published vectors, look-alikes always invalid, and
what the `validators` library does and does not verify (the reason for each completion)."""

from __future__ import annotations

import hashlib
import string

import pytest
import validators
from hypothesis import given, settings
from hypothesis import strategies as st

from messages_corpus import (
    BTC_LOOKALIKE,
    BTC_LOOKALIKE_O,
    BTC_P2PKH,
    BTC_P2PKH_2,
    BTC_P2SH,
    BTC_P2WSH,
    BTC_SEGWIT,
    BTC_TAPROOT,
    DOGE,
    ETH_EIP55,
    ETH_EIP55_2,
    ETH_LOOKALIKE,
    ETH_LOWER,
    LTC_LEGACY,
    LTC_SEGWIT,
    MONERO,
    TRON,
)
from veriflien import payments
from veriflien.payments import (
    address_kind,
    base58check_decode,
    base58check_encode,
    bech32_decode,
    eip55_ok,
    find_addresses,
    find_amounts,
    find_ibans,
    find_vouchers,
    iban_ok,
    keccak256,
    monero_ok,
    parse_number,
    validate_address,
)

GENESIS_HASH160 = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")

VALID = [
    ("bitcoin", BTC_P2PKH),
    ("bitcoin", BTC_P2PKH_2),
    ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("bitcoin", "1111111111111111111114oLvT2"),  # hash160 of zeros: leading-zero bytes
    ("bitcoin", BTC_P2SH),
    ("bitcoin", BTC_SEGWIT),
    ("bitcoin", BTC_SEGWIT.upper()),  # BIP-173: one case, either case
    ("bitcoin", BTC_P2WSH),
    ("bitcoin", BTC_TAPROOT),
    ("ethereum", ETH_EIP55),
    ("ethereum", ETH_EIP55_2),
    ("ethereum", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"),
    ("ethereum", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"),
    ("ethereum", ETH_LOWER),
    ("ethereum", "0x52908400098527886E0F7030069857D2E4169EE7"),  # all caps: no checksum
    ("litecoin", LTC_LEGACY),
    ("litecoin", LTC_SEGWIT),
    ("dogecoin", DOGE),
    ("tron", TRON),
    ("tron", "TLjfbTbpZYDQ4EoA4N5CLNgGjfbF8ZWz38"),
    ("monero", MONERO),
]

INVALID = [
    ("bitcoin", BTC_LOOKALIKE),  # last character changed
    ("bitcoin", BTC_LOOKALIKE_O),  # 'O' is outside base58
    ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"),  # checksum
    ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4"),  # mixed case
    # BIP-350 invalid vectors: v1+ program with a bech32 (not bech32m) checksum, and a v0
    # program with a bech32m checksum.
    ("bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"),
    ("bitcoin", "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL"),
    ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"),
    ("bitcoin", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"),  # testnet hrp
    ("bitcoin", LTC_LEGACY),  # right checksum, Litecoin's version byte
    ("ethereum", ETH_LOOKALIKE),
    ("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),  # 39 digits
    ("litecoin", "LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnK"),
    ("dogecoin", "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLF"),
    ("dogecoin", BTC_P2PKH),
    ("tron", "TLeUZDGLWnyiJVFcp3m3M1782uBsGWa8uF"),
    ("monero", MONERO[:-1] + ("f" if MONERO[-1] != "f" else "g")),
    ("monero", "8" + MONERO[1:]),  # a sub-address network byte with a standard address's body
]


@pytest.mark.parametrize(("kind", "address"), VALID)
def test_valid_addresses_validate(kind: str, address: str) -> None:
    assert address_kind(address) == kind
    assert validate_address(kind, address)


@pytest.mark.parametrize(("kind", "address"), INVALID)
def test_look_alikes_and_wrong_checksums_do_not(kind: str, address: str) -> None:
    assert not validate_address(kind, address)


def test_the_coin_vectors_are_the_same_key_in_each_encoding() -> None:
    """The corpus' legacy and segwit vectors all carry the genesis key's hash160: each decoder
    gives back the same 20 bytes, which ties every vector to an independent published value
    (BIP-173 gives this program for its first P2WPKH example)."""
    assert base58check_decode(BTC_P2PKH) == b"\x00" + GENESIS_HASH160
    assert bech32_decode(BTC_SEGWIT, "bc") == (0, GENESIS_HASH160)
    assert bech32_decode(LTC_SEGWIT, "ltc") == (0, GENESIS_HASH160)
    for address, version in ((LTC_LEGACY, 0x30), (DOGE, 0x1E), (TRON, 0x41)):
        assert base58check_decode(address) == bytes([version]) + GENESIS_HASH160
        assert base58check_encode(bytes([version]) + GENESIS_HASH160) == address


def test_keccak256_published_vectors() -> None:
    # Keccak-256 (Ethereum's), not NIST SHA3-256: the empty string and "abc".
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert keccak256(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_keccak_sponge_equals_hashlib_sha3_with_sha3_padding(data: bytes) -> None:
    """Same permutation, same rate: with SHA3's padding byte it must be hashlib's SHA3-256, for
    inputs of every length across several blocks (136 bytes each)."""
    assert keccak256(data, pad=0x06) == hashlib.sha3_256(data).digest()


def test_eip55_one_case_flip_is_caught() -> None:
    body = ETH_EIP55[2:]
    letters = [i for i, c in enumerate(body) if c.isalpha()]
    for index in letters:
        flipped = body[:index] + body[index].swapcase() + body[index + 1 :]
        assert not eip55_ok("0x" + flipped), index


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([a for k, a in VALID if k != "ethereum" and not a.isupper()]),
    st.integers(min_value=0),
    st.sampled_from("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"),
)
def test_any_one_character_substitution_is_invalid(address: str, where: int, char: str) -> None:
    """A look-alike with one wrong character never passes: base58check catches a substitution
    with probability 1 - 2**-32, bech32 and bech32m catch every single substitution (BCH code),
    Monero's Keccak checksum likewise."""
    index = where % len(address)
    if address.lower().startswith(("bc1", "ltc1")):
        char = payments._BECH32_CHARSET[ord(char) % 32]
        if index < address.index("1") + 1:
            return  # the human-readable part is not data
    if address[index] == char:
        return
    changed = address[:index] + char + address[index + 1 :]
    kind = address_kind(address)
    assert kind is not None
    assert not validate_address(kind, changed)


def test_monero_integrated_address_length_is_checked() -> None:
    assert monero_ok(MONERO)
    assert not monero_ok(MONERO + "1" * 11)


# ------------------------------------------------------------- what `validators` checks alone


def test_validators_btc_checks_the_checksum_but_not_the_coin() -> None:
    """Why the version byte is checked here: validators.btc_address accepts a Litecoin address
    (right checksum, wrong coin), and only pattern-matches segwit addresses."""
    assert validators.btc_address(LTC_LEGACY) is True
    assert not validate_address("bitcoin", LTC_LEGACY)
    bad_segwit = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"
    assert validators.btc_address(bad_segwit)  # the regex alone says yes
    assert not validate_address("bitcoin", bad_segwit)
    # And it agrees with ours on every legacy checksum of the corpus.
    for kind, address in VALID + INVALID:
        if kind == "bitcoin" and address[0] in "13" and set(address) <= set(payments._B58):
            ours = base58check_decode(address) is not None
            assert bool(validators.btc_address(address)) == ours, address


def test_validators_iban_checks_mod97_but_not_the_country_length() -> None:
    # Germany's IBANs have 22 characters; this one has 23 and still passes mod-97.
    too_long = _fix_mod97("DE00370400440532013000" + "1")
    assert validators.iban(too_long) is True
    assert not iban_ok(too_long)


def _fix_mod97(iban: str) -> str:
    """Set the two check digits of `iban` so that mod-97 passes (ISO 7064)."""
    body = iban[4:] + iban[:2] + "00"
    digits = "".join(str(int(c, 36)) for c in body)
    check = 98 - int(digits) % 97
    return f"{iban[:2]}{check:02d}{iban[4:]}"


# -------------------------------------------------------------------------------------- IBAN

IBANS = [
    "FR1420041010050500013M02606",
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "BE68539007547034",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NL91ABNA0417164300",
    "LU280019400644750000",
    "PT50000201231234567890154",
    "NO9386011117947",
    "MT84MALT011000012345MTLCAST001S",
]


@pytest.mark.parametrize("iban", IBANS)
def test_registry_example_ibans_are_valid(iban: str) -> None:
    assert iban_ok(iban)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(IBANS), st.integers(min_value=4), st.sampled_from(string.digits))
def test_a_changed_digit_fails_mod97(iban: str, where: int, digit: str) -> None:
    index = 4 + where % (len(iban) - 4)
    if iban[index] == digit or not iban[index].isdigit():
        return
    assert not iban_ok(iban[:index] + digit + iban[index + 1 :])


def test_unknown_country_or_wrong_length_is_not_an_iban() -> None:
    assert not iban_ok(_fix_mod97("ZZ001234567890123456"))
    assert not iban_ok("FR1420041010050500013M0260")  # one character short


def test_find_ibans_reads_grouped_ibans_and_stops_at_the_country_length() -> None:
    text = "IBAN : FR14 2004 1010 0505 0001 3M02 606 BIC PSSTFRPPXXX, titulaire M. X"
    found = find_ibans(text)
    assert [(p.value, p.valid) for p in found] == [("FR14 2004 1010 0505 0001 3M02 606", True)]
    assert find_ibans("iban FR14-2004-1010-0505-0001-3M02-607")[0].valid is False
    short = find_ibans("sur FR14 2004 1010 0505 0001 3M02 60 merci")
    assert [(p.value, p.valid) for p in short] == [("FR14 2004 1010 0505 0001 3M02 60", False)]


# ---------------------------------------------------------------------------- finding them


def test_find_addresses_in_text_with_look_alikes_marked_invalid() -> None:
    text = (
        f"Send to {BTC_P2PKH_2}, or ({BTC_LOOKALIKE}); ETH {ETH_EIP55_2}. "
        f"Also bitcoin:{BTC_SEGWIT}?amount=0.01 and a word: Supercalifragilisticexpialidocious."
    )
    found = [(p.kind, p.value, p.valid) for p in find_addresses(text)]
    assert found == [
        ("bitcoin", BTC_P2PKH_2, True),
        ("bitcoin", BTC_LOOKALIKE, False),
        ("ethereum", ETH_EIP55_2, True),
        ("bitcoin", BTC_SEGWIT, True),
    ]


def test_words_and_numbers_are_not_addresses() -> None:
    text = (
        "Transcashcodeseulementaujourdhui "
        "1234567890123456789012345678901234 0x" + "1" * 40 + " LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
    )
    assert find_addresses(text) == []


def test_valid_wallet_kinds_keeps_only_valid_ones() -> None:
    text = f"{BTC_LOOKALIKE} {ETH_EIP55} {MONERO} {ETH_LOOKALIKE}"
    assert payments.valid_wallet_kinds(text) == ["ethereum", "monero"]


def test_find_addresses_is_capped() -> None:
    text = " ".join([BTC_P2PKH] * 500)
    assert len(find_addresses(text)) == payments.MAX_CANDIDATES


# ---------------------------------------------------------------------------------- vouchers


def test_vouchers_brands_and_codes_are_never_validated() -> None:
    text = (
        "Achète 2 coupons PCS de 100€ et envoie-moi les codes. Paysafecard : 1234 5678 9012 3456"
        " merci. Neosurf A1B2C3D4E5, Transcash X4Y5Z6W7Q8R9, une carte cadeau Amazon."
    )
    found = [(p.kind, p.value, p.valid, p.brand) for p in find_vouchers(text)]
    assert found == [
        ("voucher", "PCS", None, None),
        ("voucher", "Paysafecard", None, None),
        ("voucher_code", "1234 5678 9012 3456", None, "Paysafecard"),
        ("voucher", "Neosurf", None, None),
        ("voucher_code", "A1B2C3D4E5", None, "Neosurf"),
        ("voucher", "Transcash", None, None),
        ("voucher_code", "X4Y5Z6W7Q8R9", None, "Transcash"),
        ("voucher", "Amazon", None, None),
    ]


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("pay with steam gift cards", "Steam"),
        ("des cartes prépayées", "gift card"),
        ("iTunes cards only", "Apple / iTunes"),
        ("une recharge Toneo First", "Toneo First"),
        ("PCS Mastercard", "PCS"),
        ("ticket de recharge", "gift card"),
        ("buy a Google Play card", "Google Play"),
    ],
)
def test_voucher_brand_words(text: str, brand: str) -> None:
    assert [p.value for p in find_vouchers(text)] == [brand]


@pytest.mark.parametrize(
    "text", ["10 pcs of screws", "Amazon delivered the parcel", "google play store", "neon"]
)
def test_ordinary_words_are_not_vouchers(text: str) -> None:
    assert find_vouchers(text) == []


# ----------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("envoyez 500 € en Bitcoin", [(500, "EUR")]),
        ("€ 500", [(500, "EUR")]),
        ("500 euros", [(500, "EUR")]),
        ("$1,200", [(1200, "USD")]),
        ("0.05 BTC", [(0.05, "BTC")]),
        ("0,05 BTC", [(0.05, "BTC")]),
        ("1 000 €", [(1000, "EUR")]),
        ("1\u202f000\u00a0€", [(1000, "EUR")]),
        ("1.500,00 €", [(1500, "EUR")]),
        ("US$ 1,000.50", [(1000.5, "USD")]),
        ("USD 300 then 200 CHF", [(300, "USD"), (200, "CHF")]),
        ("2 000 dollars canadiens", [(2000, "CAD")]),
        ("CA$ 75", [(75, "CAD")]),
        ("£350", [(350, "GBP")]),
        ("1.250 BTC", [(1.25, "BTC")]),
        ("0.9 ETH", [(0.9, "ETH")]),
        ("100 USDT", [(100, "USDT")]),
        ("€500 EUR", [(500, "EUR")]),
        ("dans 48 heures, 12 photos, le 3 mars", []),
        ("0 €", []),
    ],
)
def test_amounts(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(a.value, a.currency) for a in find_amounts(text)] == expected


def test_amount_json_has_no_valid_field() -> None:
    assert find_amounts("500 €")[0].to_json() == {"kind": "amount", "value": 500, "currency": "EUR"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 000", "1000"), ("1.200,50", "1200.50"), ("1,200", "1200"), ("0,050", "0.050")],
)
def test_parse_number(text: str, value: str) -> None:
    assert str(parse_number(text)) == value


# ------------------------------------------------------------------------------ robustness


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " .,€$@:-\n", max_size=3000))
def test_finders_never_fail_and_stay_in_bounds(text: str) -> None:
    for finder in (find_addresses, find_ibans, find_vouchers):
        for item in finder(text):
            assert 0 <= item.start < item.end <= len(text)
            assert item.valid in (True, False, None)
    for amount in find_amounts(text):
        assert amount.value > 0
