"""The page's tree, built once by lxml, and ONE pass over the elements the rules look at.

Why lxml directly (measured on the recorded platform pages and hostile shapes, see bench/page.py):
BeautifulSoup's lxml builder calls back into Python for every tag and every string, and a
SoupStrainer (parse_only) does not change that: 2 MiB of links cost 2.7 s to build (3.2 s with
parse_only), 2 MiB of <div><p> rows 1.1 s (0.38 s), a 1 MB YouTube watch page 10 ms (7.5 ms);
lxml builds the same trees in C, without holding the GIL, in 80 ms, 24 ms and 1.5 ms.
The pass below then asks lxml for the elements of the ~15 tags the rules read (C-level filtering,
document order) and keeps at most a fixed number of each kind, so the Python work is bounded by
those caps, not by what the page contains. Text nodes are fetched by one XPath call, in C.

libxml2 refuses to build trees deeper than 2,048 elements (a fatal "excessive depth" error that
drops the rest of the page), but browsers show such pages (past 512 levels Blink attaches new
elements to the 512th), so a video at depth 100,000 is still on the screen. Such a page is
parsed again, in slices, through lxml's TreeBuilder target, which has no depth limit. Everything
below then reads the tree with lxml's iterative walks and XPath: `itertext()` is quadratic on a
deep chain (0.65 s for 100,000 levels), the XPath text() axis is not (2 ms).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

FEED_BYTES = 16 * 1024  # one slice of the deep-page parse: a few thousand tags at most
MAX_VISIBLE_CHARS = 400_000  # lures and demands are short; a cap keeps the wording scan cheap
MAX_JSONLD_CHARS = 500_000
# Elements of one kind examined; a real page has a handful, a hostile one may have 100k.
MAX_ELEMENTS = 500
MAX_LINKS = 5000
MAX_FORMS = 500
MAX_INPUTS = 2000
MAX_METAS = 2000
MAX_SCRIPTS = 1000  # inline scripts kept (a YouTube watch page has ~50)
MAX_ATTRIBUTE_TEXTS = 2000
ATTRIBUTE_TEXT_CHARS = 500  # per value
ATTRIBUTE_TEXT_BUDGET = 100_000  # in all: button labels and wallet addresses are short
NOSCRIPT_CHARS = 1000
# How many elements the pass handles between two checkpoints (where the probe may yield).
BATCH = 512

TAGS = (
    "meta", "title", "script", "noscript", "video", "source", "iframe", "frame", "embed",
    "a", "area", "form", "input", "select", "textarea", "button",
)  # fmt: skip
_JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})
_FIELDS = frozenset({"input", "select", "textarea", "button"})
_FIELD_TEXT_ATTRS = ("value", "placeholder", "aria-label", "data-clipboard-text")
_WALLET_ATTRS = ("data-clipboard-text", "data-address", "data-wallet")
# What a visitor does not see: code, styles, <noscript> (a browser runs scripts), templates and
# titles. Removed from the tree (C-level) before the text is read: measured 3-4 times cheaper
# than an XPath predicate on every text node.
_INVISIBLE = ("script", "style", "noscript", "template", "title")
_ALL_TEXT = etree.XPath("//text()", smart_strings=False)
_TEXT_INSIDE = etree.XPath(".//text()", smart_strings=False)
MAX_NOSCRIPTS = 50
_WALLET_ATTR_NAMES = re.compile(rb"data-(?:clipboard-text|address|wallet)")
_WALLET_ELEMENTS = etree.XPath(
    "//*[@data-clipboard-text or @data-address or @data-wallet]", smart_strings=False
)
_MICRODATA_VIDEO = etree.XPath(
    "//*[not(self::meta) and contains(@itemtype, 'VideoObject')]", smart_strings=False
)
_MICRODATA_LIMIT = 50

Element = Any  # lxml.etree._Element: its stubs are not part of the runtime dependency


@dataclass
class Scan:
    """Everything the pass collects: element references per kind (capped) and a few strings."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    videos: list[Element] = field(default_factory=list)
    sources: list[Element] = field(default_factory=list)
    iframes: list[Element] = field(default_factory=list)
    links: list[Element] = field(default_factory=list)
    forms: list[Element] = field(default_factory=list)
    inputs: list[Element] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # inline JavaScript bodies
    all_scripts: list[str] = field(default_factory=list)  # every inline body, any type
    script_count: int = 0
    jsonld: list[str] = field(default_factory=list)
    microdata_video: list[Element] = field(default_factory=list)
    noscript_text: list[str] = field(default_factory=list)
    visible: str = ""  # visible text, whitespace-normalised, capped
    script_len: int = 0
    attribute_text: list[str] = field(default_factory=list)  # button values, clipboard data
    attribute_chars: int = 0
    meta_count: int = 0
    elements_seen: int = 0  # elements the pass handed to Python (a measure of its work)


def attr(element: Element, name: str) -> str | None:
    value = element.get(name)
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _parser(**options: Any) -> etree.HTMLParser:
    # huge_tree lifts libxml2's depth limit from 256 to 2048 and its text-node limit: the input
    # is already capped at max_bytes. no_network is the default; said here because it matters.
    return etree.HTMLParser(huge_tree=True, encoding="utf-8", no_network=True, **options)


def parse(data: bytes) -> tuple[Element | None, bool]:
    """(root or None for an empty document, whether libxml2 gave up on the depth).

    Pure C work that releases the GIL: the probe runs it in a thread.
    """
    parser = _parser()
    root = etree.fromstring(data, parser)
    too_deep = any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)
    return root, too_deep


def parse_deep(data: bytes) -> Generator[None, None, Element | None]:
    """The same page built through lxml's own TreeBuilder as a parser target: libxml2 then
    streams events instead of building its tree, and its depth limit does not apply. Fed
    FEED_BYTES at a time (a target parser holds the GIL, so this runs in slices on the loop)."""
    parser = _parser(target=etree.TreeBuilder())
    for start in range(0, len(data), FEED_BYTES):
        parser.feed(data[start : start + FEED_BYTES])
        yield
    try:
        return parser.close()
    except (AssertionError, etree.LxmlError):  # nothing was built (an empty document)
        return None


# ---------------------------------------------------------------------------------------------
# The pass
# ---------------------------------------------------------------------------------------------


def _batches(items: Iterator[Element]) -> Iterator[list[Element]]:
    while batch := list(itertools.islice(items, BATCH)):
        yield batch


def scan(root: Element | None, folded: bytes) -> Generator[None, None, Scan]:
    """Collect what the rules read, BATCH elements between checkpoints.

    `folded` is the page in ASCII lower case: attribute names are case-insensitive in HTML and
    lowercased by lxml, so an attribute absent from the page cannot be on any element, and the
    whole-tree lookups for it are skipped.
    """
    out = Scan()
    if root is None:
        return out
    for batch in _batches(root.iter(*TAGS)):
        for element in batch:
            _take(out, element)
        out.elements_seen += len(batch)
        yield
    if b"itemtype" in folded and b"videoobject" in folded:
        out.microdata_video = _MICRODATA_VIDEO(root)[:MAX_ELEMENTS]
        yield
    if _WALLET_ATTR_NAMES.search(folded):
        for element in _WALLET_ELEMENTS(root)[:MAX_ATTRIBUTE_TEXTS]:
            if element.tag in _FIELDS:
                continue  # already read with the form fields
            for name in _WALLET_ATTRS:
                _keep_attribute_text(out, attr(element, name))
        yield
    # Last: it removes the invisible elements from the tree (their text was read above).
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    yield
    # One C-level call for the text nodes and one join; the cut is made before the (Python)
    # whitespace normalisation, which gets a step of its own.
    raw = " ".join(_ALL_TEXT(root))[:MAX_VISIBLE_CHARS]
    yield
    out.visible = " ".join(raw.split())
    return out


def _take(out: Scan, element: Element) -> None:
    tag = element.tag
    if tag == "meta":
        _take_meta(out, element)
    elif tag == "script":
        _take_script(out, element)
    elif tag == "title":
        # Only the document's title: an <svg><title> in the body names an icon.
        parent = element.getparent()
        if (parent is None or parent.tag in ("head", "html")) and element.text:
            out.titles.append(element.text)
    elif tag == "noscript":
        if len(out.noscript_text) < MAX_NOSCRIPTS:
            out.noscript_text.append(text_of(element, NOSCRIPT_CHARS))
    elif tag in _FIELDS:
        if len(out.inputs) < MAX_INPUTS:
            out.inputs.append(element)
            for name in _FIELD_TEXT_ATTRS:
                _keep_attribute_text(out, attr(element, name))
    else:
        kept, cap = _KINDS[tag](out)
        if len(kept) < cap:
            kept.append(element)


# Elements kept as they are, per tag: (the list they go to, its cap).
_KINDS = {
    "video": lambda out: (out.videos, MAX_ELEMENTS),
    "source": lambda out: (out.sources, MAX_ELEMENTS),
    "iframe": lambda out: (out.iframes, MAX_ELEMENTS),
    "frame": lambda out: (out.iframes, MAX_ELEMENTS),
    "embed": lambda out: (out.iframes, MAX_ELEMENTS),
    "a": lambda out: (out.links, MAX_LINKS),
    "area": lambda out: (out.links, MAX_LINKS),
    "form": lambda out: (out.forms, MAX_FORMS),
}


def _take_meta(out: Scan, element: Element) -> None:
    if out.meta_count >= MAX_METAS:
        return
    out.meta_count += 1
    key = (attr(element, "property") or attr(element, "name") or "").strip().lower()
    content = attr(element, "content")
    if key and content is not None:
        out.metas.setdefault(key, []).append(content)
    if (attr(element, "http-equiv") or "").strip().lower() == "refresh" and content:
        out.metas.setdefault("http-equiv:refresh", []).append(content)


def _take_script(out: Scan, element: Element) -> None:
    body = element.text or ""
    out.script_len += len(body)
    out.script_count += 1
    inline = element.get("src") is None and bool(body)
    if inline and len(out.all_scripts) < MAX_SCRIPTS:
        out.all_scripts.append(body)
    kind = (attr(element, "type") or "").strip().lower()
    if kind == "application/ld+json" and len(body) <= MAX_JSONLD_CHARS:
        out.jsonld.append(body)
    elif kind in _JS_TYPES and inline and len(out.scripts) < MAX_SCRIPTS:
        out.scripts.append(body)


def _keep_attribute_text(out: Scan, value: str | None) -> None:
    if (
        value
        and len(out.attribute_text) < MAX_ATTRIBUTE_TEXTS
        and out.attribute_chars < ATTRIBUTE_TEXT_BUDGET
    ):
        value = value[:ATTRIBUTE_TEXT_CHARS]
        out.attribute_text.append(value)
        out.attribute_chars += len(value)


def text_of(element: Element, limit: int = 500) -> str:
    """Text inside a small element (a link, a form), capped, whitespace-normalised."""
    parts: list[str] = []
    size = 0
    for text in _TEXT_INSIDE(element):
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return " ".join(" ".join(parts).split())[:limit]


def microdata_props(item: Element) -> list[Element]:
    """The first itemprop elements inside a microdata item (C-level search, capped)."""
    return item.xpath(f"(.//*[@itemprop])[position() <= {_MICRODATA_LIMIT}]")
