"""Every aiohttp AppKey of the application, in one place."""

from __future__ import annotations

from aiohttp import web

from veriflien.check import CheckEngine
from veriflien.net import Gate
from veriflien.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
GATE = web.AppKey("gate", Gate)
ENGINE = web.AppKey("engine", CheckEngine)
