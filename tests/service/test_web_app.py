"""The console as an installable web app, from the server's side (issue 16, section 4).

What must hold: the manifest is served as a manifest and says what an installable app needs (name,
start address, standalone display, 192 and 512 px icons in both purposes, a share target); the
icons are real PNGs of the sizes the manifest claims, the maskable ones with no transparent pixel;
the service worker is served at the root, as JavaScript, with a policy of its own; the console's
policy lets it register the worker and read the manifest and still allows nothing from elsewhere;
every file the worker caches at install is served. The committed icons are exactly what
extension/console-icons.mjs draws, and the console finds the same links in a shared text as the
extension does in a selection. (The browser side — installability, the share flow, the cache's
contents — is tests/e2e/test_installable.py.)
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from veriflien.app import CONSOLE_CSP, STATIC_DIR, WORKER_CSP

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def png_header(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def png_rows(data: bytes) -> bytes:
    """The decompressed pixel data (every IDAT chunk), to compare two PNGs pixel for pixel."""
    idat = b""
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return zlib.decompress(idat)


def alphas(data: bytes) -> set[int]:
    """Every alpha value of an 8-bit RGBA PNG written with filter 0 (as build.mjs writes them)."""
    width, _height, colour = png_header(data)
    assert colour == 6
    rows = png_rows(data)
    stride = 1 + width * 4
    found = set()
    for start in range(0, len(rows), stride):
        row = rows[start : start + stride]
        assert row[0] == 0
        found |= set(row[4::4])
    return found


def worker_app_files() -> list[str]:
    text = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const APP_FILES = \[(.*?)\];", text, re.S)
    assert block is not None
    return re.findall(r'"([^"]+)"', block.group(1))


async def test_the_manifest_says_what_an_installable_app_needs(api) -> None:
    response = await api.raw.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.content_type == "application/manifest+json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    manifest = json.loads(await response.text())
    assert manifest["name"] == manifest["short_name"] == "Vérif'Lien"
    assert manifest["lang"] == "fr"
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    # "Share → Vérif'Lien": a GET to the console with the shared title, text and address.
    assert manifest["share_target"] == {
        "action": "/",
        "method": "GET",
        "enctype": "application/x-www-form-urlencoded",
        "params": {"title": "title", "text": "text", "url": "url"},
    }
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    for size in ("192x192", "512x512"):
        assert (size, "any") in sizes and (size, "maskable") in sizes


async def test_every_manifest_icon_is_a_real_png_of_its_declared_size(api) -> None:
    manifest = json.loads((STATIC_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    for icon in manifest["icons"]:
        response = await api.raw.get(icon["src"])
        assert response.status == 200, icon["src"]
        assert response.content_type == icon["type"], icon["src"]
        data = await response.read()
        if icon["type"] != "image/png":
            continue
        width, height, _ = png_header(data)
        assert f"{width}x{height}" == icon["sizes"], icon["src"]
        assert len(data) < 16_000  # small files, drawn by a script, not photographs
        if icon["purpose"] == "maskable":
            # A maskable icon is cut to the system's shape: it must be opaque to every edge.
            assert alphas(data) == {255}, icon["src"]
        else:
            assert 0 in alphas(data), icon["src"]  # a disc: transparent corners


async def test_the_service_worker_is_served_at_the_root_as_javascript_with_its_own_policy(
    api,
) -> None:
    response = await api.raw.get("/sw.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Content-Security-Policy"] == WORKER_CSP
    assert "connect-src 'self'" in WORKER_CSP and "default-src 'none'" in WORKER_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    text = await response.text()
    assert 'addEventListener("fetch"' in text


async def test_the_console_policy_allows_its_worker_and_manifest_and_nothing_from_elsewhere(
    api,
) -> None:
    for path in ("/", "/?text=Regarde%20https%3A%2F%2Fyoutu.be%2Fabc"):
        response = await api.raw.get(path)
        assert response.status == 200
        csp = response.headers["Content-Security-Policy"]
        assert csp == CONSOLE_CSP
        html = await response.text()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    directives = dict(part.strip().split(" ", 1) for part in CONSOLE_CSP.split(";"))
    assert directives["worker-src"] == "'self'"
    assert directives["manifest-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    for name, sources in directives.items():
        assert "http" not in sources and "*" not in sources, name


async def test_every_file_the_worker_caches_at_install_is_served(api) -> None:
    files = worker_app_files()
    assert "/" in files and "/manifest.webmanifest" in files
    for path in files:
        assert "?" not in path and not path.startswith("/api/"), path
        response = await api.raw.get(path)
        assert response.status == 200, path
        await response.read()
    # Every script and stylesheet the console page loads is among them (the app opens offline).
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert path in files, path
    for module in re.findall(r'from "(/static/[^"]+)"', (STATIC_DIR / "console.js").read_text()):
        assert module in files, module


@needs_node
def test_the_committed_icons_are_what_the_icon_script_draws(tmp_path: Path) -> None:
    subprocess.run(
        [NODE or "node", str(ROOT / "extension" / "console-icons.mjs")],
        env={"VERIFLIEN_ICONS_OUT": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    drawn = sorted(path.name for path in tmp_path.glob("*.png"))
    assert drawn == [
        "icon-192.png",
        "icon-512.png",
        "icon-maskable-192.png",
        "icon-maskable-512.png",
    ]
    for name in drawn:
        committed = (STATIC_DIR / name).read_bytes()
        fresh = (tmp_path / name).read_bytes()
        assert png_header(committed) == png_header(fresh), name
        assert png_rows(committed) == png_rows(fresh), name


# The links found in a shared text: see tests/unit/test_client_library.py (the shared client).
