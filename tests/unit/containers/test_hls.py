"""HLS: finished, missing segments, gaps, live playlists, master variants, caps."""

from __future__ import annotations

import asyncio

from veriflien.containers import probe_hls
from veriflien.result import Verdict

BASE = "https://media.example/v/"


def run(body, fetcher, name="index.m3u8"):
    return asyncio.run(probe_hls(BASE + name, body, fetcher))


def test_complete_vod_playlist(corpus, folder_fetcher):
    fetcher = folder_fetcher(corpus.hls_dir)
    res = run((corpus.hls_dir / "index.m3u8").read_bytes(), fetcher)
    assert res.media.complete is True
    assert res.media.duration_seconds == 30
    assert "hls_complete" in res.codes
    assert len(fetcher.probed) == 3  # first, middle, last: bounded
    assert all(u.startswith(BASE) for u in fetcher.probed)


def test_missing_segment_is_incomplete_with_playable_time(corpus, folder_fetcher):
    fetcher = folder_fetcher(corpus.hls_dir, missing={"seg007.ts"})
    res = run((corpus.hls_dir / "index.m3u8").read_bytes(), fetcher)
    assert res.media.complete is False
    assert res.media.playable_seconds == 14
    assert "hls_segment_missing" in res.codes
    assert all("media.example" not in f.detail for f in res.findings)  # no URLs in evidence


def test_master_playlist_checks_its_variants(corpus, folder_fetcher):
    fetcher = folder_fetcher(corpus.hls_dir, missing={"seg014.ts"})
    res = run((corpus.hls_dir / "master.m3u8").read_bytes(), fetcher, "master.m3u8")
    assert fetcher.got == [BASE + "index.m3u8"]
    assert res.media.complete is False
    assert res.media.playable_seconds == 28


def test_master_with_one_good_variant_is_watchable(folder_fetcher, tmp_path):
    good = "#EXTM3U\n#EXTINF:5,\na.ts\n#EXTINF:5,\nb.ts\n#EXT-X-ENDLIST\n"
    master = (
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhi.m3u8\n"
    )
    (tmp_path / "a.ts").write_bytes(b"x")
    (tmp_path / "b.ts").write_bytes(b"x")
    fetcher = folder_fetcher(tmp_path, overrides={"low.m3u8": good.encode()})
    res = run(master, fetcher, "master.m3u8")
    assert res.media.complete is True
    assert "hls_variant_missing" in res.codes


def test_gap_and_no_endlist(folder_fetcher, tmp_path):
    for n in "abc":
        (tmp_path / f"{n}.ts").write_bytes(b"x")
    gap = (
        "#EXTM3U\n#EXTINF:4,\na.ts\n#EXT-X-GAP\n#EXTINF:4,\nb.ts\n"
        "#EXTINF:4,\nc.ts\n#EXT-X-ENDLIST\n"
    )
    res = run(gap, folder_fetcher(tmp_path))
    assert res.media.complete is False and res.media.playable_seconds == 4
    assert "hls_gap" in res.codes
    live = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n"
    res = run(live, folder_fetcher(tmp_path))
    assert res.media.complete is False
    finding = next(f for f in res.findings if f.code == "hls_no_endlist")
    assert finding.supports is not Verdict.INCOMPLETE  # live is not an interrupted upload


def test_huge_playlist_is_capped(folder_fetcher, tmp_path):
    body = "#EXTM3U\n" + "#EXTINF:1,\ns.ts\n" * 300_000
    res = run(body, folder_fetcher(tmp_path))
    assert "hls_playlist_capped" in res.codes[0]
    assert res.media.complete is False  # no ENDLIST seen within the cap, and s.ts is 404


def test_non_web_uris_are_never_fetched(folder_fetcher, tmp_path):
    body = "#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    fetcher = folder_fetcher(tmp_path)
    res = run(body, fetcher)
    assert fetcher.probed == []
    assert "hls_url_skipped" in res.codes
    assert res.media.complete is False


def test_garbage_is_not_hls(folder_fetcher, tmp_path):
    assert run(b"\xff\xfe<html>", folder_fetcher(tmp_path)).codes == ["not_hls"]


def test_an_alternate_soundtrack_is_not_a_way_to_watch_the_video(folder_fetcher, tmp_path):
    # The androidx CMAF package's shape: one video variant (STREAM-INF) and its audio in an
    # EXT-X-MEDIA rendition. The video decides; the soundtrack is noted without weight.
    for n in ("v1", "v2", "v3", "a1", "a2", "a3"):
        (tmp_path / f"{n}.m4s").write_bytes(b"x")
    video = "#EXTM3U\n" + "".join(f"#EXTINF:1,\nv{i}.m4s\n" for i in (1, 2, 3)) + "#EXT-X-ENDLIST\n"
    audio = "#EXTM3U\n" + "".join(f"#EXTINF:1,\na{i}.m4s\n" for i in (1, 2, 3)) + "#EXT-X-ENDLIST\n"
    master = (
        '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="audio.m3u8",GROUP-ID="a",NAME="a"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a"\nvideo.m3u8\n'
    )
    overrides = {"video.m3u8": video.encode(), "audio.m3u8": audio.encode()}
    broken_video = folder_fetcher(tmp_path, missing={"v2.m4s"}, overrides=overrides)
    res = run(master, broken_video, "master.m3u8")
    assert res.media.complete is False
    assert not any(f.supports is Verdict.PUBLIC for f in res.findings)
    broken_audio = folder_fetcher(tmp_path, missing={"a3.m4s"}, overrides=overrides)
    res = run(master, broken_audio, "master.m3u8")
    assert res.media.complete is True
    assert any(f.supports is Verdict.PUBLIC for f in res.findings)
    missing = [f for f in res.findings if f.code == "hls_segment_missing"]
    assert missing and all(f.supports is None for f in missing)
