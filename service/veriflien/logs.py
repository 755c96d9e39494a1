"""JSON-lines logging that cannot carry a submitted URL.

Log records get an explicit `fields` dict; only keys on an allow-list are written, and anything that
could identify a link (its host, path, or the URL itself) is represented by `url_digest`, an HMAC
under the per-instance key. Exception tracebacks are reduced to the exception type: messages from
aiohttp and yt-dlp often embed the URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
import time
from typing import Any

_ALLOWED_FIELDS = frozenset(
    {
        "url_digest",
        "verdict",
        "confidence",
        "duration_ms",
        "probe",
        "status",
        "reason",
        "method",
        "path",
        "client",
        "code",
        "error_type",
        "bytes_read",
        "requests",
        "port",
        "pid",
        "host",
        "event",
        "platform",
        "count",
    }
)


def url_digest(secret: bytes, url: str) -> str:
    """A keyed digest of a URL: lets an operator correlate log lines, not recover the link."""
    return hmac.new(secret, url.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage() if record.name.startswith("veriflien") else "",
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update({k: v for k, v in fields.items() if k in _ALLOWED_FIELDS})
        if record.exc_info and record.exc_info[0] is not None:
            doc["error_type"] = record.exc_info[0].__name__
        return json.dumps(doc, ensure_ascii=False)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party loggers speak in URLs; keep them at warning and strip their messages (above).
    for noisy in ("aiohttp", "asyncio", "yt_dlp"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def log(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    logger.log(level, message, extra={"fields": fields})
