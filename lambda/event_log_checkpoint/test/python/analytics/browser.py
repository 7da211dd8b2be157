"""Headless Chromium (Debian's chromium + chromedriver) driven by Selenium, for tests of the report page.

It never skips: a missing browser or one that cannot start is a test failure naming the reason.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
    "--hide-scrollbars",
)


def _executable(variable: str, *names: str) -> str:
    """The program from `variable` if set, else the first of `names` on PATH; fails the test when absent."""
    found = os.environ.get(variable) or next((path for name in names if (path := shutil.which(name))), None)
    if not found:
        pytest.fail(f"{' / '.join(names)} not found (set {variable}, or install Debian's chromium and chromium-driver)")
    return found


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium with its console and network (performance) logs recorded."""
    options = Options()
    options.binary_location = _executable("CHROMIUM", "chromium", "chromium-browser")
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=_executable("CHROMEDRIVER", "chromedriver"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        pytest.fail(f"headless Chromium could not start: {exc.msg or exc}")
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """Every URL the page asked for since the last call, from the performance log (Network.requestWillBeSent)."""
    urls = []
    for entry in _log(driver, "performance"):
        message: dict[str, Any] = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(str(message["params"]["request"]["url"]))
    return urls


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """Console messages at level SEVERE (errors, failed loads) since the last call."""
    return [str(entry["message"]) for entry in _log(driver, "browser") if entry["level"] == "SEVERE"]


def full_page_screenshot(driver: webdriver.Chrome, path: Path) -> tuple[int, int]:
    """The whole page, not just the window, as a PNG at `path`; returns its CSS size (width, height)."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    width, height = int(size["width"]), int(size["height"])
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return width, height


def _log(driver: webdriver.Chrome, kind: str) -> list[dict[str, Any]]:
    """The entries of one of the driver's logs (Selenium leaves `get_log` untyped)."""
    entries: list[dict[str, Any]] = driver.get_log(kind)  # type: ignore[no-untyped-call]
    return entries
