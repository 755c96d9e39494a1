"""`veriflien serve --workers N`: several processes serving HTTP on one listening socket.

One Python process runs its event loop on one core (page analysis holds the GIL), so a machine
with more cores needs more processes. The design is pre-fork:

- the parent (the *supervisor*) reads the settings, binds the listening socket(s), loads the
  catalogues once (a typo in an edited data file stops the start with a clear message instead of a
  crash loop), imports the application, then forks N workers; it never runs an event loop, never
  starts a thread and never accepts a connection itself;
- each worker inherits the socket and runs its own aiohttp application and event loop on it.

Why one inherited socket rather than SO_REUSEPORT (one socket per worker): with one socket there
is one accept queue, and the workers decide who takes each connection: the one holding the fewest
open connections, skipping a worker whose event loop is stuck in a long analysis (`Balance`),
whereas SO_REUSEPORT assigns each connection by a hash to a fixed worker, busy or not. That
matters because clients and reverse proxies keep connections open: a connection stays with its
worker for many requests. And the socket outlives every worker: a restart never closes it, so
connections that arrive while a worker is replaced wait in the queue instead of being reset, which
is what happens to those queued on a SO_REUSEPORT socket that closes. Forking (no exec) also keeps
working where running programs is forbidden (the systemd unit's and the container's hardening).

Signals to the supervisor:

- SIGTERM or SIGINT: graceful stop. The listening socket is closed at once (new connections are
  refused, so a load balancer moves on), every worker finishes the requests it has — checks end by
  their deadline — within `drain_seconds(settings)`, then exits. A second signal stops at once.
- SIGHUP: graceful restart. The settings file is read again and the workers are replaced one by
  one: a new worker starts and is ready before an old one is told to stop, so capacity never drops
  and no connection is refused. Catalogue edits (platforms, report destinations) take effect then.
- A worker that dies (crash, out-of-memory kill) is replaced; one that dies before it is ready,
  repeatedly, stops the service (a broken start-up would otherwise loop forever).

What is per worker: each worker has its own result cache, rate-limit counters, concurrency limit
(`max_concurrent_checks`), outbound connection pool and yt-dlp threads. With `redis_url` the cache
and rate limits are shared by all workers (and replicas); without it, a link cached by one worker
is a miss in another, and a client whose connections land on several workers may get up to N
times `rate_limit_per_client`. Metrics are summed over the workers (metrics.enable_multiprocess).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import math
import mmap
import os
import selectors
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from veriflien.logs import log
from veriflien.settings import Settings, load

logger = logging.getLogger("veriflien.workers")

LISTEN_BACKLOG = 1024  # connections the kernel queues while every worker is busy or restarting
READY_TIMEOUT = 60.0  # seconds a new worker may take to load its catalogues and start
BALANCE_SLACK = 2  # connections a worker may hold above the least loaded one and still accept
PUBLISH_SECONDS = 0.05  # how often a worker publishes its number of open connections
STALE_SECONDS = 0.25  # a worker silent for this long is busy or gone: do not wait for it
ACCEPT_PAUSE_SECONDS = 0.02  # a worker over its share looks again after this
FIRST_REQUEST_GRACE = 0.2  # seconds a just-accepted connection has to send its request on a stop
STOP_MARGIN = 5.0  # seconds beyond the drain bound before a stuck worker is killed
MAX_EARLY_DEATHS = 5  # consecutive workers dying before ready: the start-up is broken
_EMFILE = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def available_cpus() -> int:
    """CPUs this process may run on: its affinity, capped by a cgroup v2 CPU quota if any.

    A container limited with `--cpus 2` (a CFS quota) still sees every CPU of the host in its
    affinity mask; forking one worker per host CPU there would only add memory and contention.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def _cgroup_cpu_quota() -> float | None:
    """The CPU quota of this process's cgroup (v2 `cpu.max`), in CPUs, or None when unlimited."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                path = Path("/sys/fs/cgroup") / line[3:].strip().lstrip("/") / "cpu.max"
                quota, period = ([*path.read_text().split(), "", ""])[:2]
                if not quota.isdigit() or not period.isdigit() or int(period) == 0:
                    return None  # "max": no quota
                return int(quota) / int(period)
    except (OSError, ValueError):
        return None
    return None


def worker_count(settings: Settings) -> int:
    return settings.workers or available_cpus()


def drain_seconds(settings: Settings) -> float:
    """How long a stopping worker lets its requests finish: a check ends by its deadline."""
    return settings.check_deadline + 2.0


def bind(host: str, port: int) -> list[socket.socket]:
    """The listening sockets for `host` (every address it resolves to, like asyncio does)."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    seen: set[tuple[Any, ...]] = set()
    try:
        for family, type_, proto, _name, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, type_, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # one port for every address of the name
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


# --------------------------------------------------------------------------- the worker


class Balance:
    """Open connections per worker, in memory the supervisor shares with the workers it forks.

    Clients and reverse proxies keep a connection open and send request after request on it, so
    a connection stays with the worker that accepted it. Left to the kernel and the event loops,
    the worker that wakes up first takes most of a burst (64 keep-alive connections measured
    45/19 between two idle workers), and then the busier worker's core limits the whole service.
    So a worker accepts only while it holds at most BALANCE_SLACK connections more than the least
    loaded worker. A worker that has not published for STALE_SECONDS (its event loop busy with a
    long analysis, or dead) is not waited for, and a stopping worker leaves the count at once:
    the least loaded live worker always accepts, so no connection waits on a sleeping one.
    """

    _SLOT = struct.Struct("=qd")  # open connections (-1: no worker), last publication (monotonic)

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, self._SLOT.size * slots)  # anonymous, inherited by forks
        for index in range(slots):
            self.free(index)

    def free(self, index: int) -> None:
        self._SLOT.pack_into(self._memory, index * self._SLOT.size, -1, 0.0)

    def publish(self, index: int, connections: int) -> None:
        self._SLOT.pack_into(self._memory, index * self._SLOT.size, connections, time.monotonic())

    def may_accept(self, index: int, mine: int) -> bool:
        now = time.monotonic()
        fewest: int | None = None
        for other in range(self.slots):
            if other == index:
                continue
            count, published = self._SLOT.unpack_from(self._memory, other * self._SLOT.size)
            if count < 0 or now - published > STALE_SECONDS:
                continue
            fewest = count if fewest is None else min(fewest, count)
        return fewest is None or mine <= fewest + BALANCE_SLACK


class _Acceptor:
    """Accepts connections from the shared socket(s) into this worker's aiohttp server.

    asyncio's own server accepts up to `backlog` connections each time a socket is readable, so
    with a shared socket the first worker to wake up would take a whole burst: here a worker
    accepts one connection per turn of its event loop, and only while `Balance` says its share
    is not too large.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        server: Any,
        balance: Balance | None,
        slot: int,
    ) -> None:
        self.loop = loop
        self.sockets = sockets
        self.server = server
        self.balance = balance
        self.slot = slot
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closed = False
        for sock in sockets:
            loop.add_reader(sock.fileno(), self._accept, sock)
        self._publisher = loop.create_task(self._publish_forever()) if balance else None

    def open_connections(self) -> int:
        return len(self.server.connections) + len(self.tasks)

    async def _publish_forever(self) -> None:
        assert self.balance is not None
        while True:
            self.balance.publish(self.slot, self.open_connections())
            await asyncio.sleep(PUBLISH_SECONDS)

    def _pause(self, sock: socket.socket, seconds: float) -> None:
        self.loop.remove_reader(sock.fileno())

        def resume() -> None:
            if not self.closed:
                self.loop.add_reader(sock.fileno(), self._accept, sock)

        self.loop.call_later(seconds, resume)

    def _accept(self, sock: socket.socket) -> None:
        if self.balance is not None and not self.balance.may_accept(
            self.slot, self.open_connections()
        ):
            self._pause(sock, ACCEPT_PAUSE_SECONDS)  # another worker has fewer: let it take it
            return
        try:
            conn, _address = sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker took it, or the client gave up
        except OSError as exc:
            if exc.errno in _EMFILE:
                # Out of file descriptors: stop accepting for a moment rather than spin.
                self._pause(sock, 0.5)
                log(logger, logging.ERROR, "cannot accept", error_type=type(exc).__name__)
            return
        conn.setblocking(False)
        task = self.loop.create_task(self._connect(conn))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if self.balance is not None:
            self.balance.publish(self.slot, self.open_connections())

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.server, sock=conn)
        except Exception:
            conn.close()

    def close(self) -> None:
        """Stop accepting and leave the balance (a stopping worker takes no new connection)."""
        self.closed = True
        if self._publisher is not None:
            self._publisher.cancel()
        if self.balance is not None:
            self.balance.free(self.slot)
        for sock in self.sockets:
            with contextlib.suppress(ValueError, OSError):
                self.loop.remove_reader(sock.fileno())
            sock.close()  # this worker's copy; the socket itself closes with the last copy


async def _serve_worker(
    settings: Settings,
    sockets: list[socket.socket],
    ready_fd: int,
    balance: Balance | None,
    slot: int,
) -> None:
    from aiohttp import web

    from veriflien.app import create_app

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    watchdog = loop.create_task(_stop_when_orphaned(os.getppid(), stop))
    runner = web.AppRunner(
        create_app(settings),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=drain_seconds(settings),
    )
    await runner.setup()  # cleanup contexts: shared state, the engine (catalogues, gate)
    server = runner.server
    assert server is not None
    acceptor = _Acceptor(loop, sockets, server, balance, slot)
    os.write(ready_fd, b"r")
    os.close(ready_fd)
    await stop.wait()
    # Stop accepting first: connections still queued go to the other workers (on a restart)
    # or are refused once every copy of the socket is closed (on a stop).
    acceptor.close()
    # A connection accepted just now may not have sent its request yet; aiohttp's shutdown would
    # close it as idle. Let those requests arrive and start: then they are drained, not dropped.
    if acceptor.tasks:
        await asyncio.wait(list(acceptor.tasks), timeout=1.0)
    await asyncio.sleep(FIRST_REQUEST_GRACE)
    await runner.cleanup()  # in-flight requests finish within shutdown_timeout, then cleanup
    watchdog.cancel()


async def _stop_when_orphaned(supervisor: int, stop: asyncio.Event) -> None:
    """A supervisor killed outright (SIGKILL) cannot stop its workers: they notice and drain."""
    while os.getppid() == supervisor:  # noqa: ASYNC110 (a parent's death raises no event here)
        await asyncio.sleep(1.0)
    log(logger, logging.WARNING, "supervisor gone; stopping", pid=os.getpid())
    stop.set()


def _worker_main(
    settings: Settings,
    sockets: list[socket.socket],
    ready_fd: int,
    balance: Balance | None,
    slot: int,
) -> int:
    """Runs in the forked child; returns its exit status (the caller uses os._exit)."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the supervisor decides, the workers drain.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        asyncio.run(_serve_worker(settings, sockets, ready_fd, balance, slot))
    except Exception as exc:
        log(logger, logging.ERROR, "worker failed", error_type=type(exc).__name__, pid=os.getpid())
        return 1
    return 0


# --------------------------------------------------------------------------- the supervisor


@dataclass(eq=False)
class _Worker:
    pid: int
    generation: int
    ready_fd: int  # read end of the pipe the worker writes one byte to when it serves
    slot: int  # its place in the shared Balance
    started: float
    ready: bool = False
    stopping: bool = False


@dataclass
class _Plan:
    """What the supervisor was started with, to apply again on SIGHUP."""

    config_file: str | None
    overrides: dict[str, Any] = field(default_factory=dict)


class Supervisor:
    """Forks, watches and replaces the workers; see the module docstring."""

    def __init__(
        self, settings: Settings, count: int, sockets: list[socket.socket], plan: _Plan
    ) -> None:
        self.settings = settings
        self.count = count
        self.sockets = sockets
        self.plan = plan
        self.workers: dict[int, _Worker] = {}
        self.generation = 0
        self.early_deaths = 0
        self.next_spawn = 0.0
        self.replacing: list[_Worker] = []  # old workers still to replace (SIGHUP)
        self.incoming: _Worker | None = None  # the new worker the next replacement waits for
        self.stop_requested = 0
        self.reload_requested = False
        self.failed = False
        # Room for every worker, a reload's incoming one and the ones still draining.
        self.balance = Balance(4 * count + 4) if count > 1 else None
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()

    # signals only set flags; the loop below does the work (nothing unsafe in a handler)
    def _on_stop(self, signum: int, _frame: Any) -> None:
        self.stop_requested += 1

    def _on_reload(self, signum: int, _frame: Any) -> None:
        self.reload_requested = True

    def run(self) -> int:
        for fd in (self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self._wake_w)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the loop
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        log(
            logger,
            logging.INFO,
            "starting workers",
            event="workers_starting",
            count=self.count,
            pid=os.getpid(),
        )
        try:
            while not self.stop_requested and not self.failed:
                self._fill()
                timeout = 1.0
                if self.next_spawn:
                    timeout = max(0.0, min(timeout, self.next_spawn - time.monotonic()))
                self._wait(timeout)
                self._check_ready_timeouts()
                if self.reload_requested:
                    self.reload_requested = False
                    self._start_reload()
                self._advance_reload()
            return self._shutdown()
        finally:
            signal.set_wakeup_fd(-1)
            self._selector.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _live(self) -> list[_Worker]:
        return [w for w in self.workers.values() if not w.stopping]

    def _fill(self) -> None:
        """Keep `count` serving workers (a reload's incoming worker counts among them)."""
        while len(self._live()) < self.count and time.monotonic() >= self.next_spawn:
            self._spawn()

    def _spawn(self) -> _Worker:
        taken = {worker.slot for worker in self.workers.values()}
        free = sorted(set(range(self.balance.slots if self.balance else 0)) - taken)
        # No free slot only after many reloads in a row (workers still draining): that worker
        # then accepts without balancing, which is correct, only less even.
        slot = free[0] if free else -1
        if self.balance is not None and slot >= 0:
            self.balance.free(slot)
        read_fd, write_fd = os.pipe()
        if threading.active_count() > 1:  # forking a process that has threads is unsafe
            raise RuntimeError("the supervisor must not run threads")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                os.close(read_fd)
                self._selector.close()
                for fd in (
                    self._wake_r,
                    self._wake_w,
                    *(w.ready_fd for w in self.workers.values()),
                ):
                    if fd >= 0:
                        os.close(fd)
                balance = self.balance if slot >= 0 else None
                status = _worker_main(self.settings, self.sockets, write_fd, balance, slot)
            except BaseException as exc:
                log(logger, logging.ERROR, "worker failed", error_type=type(exc).__name__)
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                # Never return into the supervisor's code, nor run its exit handlers.
                os._exit(status)
        os.close(write_fd)
        worker = _Worker(pid, self.generation, read_fd, slot, time.monotonic())
        self.workers[pid] = worker
        self._selector.register(read_fd, selectors.EVENT_READ, worker)
        return worker

    def _close_pipe(self, worker: _Worker) -> None:
        if worker.ready_fd >= 0:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(worker.ready_fd)
            os.close(worker.ready_fd)
            worker.ready_fd = -1

    def _on_ready_pipe(self, worker: _Worker) -> None:
        try:
            data = os.read(worker.ready_fd, 1)
        except BlockingIOError:
            return
        self._close_pipe(worker)
        if data:
            worker.ready = True
            self.early_deaths = 0
            self.next_spawn = 0.0
            log(logger, logging.INFO, "worker ready", event="worker_ready", pid=worker.pid)

    def _check_ready_timeouts(self) -> None:
        now = time.monotonic()
        for worker in self.workers.values():
            if not worker.ready and not worker.stopping and now - worker.started > READY_TIMEOUT:
                # Reaped as a worker that died while starting (counted, with backoff).
                log(logger, logging.ERROR, "worker did not start in time", pid=worker.pid)
                self._signal(worker, signal.SIGKILL)
                worker.started = now  # one kill per timeout, not one per loop turn

    def _reap(self) -> None:
        from veriflien.metrics import forget_process

        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            self._close_pipe(worker)
            forget_process(pid)
            if self.balance is not None and worker.slot >= 0:
                self.balance.free(worker.slot)  # a killed worker could not leave by itself
            if worker is self.incoming:
                self.incoming = None
            if worker.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            if not worker.ready:
                self.early_deaths += 1
                delay = min(10.0, 0.5 * 2 ** (self.early_deaths - 1))
                self.next_spawn = time.monotonic() + delay
                log(logger, logging.ERROR, "worker died while starting", pid=pid, code=code)
                if self.early_deaths >= MAX_EARLY_DEATHS:
                    if any(w.ready and not w.stopping for w in self.workers.values()):
                        # A reload whose new workers cannot start: keep the ones that serve.
                        log(logger, logging.ERROR, "reload abandoned", event="reload_failed")
                        self.replacing = []
                        self.early_deaths = 0
                    else:
                        log(logger, logging.ERROR, "workers cannot start; stopping", event="failed")
                        self.failed = True
            else:
                log(logger, logging.WARNING, "worker died; replacing it", pid=pid, code=code)
            if worker in self.replacing:
                self.replacing.remove(worker)

    def _signal(self, worker: _Worker, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signum)

    # --- SIGHUP: replace every worker, one at a time

    def _start_reload(self) -> None:
        try:
            settings = reload_settings(self.settings, self.plan)
            preflight(settings)  # an edited catalogue that does not load changes nothing
        except (ValueError, OSError) as exc:  # SettingsError and CatalogueError are ValueErrors
            log(logger, logging.ERROR, f"settings not reloaded: {exc}", event="reload_failed")
            return
        self.settings = settings
        self.generation += 1
        self.replacing = [w for w in self._live() if w.generation < self.generation]
        log(
            logger,
            logging.INFO,
            "restarting workers",
            event="reload",
            count=len(self.replacing),
        )

    def _advance_reload(self) -> None:
        if self.incoming is not None:
            if not self.incoming.ready:
                return
            old = self.replacing.pop(0) if self.replacing else None
            self.incoming = None
            if old is not None and old.pid in self.workers:
                old.stopping = True
                self._signal(old, signal.SIGTERM)
        if self.replacing and self.incoming is None and time.monotonic() >= self.next_spawn:
            self.replacing = [w for w in self.replacing if w.pid in self.workers]
            if self.replacing:
                self.incoming = self._spawn()

    # --- SIGTERM: stop accepting, drain, exit

    def _shutdown(self) -> int:
        for sock in self.sockets:
            sock.close()  # the workers close their copies as they stop: then connects are refused
        for worker in self.workers.values():
            worker.stopping = True
            self._signal(worker, signal.SIGTERM)
        log(logger, logging.INFO, "stopping workers", event="stopping", count=len(self.workers))
        deadline = time.monotonic() + drain_seconds(self.settings) + STOP_MARGIN
        forced = False
        while self.workers:
            if (self.stop_requested > 1 or time.monotonic() > deadline) and not forced:
                forced = True
                for worker in self.workers.values():
                    self._signal(worker, signal.SIGKILL)
            self._wait(0.2)
        log(logger, logging.INFO, "stopped", event="stopped")
        return 3 if self.failed else 0

    def _wait(self, timeout: float) -> None:
        """Sleep until a signal, a worker's ready message or `timeout`; then reap exited workers."""
        for key, _events in self._selector.select(timeout):
            if key.fd == self._wake_r:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 512)
            else:
                self._on_ready_pipe(key.data)
        self._reap()


def reload_settings(current: Settings, plan: _Plan) -> Settings:
    """The settings file and environment read again, with the command line's overrides.

    A random instance key (none configured) is kept: a new one would make every cached entry
    unreadable and unlink the log digests at each reload. The listening address and the number
    of workers only change with a full restart.
    """
    settings = load(config_file=plan.config_file).with_overrides(**plan.overrides)
    if not _instance_key_configured(plan.config_file):
        settings = replace(settings, instance_key=current.instance_key)
    if (settings.host, settings.port) != (current.host, current.port):
        log(logger, logging.WARNING, "a new listening address needs a full restart")
        settings = replace(settings, host=current.host, port=current.port)
    return settings


def _instance_key_configured(config_file: str | None) -> bool:
    if os.environ.get("VERIFLIEN_INSTANCE_KEY"):
        return True
    if not config_file:
        return False
    try:
        return bool(tomllib.loads(Path(config_file).read_text("utf-8")).get("instance_key"))
    except (OSError, ValueError):
        return False


def preflight(settings: Settings) -> None:
    """Load what every worker will load, once, so a broken data file is reported before forking.

    Also imports the application here: the workers then share those pages (copy-on-write).
    """
    from veriflien.advice.catalogue import load_resources
    from veriflien.app import create_app  # noqa: F401  (imported for the workers)
    from veriflien.platforms import Catalogue

    Catalogue.load(settings.platforms_file or None)
    load_resources(Path(settings.resources_file) if settings.resources_file else None)


def serve(
    settings: Settings,
    count: int,
    sockets: list[socket.socket],
    config_file: str | None,
    overrides: dict[str, Any],
) -> int:
    """Fork `count` workers on the bound `sockets` and supervise them; the exit status."""
    from veriflien import metrics

    metrics_dir: str | None = None
    try:
        # One worker's own counts are the service's: the files (and a writable temporary
        # directory, which a Kubernetes pod does not have) are needed from two workers on.
        if count > 1:
            try:
                metrics_dir = tempfile.mkdtemp(prefix="veriflien-metrics-")
            except OSError as exc:
                log(
                    logger,
                    logging.WARNING,
                    "no temporary directory: /metrics shows one worker at a time",
                    error_type=type(exc).__name__,
                )
            else:
                metrics.enable_multiprocess(metrics_dir)
        supervisor = Supervisor(settings, count, sockets, _Plan(config_file, overrides))
        return supervisor.run()
    finally:
        for sock in sockets:
            sock.close()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
