"""DASH: static manifests, missing segments, live manifests, hostile XML."""

from __future__ import annotations

import asyncio

import pytest

from veriflien.containers import probe_dash
from veriflien.containers.dash import fill_template, parse_duration
from veriflien.result import Verdict

BASE = "https://media.example/v/"


def run(body, fetcher):
    return asyncio.run(probe_dash(BASE + "manifest.mpd", body, fetcher))


def test_complete_ffmpeg_manifest(corpus, folder_fetcher):
    fetcher = folder_fetcher(corpus.dash_dir)
    res = run((corpus.dash_dir / "manifest.mpd").read_bytes(), fetcher)
    assert res.media.complete is True, res.findings
    assert res.media.duration_seconds == 30
    assert res.media.playable_seconds == pytest.approx(30)
    assert "dash_complete" in res.codes
    assert BASE + "chunk-stream0-00015.m4s" in fetcher.probed
    assert len(fetcher.probed) <= 2 * 4


def test_missing_last_segment(corpus, folder_fetcher):
    fetcher = folder_fetcher(corpus.dash_dir, missing={"chunk-stream0-00015.m4s"})
    res = run((corpus.dash_dir / "manifest.mpd").read_bytes(), fetcher)
    assert res.media.complete is False
    assert res.media.playable_seconds == pytest.approx(28)
    assert "dash_segment_missing" in res.codes


def test_dynamic_manifest_is_live_not_incomplete(folder_fetcher, tmp_path):
    mpd = (
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic"><Period>'
        '<AdaptationSet contentType="video"><Representation id="v"><BaseURL>v.mp4</BaseURL>'
        "</Representation></AdaptationSet></Period></MPD>"
    )
    (tmp_path / "v.mp4").write_bytes(b"x")
    res = run(mpd, folder_fetcher(tmp_path))
    assert res.media.complete is False
    assert next(f for f in res.findings if f.code == "dash_dynamic").supports is Verdict.UNKNOWN


def test_timeline_shorter_than_announced(folder_fetcher, tmp_path):
    mpd = (
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT1M"><BaseURL>media/</BaseURL><Period>'
        '<AdaptationSet contentType="video"><Representation id="v" bandwidth="9">'
        '<SegmentTemplate timescale="1" startNumber="1" '
        'media="$RepresentationID$-$Number%03d$.m4s">'
        '<SegmentTimeline><S t="0" d="2" r="4"/></SegmentTimeline></SegmentTemplate>'
        "</Representation></AdaptationSet></Period></MPD>"
    )
    fetcher = folder_fetcher(tmp_path)
    fetcher.BASE = BASE + "media/"
    for n in range(1, 6):
        (tmp_path / f"v-{n:03d}.m4s").write_bytes(b"x")
    res = run(mpd, fetcher)
    assert fetcher.probed[0] == BASE + "media/v-001.m4s"
    assert "dash_incomplete" in res.codes
    assert res.media.complete is False
    assert res.media.playable_seconds == 10


def test_entity_expansion_is_refused_cleanly(folder_fetcher, tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]><MPD>&lol2;</MPD>'
    )
    res = run(bomb, folder_fetcher(tmp_path))
    assert res.codes == ["dash_refused"]
    assert res.media.complete is None


@pytest.mark.parametrize("body", [b"", b"<MPD", b"<html/>", b"\xff\xfe\x00"])
def test_malformed_manifest_is_a_clean_result(folder_fetcher, tmp_path, body):
    res = run(body, folder_fetcher(tmp_path))
    assert res.media.complete is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT30.0S", 30.0), ("PT1M30.5S", 90.5), ("P1DT2H", 93600.0), ("PT0S", 0.0), ("P", None),
     ("garbage", None), (None, None)],
)  # fmt: skip
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_fill_template():
    assert fill_template("c-$RepresentationID$-$Number%05d$-$Time$$$.m4s", "v1", 7, 90, "9") == (
        "c-v1-00007-90$.m4s"
    )
