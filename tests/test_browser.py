"""End to end in a real headless browser (Debian's chromium driven by Playwright): home →
search → profile → the underlying Datasette row, on a phone and on a desktop; and the credit
report: profile → preview → issue → the printable page → the verification page, reached by
decoding the report's QR code (zbarimg, from a screenshot of the page and from the PDF
rendered by pdftoppm), then the PDF checked on that page.

Screenshots go to tests/artifacts/ (gitignored) for a person to look at.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import AS_OF

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The sample data, built and served by `python -m publish serve` on a free port."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browsers` installs Debian's chromium")
    tmp = tmp_path_factory.mktemp("browser")
    raw, out = tmp / "raw", tmp / "out"
    py = sys.executable
    subprocess.run([py, "-m", "publish", "sample", "--out", str(raw), "--rows", "600", "--as-of", AS_OF.isoformat()],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([py, "-m", "publish", "build", "--input", str(raw), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([py, "-m", "publish", "release", "--build", str(out)], check=True, cwd=ROOT,
                   env={**os.environ, "PUBLISH_NOW": f"{AS_OF.isoformat()}T20:00:00+08:00"},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = sqlite3.connect(out / "public.db")
    # An entity with a penalty under objection and a licence: the fullest profile.
    uscc, name = conn.execute("""
        SELECT e.uscc, e.name FROM entities e
        WHERE e.uscc IN (SELECT uscc FROM penalties_records WHERE objection_status = '处理中' AND subject_is_person = 0)
        ORDER BY e.licences_count DESC, e.uscc LIMIT 1""").fetchone()
    conn.close()
    port = _free_port()
    # The base URL is this server's, so the reports' QR codes open it.
    process = subprocess.Popen([py, "-m", "publish", "serve", "--build", str(out), "--port", str(port)], cwd=ROOT,
                               env={**os.environ, "PUBLISH_TODAY": AS_OF.isoformat(),
                                    "PUBLISH_BASE_URL": f"http://127.0.0.1:{port}"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5)
                break
            except OSError:  # refused, reset, or not answered yet on a busy machine
                time.sleep(0.1)
        yield {"base": base, "uscc": uscc, "name": name, "out": out}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def shot(page, viewport: str, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{viewport}-{step}.png"), full_page=True)


def assert_fits(page) -> None:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    overflow = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className).slice(0, 5);
        return {scroll: document.documentElement.scrollWidth, width, wide};
    }""")
    assert overflow["scroll"] <= overflow["width"], overflow


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_home_search_profile_and_the_datasette_row(site, browser, viewport):
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[viewport])
    page = context.new_page()
    try:
        page.goto(site["base"] + "/")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.get_by_role("heading", level=1).inner_text() == "公共信用信息公示"
        assert page.get_by_text("CC BY 4.0").first.is_visible()
        assert_fits(page)
        shot(page, viewport, "1-home")

        # Keyboard first: the skip link, then the search box by its label.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        box = page.get_by_label("企业名称或统一社会信用代码")
        fragment = site["name"][3:7]
        box.fill(fragment)
        box.press("Enter")
        page.wait_for_url("**/search?q=*")
        assert page.get_by_role("status").inner_text().startswith("找到")
        assert_fits(page)
        shot(page, viewport, "2-search")

        page.get_by_role("link", name=site["name"], exact=True).click()
        page.wait_for_url(f"**/entity/{site['uscc']}")
        assert page.get_by_role("heading", level=1).inner_text() == site["name"]
        assert page.get_by_role("heading", name="异议处理中").is_visible()
        assert page.get_by_text("公示至").first.is_visible()
        assert page.get_by_role("heading", name="异议与信用修复").is_visible()
        assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex,noarchive"
        assert_fits(page)
        shot(page, viewport, "3-profile")

        link = page.locator("#penalties .source-link a").first
        link.click()
        page.wait_for_url("**/public/penalties_records/*")
        assert "行政处罚" in page.content()
        assert page.get_by_text("提出异议").first.is_visible()
        shot(page, viewport, "4-datasette-row")
    finally:
        context.close()


def test_nothing_found_and_errors_in_the_browser(site, browser):
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(site["base"] + "/search?q=" + "不存在的名称")
        assert page.get_by_role("heading", name="没有找到结果").is_visible()
        assert_fits(page)
        shot(page, "phone", "5-nothing-found")
        response = page.goto(site["base"] + "/entity/91360200000000001Y")
        assert response.status == 400
        assert page.get_by_role("heading", level=1).inner_text() == "请求有误"
        assert_fits(page)
        shot(page, "phone", "6-invalid-uscc")
    finally:
        context.close()


def test_facets_on_the_desktop(site, browser):
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        page.goto(site["base"] + "/search?q=有限公司")
        before = page.get_by_role("status").inner_text()
        region = page.locator(".facet").first.locator("a").first
        label = region.inner_text()
        region.click()
        page.wait_for_url("**region=*")
        assert page.locator(".facet a.selected").first.inner_text().endswith(label)
        assert page.get_by_role("status").inner_text() != before
        shot(page, "desktop", "7-facet")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_home_to_downloads_where_a_csv_is_saved_not_shown(site, browser, viewport, tmp_path):
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **VIEWPORTS[viewport])
    page = context.new_page()
    try:
        page.goto(site["base"] + "/")
        page.get_by_role("navigation", name="网站导航").get_by_role("link", name="数据下载").click()
        page.wait_for_url("**/downloads")
        assert page.get_by_role("heading", level=1).inner_text() == "数据下载"
        assert page.get_by_role("heading", name="当前发布").is_visible()
        assert page.get_by_text("CC BY 4.0").first.is_visible()
        assert_fits(page)
        shot(page, viewport, "8-downloads")
        for name in ("penalties.csv", "datapackage.json"):   # a browser would show JSON if it were not an attachment
            row = page.locator(".download-file", has=page.get_by_role("link", name=name, exact=True))
            shown_sum = row.locator(".download-sum .code").inner_text()
            with page.expect_download() as info:
                row.get_by_role("link", name=name, exact=True).click()
            download = info.value
            assert download.suggested_filename == name
            saved = tmp_path / f"{viewport}-{name}"
            download.save_as(saved)
            body = saved.read_bytes()
            assert hashlib.sha256(body).hexdigest() == shown_sum
            assert page.url.endswith("/downloads")          # still on the page: nothing was displayed
        assert body.startswith(b"{")
        release = next((site["out"].parent / "out.releases").iterdir())
        assert (tmp_path / f"{viewport}-penalties.csv").read_bytes() == (release / "penalties.csv").read_bytes()
        assert (release / "penalties.csv").read_bytes().startswith("\ufeff".encode())
    finally:
        context.close()


def decode_qr(image: Path) -> str:
    """The text of the one QR code in `image` (zbarimg, Debian's zbar-tools)."""
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    [text] = found.stdout.split()
    return text


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_profile_preview_issue_print_and_verify_by_the_qr_code(site, browser, viewport, tmp_path):
    for tool in ("zbarimg", "pdftoppm"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: `make debs` installs zbar-tools and poppler-utils")
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **VIEWPORTS[viewport])
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(f"{site['base']}/entity/{site['uscc']}")
        page.get_by_role("link", name="出具信用报告（无违法违规证明版）").click()
        page.wait_for_url(f"**/report/{site['uscc']}")
        assert page.get_by_role("heading", level=1).inner_text() == "公共信用信息报告（无违法违规证明版）"
        assert page.get_by_text("这是预览").is_visible()
        assert page.get_by_text(site["name"]).first.is_visible()
        assert_fits(page)
        shot(page, viewport, "report-1-preview")

        page.get_by_role("button", name="出具报告").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="报告已出具").is_visible()
        no, code = page.locator("#report-no").inner_text(), page.locator("#report-code").inner_text()
        assert page.locator("main.report").get_attribute("data-report-no") == no
        assert page.get_by_role("link", name="下载 PDF").is_visible()
        assert page.get_by_role("link", name="签名文件（report.jws）").is_visible()
        assert_fits(page)
        shot(page, viewport, "report-2-issued")
        page.emulate_media(media="print")              # printed, the links are not on the paper
        assert not page.get_by_role("heading", name="报告已出具").is_visible()
        page.emulate_media(media="screen")

        expected = f"{site['base']}/verify?no={no}&code={code}"
        screenshot = tmp_path / "qr.png"
        page.locator("figure.qr svg").screenshot(path=str(screenshot))
        assert decode_qr(screenshot) == expected
        pdf = tmp_path / "report.pdf"
        with page.expect_download() as download:
            page.get_by_role("link", name="签名文件（report.jws）").click()
        assert download.value.suggested_filename == f"report-{no}.jws"
        response = page.request.get(site["base"] + page.get_by_role("link", name="下载 PDF").get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        pdf.write_bytes(response.body())
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                       check=True)
        [page_one] = tmp_path.glob("page*.png")
        assert decode_qr(page_one) == expected

        page.goto(expected)                            # what a phone's camera opens
        assert page.get_by_role("heading", name="核验结果：有效").is_visible()
        assert page.get_by_role("heading", name="签名摘要：请与手中的报告逐项核对").is_visible()
        assert page.get_by_text("请将本摘要与手中的报告逐项核对").is_visible()
        assert page.locator(".signed-summary").get_by_text(site["name"]).is_visible()
        assert page.locator("li.check-ok").count() == 6
        assert_fits(page)
        shot(page, viewport, "report-3-verified")

        page.get_by_label("签名文件（report.jws）或报告 PDF").set_input_files(str(pdf))
        page.get_by_role("button", name="核验文件").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="核验结果：有效").is_visible()
        assert page.get_by_text("核验的是您提交的文件").is_visible()
        shot(page, viewport, "report-4-file-verified")
        assert refused == []
    finally:
        context.close()
