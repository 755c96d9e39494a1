"""A platform's public data API: what the platform itself answers, anonymously, about one video.

Some platforms publish an API that needs no key and describes a video to anyone (Dailymotion's
`api.dailymotion.com/video/<id>`). Like oEmbed it is fast and machine-written; unlike a page it
does not depend on scripts or on how the site is laid out this year. The endpoint and the meaning
of each answer come from the catalogue (`[platform.api]`), and an answer is never on its own
enough to call a video private (the rules forbid strong "private" evidence from it).
"""

from __future__ import annotations

from veriflien.platforms import Platform
from veriflien.probes.oembed import EndpointProbe, RuleOf


class ApiProbe(EndpointProbe):
    name = "api"
    label = "data API"

    def endpoint(self, platform: Platform, url: str) -> tuple[str, RuleOf] | None:
        address = platform.api_url(url)
        if address is None or platform.api is None:
            return None
        return address, platform.api.rule
