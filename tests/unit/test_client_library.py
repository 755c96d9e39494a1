"""The client library shared by the console and the extension (service/veriflien/static/client/).

One source, two clients: the service serves these files to the console as they are, and
extension/build.mjs copies them into each extension package. These tests run the library itself
in Node (the browsers run it in tests/e2e): the event-stream parser on a stream cut at awkward
places, the findings a person reads (never a technical detail), which report links become links,
the verdict words, the links found in a shared text. And they hold the generated words.js to the
texts catalogues it comes from.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tools import missing_reason
from veriflien.advice.catalogue import load_texts
from veriflien.advice.clientwords import WORDS_PATH, render
from veriflien.result import Verdict

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "service" / "veriflien" / "static" / "client"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason=missing_reason("node"))

# The driver: imports the library as the browsers do (ES modules) and prints what it answers.
DRIVER = r"""
const lib = Object.fromEntries(await Promise.all(
  ["findings", "links", "reports", "stream", "verdicts", "words"].map(async (name) =>
    [name, await import(`./client/${name}.js`)])));
const input = JSON.parse(process.argv[2]);

// A body delivered in chunks cut inside a line, inside a UTF-8 character and between "\r\n".
function body(chunks) {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(Uint8Array.from(chunk));
      controller.close();
    },
  });
}
const progress = [];
const result = await lib.stream.readCheck(body(input.chunks), (event) => progress.push(event));
const events = [];
for await (const event of lib.stream.readEvents(body(input.chunks))) events.push(event);
const truncated = await lib.stream.readCheck(body([input.chunks[0]]));

console.log(JSON.stringify({
  result, progress, events, truncated,
  steps: input.steps.map(lib.stream.probeStep),
  items: lib.findings.findingItems(input.findings, "fr"),
  hrefs: input.hrefs.map(lib.reports.reportHref),
  tels: input.phones.map(lib.reports.telHref),
  groups: lib.reports.reportGroups(input.reports, { skip: ["prevention"] })
    .map((g) => [g.kind, g.links.map((l) => l.name)]),
  words: ["private", "login_required", "from_the_future"].map((v) =>
    [lib.words.verdictWord("fr", v), lib.words.verdictWord("en", v)]),
  probes: ["fetch", "embed-oembed", "nope"].map((p) => lib.words.probeWord("fr", p)),
  tones: ["public", "private", "unknown", "from_the_future"].map(lib.verdicts.verdictTone),
  links: input.texts.map((text) => lib.links.extractLinks(text)),
  message: input.texts.map(lib.links.looksLikeMessage),
}));
"""

SHARED_TEXTS = [
    "Regarde ta vidéo ici : https://youtu.be/vlConsPriv1 !!",
    "Salut, c'est moi (https://fr.wikipedia.org/wiki/Chantage_(droit)), et www.example.com/clip.",
    "2 liens: http://bit.ly/abc, youtu.be/xyz123 et mon mail moi@site.fr/rien",
    "pas de lien ici, juste un message qui fait peur",
    "1 https://a.example/1 2 https://a.example/2 3 https://a.example/3 "
    "4 https://a.example/4 5 https://a.example/5 6 https://a.example/6",
]


def _stream_chunks() -> list[list[int]]:
    result = {"verdict": "private", "findings": [], "note": "vidéo privée"}
    text = (
        ": keep-alive comment\r\n\r\n"
        'event: progress\r\ndata: {"event": "probe", "probe": "fetch", "status": "started"}\r\n\r\n'
        'event: progress\ndata: {"event": "probe", "probe": "fetch", "status": "done"}\n\n'
        f"event: result\ndata: {json.dumps(result, ensure_ascii=False)}\n\n"
    )
    raw = text.encode("utf-8")
    cut_in_char = raw.index("é".encode()) + 1  # inside the two bytes of "é"
    cut_in_crlf = raw.index(b"\r\n") + 1  # between "\r" and "\n"
    cuts = sorted({5, cut_in_crlf, 40, cut_in_char, len(raw) - 3})
    bounds = [0, *cuts, len(raw)]
    return [list(raw[a:b]) for a, b in itertools.pairwise(bounds) if b > a]


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if NODE is None:
        pytest.skip(missing_reason("node"))
    work = tmp_path_factory.mktemp("client")
    shutil.copytree(CLIENT, work / "client")
    (work / "package.json").write_text('{"type": "module"}')
    (work / "driver.js").write_text(DRIVER)
    regex_detail = "The page contains the platform's 'private' marker 're:\"reason\"\\s*:\\s*'."
    data = {
        "chunks": _stream_chunks(),
        "steps": [
            {"event": "probe", "probe": "page", "status": "done"},
            {"event": "probe", "probe": "page", "status": "exploded"},
            {"event": "other"},
        ],
        "findings": [
            {
                "probe": "page",
                "code": "marker_private",
                "detail": regex_detail,
                "label": "Marquée privée",
                "explanation": "La page indique que la vidéo est privée.",
                "strength": "strong",
                "supports": "private",
            },
            {
                "probe": "platform",
                "code": "marker_private",
                "detail": "again",
                "label": "Marquée privée",
                "explanation": "La page indique que la vidéo est privée.",
            },
            {"probe": "fetch", "code": "http_ok", "detail": "The site answered 200 (text/html)."},
            {
                "probe": "verdict",
                "code": "rule_private",
                "detail": "The platform refuses.",
                "label": "Conclusion : vidéo privée",
                "explanation": "Le contenu est privé.",
            },
        ],
        "hrefs": [
            "https://www.pharos.interieur.gouv.fr/",
            "http://example.org/",
            "javascript:alert(1)",
            "data:text/html,x",
            "not a url",
        ],
        "phones": ["+33 1 23 45 67 89", "3114", "none"],
        "reports": [
            {"kind": "support", "name": "e-Enfance"},
            {"kind": "platform", "name": "YouTube"},
            {"kind": "prevention", "name": "3114"},
            {"kind": "authority", "name": ""},
            {"kind": "authority", "name": "PHAROS"},
        ],
        "texts": SHARED_TEXTS,
    }
    out = subprocess.run(
        [NODE, str(work / "driver.js"), json.dumps(data)],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    )
    return json.loads(out.stdout)


def test_words_js_is_generated_from_the_catalogues() -> None:
    assert WORDS_PATH.read_text("utf-8") == render(), (
        "run `python -m veriflien.advice.clientwords` after editing texts.toml or findings.toml"
    )


@needs_node
def test_the_stream_parser_survives_any_cut(answers: dict) -> None:
    assert answers["result"] == {"verdict": "private", "findings": [], "note": "vidéo privée"}
    assert [e["status"] for e in answers["progress"]] == ["started", "done"]
    assert [e["event"] for e in answers["events"]] == ["progress", "progress", "result"]
    assert answers["truncated"] is None  # a stream that ends without its result
    assert answers["steps"][0]["status"] == "done"
    assert answers["steps"][1]["status"] == "done"  # an unknown status reads as done
    assert answers["steps"][2] is None


@needs_node
def test_findings_show_words_never_the_technical_detail(answers: dict) -> None:
    items = answers["items"]
    shown = json.dumps(items, ensure_ascii=False)
    assert "re:" not in shown and "\\s" not in shown and "The site answered" not in shown
    assert [i["label"] for i in items] == [
        "Marquée privée",  # once, though two probes wrote it
        "Autre constat technique",  # an older service's finding without words
        "Conclusion : vidéo privée",
    ]
    assert items[0]["strength"] == "strong"
    assert items[-1]["rule"] is True


@needs_node
def test_only_https_addresses_and_phone_digits_become_links(answers: dict) -> None:
    assert answers["hrefs"] == ["https://www.pharos.interieur.gouv.fr/", None, None, None, None]
    assert answers["tels"] == ["tel:+33123456789", "tel:3114", None]
    # in the service's order (most urgent first): the youth line it put first stays first
    assert answers["groups"] == [
        ["support", ["e-Enfance"]],
        ["platform", ["YouTube"]],
        ["authority", ["PHAROS"]],
    ]


@needs_node
def test_verdict_and_step_words_are_the_catalogue_s(answers: dict) -> None:
    texts = load_texts()
    for (fr, en), verdict in zip(answers["words"][:2], ["private", "login_required"], strict=True):
        assert fr == texts.verdict("fr", verdict)["label"]
        assert en == texts.verdict("en", verdict)["label"]
    assert answers["words"][2] == [
        texts.verdict("fr", "unknown")["label"],
        texts.verdict("en", "unknown")["label"],
    ]
    assert answers["probes"][0] == "Lecture du lien (en-têtes et page)"
    assert answers["probes"][1].startswith("Lecteur intégré")
    assert answers["probes"][2] is None
    assert answers["tones"] == ["alert", "calm", "neutral", "neutral"]


@needs_node
def test_links_are_found_in_a_shared_text(answers: dict) -> None:
    links = answers["links"]
    assert links[0] == ["https://youtu.be/vlConsPriv1"]
    assert links[1] == [
        "https://fr.wikipedia.org/wiki/Chantage_(droit)",
        "https://www.example.com/clip",
    ]
    assert links[2] == ["http://bit.ly/abc", "https://youtu.be/xyz123"]
    assert links[3] == []
    assert len(links[4]) == 5  # at most five links from one text
    assert answers["message"][3] is True and answers["message"][4] is False


def test_every_verdict_has_a_label_in_both_languages() -> None:
    texts = load_texts()
    for lang in ("fr", "en"):
        labels = [texts.verdict(lang, v.value)["label"] for v in Verdict]
        assert len(set(labels)) == len(labels), lang  # no two verdicts read the same
