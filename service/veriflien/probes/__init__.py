"""The probe registry: which probes run, listed once; the order they run in comes from their slots.

Adding a probe: one module in this package (a `Probe` subclass declaring the context slots it
`reads` and `writes`), one line in `registry()`. `stages()` derives when it runs: after every probe
that writes a slot it reads, concurrently with the others that are ready then. A read that no
probe writes fails here, at import, not in a victim's check. The order of this list is only the
order in which findings of probes running together are listed.

With today's probes the derived stages are:
0 fetch     the link itself, through the gate (redirects, shorteners)
1 platform  recognise the platform in the catalogue; what the page's status means there
2 page, oembed, api     independent evidence, concurrently
3 ytdlp, media, embed   need the page's findings (skipped when conclusive; media URLs; players)
"""

from __future__ import annotations

from veriflien.probes.api import ApiProbe
from veriflien.probes.base import SLOTS, CheckContext, Probe, ProbeFailed, RegistryError, stages
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


# Checked at import: a probe reading a slot that nothing writes stops the service from starting.
STAGES = stages(registry())

__all__ = [
    "SLOTS",
    "STAGES",
    "CheckContext",
    "Probe",
    "ProbeFailed",
    "RegistryError",
    "registry",
    "stages",
]
