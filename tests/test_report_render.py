"""The renderings of a signed report (issue 15): printable HTML and a PDF made from the verified
payload, the verification code and the site's settings.

Real contents (the small build of tests/test_report_content.py), a fixed payload, and the PDF
read back with Debian's tools as a person's viewer would: `pdffonts` (the CJK font embedded),
`pdftotext` (the subject, the number, every field), `pdftoppm` (page 1 as PNG, kept in
tests/artifacts/report/ to look at) and `zbarimg` (the QR code opens the verification page with
number and code filled in). The attachment is the signed file, and it verifies."""
import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from publish.build import build
from publish.clock import SHANGHAI, Clock
from publish.errors import PublishError
from publish.report import report_content, texts
from publish.report.render import (
    ATTACHMENT_NAME,
    RenderSettings,
    extract_signed,
    render_html,
    render_pdf,
    render_settings,
    verify_url,
)
from publish.report.render.html import css_string
from publish.report.render.pdf import font_file
from publish.settings import REPORT_FONT_ENV, read_environment
from publish.signing_keys import KeyRing
from tests.conftest import AS_OF
from tests.test_report_content import CLEAN, DISPUTED, LISTED, NAMES, PENALISED, write_inputs

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "report"
TOOLS = ("pdffonts", "pdftotext", "pdftoppm", "pdfinfo", "zbarimg")
REPORT_NO = "20261125-K7QF-3WXM"
CODE = "H8PK3R"
IAT = int(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI).timestamp())
EXP = IAT + 30 * 86400
SETTINGS = RenderSettings()
TYP = "credit-report+jws"

# Each case: the subject and the options its content is made with.
CASES = {
    "records": (PENALISED, {}),             # records found in three fields
    "clean": (CLEAN, {}),                   # clean where delivered, no data elsewhere
    "narrowed": (CLEAN, {"years": 1, "fields": ["market", "tax", "press"]}),   # clean and no_data only
    "objection": (DISPUTED, {}),            # a record under objection
    "black_listed": (LISTED, {}),
}


@pytest.fixture(scope="module", autouse=True)
def tools():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: `make test` installs poppler-utils and zbar-tools")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    write_inputs(tmp / "raw")
    assert build(tmp / "raw", tmp / "out", AS_OF, progress=False)["balanced"]
    return tmp / "out"


@pytest.fixture(scope="module")
def contents(built):
    with sqlite3.connect(f"file:{built / 'public.db'}?mode=ro", uri=True) as conn:
        return {case: report_content(conn, code, issue_day=AS_OF, **options) for case, (code, options) in CASES.items()}


def payload_of(content: dict) -> dict:
    return {"report_no": REPORT_NO, "iat": IAT, "exp": EXP, "content": content}


@pytest.fixture(scope="module")
def signed(contents, state_dir):
    """A real signed file per case: the compact JWS of the payload under the state's report key."""
    with KeyRing.open(state_dir, Clock.on(AS_OF)) as ring:
        return {case: ring.sign_jws(json.dumps(payload_of(c), ensure_ascii=False, sort_keys=True).encode(), "report",
                                    TYP).encode("ascii") + b"\n"
                for case, c in contents.items()}


@pytest.fixture(scope="module")
def pdfs(contents, signed, tmp_path_factory):
    """Each case's PDF, as bytes and as a file for the tools."""
    tmp = tmp_path_factory.mktemp("pdfs")
    result = {}
    for case, content in contents.items():
        data = render_pdf(payload_of(content), code=CODE, signed=signed[case], settings=SETTINGS)
        path = tmp / f"{case}.pdf"
        path.write_bytes(data)
        result[case] = (data, path)
    return result


def run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M).group(1))


def page_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", *pages, str(path), "-")


def squeezed(text: str) -> str:
    """Text without white space: pdftotext breaks lines inside table cells."""
    return re.sub(r"\s+", "", text)


# --- the PDF ----------------------------------------------------------------------------------

def test_the_pdf_embeds_its_cjk_font_and_no_other(pdfs):
    for case, (_, path) in pdfs.items():
        lines = run("pdffonts", str(path)).splitlines()[2:]
        assert lines, case
        for line in lines:
            # name, type, encoding, emb, sub, uni: every font embedded (a subset) with its Unicode map.
            name, kind, *_, emb, sub, uni, _, _ = line.split()
            assert "WenQuanYi" in name and kind == "TrueType", line
            assert (emb, sub, uni) == ("yes", "yes", "yes"), line


def test_pdftotext_finds_the_subject_the_number_and_every_field(pdfs, contents):
    for case, (_, path) in pdfs.items():
        content = contents[case]
        text = squeezed(page_text(path))
        assert content["subject"]["name"] in text and content["subject"]["uscc"] in text, case
        assert REPORT_NO in text and CODE in text
        for field in content["fields"]:
            assert squeezed(field["name"]) in text, (case, field["name"])
            assert squeezed(field["conclusion"]) in text
            for record in field["records"]:
                assert squeezed(record["decision_no"]) in text
        for statement in content["statements"]:
            assert squeezed(statement) in text
        assert squeezed(content["black_list"]["conclusion"]) in text
        assert SETTINGS.office in text and SETTINGS.city in text
        assert f"{SETTINGS.base_url}/verify" in text
        assert "2026-11-2510:00（北京时间）" in text and "2026-12-2510:00（北京时间）" in text   # iat, exp


def test_every_page_carries_the_report_number_and_its_page_number(pdfs):
    for case, (_, path) in pdfs.items():
        total = page_count(path)
        assert total >= 2, case   # 39 fields do not fit on one page
        for page in range(1, total + 1):
            text = squeezed(page_text(path, page))
            assert f"报告编号：{REPORT_NO}" in text, (case, page)
            assert f"第{page}页共{total}页" in text, (case, page)


def test_what_each_case_shows(pdfs, contents):
    records = squeezed(page_text(pdfs["records"][1]))
    assert "罚款金额（万元）3.5" in records and "吊销营业执照" in records and "严重" in records
    assert texts.OBJECTION_PENDING not in records
    assert texts.BLACKLIST_NOT_LISTED in records

    objection = squeezed(page_text(pdfs["objection"][1]))
    assert objection.count(squeezed(texts.OBJECTION_PENDING)) == 2   # under the record, and in the list
    assert "异议处理中的记录" in objection

    listed = squeezed(page_text(pdfs["black_listed"][1]))
    assert texts.BLACKLIST_LISTED in listed and "拒不履行行政处罚决定" in listed and "列入日期2026-01-10" in listed

    narrowed = squeezed(page_text(pdfs["narrowed"][1]))
    assert "查询领域市场监管、税务、新闻出版" not in narrowed   # the catalogue's order, not the request's
    assert "查询领域新闻出版、市场监管、税务" in narrowed and "（1年）" in narrowed
    assert texts.NO_RECORD in narrowed and texts.NO_DATA in narrowed and texts.FOUND not in narrowed
    assert "发现的违法违规记录" not in narrowed
    # Nothing that is not the content's: the record keys stay out.
    for case, (_, path) in pdfs.items():
        text = page_text(path)
        for field in contents[case]["fields"]:
            for record in field["records"]:
                assert record["record_key"] not in text


def test_page_one_as_png_is_kept_to_look_at(pdfs):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for case, (_, path) in pdfs.items():
        target = ARTIFACTS / f"{case}-page1"
        run("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(path), str(target))
        png = target.with_suffix(".png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (414, 585)   # A4 (595.3 × 841.9 pt) at 50 dpi, rounded up


def test_the_qr_code_opens_the_verification_page_with_number_and_code(pdfs, tmp_path):
    expected = f"{SETTINGS.base_url}/verify?no={REPORT_NO}&code={CODE}"
    assert verify_url(REPORT_NO, CODE, SETTINGS) == expected
    for case, (_, path) in pdfs.items():
        target = tmp_path / case
        run("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path), str(target))
        assert run("zbarimg", "-q", "--raw", str(target.with_suffix(".png"))).strip() == expected, case


def test_the_signed_file_is_attached_and_the_pdf_alone_verifies(pdfs, signed, contents, state_dir):
    from pypdf import PdfReader

    for case, (data, _) in pdfs.items():
        assert extract_signed(data) == signed[case]
        assert list(PdfReader(__import__("io").BytesIO(data)).attachments) == [ATTACHMENT_NAME]
    with KeyRing.open(state_dir, Clock.on(AS_OF)) as ring:
        verified = ring.verify_jws(extract_signed(pdfs["records"][0]).strip(), "report", TYP)
    assert json.loads(verified.payload)["content"] == contents["records"]


def test_a_pdf_without_the_signed_file_gives_none():
    from pypdf import PdfWriter

    out = __import__("io").BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(out)
    assert extract_signed(out.getvalue()) is None
    assert extract_signed(b"%PDF-1.4 not really") is None
    assert extract_signed(b"") is None


def test_the_same_inputs_give_the_same_bytes(contents, signed, pdfs, tmp_path):
    payload = payload_of(contents["records"])
    again = render_pdf(payload, code=CODE, signed=signed["records"], settings=SETTINGS)
    assert again == pdfs["records"][0]
    html = render_html(payload, code=CODE, settings=SETTINGS)
    assert render_html(payload, code=CODE, settings=SETTINGS) == html
    # In another process too (no process-wide counter, clock or random id in the bytes).
    (tmp_path / "payload.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "signed.jws").write_bytes(signed["records"])
    script = ("import json, sys; from pathlib import Path; from publish.report.render import *; "
              "d = Path(sys.argv[1]); p = json.loads((d / 'payload.json').read_text('utf-8')); "
              "s = RenderSettings(); "
              "(d / 'out.pdf').write_bytes(render_pdf(p, code=sys.argv[2], signed=(d / 'signed.jws').read_bytes(), "
              "settings=s)); (d / 'out.html').write_text(render_html(p, code=sys.argv[2], settings=s), 'utf-8')")
    subprocess.run([sys.executable, "-c", script, str(tmp_path), CODE], check=True, cwd=ROOT)
    assert (tmp_path / "out.pdf").read_bytes() == pdfs["records"][0]
    assert (tmp_path / "out.html").read_text("utf-8") == html
    # The creation date is the report's iat, in Beijing time.
    assert b"/CreationDate (D:20261125100000+08'00')" in pdfs["records"][0]
    # Another code is another QR code, and another PDF.
    assert render_pdf(payload, code="2345AB", signed=signed["records"], settings=SETTINGS) != again


def test_a_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError) as exc:
        font_file({REPORT_FONT_ENV: str(tmp_path / "missing.ttf")})
    assert exc.value.code == "report_font_missing" and "fonts-wqy-zenhei" in exc.value.message
    path, index = font_file({})
    assert path.is_file() and index == 0


# --- the HTML ---------------------------------------------------------------------------------

def test_the_html_page_says_what_the_pdf_says(contents):
    for case, content in contents.items():
        html = render_html(payload_of(content), code=CODE, settings=SETTINGS)
        assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
        assert REPORT_NO in html and CODE in html and content["subject"]["name"] in html
        assert f"报告编号：{REPORT_NO}" in html   # the running header, printed on every page
        assert html.count("<svg") == 1 and "核验二维码" in html
        assert verify_url(REPORT_NO, CODE, SETTINGS).replace("&", "&amp;") in html
        for field in content["fields"]:
            assert f"<td>{field['name']}</td>" in html
        for statement in content["statements"]:
            assert statement in html
        for record in (r for f in content["fields"] for r in f["records"]):
            assert record["decision_no"] in html and record["record_key"] not in html
        assert (texts.OBJECTION_PENDING in html) == bool(content["objections"]), case
        assert "<script" not in html and "<link" not in html   # stands alone, runs nothing
        assert "size: A4" in html and "counter(page)" in html and "景德镇市社会信用体系建设领导小组办公室" in html


def test_the_html_escapes_what_it_shows(contents):
    content = json.loads(json.dumps(contents["records"]))
    content["subject"]["name"] = '景德镇市<b>"瓷&器"</b>有限公司'
    html = render_html(payload_of(content), code=CODE, settings=SETTINGS)
    assert "<b>" not in html and "景德镇市&lt;b&gt;&#34;瓷&amp;器&#34;&lt;/b&gt;有限公司" in html
    pdf = render_pdf(payload_of(content), code=CODE, signed=b"x", settings=SETTINGS)
    assert extract_signed(pdf) == b"x"
    # A name in a CSS string cannot end the string or the style element.
    assert css_string('办"公室</style>') == "办\\22 公室\\3c /style\\3e "


def test_the_city_office_and_base_url_come_from_the_configuration(contents, tmp_path):
    metadata = {"plugins": {"site": {"city": "中山市", "office": "中山市社会信用体系建设工作领导小组办公室",
                                     "base_url": "https://credit.example.cn/"}}}
    settings = render_settings(metadata, read_environment({}))
    assert settings == RenderSettings("https://credit.example.cn", "中山市", "中山市社会信用体系建设工作领导小组办公室")
    assert render_settings({}, read_environment({"PUBLISH_BASE_URL": "https://env.example"})).base_url == \
        "https://env.example"
    assert render_settings(None, read_environment({})) == RenderSettings()   # the shipped metadata.yml
    payload = payload_of(contents["clean"])
    html = render_html(payload, code=CODE, settings=settings)
    assert "中山市社会信用体系建设工作领导小组办公室" in html and "https://credit.example.cn/verify?no=" in html
    assert "景德镇市社会信用体系建设领导小组办公室" not in html
    path = tmp_path / "zs.pdf"
    path.write_bytes(render_pdf(payload, code=CODE, signed=b"x", settings=settings))
    text = squeezed(page_text(path))
    assert "中山市社会信用体系建设工作领导小组办公室" in text and "中山市·公共信用信息报告" in text
    target = tmp_path / "zs"
    run("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path), str(target))
    assert run("zbarimg", "-q", "--raw", str(target.with_suffix(".png"))).strip() == \
        f"https://credit.example.cn/verify?no={REPORT_NO}&code={CODE}"


def test_the_names_of_the_fixture_are_what_the_reports_show(contents):
    assert contents["records"]["subject"]["name"] == NAMES[PENALISED]
    assert contents["records"]["summary"]["found"] == 3
    assert {f["status"] for f in contents["narrowed"]["fields"]} == {"clean", "no_data"}
    assert contents["objection"]["objections"] and contents["black_listed"]["black_list"]["status"] == "listed"


# --- the HTML in a real browser ---------------------------------------------------------------

@pytest.mark.browser
def test_the_html_prints_on_a4_with_the_number_on_every_page_and_a_qr_code_that_scans(contents, tmp_path):
    """Debian's chromium prints the page (as a person's "print to PDF" does): A4, the report
    number and "第 i 页 共 n 页" on every page; its screenshot's QR code scans to the
    verification URL; the page fits a phone's width."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS, CHROMIUM

    html = tmp_path / "report.html"
    html.write_text(render_html(payload_of(contents["records"]), code=CODE, settings=SETTINGS), encoding="utf-8")
    printed = tmp_path / "printed.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(html.as_uri())
            page.screenshot(path=str(ARTIFACTS / "html-desktop.png"))
            page.pdf(path=str(printed), prefer_css_page_size=True)
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            phone.goto(html.as_uri())
            phone.screenshot(path=str(ARTIFACTS / "html-phone.png"), full_page=True)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", run("pdfinfo", str(printed)))
    total = page_count(printed)
    assert total >= 2
    for page_no in range(1, total + 1):
        text = squeezed(page_text(printed, page_no))
        assert f"报告编号：{REPORT_NO}" in text and f"第{page_no}页共{total}页" in text, page_no
    assert run("zbarimg", "-q", "--raw", str(ARTIFACTS / "html-desktop.png")).strip() == \
        verify_url(REPORT_NO, CODE, SETTINGS)
