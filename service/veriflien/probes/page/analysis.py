"""Pure analysis of an HTML page the gate already fetched: `analyse_page`, and its sliced form.

Why this exists: a blackmailer's link often does not point at a platform we know, or points at a
platform page whose HTML is the only evidence we get without a browser. This module reads those
bytes (never the network: the gate did the fetching) and turns them into findings the verdict
engine can weigh: is there a video at all, which media/player URLs the lead may follow one level,
what the platform's own wording says (private, removed, ...), and whether the page is a trap
(download lure, fake codec, phishing form, payment demand).

Rules this module keeps:
- never raise: hostile or broken input always yields a `PageAnalysis`;
- weak evidence stays weak: a page we cannot read well (JavaScript shell, binary, truncated)
  never produces a confident "no video";
- `detail` strings name a host at most, never a full URL, and never quote page content except
  catalogue markers (which are ours, not the page's);
- bounded work per byte, whatever the page holds: the tree is built once, in C; one pass reads
  the elements the rules need, with caps per kind; scripts and wording are read by anchored
  scans, and the precise patterns only near their anchors (see scan.py, scripts.py, wording.py).

The analysis is written as a generator of steps (`analysis_steps`): every step does a bounded
amount of work (one `re` call over at most a chunk, one batch of elements, one script), so the
probe can run it on the event loop in slices (veriflien.slices) and stop it the moment its check
runs out of time. One step asks for work to be done off the loop (`Offload`): the lxml parse,
which releases the GIL. `analyse_page` simply runs every step in a row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, Unpack

from veriflien.probes.page import evidence, scripts, traps
from veriflien.probes.page.decode import CONTROL_BYTES, CONTROL_CHARS, looks_binary
from veriflien.probes.page.decode import decode as _decode
from veriflien.probes.page.report import PROBE, Builder, PageAnalysis, host_of
from veriflien.probes.page.scan import parse, parse_deep, scan
from veriflien.probes.page.wording import Wording
from veriflien.result import Finding, Strength, Verdict
from veriflien.slices import Offload, Steps, run_steps

TITLE_MAX_CHARS = 200
# Fewer visible characters than this and the page says nothing we can rely on for "no video".
SHELL_TEXT_CHARS = 300
_NOSCRIPT_JS = re.compile(r"javascript|\bjs\b", re.IGNORECASE)


class PageOptions(TypedDict, total=False):
    """How `analyse_page` and `analysis_steps` read a page; every key may be left out.

    `max_bytes` (2,000,000): how much of the page is read.
    `claimed_platform_allowed` (False): the lead sets it when the page is served by the real host
    of the platform it names (then a login form naming that platform is just its login page).
    `same_owner(host)` (None): True when `host` belongs to the same platform as the page (x.com
    and twitter.com): a platform's own redirect scripts between its own hosts are never a trap.
    `content_type` (None): the response's header, whose charset browsers honour (decode.py).
    """

    max_bytes: int
    claimed_platform_allowed: bool
    same_owner: Callable[[str], bool] | None
    content_type: str | None


def analyse_page(
    html: bytes | str,
    base_url: str,
    markers: Mapping[str, Sequence[str]] | None = None,
    **options: Unpack[PageOptions],
) -> PageAnalysis:
    """Analyse page bytes already fetched by the gate, in one go. Never raises."""
    return run_steps(analysis_steps(html, base_url, markers, **options))


def analysis_steps(
    html: bytes | str,
    base_url: str,
    markers: Mapping[str, Sequence[str]] | None = None,
    **options: Unpack[PageOptions],
) -> Steps[PageAnalysis]:
    """The analysis as bounded steps; the generator's return value is the `PageAnalysis`."""
    # Built outside the `try`: a misspelt option is our defect, not an unreadable page.
    steps = _steps(html, base_url, markers, **options)
    try:
        return (yield from steps)
    except Exception as exc:  # last resort: the probe must answer "unknown", never crash
        return PageAnalysis(findings=[_unreadable("The page could not be analysed.")], defect=exc)


def _unreadable(detail: str) -> Finding:
    return Finding(PROBE, "page_unreadable", detail, None, None)


def _clean_title(raw: str | None) -> str | None:
    if not raw:
        return None
    title = CONTROL_CHARS.sub("", " ".join(raw.split()))
    return title[:TITLE_MAX_CHARS] or None


def _parse_off_loop(data: bytes) -> Callable[[], Any]:
    def work() -> Any:
        try:
            return parse(data)
        except Exception as exc:  # reported by the step, not by the thread
            return exc

    return work


def _steps(
    html: bytes | str,
    base_url: str,
    markers: Mapping[str, Sequence[str]] | None,
    *,
    max_bytes: int = 2_000_000,
    claimed_platform_allowed: bool = False,
    same_owner: Callable[[str], bool] | None = None,
    content_type: str | None = None,
) -> Steps[PageAnalysis]:
    out = Builder()
    base_url = base_url if isinstance(base_url, str) else ""
    base_host = host_of(base_url) or ""
    text, truncated = _decode(html, max_bytes, content_type)
    yield None
    if truncated:
        unit = "characters" if isinstance(html, str) else "bytes"
        out.add(
            "page_truncated_for_analysis",
            f"Only the first {max_bytes} {unit} of the page were analysed.",
        )
    # lxml rejects NUL and some control characters; they carry no meaning in HTML. The same
    # bytes, ASCII-lowercased, serve every case-insensitive search for an ASCII word (a bytes
    # method, 20 times cheaper than str.lower on a page with a few non-Latin-1 characters).
    data = text.encode("utf-8").translate(CONTROL_BYTES)
    folded = data.lower()
    yield None
    marker_findings, marker_kinds = evidence.marker_findings(text, folded, markers)
    yield None

    if looks_binary(text):
        # Not HTML (perhaps the media itself, mislabelled): say so and claim nothing else.
        out.add("page_not_html", "The response does not look like an HTML page.")
        out.findings.extend(marker_findings)
        return PageAnalysis(findings=out.findings, text=text)

    parsed = yield Offload(_parse_off_loop(data))
    if isinstance(parsed, Exception):  # a parser failure degrades to "page_unreadable"
        out.findings.append(_unreadable("The page markup could not be parsed."))
        out.findings.extend(marker_findings)
        return PageAnalysis(findings=out.findings, text=text)
    root, too_deep = parsed
    if too_deep:
        root = yield from parse_deep(data)
    page = yield from scan(root, folded)
    visible = page.visible

    # ---- title -------------------------------------------------------------------------------
    og_title = next(iter(page.metas.get("og:title", [])), None)
    title = _clean_title(og_title) or _clean_title(" ".join(page.titles))
    title = unicodedata.normalize("NFC", title) if title else None

    # ---- video evidence ----------------------------------------------------------------------
    video_codes = evidence.declared_video(out, page, base_url)
    yield None
    facts: list[scripts.ScriptFacts] = []
    anchors = scripts.Anchors()
    for body in page.scripts[: scripts.SCRIPTS_EXAMINED]:
        facts.append((yield from scripts.read_script(body, anchors)))
    if (yield from scripts.player_hint(folded)):
        video_codes.append("script_player")
        evidence.script_player(out, (url for f in facts for url in f.streams), base_url)

    # A direct media URL is only a weak hint: the lead's media probe decides if it plays.
    if out.media:
        out.add(
            "direct_media_url",
            "The page points to a video file that may be playable.",
            Verdict.PUBLIC,
            Strength.WEAK,
        )

    # ---- traps -------------------------------------------------------------------------------
    trap = traps.download_lure(out, page, facts, base_url, visible)
    yield None
    wording = Wording(visible, page.attribute_text)
    yield None
    yield from wording.read()
    trap |= traps.codec_lure(out, wording)
    phishing = traps.phishing(out, page, page.metas, visible, claimed_platform_allowed)
    trap |= phishing
    trap |= yield from traps.payment_demand(out, wording)
    trap |= traps.obfuscated_redirect(out, facts, base_host, same_owner)
    yield None

    has_video = bool(video_codes) or bool(marker_kinds & evidence.VIDEO_MARKER_KINDS)

    # ---- login wall --------------------------------------------------------------------------
    login_wall = traps.has_password_field(page) and not has_video and not phishing
    if login_wall:
        out.add(
            "login_wall",
            "The page shows a sign-in form and no video.",
            Verdict.LOGIN_REQUIRED,
            Strength.MEDIUM,
        )

    # ---- no video / JS shell -----------------------------------------------------------------
    if not has_video and not trap and not login_wall and not marker_kinds:
        noscript = " ".join(page.noscript_text)
        shell = len(visible) < SHELL_TEXT_CHARS and (
            bool(_NOSCRIPT_JS.search(noscript))
            or page.script_len > 5 * max(len(visible), 1)
            or len(page.scripts) >= 3
        )
        if shell:
            out.add(
                "js_shell",
                "The page is built by JavaScript; its content cannot be read without running it.",
            )
        elif len(visible) < 20:
            out.add("page_nearly_empty", "The page is almost empty.")
        else:
            # A cut page may hold the video after the cut: then it is only a weak hint.
            out.add(
                "no_video_evidence",
                "The page shows no video, video player or video description.",
                Verdict.NO_VIDEO,
                Strength.WEAK if truncated else Strength.MEDIUM,
            )

    out.findings.extend(marker_findings)
    return PageAnalysis(
        out.findings,
        out.ranked_media(),
        out.ranked_embeds(),
        has_video,
        title,
        text=text,
        scripts=page.all_scripts,
        metas=page.metas,
    )
