"""The report page in a real browser: every figure decodes, nothing is fetched, no console error,
the tables hold the CSVs' rows; a full-page screenshot is saved next to the report."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from selenium import webdriver

from analytics.browser import chromium, console_errors, full_page_screenshot, requested_urls
from analytics.samples import sample_checkpoint
from checkpoint_analytics.render import HTML_ROWS
from checkpoint_analytics.report import ReportResult, run_report

SCREENSHOT = "report-screenshot.png"
#: Every attribute that can make a browser fetch something.
URL_ATTRIBUTES = ("src", "href", "srcset", "action", "formaction", "poster", "data", "background")
PAGE_FACTS = """
const attributes = arguments[0];
const urls = [];
for (const element of document.querySelectorAll('*')) {
  for (const name of attributes) {
    const value = element.getAttribute(name);
    if (value !== null) urls.push(element.tagName + ' ' + name + '=' + value.slice(0, 60));
  }
}
for (const sheet of document.styleSheets) {
  for (const rule of sheet.cssRules) {
    if (rule.cssText.includes('url(') || rule.cssText.includes('@import')) urls.push('css ' + rule.cssText);
  }
}
return {
  urls: urls,
  images: [...document.images].map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth})),
  tables: [...document.querySelectorAll('table')].map(t => ({
    csv: t.dataset.csv,
    header: [...t.tHead.rows[0].cells].map(c => c.textContent),
    rows: t.tBodies[0].rows.length,
  })),
  html: document.documentElement.outerHTML,
};
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    folder = tmp_path_factory.mktemp("browser")
    checkpoint = folder / "checkpoint.parquet"
    sample_checkpoint().write_parquet(checkpoint)
    return run_report(str(checkpoint), "2024-03", folder / "report", out=io.StringIO())


@pytest.fixture(scope="module")
def page(report: ReportResult) -> Iterator[tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]]]:
    """The page as loaded: the driver, the facts read from the DOM, requested URLs, console errors."""
    with chromium() as driver:
        driver.get(report.html_path.as_uri())
        assert driver.execute_script("return document.readyState") == "complete"
        facts = driver.execute_script(PAGE_FACTS, list(URL_ATTRIBUTES))
        yield driver, facts, requested_urls(driver), console_errors(driver)


def test_every_image_is_decoded(page: tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]]) -> None:
    images = page[1]["images"]
    assert len(images) == 7
    undecoded = [image["alt"] for image in images if not image["complete"] or image["width"] <= 0]
    assert undecoded == []


def test_nothing_but_data_uris_and_the_file_itself_is_requested(
    page: tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]], report: ReportResult
) -> None:
    _, facts, urls, _ = page
    assert report.html_path.as_uri() in urls
    assert [url for url in urls if not url.startswith("data:") and url != report.html_path.as_uri()] == []
    assert [url for url in facts["urls"] if not url.split("=", 1)[-1].startswith("data:")] == []
    assert "http://" not in facts["html"]
    assert "https://" not in facts["html"]


def test_the_console_has_no_errors(page: tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]]) -> None:
    assert page[3] == []


def test_each_table_has_its_csvs_rows_and_columns(
    page: tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]], report: ReportResult
) -> None:
    tables = page[1]["tables"]
    assert sorted(table["csv"] for table in tables) == sorted(path.name for path in report.csv_paths.values())
    for table in tables:
        csv = pl.read_csv(report.html_path.parent / table["csv"], infer_schema=False)
        assert table["header"] == csv.columns, table["csv"]
        assert table["rows"] == min(csv.height, HTML_ROWS), table["csv"]
    assert sum(table["rows"] for table in tables) > 12 * 4  # not an empty report


def test_a_full_page_screenshot_is_saved_next_to_the_report(
    page: tuple[webdriver.Chrome, dict[str, Any], list[str], list[str]], report: ReportResult
) -> None:
    driver = page[0]
    path = report.html_path.parent / SCREENSHOT
    width, height = full_page_screenshot(driver, path)
    window_height = driver.execute_script("return window.innerHeight")
    assert height > 3 * window_height  # the whole page, far longer than the window
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (width, height)
