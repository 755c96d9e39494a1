"""Media types and file extensions: the one table of what names a video file or a playlist.

Why one table: the gate (how much of an answer to read), the fetch and page probes (is the link a
file or a page?), the page analysis (does a <source> name a video?) and the container sniffer
(which reader?) must agree on what a media type means. Four private lists drifted apart before
(one knew the DASH type, another did not). The uses differ, on purpose, and are named here:

- a media *file* (`is_media_file`): bytes that are read for a first window only, never completed
  as a document would be (video/*, audio/*, opaque bytes, MP4);
- *media* (`is_media`): a media file or a playlist (HLS, DASH), i.e. not a page to analyse;
- *names a video* (`names_video`, `names_video_path`): what a page's <source type> or a link's
  file name says; sound (<audio>, .opus) and stream segments (.m4s) are not a video of their own.

A leaf module: it imports nothing of the service, so every layer may use it.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

__all__ = [
    "container_of_path",
    "container_of_type",
    "essence",
    "is_media",
    "is_media_file",
    "names_video",
    "names_video_path",
]

#: Declared media types (essence, lower case) and the container each names.
CONTAINER_TYPES: dict[str, str] = {
    "video/mp4": "mp4", "video/quicktime": "mp4", "video/x-m4v": "mp4", "audio/mp4": "mp4",
    "video/iso.segment": "mp4", "video/webm": "webm", "audio/webm": "webm",
    "video/x-matroska": "webm", "application/vnd.apple.mpegurl": "hls",
    "application/x-mpegurl": "hls", "audio/mpegurl": "hls", "audio/x-mpegurl": "hls",
    "application/dash+xml": "dash", "video/ogg": "ogg", "audio/ogg": "ogg",
    "application/ogg": "ogg",
}  # fmt: skip

#: File name extensions and the container each names.
CONTAINER_EXTENSIONS: dict[str, str] = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4", ".m4s": "mp4", ".webm": "webm",
    ".mkv": "webm", ".m3u8": "hls", ".mpd": "dash", ".ogv": "ogg", ".ogg": "ogg", ".oga": "ogg",
    ".opus": "ogg",
}  # fmt: skip

PLAYLIST_KINDS = frozenset({"hls", "dash"})

# Type prefixes of bytes that are (or may be) a media file: a server that answers a range request
# with one of them is sending a file, read for its first window only.
_FILE_PREFIXES = ("video/", "audio/", "application/octet-stream", "application/mp4")
# Extensions that name no video of their own: sound, and one segment of a stream.
_NOT_A_VIDEO = frozenset({".m4s", ".oga", ".opus"})


def essence(content_type: str | None) -> str:
    """The type without parameters, lower case ("video/MP4; codecs=x" -> "video/mp4")."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def container_of_type(content_type: str | None) -> str | None:
    """mp4 | webm | ogg | hls | dash for a declared media type, else None."""
    return CONTAINER_TYPES.get(essence(content_type))


def container_of_path(url: str) -> str | None:
    """mp4 | webm | ogg | hls | dash for the file name at the end of a URL's path, else None."""
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return None
    return next((kind for ext, kind in CONTAINER_EXTENSIONS.items() if path.endswith(ext)), None)


def is_media_file(content_type: str | None) -> bool:
    """Bytes of a media file (or opaque bytes that may be one), not a document or a playlist."""
    kind = essence(content_type)
    return kind.startswith(_FILE_PREFIXES) and CONTAINER_TYPES.get(kind) not in PLAYLIST_KINDS


def is_media(content_type: str | None) -> bool:
    """A media file or a playlist: never a page to analyse as HTML."""
    kind = essence(content_type)
    return kind.startswith(_FILE_PREFIXES) or kind in CONTAINER_TYPES


def names_video(content_type: str | None) -> bool:
    """A declared type (a <source type>) that names a video or a video playlist, not sound."""
    kind = essence(content_type)
    return kind.startswith("video/") or (
        CONTAINER_TYPES.get(kind) in PLAYLIST_KINDS and not kind.startswith("audio/")
    )


def names_video_path(url: str) -> bool:
    """A link whose file name names a video file or a playlist (not sound, not a segment)."""
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return False
    return any(path.endswith(ext) for ext in CONTAINER_EXTENSIONS if ext not in _NOT_A_VIDEO)
