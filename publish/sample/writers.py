"""Writers: a sheet's rows as a CSV file in its encoding, as JSON Lines, as JSON (an array, or a
platform's answer holding the rows), as XLSX workbooks (title rows, merged cells, date cells, note
rows, an instructions sheet) with fixed timestamps, or as an XLS workbook (BIFF8, xlwt).
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlwt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .delivery import Sheet, SourceFile
from .formats import cn_date, decimal_text, excel_serial, format_date
from .world import World


# --- Cells --------------------------------------------------------------------------------------
def cell_text(value: object, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return format_date(value, "iso" if style in ("excel", "serial") else style)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def _json_value(value: object, style: str) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    return cell_text(value, style)


def _xlsx_value(value: object, style: str) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        if style == "excel":
            return value
        if style == "serial":
            return excel_serial(value)
        return format_date(value, style)
    if isinstance(value, Decimal):
        return float(value)
    return None if value == "" else value


def _row_styles(sheet: Sheet, count: int, rng: random.Random) -> list[str]:
    return [rng.choice(sheet.dates) for _ in range(count)]


def write_csv(path: Path, sheet: Sheet, rows: list[dict], encoding: str, rng: random.Random) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet.header())
    for row, style in zip(rows, _row_styles(sheet, len(rows), rng), strict=True):
        writer.writerow([cell_text(row.get(c), style) for c in sheet.columns])
    path.write_bytes(out.getvalue().encode(encoding))  # strict: a GBK file must really be GBK


def write_jsonl(path: Path, sheet: Sheet, rows: list[dict], rng: random.Random) -> None:
    header = sheet.header()
    lines = []
    for row, style in zip(rows, _row_styles(sheet, len(rows), rng), strict=True):
        obj = {h: _json_value(row.get(c), style) for h, c in zip(header, sheet.columns, strict=True)}
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def json_records(sheet: Sheet, rows: list[dict], rng: random.Random) -> list[dict]:
    header = sheet.header()
    return [{h: _json_value(row.get(c), style) for h, c in zip(header, sheet.columns, strict=True)}
            for row, style in zip(rows, _row_styles(sheet, len(rows), rng), strict=True)]


def write_json(path: Path, source: SourceFile, rows: list[dict], rng: random.Random) -> None:
    """An array of objects, one a line as exports save them; or a platform API's answer on one line,
    its records under `rows` (with code and msg), `data` or `list` (with the page), beside a total."""
    records = json_records(source.sheets[0], rows, rng)
    if not source.wrapper:
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
        return
    answer: dict[str, object] = {"total": len(records)}
    if source.wrapper == "rows":
        answer.update({"rows": records, "code": 200, "msg": "查询成功"})
    elif source.wrapper == "data":
        answer = {"code": 0, "msg": "success", **answer, "data": records}
    else:
        answer.update({"pageNum": 1, "pageSize": len(records), "pages": 1, source.wrapper: records})
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


DATASET_TITLES = {
    "penalty": "行政处罚信息公示表", "licence": "行政许可信息公示表", "repair": "信用修复结果",
    "tax_grade": "纳税信用等级评价结果", "arrears": "欠费信息明细表", "red_list": "守信激励对象名单",
    "commitment_national": "信用承诺信息表",
}
# Note rows inside a data sheet (template instructions, not records): one below the header, others
# after the data.
NOTE_BELOW_HEADER = "填报说明：带*号的为必填项，日期格式为YYYY-MM-DD，金额以万元为单位（本行不是数据）"
NOTES_AFTER = (
    "表格说明：1. 本表依据国家标准模板填报，请勿修改表头。",
    "表格说明：2. 行政相对人或承诺人为自然人的，证件号码仅供归集，不予公开。",
    "表格说明：3. 本表数据由数据来源单位负责审核，报送前请删除本说明。",
)
NOTES = (
    "填报说明",
    "1. 本表按照国家“双公示”数据标准填报，带*号的为必填项。",
    "2. 行政相对人类别填写：法人及非法人组织、自然人、个体工商户。",
    "3. 行政相对人为自然人的，统一社会信用代码不填，证件号码不予公开。",
    "4. 处罚决定日期格式为YYYY/MM/DD，罚款金额以万元为单位。",
    "5. 本表数据于每月5日前报送市发展改革委（信用办）。",
)


def write_xlsx(path: Path, source: SourceFile, sheets: list[tuple[Sheet, list[dict]]],
               world: World, rng: random.Random) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    dept = world.departments[source.department]
    for sheet, rows in sheets:
        ws = wb.create_sheet(sheet.name)
        width = len(sheet.columns)
        if sheet.title_rows >= 1:
            ws.cell(1, 1, f"{dept.name}{DATASET_TITLES.get(sheet.dataset, '信息表')}")
            ws.cell(1, 1).font = Font(bold=True, size=14)
            ws.cell(1, 1).alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        if sheet.title_rows >= 2:
            ws.cell(2, 1, f"填报单位：{dept.name}（盖章）        填报日期：{cn_date(world.as_of)}")
        top = sheet.title_rows + 1
        for col, name in enumerate(sheet.header(), start=1):
            ws.cell(top, col, name).font = Font(bold=True)
        above, after = sheet.notes
        if above:
            ws.cell(top + 1, 1, NOTE_BELOW_HEADER)
        first = top + above + 1
        for r, (row, style) in enumerate(zip(rows, _row_styles(sheet, len(rows), rng), strict=True), start=first):
            for col, column in enumerate(sheet.columns, start=1):
                value = _xlsx_value(row.get(column), style)
                if value is not None:
                    cell = ws.cell(r, col, value)
                    if isinstance(value, date):
                        cell.number_format = "yyyy/m/d" if r % 2 else 'yyyy"年"m"月"d"日"'
        for k, line in enumerate(NOTES_AFTER[:after]):
            ws.cell(first + len(rows) + k, 1, line)
    if source.notes_sheet:
        ws = wb.create_sheet("填报说明")
        for r, line in enumerate(NOTES, start=1):
            ws.cell(r, 1, line)
    wb.properties.creator = dept.name
    wb.properties.lastModifiedBy = dept.name
    _save_xlsx(wb, path, datetime(world.as_of.year, world.as_of.month, world.as_of.day, 9, 0, 0))


def _save_xlsx(wb: Workbook, path: Path, stamp: datetime) -> None:
    """Save with fixed timestamps: openpyxl stamps docProps/core.xml's modified time and every
    zip entry with the current time, so the archive is rewritten with `stamp` instead."""
    wb.properties.created = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    fixed = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + fixed + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)



def write_xls(path: Path, source: SourceFile, rows: list[dict], world: World, rng: random.Random) -> None:
    """One sheet as an XLS workbook (BIFF8), as Java exports still write them: a merged title row,
    the header, date cells. xlwt writes no timestamp, so the bytes depend on the rows alone."""
    sheet = source.sheets[0]
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet.name or "Sheet1")
    bold = xlwt.easyxf("font: bold on")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    dept = world.departments[source.department]
    if sheet.title_rows:
        ws.write_merge(0, 0, 0, len(sheet.columns) - 1,
                       f"{dept.name}{DATASET_TITLES.get(sheet.dataset, '信息表')}", bold)
    top = sheet.title_rows
    for col, name in enumerate(sheet.header()):
        ws.write(top, col, name, bold)
    for r, (row, style) in enumerate(zip(rows, _row_styles(sheet, len(rows), rng), strict=True), start=top + 1):
        for col, column in enumerate(sheet.columns):
            value = _xlsx_value(row.get(column), style)
            if isinstance(value, date):
                ws.write(r, col, value, day)
            elif value is not None:
                ws.write(r, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
