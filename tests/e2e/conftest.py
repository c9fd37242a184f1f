"""When an end-to-end test fails, show what its user saw and what the services complained of:
CI keeps neither the browser nor the processes' logs."""

from __future__ import annotations

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    registry = item.funcargs.get("registry") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or registry is None:
        return
    browser = getattr(registry, "browser", None)
    if browser is not None:
        try:
            page = f"{browser.current_url}\n{browser.find_element('tag name', 'body').text}"
        except Exception as error:  # the browser itself may be what failed
            page = f"(the page could not be read: {error})"
        report.sections.append(("the page the browser showed", page))
    running = getattr(registry, "running", None)
    if running is not None:
        try:
            complaints = running.complaints()
        except OSError as error:  # what the test failed of must still be reported
            complaints = f"(the logs could not be read: {error})"
        report.sections.append(("the services' last warnings", complaints))
