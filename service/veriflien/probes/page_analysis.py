"""The former home of the page analysis, kept importable while other branches still use it.

The analysis now lives in the `veriflien.probes.page` package (decode, scan, scripts, wording,
evidence, traps, and the `analysis` facade); import from there in new code.
"""

from __future__ import annotations

from veriflien.probes.page.analysis import analyse_page
from veriflien.probes.page.evidence import MARKER_SUPPORT
from veriflien.probes.page.report import PageAnalysis

__all__ = ["MARKER_SUPPORT", "PageAnalysis", "analyse_page"]
