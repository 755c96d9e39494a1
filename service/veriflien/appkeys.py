"""Every aiohttp AppKey of the application, in one place."""

from __future__ import annotations

from aiohttp import web

from veriflien.access import AccessPolicy
from veriflien.check import CheckEngine
from veriflien.metrics import Metrics
from veriflien.net import Gate
from veriflien.selftest import LastReport
from veriflien.settings import Settings
from veriflien.state import ResultCache, SharedState

SETTINGS = web.AppKey("settings", Settings)
GATE = web.AppKey("gate", Gate)
ENGINE = web.AppKey("engine", CheckEngine)
STATE = web.AppKey("state", SharedState)
CACHE = web.AppKey("cache", ResultCache)
ACCESS = web.AppKey("access", AccessPolicy)
METRICS = web.AppKey("metrics", Metrics)
SELFTEST = web.AppKey("selftest", LastReport)
