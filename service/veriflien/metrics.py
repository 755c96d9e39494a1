"""Prometheus metrics of one app: counts and latencies, never a URL, a client address or a key.

Each app gets its own CollectorRegistry (not prometheus-client's global one), so two apps in one
test process, or a re-created app, never share or double-register series. Labels take values from
closed sets only (verdicts, probe names, refusal reasons, hit/miss): a label fed from request data
would be both a privacy leak and a cardinality bomb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

PROBE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16)
CHECK_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 16, 20, 30)


class _LiveCollector(Collector):
    """Values read at scrape time from objects that already count (gate, state, access policy)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Any]:
        live = self.read()
        refusals = CounterMetricFamily(
            "veriflien_gate_refusals",
            "Outbound requests refused by the gate, by reason.",
            labels=["reason"],
        )
        for reason, count in sorted(live.get("refusals", {}).items()):
            refusals.add_metric([reason], count)
        yield refusals
        limited = CounterMetricFamily(
            "veriflien_rate_limited_requests",
            "Requests answered 429, by the limit that applied (key or client).",
            labels=["scope"],
        )
        for scope, count in sorted(live.get("rate_limited", {}).items()):
            limited.add_metric([scope], count)
        yield limited
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
        match = GaugeMetricFamily(
            "veriflien_selftest_match",
            "1 when the last `veriflien selftest` found every example of the platform giving its "
            "recorded verdict, 0 when one no longer does.",
            labels=["platform"],
        )
        for platform, ok in sorted(live.get("selftest", {}).items()):
            match.add_metric([platform], 1 if ok else 0)
        yield match
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


class Metrics:
    def __init__(self, read_live: Callable[[], dict[str, Any]]) -> None:
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
        self.registry.register(_LiveCollector(read_live))

    def observe_probe(self, event: dict[str, Any]) -> None:
        if event.get("event") == "probe" and "duration_ms" in event:
            self.probe_seconds.labels(str(event["probe"]), str(event["status"])).observe(
                event["duration_ms"] / 1000
            )

    def render(self) -> bytes:
        return generate_latest(self.registry)
