"""Under CI=true, a test skipped because a tool is missing is a failure.

`make test` installs the tools or stops before the suite starts (tests/tools.py), so in CI a skip of
that kind means a test silently did not run. tests/conftest.py imports these hooks; a test of the
policy loads this module as a plugin (`-p tool_skips`) in a separate pytest run.
"""

from __future__ import annotations

import os
import re

import pytest

from tools import MISSING_TOOL

# Skip reasons that mean "a tool or a test dependency is not there": tools.require() and
# tools.missing_reason() start with MISSING_TOOL; the other two catch a hand-written skip and
# pytest.importorskip ("could not import 'x'").
TOOL_SKIP = re.compile(rf"{MISSING_TOOL}\b|\bnot installed\b|could not import", re.IGNORECASE)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def fail_tool_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    if TOOL_SKIP.search(reason):
        report.outcome = "failed"
        report.longrepr = (
            "CI=true: a test skipped for a missing tool did not run, so it counts as a failure "
            f"(`make test` installs the tools).\n{reason}"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report = yield
    fail_tool_skip_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport:
    report = yield
    fail_tool_skip_in_ci(report)
    return report
