"""Bytes to text the way browsers do it: WHATWG encoding labels and HTML encoding sniffing only.

Why this exists: the victim sees a page as their browser decodes it, so the service must read the
same text. Python's codec registry knows far more names than the Encoding Standard, and some are
not text encodings at all (`punycode`, `idna`, `zlib`, `rot13`, `undefined`, `base64`...): a
hostile page declaring `<meta charset="punycode">` used to turn its own phishing form and ransom
note into garbage or an exception, and its "suspicious" verdict into "unknown" (issue 13).
Browsers ignore such labels and show the page. So:

- only the labels of the Encoding Standard (encoding.spec.whatwg.org, "Names and labels") are
  recognised; any other label is ignored, exactly like a missing one;
- HTML is decoded with the HTML standard's encoding sniffing algorithm: byte order mark, then the
  HTTP `charset`, then the `<meta>` prescan of the first 1024 bytes (where UTF-16 labels mean
  UTF-8 and x-user-defined means windows-1252), then a UTF-8 sniff, then windows-1252 (the
  default for the French and English locales the service speaks);
- decoding never raises: broken bytes become U+FFFD, and any failure falls back to windows-1252,
  which maps every byte.
"""

from __future__ import annotations

import codecs

# Every label of the Encoding Standard, grouped by the encoding it names (WHATWG Encoding,
# section 4.2 "Names and labels"). Labels are matched after trimming ASCII whitespace and
# lowercasing ASCII letters; nothing else is accepted.
_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": (
        "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8",
    ),
    "ibm866": ("866", "cp866", "csibm866", "ibm866"),
    "iso-8859-2": (
        "csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
        "iso_8859-2:1987", "l2", "latin2",
    ),
    "iso-8859-3": (
        "csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
        "iso_8859-3:1988", "l3", "latin3",
    ),
    "iso-8859-4": (
        "csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
        "iso_8859-4:1988", "l4", "latin4",
    ),
    "iso-8859-5": (
        "csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
        "iso_8859-5", "iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
        "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596",
        "iso_8859-6", "iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
        "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek",
    ),
    "iso-8859-8": (
        "csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
        "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual",
    ),
    "iso-8859-8-i": ("csiso88598i", "iso-8859-8-i", "logical"),
    "iso-8859-10": (
        "csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6",
    ),
    "iso-8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso-8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso-8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso-8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "macintosh": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "windows-874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "windows-1250": ("cp1250", "windows-1250", "x-cp1250"),
    "windows-1251": ("cp1251", "windows-1251", "x-cp1251"),
    "windows-1252": (
        "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
        "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
        "us-ascii", "windows-1252", "x-cp1252",
    ),
    "windows-1253": ("cp1253", "windows-1253", "x-cp1253"),
    "windows-1254": (
        "cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
        "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254",
    ),
    "windows-1255": ("cp1255", "windows-1255", "x-cp1255"),
    "windows-1256": ("cp1256", "windows-1256", "x-cp1256"),
    "windows-1257": ("cp1257", "windows-1257", "x-cp1257"),
    "windows-1258": ("cp1258", "windows-1258", "x-cp1258"),
    "x-mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gbk": (
        "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
        "iso-ir-58", "x-gbk",
    ),
    "gb18030": ("gb18030",),
    "big5": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso-2022-jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": (
        "csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j",
        "x-sjis",
    ),
    "euc-kr": (
        "cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
        "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949",
    ),
    # Encodings that made cross-site scripting possible are decoded as a single U+FFFD.
    "replacement": (
        "csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr",
        "replacement",
    ),
    "utf-16be": ("unicodefffe", "utf-16be"),
    "utf-16le": (
        "csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le",
    ),
    "x-user-defined": ("x-user-defined",),
}  # fmt: skip
LABELS: dict[str, str] = {label: name for name, labels in _LABELS.items() for label in labels}
ENCODINGS: frozenset[str] = frozenset(_LABELS)

# The Python codec that decodes each encoding as the standard does (or its closest superset:
# the WHATWG decoders of gbk, big5, shift_jis and euc-kr are gb18030, Big5-HKSCS, windows-31j
# and windows-949). replacement, x-user-defined and windows-1252 are decoded below.
_CODECS: dict[str, str] = {
    "utf-8": "utf-8",
    "ibm866": "cp866",
    "iso-8859-2": "iso8859_2",
    "iso-8859-3": "iso8859_3",
    "iso-8859-4": "iso8859_4",
    "iso-8859-5": "iso8859_5",
    "iso-8859-6": "iso8859_6",
    "iso-8859-7": "iso8859_7",
    "iso-8859-8": "iso8859_8",
    "iso-8859-8-i": "iso8859_8",  # same bytes; only the display direction differs
    "iso-8859-10": "iso8859_10",
    "iso-8859-13": "iso8859_13",
    "iso-8859-14": "iso8859_14",
    "iso-8859-15": "iso8859_15",
    "iso-8859-16": "iso8859_16",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "macintosh": "mac_roman",
    "windows-874": "cp874",
    "windows-1250": "cp1250",
    "windows-1251": "cp1251",
    "windows-1253": "cp1253",
    "windows-1254": "cp1254",
    "windows-1255": "cp1255",
    "windows-1256": "cp1256",
    "windows-1257": "cp1257",
    "windows-1258": "cp1258",
    "x-mac-cyrillic": "mac_cyrillic",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "utf-16be": "utf-16-be",
    "utf-16le": "utf-16-le",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16be"), (b"\xff\xfe", "utf-16le"))
_ASCII_WHITESPACE = b"\t\n\x0c\r "
_PRESCAN_BYTES = 1024  # HTML standard: the <meta> prescan looks at the first 1024 bytes only
DEFAULT = "windows-1252"  # the fallback for undeclared, non-UTF-8 pages in fr/en locales


def _c1_or_replacement(error: UnicodeError) -> tuple[str, int]:
    # The WHATWG indexes of the windows-* encodings map their unassigned 0x80-0x9F bytes to the
    # C1 controls of the same value (windows-1252 0x81 is U+0081); Python's codecs reject them.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(b) if 0x80 <= b <= 0x9F else "\ufffd" for b in bad), error.end


_WINDOWS_ERRORS = "veriflien-whatwg-windows"
codecs.register_error(_WINDOWS_ERRORS, _c1_or_replacement)
# x-user-defined: ASCII stays ASCII, every high byte b becomes U+F700 + b (a private-use code).
_X_USER_DEFINED = {b: 0xF700 + b for b in range(0x80, 0x100)}


def lookup(label: str | None) -> str | None:
    """The Encoding Standard's "get an encoding": the encoding a label names, or None."""
    if not label:
        return None
    return LABELS.get(label.strip("\t\n\x0c\r ").lower())


def charset_param(content_type: str | None) -> str | None:
    """The `charset` parameter of a Content-Type value (quoted or not), or None."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value or None
    return None


def decode(data: bytes, encoding: str) -> str:
    """`data` decoded with a WHATWG encoding name (not a label), a BOM winning as the standard
    says. Never raises: broken bytes become U+FFFD; a failure falls back to windows-1252."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom) :]
            break
    try:
        return _decode(data, encoding)
    except Exception:  # a codec defect must not end an analysis; windows-1252 maps every byte
        return _decode(data, DEFAULT)


def _decode(data: bytes, encoding: str) -> str:
    if encoding == "replacement":
        return "\ufffd" if data else ""
    if encoding == "x-user-defined":
        return data.decode("latin-1").translate(_X_USER_DEFINED)
    if encoding == "windows-1252":
        return data.decode("cp1252", _WINDOWS_ERRORS)
    codec = _CODECS.get(encoding)
    if codec is None:
        return data.decode("cp1252", _WINDOWS_ERRORS)
    errors = _WINDOWS_ERRORS if encoding.startswith("windows-") else "replace"
    # final=False: a body cut by a byte cap may end inside a character; that half is dropped.
    return codecs.getincrementaldecoder(codec)(errors).decode(data, final=False)


def html_encoding(data: bytes, content_type: str | None = None) -> str:
    """The encoding a browser decodes this HTML with (HTML standard, "encoding sniffing")."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    declared = lookup(charset_param(content_type))
    if declared is not None:
        return declared
    found = prescan(data[:_PRESCAN_BYTES])
    if found is not None:
        return found
    return sniff(data)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """An HTML document's text, as a browser would read it."""
    return decode(data, html_encoding(data, content_type))


def decode_text(data: bytes, content_type: str | None = None, default: str = "utf-8") -> str:
    """A non-HTML text body (JSON, playlists): BOM, then the HTTP charset, then `default`."""
    return decode(data, lookup(charset_param(content_type)) or default)


def sniff(data: bytes) -> str:
    """UTF-8 when the bytes read as UTF-8, otherwise the default (the standard leaves this step
    to the implementation; browsers detect UTF-8 the same way)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # A few bad bytes in a UTF-8 page must not turn every accent into mojibake (French markers
    # would stop matching); legacy bytes (é as 0xE9) almost never form valid UTF-8 sequences, so
    # a page with more invalid sequences than valid non-ASCII characters is a legacy page.
    text = data.decode("utf-8", "replace")
    replaced = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return "utf-8" if valid > replaced else DEFAULT


# --- the <meta> prescan (HTML standard, "prescan a byte stream to determine its encoding") ------


class _End(Exception):
    """The prescan ran past the bytes it may look at: it found nothing."""


def prescan(data: bytes) -> str | None:
    """The encoding a `<meta charset>` or `<meta http-equiv=content-type>` declares, found the
    way the HTML standard's prescan finds it (comments skipped, attributes parsed); or None."""
    try:
        return _Prescan(data).run()
    except _End:
        return None


class _Prescan:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def byte(self) -> int:
        if self.position >= len(self.data):
            raise _End
        return self.data[self.position]

    def run(self) -> str | None:
        data = self.data
        while self.position < len(data):
            if data.startswith(b"<!--", self.position):
                end = data.find(b"-->", self.position + 2)
                if end < 0:
                    return None
                self.position = end + 2
            elif self._meta_start():
                self.position += 5
                found = self.meta()
                if found is not None:
                    return found
                continue  # meta() left the position on the byte after the tag
            elif self._tag_start():
                while self.byte() not in b"\t\n\x0c\r >":
                    self.position += 1
                while self.attribute() is not None:
                    pass
            elif data[self.position : self.position + 2] in (b"<!", b"</", b"<?"):
                end = data.find(b">", self.position + 1)
                if end < 0:
                    return None
                self.position = end
            self.position += 1
        return None

    def _meta_start(self) -> bool:
        at = self.position
        return self.data[at : at + 5].lower() == b"<meta" and self.data[at + 5 : at + 6] in (
            b"\t", b"\n", b"\x0c", b"\r", b" ", b"/",
        )  # fmt: skip

    def _tag_start(self) -> bool:
        data, at = self.data, self.position
        if data[at : at + 1] != b"<":
            return False
        following = data[at + 1 : at + 3]
        if following[:1] == b"/":
            following = following[1:]
        return following[:1].isalpha()

    def meta(self) -> str | None:
        names: set[str] = set()
        got_pragma = False
        need_pragma: bool | None = None
        charset: str | None = None
        declared = False  # the standard's "charset is not null" (an unknown label is "failure")
        while (attribute := self.attribute()) is not None:
            name, value = attribute
            if name in names:
                continue
            names.add(name)
            if name == "http-equiv":
                got_pragma = got_pragma or value == "content-type"
            elif name == "content":
                extracted = _charset_from_content(value)
                if extracted is not None and not declared:
                    charset, need_pragma, declared = extracted, True, True
            elif name == "charset":
                charset, need_pragma, declared = lookup(value), False, True
        self.position += 1
        if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
            return None
        if charset in ("utf-16be", "utf-16le"):
            return "utf-8"  # an ASCII <meta> cannot be UTF-16: the page is lying
        if charset == "x-user-defined":
            return "windows-1252"
        return charset

    def attribute(self) -> tuple[str, str] | None:
        """The "get an attribute" steps; None at the end of the tag (position on its '>')."""
        while self.byte() in b"\t\n\x0c\r /":
            self.position += 1
        if self.byte() == 0x3E:
            return None
        name: list[str] = []
        value: list[str] = []
        while True:  # the name
            b = self.byte()
            if b == 0x3D and name:
                self.position += 1
                break
            if b in _ASCII_WHITESPACE:
                while self.byte() in _ASCII_WHITESPACE:
                    self.position += 1
                if self.byte() != 0x3D:
                    return "".join(name), ""
                self.position += 1
                break
            if b in b"/>":
                return "".join(name), ""
            name.append(chr(b).lower() if 0x41 <= b <= 0x5A else chr(b))
            self.position += 1
        while self.byte() in _ASCII_WHITESPACE:
            self.position += 1
        b = self.byte()
        if b in b"\"'":
            quote = b
            while True:
                self.position += 1
                b = self.byte()
                if b == quote:
                    self.position += 1
                    return "".join(name), "".join(value)
                value.append(chr(b).lower() if 0x41 <= b <= 0x5A else chr(b))
        if b == 0x3E:
            return "".join(name), ""
        while True:
            b = self.byte()
            if b in _ASCII_WHITESPACE or b == 0x3E:
                return "".join(name), "".join(value)
            value.append(chr(b).lower() if 0x41 <= b <= 0x5A else chr(b))
            self.position += 1


def _charset_from_content(content: str) -> str | None:
    """HTML standard, "extracting a character encoding from a meta element"."""
    position = 0
    while True:
        found = content.lower().find("charset", position)
        if found < 0:
            return None
        position = found + 7
        while position < len(content) and content[position] in "\t\n\x0c\r ":
            position += 1
        if position < len(content) and content[position] == "=":
            break
    position += 1
    while position < len(content) and content[position] in "\t\n\x0c\r ":
        position += 1
    if position >= len(content):
        return None
    if content[position] in "\"'":
        end = content.find(content[position], position + 1)
        return None if end < 0 else lookup(content[position + 1 : end])
    end = position
    while end < len(content) and content[end] not in "\t\n\x0c\r ;":
        end += 1
    return lookup(content[position:end])
