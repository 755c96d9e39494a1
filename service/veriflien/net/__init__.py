"""The one gate for all outbound traffic: nothing else in the package opens connections."""

from veriflien.net.gate import (
    BudgetExhausted,
    CheckScope,
    Gate,
    GateError,
    InvalidTarget,
    Refused,
    Response,
    Unreachable,
)
from veriflien.net.urls import InvalidUrl, RefusedUrl, Target, parse_target

__all__ = [
    "BudgetExhausted",
    "CheckScope",
    "Gate",
    "GateError",
    "InvalidTarget",
    "InvalidUrl",
    "Refused",
    "RefusedUrl",
    "Response",
    "Target",
    "Unreachable",
    "parse_target",
]
