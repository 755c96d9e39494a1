"""No program is ever started on behalf of a checked link.

yt-dlp starts programs of its own: PhantomJS when a page asks for it (the PornHub extractor does so
for any page containing `document.location.reload(true)`, then renders the attacker's HTML with
PhantomJS's own network stack), JavaScript runtimes (deno, node, bun, quickjs) for YouTube's
challenges, ffmpeg and ffprobe to probe formats, a shell for `netrc_cmd`. Each would be egress the
gate does not see (issue 13, item 11). Turning each feature off by its option is not enough: a
new yt-dlp release adds a path, and an option is forgotten.

So process creation is refused at the one place every path goes through: Python's audit hooks
(PEP 578). `subprocess`, `os.system`, `os.exec*`, `os.posix_spawn`, `os.spawn*` and `os.fork`
raise an audit event before they do anything; the hook below refuses the event when yt-dlp's code
is on the calling stack (whatever thread it runs in) or when the calling thread is one of the
yt-dlp worker threads. The refusal is a PermissionError, which yt-dlp already treats as "program
not installed". The deployment adds a second layer the process cannot undo (deploy/: systemd
`NoExecPaths=`, a read-only Kubernetes container without writable volumes).

The hook is installed once per process, when the yt-dlp bridge is imported, and cannot be
removed (audit hooks never can); it leaves every other caller alone, so the CLI, the tests and
the service's own code are unaffected.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Audit events raised before a new program or process starts (Python's audit events table).
SPAWN_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "pty.spawn",
        "os.startfile",
    }
)
#: Packages whose code may never start a process, wherever it runs.
GUARDED_PACKAGES = ("yt_dlp",)
#: Threads that may never start a process (the yt-dlp worker pool, see runtime.py).
GUARDED_THREAD_PREFIX = "ytdlp"

_SAFE_NAME = re.compile(r"[^\w.+-]")
_installed = False
_install_lock = threading.Lock()
_watch = threading.local()


class ProcessRefused(PermissionError):
    """Raised inside yt-dlp instead of starting a program. An OSError, so yt-dlp reads it as
    "not installed" and carries on without the program, or stops with an error."""


def install() -> None:
    """Install the refusal hook (idempotent; an audit hook lasts as long as the process)."""
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


@contextmanager
def watch() -> Iterator[list[str]]:
    """Collect, for the calling thread, the names of the programs that were refused."""
    refused: list[str] = []
    previous = getattr(_watch, "refused", None)
    _watch.refused = refused
    try:
        yield refused
    finally:
        _watch.refused = previous


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in SPAWN_EVENTS:
        return  # the hook sees every audit event (file opens, sockets...): stay cheap
    if not _guarded():
        return
    program = _program(event, args)
    refused = getattr(_watch, "refused", None)
    if refused is not None and len(refused) < 8:
        refused.append(program)
    raise ProcessRefused(f"starting programs is refused inside the service ({program})")


def _guarded() -> bool:
    if threading.current_thread().name.startswith(GUARDED_THREAD_PREFIX):
        return True
    frame = sys._getframe(2)  # the caller of the audited function, and up
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.split(".", 1)[0] in GUARDED_PACKAGES:
            return True
        frame = frame.f_back
    return False


def _program(event: str, args: tuple[Any, ...]) -> str:
    """The program's base name only: a command line may carry a URL or a page's file name."""
    candidate: Any = None
    if event == "subprocess.Popen" and args:
        candidate = args[0]  # Popen resolves the executable (args[0], or the shell) before this
    elif event in {"os.exec", "os.posix_spawn"} and args:
        candidate = args[0]
    elif event == "os.spawn" and len(args) >= 2:
        candidate = args[1]
    elif event == "os.system" and args:
        candidate = str(args[0]).split(" ", 1)[0]
    if candidate is None:
        return event
    try:
        name = os.path.basename(os.fsdecode(candidate).split(" ", 1)[0])
    except (TypeError, ValueError):
        return event
    return _SAFE_NAME.sub("", name)[:40] or event
