"""RFC 8785 (JCS): the canonical form the signature of every answer covers.

A verifier in another language (or a police lab's own script) rebuilds these bytes from the JSON
file: one character of difference and an intact document reads as forged, or a changed one as
intact. So the tricky cases of the RFC are pinned (key order by UTF-16 code units, ECMAScript
number notation, string escapes), and thousands of values are compared with what Node's own
`JSON.stringify` and `Number.prototype.toString` write: the definition RFC 8785 builds on.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import pytest

from veriflien.jcs import (
    MAX_SAFE_INTEGER,
    canonical_json,
    canonical_number,
    loads,
    reference_canonical_json,
)


def test_rfc8785_section_3_2_2_example() -> None:
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(text)) == expected.encode("utf-8")


def test_member_names_sort_by_utf16_code_units_not_code_points() -> None:
    # RFC 8785, section 3.2.3: U+1F600 is D83D DE00 in UTF-16, so it sorts BEFORE U+FB33,
    # although its code point is larger; U+0080 and U+00F6 sort after "1" and "\r".
    doc = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [name for name in json.loads(canonical_json(doc))]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert sorted(doc) != order  # code-point order would get it wrong


# RFC 8785, Appendix B: IEEE 754 bit patterns and what ECMAScript writes for them.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # -0
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBERS)
def test_numbers_are_written_as_ecmascript_writes_them(bits: str, text: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_number(value) == text
    assert canonical_json([value]) == f"[{text}]".encode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100.0, "100"),  # Python writes 100.0
        (1e-7, "1e-7"),  # Python writes 1e-07
        (1.5e-7, "1.5e-7"),
        (1e16, "10000000000000000"),  # Python writes 1e+16
        (1e21, "1e+21"),
        (123456789012345680000.0, "123456789012345680000"),
        (0.1, "0.1"),
        (-4.5, "-4.5"),
        (2, "2"),
        (MAX_SAFE_INTEGER, "9007199254740991"),
        (-MAX_SAFE_INTEGER, "-9007199254740991"),
    ],
)
def test_numbers_python_would_write_differently(value: float, text: str) -> None:
    assert canonical_json(value) == text.encode()


def test_an_integer_and_the_equal_double_have_one_form() -> None:
    # JSON has one number type: 12 and 12.0 are the same value, in every language's reader.
    assert canonical_json({"a": 12}) == canonical_json({"a": 12.0}) == b'{"a":12}'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("\u007f", '"\u007f"'),  # DEL is not escaped
        ("\u2028\u2029", '"\u2028\u2029"'),  # nor the JavaScript line separators
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001f"'),  # lower-case hex
        ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),  # the short escapes
        ('"\\/', '"\\"\\\\/"'),  # the solidus is never escaped
        ("é€😀", '"é€😀"'),  # UTF-8, never \\u escapes
        ("<script>&", '"<script>&"'),
    ],
)
def test_strings_are_escaped_as_ecmascript_escapes_them(value: str, text: str) -> None:
    assert canonical_json(value) == text.encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        MAX_SAFE_INTEGER + 1,
        -(MAX_SAFE_INTEGER + 1),
        "lone \ud800 surrogate",
        {"lone \udc00": 1},
        [1, [2, {"deep": float("nan")}]],
    ],
    ids=["nan", "inf", "-inf", "2**53", "-2**53", "surrogate", "surrogate-name", "nested-nan"],
)
def test_what_i_json_forbids_cannot_be_canonicalised(value: object) -> None:
    # An integer beyond 2**53 - 1 is refused rather than rounded: two documents differing only
    # there would otherwise share one canonical form, and one signature.
    with pytest.raises(ValueError):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1: "a"}, {"a": object()}, {"a": b"bytes"}, {"a": {1, 2}}])
def test_values_json_cannot_hold_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


def test_formatting_of_the_input_does_not_matter() -> None:
    doc = {"b": [1, 2.5, {"z": None, "y": "é"}], "a": True}
    texts = [
        json.dumps(doc),
        json.dumps(doc, indent=4, sort_keys=True),
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
        '{ "a" : true ,\r\n"b":[1,25e-1,{"y":"\\u00e9","z":null}]}',
    ]
    assert {canonical_json(loads(text)) for text in texts} == {
        b'{"a":true,"b":[1,2.5,{"y":"\xc3\xa9","z":null}]}'
    }


# --- the strict reader the verifiers use -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"verdict": "private", "verdict": "public"}',
        '{"a": {"b": 1, "b": 2}}',
        '[{"x": 1}, {"y": 1, "y": 1}]',
    ],
)
def test_a_repeated_member_name_is_refused(text: str) -> None:
    # Python and JavaScript keep the last value, a person reading the file sees the first.
    with pytest.raises(ValueError, match="twice"):
        loads(text)


@pytest.mark.parametrize(
    "text", ["[NaN]", "[Infinity]", "[-Infinity]", "[1e999]", "[" + "9" * 17 + "]"]
)
def test_numbers_beyond_i_json_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_a_byte_order_mark_is_read() -> None:
    # Windows Notepad writes one when it saves UTF-8.
    assert loads('\ufeff{"a": "é"}'.encode()) == {"a": "é"}


# --- against ECMAScript itself ----------------------------------------------------------------

# RFC 8785's reference algorithm, written for Node: JSON.stringify for strings and numbers,
# names sorted by Array.prototype.sort (UTF-16 code units).
_NODE_CANONICALIZE = r"""
const canon = (v) => {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  const members = Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canon(v[k]));
  return "{" + members.join(",") + "}";
};
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
process.stdout.write(lines.map((line) => JSON.stringify(canon(JSON.parse(line)))).join("\n"));
"""

_ALPHABET = (
    'aZ09 _-"\\/\b\f\n\r\t\x00\x1f\x7f\x80\u00e9\u2028\u2029\u20ac\ud7ff\ue000\ufb33\ufeff'
    "\uffff\U00010000\U0001f600\U0010ffff"
)


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 6)))


def _number(rng: random.Random) -> float | int:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randint(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    if kind == 1:
        return round(rng.uniform(-1e4, 1e4), rng.randint(0, 6))
    if kind == 2:
        return rng.choice([0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e-6, 1e-7, 1e20, 1e21, 5e-324, -0.0])
    while True:  # any finite double, drawn from its bits
        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            return value


def _value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 3 else 5)
    if kind == 0:
        return _text(rng)
    if kind == 1:
        return _number(rng)
    if kind == 2:
        return rng.choice([None, True, False])
    if kind in (3, 4):
        return _number(rng) if kind == 3 else _text(rng)
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_canonical_form_matches_ecmascript_on_thousands_of_values() -> None:
    node = shutil.which("node")
    assert node, "node (a test tool of this project, README: tests) is needed for this test"
    rng = random.Random(8785)
    docs = [_value(rng) for _ in range(3000)] + [
        struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(20000)
    ]
    docs = [doc for doc in docs if not (isinstance(doc, float) and not math.isfinite(doc))]
    # ASCII transport: every character, lone surrogates aside (there are none), reaches Node as is.
    lines = "\n".join(json.dumps(doc) for doc in docs)
    out = subprocess.run(
        [node, "-e", _NODE_CANONICALIZE], input=lines, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert len(out) == len(docs)
    mismatches = [
        (doc, expected)
        for doc, expected in zip(docs, out, strict=True)
        if canonical_json(doc) != json.loads(expected).encode("utf-8")
    ]
    assert mismatches == []


def test_the_fast_path_writes_what_the_reference_writer_writes() -> None:
    # canonical_json keeps orjson's sorted output only when those bytes show no number or
    # character where the two could differ; the random corpus holds both kinds of documents, and
    # a result document (no fractional number) is the case that matters for speed.
    rng = random.Random(1785)
    docs = [_value(rng) for _ in range(5000)]
    docs += [
        {"verdict": "public", "findings": [{"code": "http_ok", "strength": 3, "probe": "fetch"}]},
        {"n": 999_999_999_999_999, "m": -1, "s": "ratio:1.5,[2e3", "t": ["\U0001f600", "\ufb33"]},
    ]
    mismatches = []
    for doc in docs:
        try:
            expected = reference_canonical_json(doc)
        except ValueError:
            with pytest.raises(ValueError):
                canonical_json(doc)
            continue
        if canonical_json(doc) != expected:
            mismatches.append(doc)
    assert mismatches == []
