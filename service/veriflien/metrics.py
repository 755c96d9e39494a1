"""Prometheus metrics of one app: counts and latencies, never a URL, a client address or a key.

Each app gets its own CollectorRegistry (not prometheus-client's global one), so two apps in one
test process, or a re-created app, never share or double-register series. Labels take values from
closed sets only (verdicts, probe names, refusal reasons, hit/miss): a label fed from request data
would be both a privacy leak and a cardinality bomb.

With several worker processes (`veriflien serve --workers N`), one scrape reaches one worker, so
its own counters alone would be a fraction that changes with every scrape. The workers therefore
run in prometheus-client's multiprocess mode (`enable_multiprocess`, called by the supervisor
before it forks): every worker writes its values to memory-mapped files in a private directory and
/metrics, whichever worker answers, sums all of them. Values that other objects already count (the
gate's refusals, the access policy's 429s...) are copied into real counters by `sync()`, once a
second in every worker and at each scrape, so the sum lags by at most a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

CONNECTIONS_HELP = (
    "Outbound connections opened, by kind: plain, tls_full (full TLS handshake), tls_resumed "
    "(resumed TLS session). Requests on reused connections open none."
)
PROBE_DEFECTS_HELP = (
    "Probe steps that failed because of a defect of the service (an unexpected exception), by "
    "probe; a fact about the link (unreachable, 4xx, not a video file) is not counted here."
)
PROBE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16)
CHECK_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 16, 20, 30)


class _LiveCollector(Collector):
    """Values read at scrape time from objects that already count (gate, state, access policy)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Any]:
        live = self.read()
        yield _by_label(
            CounterMetricFamily,
            "veriflien_gate_refusals",
            "Outbound requests refused by the gate, by reason.",
            "reason",
            live.get("refusals", {}),
        )
        yield _by_label(
            CounterMetricFamily,
            "veriflien_gate_connections",
            CONNECTIONS_HELP,
            "kind",
            live.get("connections", {}),
        )
        yield _by_label(
            CounterMetricFamily,
            "veriflien_rate_limited_requests",
            "Requests answered 429, by the limit that applied (key or client).",
            "scope",
            live.get("rate_limited", {}),
        )
        yield CounterMetricFamily(
            "veriflien_auth_failures",
            "Requests with an API key that is not valid here.",
            value=live.get("auth_failures", 0),
        )
        yield GaugeMetricFamily(
            "veriflien_redis_degraded",
            "1 while Redis is configured but not answering (local state is used meanwhile).",
            value=1 if live.get("redis_degraded") else 0,
        )
        yield _by_label(
            GaugeMetricFamily,
            "veriflien_selftest_match",
            "1 when the last `veriflien selftest` found every example of the platform giving its "
            "recorded verdict, 0 when one no longer does.",
            "platform",
            {platform: 1 if ok else 0 for platform, ok in live.get("selftest", {}).items()},
        )
        if live.get("selftest_age") is not None:
            yield GaugeMetricFamily(
                "veriflien_selftest_age_seconds",
                "Seconds since the last `veriflien selftest` ran.",
                value=live["selftest_age"],
            )
        yield CounterMetricFamily(
            "veriflien_redis_outages",
            "Times this process lost Redis and fell back to local state.",
            value=live.get("redis_outages", 0),
        )
        yield _by_label(
            CounterMetricFamily,
            "veriflien_probe_defects",
            PROBE_DEFECTS_HELP,
            "probe",
            live.get("probe_defects", {}),
        )


def _by_label(
    family: type[CounterMetricFamily] | type[GaugeMetricFamily],
    name: str,
    documentation: str,
    label: str,
    values: Mapping[str, float],
) -> CounterMetricFamily | GaugeMetricFamily:
    """One metric with a sample per label value, in a stable (sorted) order."""
    metric = family(name, documentation, labels=[label])
    for value, count in sorted(values.items()):
        metric.add_metric([value], count)
    return metric


_multiprocess_dir: str | None = None


def enable_multiprocess(path: str) -> None:
    """Metrics created from now on (in this process and its forks) are summed over processes.

    prometheus-client picks its value class when it is imported, from PROMETHEUS_MULTIPROC_DIR;
    it is set here, and the class replaced, so the order of imports does not matter.
    """
    global _multiprocess_dir
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values.ValueClass = values.MultiProcessValue()
    _multiprocess_dir = path


def forget_process(pid: int) -> None:
    """A worker is gone: drop its live gauges (its counters stay in the sums, as they must)."""
    if _multiprocess_dir is not None:
        mark_process_dead(pid, _multiprocess_dir)


class Metrics:
    def __init__(self, read_live: Callable[[], dict[str, Any]]) -> None:
        self.multiprocess_dir = _multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        self.checks = Counter(
            "veriflien_checks",
            "Checks answered, by verdict (cache hits included).",
            ["verdict"],
            registry=self.registry,
        )
        self.check_seconds = Histogram(
            "veriflien_check_duration_seconds",
            "Duration of checks that ran (cache hits excluded).",
            buckets=CHECK_BUCKETS,
            registry=self.registry,
        )
        self.probe_seconds = Histogram(
            "veriflien_probe_duration_seconds",
            "Duration of each probe step, by probe and outcome.",
            ["probe", "status"],
            buckets=PROBE_BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "veriflien_cache_requests",
            "Result cache look-ups, by outcome (hit, miss, or fresh: the caller asked to check "
            "again).",
            ["result"],
            registry=self.registry,
        )
        self._read_live = read_live
        if self.multiprocess_dir is None:
            self.registry.register(_LiveCollector(read_live))
        else:
            self._mirror = _LiveMirror(self.registry)

    def sync(self) -> None:
        """Copy the live values into this worker's files (multiprocess mode only)."""
        if self.multiprocess_dir is not None:
            self._mirror.update(self._read_live())

    def observe_probe(self, event: dict[str, Any]) -> None:
        if event.get("event") == "probe" and "duration_ms" in event:
            self.probe_seconds.labels(str(event["probe"]), str(event["status"])).observe(
                event["duration_ms"] / 1000
            )

    def render(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        self.sync()
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker, self.multiprocess_dir)
        return generate_latest(every_worker)


class _LiveMirror:
    """The live values as counters and gauges of this process, for multiprocess mode.

    Counters grow by the difference since the last copy, so the sum over workers stays monotonic
    even when a worker is replaced (a dead worker's files keep counting in the sum).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.refusals = Counter(
            "veriflien_gate_refusals",
            "Outbound requests refused by the gate, by reason.",
            ["reason"],
            registry=registry,
        )
        self.connections = Counter(
            "veriflien_gate_connections", CONNECTIONS_HELP, ["kind"], registry=registry
        )
        self.rate_limited = Counter(
            "veriflien_rate_limited_requests",
            "Requests answered 429, by the limit that applied (key or client).",
            ["scope"],
            registry=registry,
        )
        self.auth_failures = Counter(
            "veriflien_auth_failures",
            "Requests with an API key that is not valid here.",
            registry=registry,
        )
        self.redis_outages = Counter(
            "veriflien_redis_outages",
            "Times a worker lost Redis and fell back to local state.",
            registry=registry,
        )
        self.probe_defects = Counter(
            "veriflien_probe_defects", PROBE_DEFECTS_HELP, ["probe"], registry=registry
        )
        self.redis_degraded = Gauge(
            "veriflien_redis_degraded",
            "1 while Redis is configured but not answering, in any worker.",
            registry=registry,
            multiprocess_mode="livemax",
        )
        workers = Gauge(
            "veriflien_workers",
            "Worker processes serving HTTP.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        workers.set(1)
        self._seen: dict[tuple[str, str], float] = {}

    def _grow(self, counter: Any, key: tuple[str, str], value: float) -> None:
        delta = value - self._seen.get(key, 0)
        if delta > 0 or key not in self._seen:
            counter.inc(max(delta, 0))
            self._seen[key] = value

    def update(self, live: dict[str, Any]) -> None:
        for reason, count in live.get("refusals", {}).items():
            self._grow(self.refusals.labels(reason), ("refusals", reason), count)
        for kind, count in live.get("connections", {}).items():
            self._grow(self.connections.labels(kind), ("connections", kind), count)
        for scope, count in live.get("rate_limited", {}).items():
            self._grow(self.rate_limited.labels(scope), ("rate_limited", scope), count)
        for probe, count in live.get("probe_defects", {}).items():
            self._grow(self.probe_defects.labels(probe), ("probe_defects", probe), count)
        self._grow(self.auth_failures, ("auth_failures", ""), live.get("auth_failures", 0))
        self._grow(self.redis_outages, ("redis_outages", ""), live.get("redis_outages", 0))
        self.redis_degraded.set(1 if live.get("redis_degraded") else 0)
