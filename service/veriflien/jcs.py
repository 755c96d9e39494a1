"""The JSON Canonicalization Scheme (JCS, RFC 8785): one byte string per JSON value.

A signed result must survive what clients do to JSON: the console re-serialises it with
`JSON.stringify(result, null, 2)`, a text editor re-indents it, another language reorders its
keys. The signature therefore covers the document's canonical form, which depends on its values
only. RFC 8785 defines that form as ECMAScript's `JSON.stringify` would write the value with its
object members sorted:

- no whitespace between tokens;
- object members sorted by their names compared as arrays of UTF-16 code units (section 3.2.3),
  which is NOT code-point order: U+1F600 (surrogates D83D DE00) sorts before U+FB33;
- strings escaped as ECMAScript does (section 3.2.2.2): `\\"` and `\\\\`, the short escapes
  `\\b \\f \\n \\r \\t`, other characters below U+0020 as `\\u00XX` in lower-case hex, everything
  else (U+007F, U+2028, any non-ASCII) as its UTF-8 bytes;
- numbers as ECMAScript's Number.prototype.toString writes the IEEE 754 double (section 3.2.2.3):
  the shortest digits that read back as the same double, in plain notation from 1e-6 to below
  1e21 and exponent notation (`1e+21`, `1.5e-7`) outside; `-0` is `0`;
- the result encoded in UTF-8.

I-JSON's limits (RFC 7493) apply, as RFC 8785 requires: NaN, infinities, lone surrogates and
integers beyond ±(2**53 - 1) are refused with ValueError. Integers are refused rather than rounded
to a double, because two documents differing only in such a number would otherwise share one
canonical form, hence one signature.

Python's own `json.dumps` differs on number notation (`1e-07`, `100.0`) and key order, so only its
C string escaper is reused: it escapes exactly the characters ECMAScript escapes, the same way.

Every answer is signed, cache hits included, so this sits on the hottest path of the service. A
result document usually holds no float and no character beyond U+FFFF in a member name; for such
a value orjson's sorted output (written in Rust) already is the canonical form, byte for byte:
integers are written alike (orjson refuses those beyond 2**53 - 1 with OPT_STRICT_INTEGER),
strings are escaped alike (the tests compare both writers, and Node, on thousands of values),
and code-point order equals UTF-16 order below U+10000. `canonical_json` therefore looks for a
float first (one walk over the containers, a third of the reference writer's cost) and takes
orjson's output when there is none and its bytes hold no 4-byte UTF-8 sequence; anything else (a
float, NaN, a lone surrogate, a type orjson would write and JCS refuses) goes through the
reference writer below.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # the C escaper when available
from typing import Any

import orjson

__all__ = [
    "MAX_SAFE_INTEGER",
    "canonical_json",
    "canonical_number",
    "loads",
    "reference_canonical_json",
]

MAX_SAFE_INTEGER = 2**53 - 1


# orjson's options for the fast path: sorted members, integers past 53 bits refused, and every type
# JCS does not know (dates, dataclasses, subclasses such as IntEnum) handed back as an error, so
# that the reference writer decides.
_FAST_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_STRICT_INTEGER
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
# Lead bytes of 4-byte UTF-8 sequences: a character above U+FFFF, whose member-name order differs.
_ABOVE_BMP = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dict, list, str, int, float, bool,
    None; tuples are arrays). ValueError for what I-JSON refuses, TypeError for other types."""
    if not _holds_float(value):
        try:
            fast = orjson.dumps(value, option=_FAST_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):  # a lone surrogate, a huge integer, odd types
            pass
        else:
            if fast.isascii() or not any(lead in fast for lead in _ABOVE_BMP):
                return fast
    return reference_canonical_json(value)


def _holds_float(value: Any) -> bool:
    """Whether a float (NaN and infinities included) sits anywhere in the value."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif kind is float or (kind is not str and isinstance(item, float)):
            return True
    return False


def reference_canonical_json(value: Any) -> bytes:
    """`canonical_json` written out in Python, rule by rule: the writer every doubt falls back
    to, and the reference the tests hold the fast path to."""
    parts: list[str] = []
    _write(value, parts.append)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: not Unicode, so not I-JSON
        raise ValueError("a string holds a lone surrogate (RFC 8785, section 3.2.2.2)") from exc


def _utf16_order(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as their code units do.
    return name.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: Any) -> None:
    # Checked in the order result documents use them most; bool before int (bool is an int).
    if isinstance(value, str):
        out(encode_basestring(value))
    elif isinstance(value, dict):
        names = list(value)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"object member names must be strings, not {type(name).__name__}")
        # Code-point order equals UTF-16 order while no name has a character above U+FFFF.
        if all(name.isascii() for name in names):
            names.sort()
        else:
            names.sort(key=_utf16_order)
        out("{")
        first = True
        for name in names:
            if not first:
                out(",")
            first = False
            out(encode_basestring(name))
            out(":")
            _write(value[name], out)
        out("}")
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"integer beyond ±{MAX_SAFE_INTEGER} (I-JSON, RFC 7493)")
        out(str(int(value)))  # int(): an IntEnum's str() is its name
    elif isinstance(value, float):
        out(canonical_number(value))
    elif isinstance(value, list | tuple):
        out("[")
        first = True
        for item in value:
            if not first:
                out(",")
            first = False
            _write(item, out)
        out("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def canonical_number(value: float) -> str:
    """ECMAScript's Number.prototype.toString(value) (ECMA-262, Number::toString), as RFC 8785
    section 3.2.2.3 requires."""
    if not math.isfinite(value):
        raise ValueError("NaN and infinities are not JSON numbers (RFC 8785, section 3.2.2.3)")
    if value == 0:
        return "0"  # and -0
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digit string that reads back as the same double, nearest to the
    # exact value: the digits ECMAScript chooses (its step 5). Only the notation differs.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # n: where the decimal point falls relative to the first significant digit (ECMAScript's n).
    n = len(whole) + (int(exponent) if exponent else 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exp = n - 1
    exp_text = f"e+{exp}" if exp >= 0 else f"e-{-exp}"
    if k == 1:
        return sign + digits + exp_text
    return sign + digits[0] + "." + digits[1:] + exp_text


def loads(text: str | bytes) -> Any:
    """Parse I-JSON (RFC 7493) strictly, as a verifier must: ValueError for a repeated member name
    (readers disagree on which one counts, so a reader could be shown a value other than the
    signed one), NaN or infinities, and numbers that cannot be canonicalised."""
    return json.loads(
        text,
        object_pairs_hook=_unique_members,
        parse_constant=_refuse_constant,
        parse_int=_parse_int,
        parse_float=_parse_float,
    )


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for name, value in pairs:
        if name in obj:
            raise ValueError(f"the member name {name[:40]!r} appears twice in one object")
        obj[name] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    # The length test first: converting thousands of digits is itself a cost.
    if len(text.lstrip("-")) > len(str(MAX_SAFE_INTEGER)) or abs(int(text)) > MAX_SAFE_INTEGER:
        raise ValueError(f"the number {text[:20]} is beyond ±{MAX_SAFE_INTEGER} (I-JSON)")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large for JSON (I-JSON)")
    return value
