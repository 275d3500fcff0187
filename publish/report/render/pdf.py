"""The report as a PDF (A4, Chinese), with the signed report file attached, so that the PDF
alone can be checked: `render_pdf(payload, code=…, signed=…, settings=…)`.

- ReportLab's platypus lays the view out (view.py, the same as the HTML's); the report number
  and "第 i 页 共 n 页" are drawn on every page once the page count is known.
- The font is a TrueType CJK face (settings.REPORT_FONT_FILES: Debian's fonts-wqy-zenhei),
  registered once per process and embedded as a subset of the glyphs used; every text of
  the page is in it, so no font is left unembedded.
- The signed file is an embedded file (the document's EmbeddedFiles name tree) named
  `report.jws`: what `report verify` and `extract_signed` read.
- Deterministic: ReportLab's invariant mode, the creation date set to the report's `iat`
  (Beijing time) and the file identifier derived from the signed file, so the same inputs
  give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ...clock import SHANGHAI
from ...errors import PublishError
from ...settings import REPORT_FONT_ENV, REPORT_FONT_FILES
from .config import RenderSettings
from .view import report_view

ATTACHMENT_NAME = "report.jws"          # the signed file's name inside the PDF (signing.PDF_ATTACHMENT)
ATTACHMENT_TYPE = "application/jose"    # a compact JWS (RFC 7515 §9.2.1)
ATTACHMENT_DESCRIPTION = "Signed credit report (compact JWS)"
FONT = "ReportCJK"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm                      # text and tables from here (the running header too)
FRAME_PADDING = 6                       # platypus' frame padding (points), inside the page margins
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
TEXT = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5360")
LINE = colors.HexColor("#9aa5b1")
BAND = colors.HexColor("#eef2f6")
PRIMARY = colors.HexColor("#0b4f8a")
FOUND = colors.HexColor("#9b1c1c")
NOTICE_BG = colors.HexColor("#fff4d6")
QR_SIZE = 34 * mm


# --- the font ---------------------------------------------------------------------------------

def font_file(environ: Mapping[str, str] | None = None) -> tuple[Path, int]:
    """The report font: PUBLISH_REPORT_FONT, else the first of REPORT_FONT_FILES that exists
    (`path#N` is the N-th face of a collection)."""
    env = os.environ if environ is None else environ
    configured = (env.get(REPORT_FONT_ENV) or "").strip()
    for candidate in ([configured] if configured else REPORT_FONT_FILES):
        path, _, index = candidate.partition("#")
        if Path(path).is_file():
            return Path(path), int(index or 0)
    raise PublishError("report_font_missing",
                       f"缺少报告 PDF 的中文字体：{configured or '、'.join(REPORT_FONT_FILES)}"
                       "（请安装 Debian 的 fonts-wqy-zenhei，make run 与 make test 会安装）")


@functools.cache
def _register_font(path: Path, index: int) -> str:
    """Registered once per process (parsing the font is the slow part)."""
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=index))
    return FONT


def report_font() -> str:
    return _register_font(*font_file())


@functools.cache
def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14.5, textColor=TEXT, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=12),
        "head": ParagraphStyle("head", parent=base, fontSize=8.5, leading=12, textColor=colors.white),
        "found": ParagraphStyle("found", parent=base, fontSize=8.5, leading=12, textColor=FOUND),
        "label": ParagraphStyle("label", parent=base, fontSize=8.5, leading=12, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER,
                                textColor=TEXT, spaceAfter=2 * mm),
        "issuer": ParagraphStyle("issuer", parent=base, fontSize=10.5, leading=15, alignment=TA_CENTER,
                                 textColor=MUTED, spaceAfter=5 * mm),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=17, textColor=PRIMARY,
                             spaceBefore=5 * mm, spaceAfter=2 * mm),
        "h3": ParagraphStyle("h3", parent=base, fontSize=10, leading=14, spaceBefore=3 * mm, spaceAfter=1.5 * mm),
        "notice": ParagraphStyle("notice", parent=base, fontSize=8.5, leading=12, backColor=NOTICE_BG,
                                 leftIndent=1.5 * mm, rightIndent=1.5 * mm,
                                 borderPadding=(1.5 * mm, 1.5 * mm, 1.5 * mm, 1.5 * mm), spaceBefore=1 * mm,
                                 spaceAfter=2 * mm),
        "end": ParagraphStyle("end", parent=base, alignment=TA_CENTER, textColor=MUTED, spaceBefore=6 * mm),
        "qr": ParagraphStyle("qr", parent=base, fontSize=7.5, leading=10, alignment=TA_CENTER, textColor=MUTED),
    }


# --- the QR code ------------------------------------------------------------------------------

class QRCode(Flowable):
    """A QR code drawn as filled rectangles (one per run of dark modules in a row)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        rows = [list(row) for row in self.qr.matrix_iter(scale=1, border=4)]
        module = self.size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    canvas.rect(start * module, self.size - (y + 1) * module, (x - start) * module, module,
                                stroke=0, fill=1)
                else:
                    x += 1


# --- the canvas: page furniture, dates, identifier, attachment --------------------------------

class _Stamp:
    """ReportLab's TimeStamp, fixed at the report's `iat` in Beijing time."""

    def __init__(self, epoch: int):
        moment = dt.datetime.fromtimestamp(epoch, SHANGHAI)
        offset = moment.utcoffset() or dt.timedelta(0)
        self.t = float(epoch)
        self.lt = moment.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = int(offset.total_seconds() // 3600)
        self.dmm = int(offset.total_seconds() % 3600 // 60)
        self.tzname = "CST"


def _pdf_date(epoch: int) -> str:
    moment = dt.datetime.fromtimestamp(epoch, SHANGHAI)
    return moment.strftime("D:%Y%m%d%H%M%S+08'00'")


class _ReportCanvas(Canvas):
    """Keeps each page until the count is known, then draws the header and footer on it."""

    def __init__(self, *args: Any, view: dict[str, Any], iat: int, signed: bytes, font: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._view = view
        self._iat = iat
        self._signed = signed
        self._font = font
        self._pages: list[dict[str, Any]] = []
        self._doc._timeStamp = _Stamp(iat)

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._furniture(number, total)
            super().showPage()
        self._attach()
        digest = hashlib.sha256(self._signed).hexdigest()[:32].upper().encode("ascii")
        self._doc._ID = b"\n[<" + digest + b"><" + digest + b">]\n"
        super().save()

    def _furniture(self, number: int, total: int) -> None:
        view = self._view
        top = PAGE_HEIGHT - 14 * mm
        self.saveState()
        self.setFont(self._font, 8)
        self.setFillColor(MUTED)
        self.drawString(MARGIN_X, top, f"{view['city']} · {view['title']}")
        self.drawRightString(PAGE_WIDTH - MARGIN_X, top, f"报告编号：{view['report_no']}")
        self.setStrokeColor(LINE)
        self.setLineWidth(0.5)
        self.line(MARGIN_X, top - 2 * mm, PAGE_WIDTH - MARGIN_X, top - 2 * mm)
        bottom = 11 * mm
        self.line(MARGIN_X, bottom + 4 * mm, PAGE_WIDTH - MARGIN_X, bottom + 4 * mm)
        self.drawString(MARGIN_X, bottom, f"{view['office']} 出具 · 核验：{view['verify_page']}")
        self.drawRightString(PAGE_WIDTH - MARGIN_X, bottom, f"第 {number} 页 共 {total} 页")
        self.restoreState()

    def _attach(self) -> None:
        """The signed file as an embedded file (PDF 1.7 §7.11.4) named `report.jws`."""
        document = self._doc
        modified = pdfdoc.PDFString(_pdf_date(self._iat))
        stream = pdfdoc.PDFStream(
            pdfdoc.PDFDictionary({"Type": "/EmbeddedFile", "Subtype": "/" + ATTACHMENT_TYPE.replace("/", "#2F"),
                "Params": pdfdoc.PDFDictionary({"Size": len(self._signed), "ModDate": modified})}),
            content=self._signed, filters=[pdfdoc.PDFZCompress])
        embedded = document.Reference(stream)
        filespec = document.Reference(pdfdoc.PDFDictionary({
            "Type": "/Filespec", "F": pdfdoc.PDFString(ATTACHMENT_NAME), "UF": pdfdoc.PDFString(ATTACHMENT_NAME),
            "Desc": pdfdoc.PDFString(ATTACHMENT_DESCRIPTION), "AFRelationship": "/Source",
            "EF": pdfdoc.PDFDictionary({"F": embedded, "UF": embedded})}))
        self.setCatalogEntry("Names", pdfdoc.PDFDictionary({"EmbeddedFiles": pdfdoc.PDFDictionary(
            {"Names": pdfdoc.PDFArray([pdfdoc.PDFString(ATTACHMENT_NAME), filespec])})}))


# --- the document -----------------------------------------------------------------------------

def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = False,
          extra: list[tuple] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, LINE),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 1.6 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 1.6 * mm),
             ("TOPPADDING", (0, 0), (-1, -1), 1.1 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.3 * mm)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), PRIMARY))
    table.setStyle(TableStyle(style + (extra or [])))
    return table


def _pairs_table(pairs: list[tuple[str, str]], styles: dict[str, ParagraphStyle], width: float,
                 label_width: float = 30 * mm) -> Table:
    rows = [[_p(label, styles["label"]), _p(value, styles["cell"])] for label, value in pairs]
    return _grid(rows, [label_width, width - label_width], extra=[("BACKGROUND", (0, 0), (0, -1), BAND)])


WIDE_VALUE = 22   # characters: a longer value gets a row of its own in a record's table


def _record_table(pairs: list[tuple[str, str]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    """A record's fields two to a row (label, value, label, value); a long value on its own row."""
    label = 27 * mm
    value = width / 2 - label
    rows: list[list[Any]] = []
    wide: list[int] = []
    pending: list[Any] = []

    def row_of_one(cells: list[Any]) -> None:
        rows.append(cells + ["", ""])
        wide.append(len(rows) - 1)

    for name, text in pairs:
        cells = [_p(name, styles["label"]), _p(text, styles["cell"])]
        if len(text) > WIDE_VALUE:
            if pending:
                row_of_one(pending)
                pending = []
            row_of_one(cells)
        elif pending:
            rows.append(pending + cells)
            pending = []
        else:
            pending = cells
    if pending:
        row_of_one(pending)
    extra: list[tuple] = [("BACKGROUND", (0, 0), (0, -1), BAND)]
    for i in range(len(rows)):
        extra.append(("SPAN", (1, i), (3, i)) if i in wide else ("BACKGROUND", (2, i), (2, i), BAND))
    return _grid(rows, [label, value, label, value], extra=extra)


HEADING_ROOM = 35 * mm   # a section heading with less than this below it starts the next page


def _heading(text: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [CondPageBreak(HEADING_ROOM), _p(text, styles["h2"])]


FIELD_WIDTHS = (10 * mm, 30 * mm, 48 * mm, 34 * mm)


def _plain_cell(text: str, style: ParagraphStyle, width: float) -> Paragraph | str:
    """A cell's text as a plain string when it fits on one line (a string cell costs a tenth of
    a Paragraph to lay out; most of the 39 rows hold short fixed sentences), else a Paragraph."""
    if not text:
        return ""
    if "\n" not in text and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= width - 3.4 * mm:
        return text
    return _p(text, style)


def _fields_table(columns: tuple[str, ...], fields: list[dict[str, Any]], styles: dict[str, ParagraphStyle],
                  width: float) -> Table:
    """序号 | 领域 | 查询结果 | 数据更新至 | 数据来源单位, one row per field (the heading repeated on
    each page)."""
    widths = [*FIELD_WIDTHS, width - sum(FIELD_WIDTHS)]
    cell = styles["cell"]
    rows: list[list[Any]] = [[_p(c, styles["head"]) for c in columns]]
    extra: list[tuple] = [("FONTSIZE", (0, 1), (-1, -1), cell.fontSize), ("LEADING", (0, 1), (-1, -1), cell.leading),
                          ("TEXTCOLOR", (0, 1), (-1, -1), TEXT)]
    for i, field in enumerate(fields, start=1):
        found = bool(field["records"])
        rows.append([str(field["index"]), _plain_cell(field["name"], cell, widths[1]),
                     _plain_cell(field["conclusion"], styles["found"] if found else cell, widths[2]),
                     _p(field["updated"], styles["small"]) if field["updated"] else "",
                     _p("\n".join(field["sources"]), styles["small"]) if field["sources"] else ""])
        if field["status"] == "no_data":
            extra.append(("TEXTCOLOR", (0, i), (-1, i), MUTED))
        if found:
            extra.append(("TEXTCOLOR", (2, i), (2, i), FOUND))
    return _grid(rows, widths, header=True, extra=extra)


def _story(view: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    width = PAGE_WIDTH - 2 * MARGIN_X
    heading = view["sections"]
    story: list[Flowable] = [_p(view["title"], styles["title"]), _p(view["office"], styles["issuer"])]

    # The subject and the report, the QR code beside them.
    facts = _pairs_table(view["subject"] + view["report"], styles, width - QR_SIZE - 6 * mm)
    qr = Table([[QRCode(view["verify_url"], QR_SIZE)], [_p("扫码核验本报告", styles["qr"])]],
               colWidths=[QR_SIZE + 4 * mm], style=[("FONTNAME", (0, 0), (-1, -1), FONT),
                                                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                    ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    story.append(Table([[facts, qr]], colWidths=[width - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm],
                       style=[("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))

    story += _heading(heading["报告说明"], styles)
    story += [_p(f"{i}. {s}", styles["body"]) for i, s in enumerate(view["statements"], start=1)]

    story += _heading(heading["查询结果摘要"], styles)
    story += [_p(view["summary"], styles["body"]), _p(f"{view['black_list']['name']}：{view['black_list_summary']}",
                                                        styles["body"])]

    story += _heading(heading["各领域查询结果"], styles)
    story.append(_fields_table(view["field_columns"], view["fields"], styles, width))

    if view["found"]:
        heading_flowables: list[Flowable] = [_p(heading["发现的违法违规记录"], styles["h2"])]
        for field in view["found"]:
            heading_flowables.append(_p(f"{field['name']}：{field['conclusion']}", styles["h3"]))
            for record in field["records"]:
                # A heading stays with the record under it; a record stays on one page.
                block = [*heading_flowables, _p(record["title"], styles["body"]),
                         _record_table(record["rows"], styles, width)]
                heading_flowables = []
                if record["notice"]:
                    block.append(_p(record["notice"], styles["notice"]))
                story += [KeepTogether(block), Spacer(1, 2 * mm)]

    black_list = view["black_list"]
    story += _heading(heading["严重失信主体名单"], styles)
    story.append(_p(black_list["conclusion"], styles["found" if black_list["entries"] else "body"]))
    for entry in black_list["entries"]:
        story += [Spacer(1, 1.5 * mm), _record_table(entry, styles, width)]
    details = [f"数据更新至：{black_list['updated']}"] if black_list["updated"] else []
    if black_list["sources"]:
        details.append("数据来源单位：" + "；".join(black_list["sources"]))
    story += [_p(d, styles["small"]) for d in details]

    if view["objections"]:
        story += _heading(heading["异议处理中的记录"], styles)
        for objection in view["objections"]:
            story.append(_p(f"{objection['field']}：{objection['decision_no']}", styles["body"]))
            story.append(_p(objection["notice"], styles["notice"]))

    story += _heading(heading["数据来源"], styles)
    story.append(_pairs_table(view["build"], styles, width, label_width=40 * mm))
    if view["departments"]:
        story.append(Spacer(1, 2 * mm))
        rows = [[_p("本报告依据的数据来源单位", styles["head"]), _p("最新数据更新时间戳", styles["head"])]]
        rows += [[_p(name, styles["cell"]), _p(newest, styles["cell"])] for name, newest in view["departments"]]
        story.append(_grid(rows, [width - 50 * mm, 50 * mm], header=True))

    story += _heading(heading["核验方式"], styles)
    story += [_p(t, styles["body"]) for t in view["verify_text"]]
    story += [HRFlowable(width="100%", thickness=0.4, color=LINE, spaceBefore=4 * mm),
              _p(view["end_mark"], styles["end"])]
    return story


def render_pdf(payload: Mapping[str, Any], *, code: str, signed: bytes, settings: RenderSettings) -> bytes:
    """The report's PDF: A4, Chinese, its font embedded, a QR code that opens the verification
    page with number and code filled in, and `signed` (the signed report file) attached as
    `report.jws`. The same arguments give the same bytes."""
    font = report_font()
    styles = _styles(font)
    view = report_view(payload, code=code, settings=settings, signed_name=ATTACHMENT_NAME)
    out = io.BytesIO()
    iat = int(payload["iat"])
    canvasmaker: Callable[..., Canvas] = functools.partial(_ReportCanvas, view=view, iat=iat, signed=bytes(signed),
                                                           font=font)
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_X - FRAME_PADDING, rightMargin=MARGIN_X - FRAME_PADDING,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, invariant=1, pageCompression=1, lang="zh-CN",
        initialFontName=font, initialFontSize=9.5,
        title=f"{view['title']} {view['report_no']}", author=view["office"], subject=view["subject_name"],
        creator=view["office"], keywords=view["report_no"])
    document.build(_story(view, styles), canvasmaker=canvasmaker)
    return out.getvalue()


def extract_signed(pdf: bytes) -> bytes | None:
    """The signed report file a PDF carries (its embedded file `report.jws`), or None when it
    carries none or cannot be read."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        found = PdfReader(io.BytesIO(pdf)).attachments.get(ATTACHMENT_NAME)
    except Exception:   # noqa: BLE001 (pypdf raises many kinds on a broken file)
        return None
    if not found:
        return None
    return bytes(found[0])
