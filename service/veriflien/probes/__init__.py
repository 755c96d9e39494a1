"""The ordered probe registry.

Stages run one after another; the probes of one stage run concurrently. Order inside a stage is
the order findings are listed in. Adding a probe: one module in this package, one line here.
"""

from __future__ import annotations

from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.probes.fetch import FetchProbe


def registry() -> tuple[Probe, ...]:
    return (FetchProbe(),)


__all__ = ["CheckContext", "Probe", "ProbeFailed", "registry"]
