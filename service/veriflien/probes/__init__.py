"""The ordered probe registry.

Stages run one after another; the probes of one stage run concurrently. Order inside a stage is
the order findings are listed in. Adding a probe: one module in this package, one line here.

0 fetch     the link itself, through the gate (redirects, shorteners)
1 platform  recognise the platform in the catalogue; what the page's status means there
2 page, oembed, api     independent evidence, concurrently
3 ytdlp, media, embed   need the page's findings (skipped when conclusive; media URLs; players)
"""

from __future__ import annotations

from veriflien.probes.api import ApiProbe
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.probes.embed import EmbedProbe
from veriflien.probes.fetch import FetchProbe
from veriflien.probes.media import MediaProbe
from veriflien.probes.oembed import OEmbedProbe
from veriflien.probes.page import PageProbe
from veriflien.probes.platform import PlatformProbe
from veriflien.probes.ytdlp import YtdlpProbe


def registry() -> tuple[Probe, ...]:
    return (
        FetchProbe(),
        PlatformProbe(),
        PageProbe(),
        OEmbedProbe(),
        ApiProbe(),
        YtdlpProbe(),
        MediaProbe(),
        EmbedProbe(),
    )


__all__ = ["CheckContext", "Probe", "ProbeFailed", "registry"]
