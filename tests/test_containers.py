"""Containers as departments' systems write them (DOMAIN.md "What departments' real exports
look like"): CSV, JSON Lines, XLSX, XLS (BIFF8, written here by xlwt, a real XLS writer),
JSON arrays and API answers holding the records under rows / data / list; and template
note rows. Every build below checks the accounting identity: `balanced`, and a file's
`read` is the number of records it holds."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from publish.build import build
from publish.definitions import load_definitions, recognise
from publish.read import BadRecord, FileError, open_tables
from publish.read.jsonfile import CHUNK_BYTES, json_records
from publish.read.notes import is_note_cell
from publish.settings import JSON_HEADER_OBJECTS, JSON_MAX_RECORD_CHARS
from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, bad_uscc, penalty, write_csv, write_jsonl, write_xlsx

DATASETS = load_definitions()


def is_header(cells):
    return recognise(cells, DATASETS) is not None


def tables(path: Path):
    return list(open_tables(path, path.name, is_header))


def numbered(n: int, prefix: str) -> list[dict]:
    return [penalty(行政处罚决定书文号=f"景市监罚〔2026〕{prefix}{i}号") for i in range(n)]


def cells(record: dict) -> list:
    return [record[h] for h in PENALTY_HEADER]


# --- writers: each container as an exporting system writes it ---------------------------------

def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An XLS (BIFF8) workbook written by xlwt, as Java and older .NET exports still write
    them; dates in a date format, as Excel shows them."""
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    workbook = xlwt.Workbook(encoding="utf-8")
    for title, table in sheets.items():
        sheet = workbook.add_sheet(title)
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date)
                elif value not in (None, ""):
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


# Where platforms put the records of an API answer (RuoYi's TableDataInfo is the first).
ANSWERS = {
    "rows": lambda records: {"total": len(records), "rows": records, "code": 200, "msg": "查询成功"},
    "data": lambda records: {"code": 0, "msg": "success", "data": records, "total": len(records)},
    "list": lambda records: {"list": records, "total": len(records), "pageNum": 1, "pageSize": 500},
    "data.list": lambda records: {"code": 0, "data": {"total": len(records), "list": records}},
    "data.rows": lambda records: {"success": True, "data": {"rows": records, "total": len(records)}},
}


def write_json(path: Path, records: list[dict], shape: str = "array", indent: int | None = None,
               encoding: str = "utf-8") -> Path:
    """A JSON file: the records as an array, or an API answer of the given shape."""
    document = records if shape == "array" else ANSWERS[shape](records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(document, ensure_ascii=False, indent=indent).encode(encoding))
    return path


def built(tmp_path: Path) -> tuple[Path, dict]:
    out = tmp_path / "out"
    report = build(tmp_path / "raw", out, AS_OF, progress=False)
    assert report["balanced"]
    for level in ("datasets", "files", "departments"):
        for block in report[level].values():
            assert block["read"] == sum(block["totals"].values())
    return out, report


def source(report: dict, file: str) -> dict:
    [entry] = [s for s in report["sources"] if s["file"] == file]
    return entry


def quarantined(out: Path) -> list[dict]:
    with open(out / "quarantine.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# --- every container, one table: 4 good records and one broken, all counted -------------------

def _records() -> list[dict]:
    records = numbered(5, "C")
    records[3]["行政相对人代码_1(统一社会信用代码)"] = bad_uscc(7)
    return records


def _csv(raw, records):
    write_csv(raw / "f.csv", records, PENALTY_HEADER)
    return "f.csv"


def _csv_gb18030(raw, records):
    write_csv(raw / "f.csv", records, PENALTY_HEADER, encoding="gb18030")
    return "f.csv"


def _jsonl(raw, records):
    write_jsonl(raw / "f.jsonl", records)
    return "f.jsonl"


def _xlsx(raw, records):
    write_xlsx(raw / "f.xlsx", {"处罚": [PENALTY_HEADER, *map(cells, records)]})
    return "f.xlsx#处罚"


def _xls(raw, records):
    write_xls(raw / "f.xls", {"处罚": [["行政处罚信息公示表"], PENALTY_HEADER, *map(cells, records)]})
    return "f.xls#处罚"


def _json(shape, indent=None, encoding="utf-8"):
    def write(raw, records):
        write_json(raw / "f.json", records, shape, indent, encoding)
        return "f.json"
    return write


CONTAINERS = {
    "csv": _csv,
    "csv-gb18030": _csv_gb18030,
    "jsonl": _jsonl,
    "xlsx": _xlsx,
    "xls": _xls,
    "json-array": _json("array"),
    "json-array-pretty": _json("array", indent=2),
    "json-array-gb18030": _json("array", encoding="gb18030"),
    **{f"json-{shape}": _json(shape) for shape in ANSWERS},
    "json-rows-pretty": _json("rows", indent=4),
}


@pytest.mark.parametrize("container", CONTAINERS)
def test_every_container_is_read_and_every_record_counted(tmp_path, container):
    label = CONTAINERS[container](tmp_path / "raw", _records())
    out, report = built(tmp_path)
    block = report["files"][label]
    assert block["read"] == 5
    assert block["published"]["public"] == 4 and block["quarantined"] == {"invalid_uscc": 1}
    assert report["files_failed"]["count"] == 0
    published = {r["decision_no"] for r in rows(out / "public.db", "SELECT decision_no FROM penalties")}
    assert published == {f"景市监罚〔2026〕C{i}号" for i in (0, 1, 2, 4)}
    assert source(report, label)["dataset"] == "penalty"


# --- XLS -----------------------------------------------------------------------------------------

def test_xls_sheets_title_rows_numbers_and_dates(tmp_path):
    row = cells(penalty(行政处罚决定书文号="X1"))
    row[PENALTY_HEADER.index("罚款金额（万元）")] = 2.5
    row[PENALTY_HEADER.index("处罚决定日期")] = dt.datetime(2026, 6, 1)
    path = write_xls(tmp_path / "book.xls", {"处罚": [["景德镇市市场监督管理局"], PENALTY_HEADER, row],
                                            "填报说明": [["请按国家标准填报"]]})
    found = tables(path)
    assert [t.source for t in found] == ["book.xls#处罚", "book.xls#填报说明"]
    [(number, got)] = list(found[0].rows)
    assert found[0].header_row == 2 and number == 3
    assert got[PENALTY_HEADER.index("罚款金额（万元）")] == 2.5
    assert got[PENALTY_HEADER.index("处罚决定日期")] == dt.date(2026, 6, 1)
    assert got[PENALTY_HEADER.index("行政处罚决定书文号")] == "X1"


@pytest.mark.parametrize("name, content", [
    ("book.xlsx", "xls"),    # an XLS under an .xlsx name
    ("book.xls", "xlsx"),    # and the other way round
])
def test_a_workbook_is_judged_by_its_bytes_not_its_name(tmp_path, name, content):
    table = {"处罚": [PENALTY_HEADER, cells(penalty(行政处罚决定书文号="N1"))]}
    written = (write_xls if content == "xls" else write_xlsx)(tmp_path / f"w.{content}", table)
    path = tmp_path / name
    written.rename(path)
    [found] = tables(path)
    assert [c[6] for _, c in found.rows] == ["N1"]


HTML_EXPORT = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:'
               'office:excel"><head><meta charset="UTF-8"></head><body><table><tr><td>行政相对人名称</td>'
               '<td>行政处罚决定书文号</td></tr><tr><td>景德镇市昌南陶瓷有限公司</td><td>X1</td></tr></table>'
               '</body></html>')
SPREADSHEET_ML = ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns='
                  '"urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="处罚"><Table><Row>'
                  '<Cell><Data ss:Type="String">行政相对人名称</Data></Cell></Row></Table></Worksheet></Workbook>')


@pytest.mark.parametrize("content, code", [
    (HTML_EXPORT, "xls_is_html"),
    ("\ufeff<!DOCTYPE html>\n<html><body><table><tr><td>x</td></tr></table></body></html>", "xls_is_html"),
    ("  <table border=1><tr><td>行政相对人名称</td></tr></table>", "xls_is_html"),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<html><body><table></table></body></html>', "xls_is_html"),
    (SPREADSHEET_ML, "xls_is_xml"),
    ("行政相对人名称\t行政处罚决定书文号\n景德镇市昌南陶瓷有限公司\tX1\n", "unreadable_xls"),
])
def test_an_xls_that_is_not_a_workbook_says_what_it_is(tmp_path, content, code):
    path = tmp_path / "export.xls"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileError) as exc:
        tables(path)
    assert exc.value.code == code and ".xls" in exc.value.message


def test_an_xls_that_is_really_html_is_a_failed_file_and_the_build_goes_on(tmp_path):
    write_csv(tmp_path / "raw" / "good.csv", numbered(2, "G"), PENALTY_HEADER)
    (tmp_path / "raw" / "export.xls").write_text(HTML_EXPORT, encoding="utf-8")
    _, report = built(tmp_path)
    assert report["files"]["good.csv"]["published"]["public"] == 2
    assert {i["file"]: i["code"] for i in report["files_failed"]["items"]} == {"export.xls": "xls_is_html"}


def test_a_truncated_xls_is_a_clear_error(tmp_path):
    path = write_xls(tmp_path / "book.xls", {"处罚": [PENALTY_HEADER, *map(cells, numbered(50, "T"))]})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileError) as exc:
        tables(path)
    assert exc.value.code == "unreadable_xls"


# --- JSON ----------------------------------------------------------------------------------------

def json_rows(path: Path) -> list:
    [table] = tables(path)
    return [(n, c.code if isinstance(c, BadRecord) else c[6]) for n, c in table.rows]


@pytest.mark.parametrize("shape", ["array", *ANSWERS])
def test_json_records_come_out_in_order_numbered_from_one(tmp_path, shape):
    path = write_json(tmp_path / "a.json", numbered(3, "J"), shape)
    assert json_rows(path) == [(1, "景市监罚〔2026〕J0号"), (2, "景市监罚〔2026〕J1号"), (3, "景市监罚〔2026〕J2号")]


def test_elements_that_are_not_objects_are_bad_records_and_reading_goes_on(tmp_path):
    good = [json.dumps(penalty(行政处罚决定书文号=f"J{i}"), ensure_ascii=False) for i in range(2)]
    deep = '{"违法事实": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge_number = '{"罚款金额（万元）": ' + "7" * 5000 + "}"
    elements = [good[0], "1", '"文本"', "null", "[1, 2]", '{"违法事实": }', deep, huge_number, good[1]]
    path = tmp_path / "a.json"
    path.write_text("[" + ",\n".join(elements) + "]", encoding="utf-8")
    assert json_rows(path) == [(1, "J0"), *[(n, "malformed_json") for n in range(2, 9)], (9, "J1")]


@pytest.mark.parametrize("document, code", [
    ({"total": 1, "rows": "没有记录"}, "json_rows_not_a_list"),
    ({"total": 1, "data": 5}, "json_rows_not_a_list"),
    ({"code": 0, "data": {"total": 1, "list": True}}, "json_rows_not_a_list"),
    ({"total": 1, "items": [{"行政相对人名称": "x"}], "rows": None}, "json_no_rows"),
    ({"code": 0, "data": {"行政相对人名称": "景德镇市昌南陶瓷有限公司"}}, "json_no_rows"),
    ({"total": 0, "rows": []}, "empty_file"),
    ([], "empty_file"),
])
def test_an_answer_without_a_records_array_is_a_file_error(tmp_path, document, code):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FileError) as exc:
        tables(path)
    assert exc.value.code == code


def test_a_second_array_of_records_is_reported_never_dropped_unseen(tmp_path):
    path = tmp_path / "a.json"
    first, second = numbered(2, "A"), numbered(1, "B")
    path.write_text(json.dumps({"rows": first, "data": second}, ensure_ascii=False), encoding="utf-8")
    [table] = tables(path)
    assert len(list(table.rows)) == 2
    assert [code for _, code, _ in table.errors] == ["json_many_arrays"]


@pytest.mark.parametrize("cut_after, read", [("T1号", 1), ("T2号", 2), ("查询", 3)])
def test_a_truncated_json_array_keeps_its_records_so_far_and_says_it_stopped(tmp_path, cut_after, read):
    path = write_json(tmp_path / "a.json", numbered(3, "T"), "rows")
    data = path.read_bytes()
    path.write_bytes(data[:data.index(cut_after.encode()) + len(cut_after.encode())])
    [table] = tables(path)
    assert len(list(table.rows)) == read
    [(_, code, message)] = table.errors
    assert code == "json_truncated" and "不完整" in message


def test_a_broken_container_between_records_stops_with_the_table_error(tmp_path):
    records = [json.dumps(r, ensure_ascii=False) for r in numbered(3, "S")]
    path = tmp_path / "a.json"
    path.write_text(f"[{records[0]}, {records[1]} x {records[2]}]", encoding="utf-8")
    [table] = tables(path)
    assert len(list(table.rows)) == 2
    assert [code for _, code, _ in table.errors] == ["malformed_json_file"]


def test_content_after_the_document_is_reported(tmp_path):
    path = write_json(tmp_path / "a.json", numbered(1, "E"))
    path.write_text(path.read_text(encoding="utf-8") + "\n[多余的内容]", encoding="utf-8")
    [table] = tables(path)
    assert len(list(table.rows)) == 1 and [c for _, c, _ in table.errors] == ["malformed_json_file"]


def test_the_header_is_the_keys_of_the_first_objects_as_exports_leave_out_nulls(tmp_path):
    """Jackson's NON_NULL leaves a null field out of the objects that lack it."""
    first = penalty(行政处罚决定书文号="K1")
    del first["备注"]
    second = penalty(行政处罚决定书文号="K2", 备注="已整改")
    path = write_json(tmp_path / "a.json", [first, second])
    [table] = tables(path)
    assert table.header == [h for h in PENALTY_HEADER if h != "备注"] + ["备注"]
    got = [c[-1] for _, c in table.rows]
    assert got == [None, "已整改"]


def test_a_key_first_seen_after_the_header_objects_makes_its_record_bad(tmp_path):
    records = numbered(JSON_HEADER_OBJECTS + 1, "H")
    records[-1]["证件号码"] = "不在表头中的字段"
    records[-2]["空字段"] = None            # an unseen key holding nothing loses nothing
    path = write_json(tmp_path / "a.json", records)
    [table] = tables(path)
    got = list(table.rows)
    assert len(got) == JSON_HEADER_OBJECTS + 1
    bad = got[-1][1]
    assert isinstance(bad, BadRecord) and bad.code == "malformed_json" and "证件号码" in bad.message
    assert not isinstance(got[-2][1], BadRecord)


def test_a_json_file_of_objects_one_per_line_is_json_lines(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in numbered(3, "L")) + "\n", encoding="utf-8")
    assert [n for n, _ in json_rows(path)] == [1, 2, 3]


def test_a_gb18030_record_with_a_bad_byte_is_undecodable_alone(tmp_path):
    path = write_json(tmp_path / "a.json", numbered(3, "G"), "rows", encoding="gb18030")
    data = path.read_bytes()
    second = data.index("景市监罚〔2026〕G1号".encode("gb18030"))
    path.write_bytes(data[:second] + b"\xff" + data[second:])
    got = json_rows(path)
    assert got == [(1, "景市监罚〔2026〕G0号"), (2, "undecodable_row"), (3, "景市监罚〔2026〕G2号")]
    [table] = tables(path)
    bad = list(table.rows)[1][1]
    assert "GB18030" in bad.message and "\\xff" in bad.raw


def test_a_utf8_bom_and_raw_tabs_inside_strings_are_read(tmp_path):
    path = write_json(tmp_path / "a.json", [penalty(违法事实="抽检\t不合格")], "rows", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    path.write_bytes(path.read_bytes().replace(b"\\t", b"\t"))
    [table] = tables(path)
    [(_, got)] = list(table.rows)
    assert got[PENALTY_HEADER.index("违法事实")] == "抽检\t不合格"


@pytest.mark.parametrize("shift", range(8))
def test_records_cut_by_the_read_chunk_are_read_whole(tmp_path, shift):
    """Strings with escaped quotes and backslashes, a record and an escape sequence falling
    across the boundary of the 1 MiB chunks the file is read in, at every offset."""
    tricky = '引号"与反斜杠\\及括号[]{}'
    filler = penalty(违法事实="x" * 50_000)
    prefix = json.dumps([filler] * (CHUNK_BYTES // 50_000 - 1))[:-1] + ", "
    text = json.dumps(penalty(违法事实=tricky, 行政处罚决定书文号="边界"), ensure_ascii=False)
    escape_at = text.index("\\\\")   # the backslash escape: make it straddle the chunk end
    pad = CHUNK_BYTES - len(prefix.encode()) - len(text[:escape_at].encode()) - shift + 4
    document = prefix + " " * pad + text + "]"
    path = tmp_path / "a.json"
    path.write_text(document, encoding="utf-8")
    errors: list = []
    got = [obj for _, obj in json_records(path, errors)]
    assert not errors and len(got) == CHUNK_BYTES // 50_000
    assert got[-1]["违法事实"] == tricky and got[-1]["行政处罚决定书文号"] == "边界"


def test_a_record_over_the_cap_is_read_past_and_quarantined_alone(tmp_path):
    huge = penalty(违法事实="长" * (JSON_MAX_RECORD_CHARS + 10))
    path = tmp_path / "a.json"
    records = [json.dumps(r, ensure_ascii=False) for r in (penalty(行政处罚决定书文号="B0"), huge,
                                                          penalty(行政处罚决定书文号="B2"))]
    path.write_text("[" + ",".join(records) + "]", encoding="utf-8")
    got = [(n, r.code if isinstance(r, BadRecord) else r["行政处罚决定书文号"]) for n, r in json_records(path, [])]
    assert got == [(1, "B0"), (2, "malformed_json"), (3, "B2")]


# --- template note rows ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, is_note", [
    ("表格说明：本表由各执法部门按月填报", True),
    ("填报说明", True),
    ("填报说明:", True),
    ("注：带*号的为必填项", True),
    ("注1：罚款金额以万元为单位", True),
    ("【填报说明】1.行政相对人名称必填", True),
    ("【填报说明】", True),
    ("※注：", True),
    ("说明：处罚决定日期格式为 YYYY-MM-DD", True),
    ("备注：", True),
    ("注意：请勿修改表头", True),
    ("注册资本", False),
    ("说明书编号", False),
    ("注销", False),
    ("景德镇市昌南陶瓷有限公司", False),
    ("备注信息齐全", False),
    (12.5, False),
    (None, False),
])
def test_note_cells(cell, is_note):
    assert is_note_cell(cell) is is_note


def note_rows_table() -> list[list]:
    width = len(PENALTY_HEADER)
    blank = [""] * (width - 1)
    return [
        ["表格说明：本表为行政处罚信息公示表，请勿修改表头", *blank],
        PENALTY_HEADER,
        cells(penalty(行政处罚决定书文号="景市监罚〔2026〕N1号")),
        ["注：带*号的为必填项", *blank],
        cells(penalty(行政处罚决定书文号="景市监罚〔2026〕N2号")),
        ["填报说明", "1、行政相对人名称：必填", *blank[1:]],        # the note word alone first, text beside it
        ["", "", "", "", "说明：日期格式为 YYYY-MM-DD", *blank[4:]],   # the only non-empty cell, elsewhere
        ["填报说明：", *blank],
        ["1、行政相对人类别按国家标准填写", *blank],                  # its numbered items
        ["（2）处罚决定日期必填", *blank],
        ["③ 公示截止期可不填", *blank],
        cells(penalty(行政处罚决定书文号="景市监罚〔2026〕N3号")),
        ["1、这一行不在说明之后", *blank],                            # a lone numbered cell elsewhere is a record
    ]


@pytest.mark.parametrize("container", ["csv", "xlsx", "xls"])
def test_note_rows_are_skipped_and_counted_never_quarantined(tmp_path, container):
    table = note_rows_table()
    raw = tmp_path / "raw"
    raw.mkdir()
    if container == "csv":
        with open(raw / "notes.csv", "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(table)
        label = "notes.csv"
    elif container == "xlsx":
        write_xlsx(raw / "notes.xlsx", {"处罚": table})
        label = "notes.xlsx#处罚"
    else:
        write_xls(raw / "notes.xls", {"处罚": table})
        label = "notes.xls#处罚"
    out, report = built(tmp_path)
    block = report["files"][label]
    assert block["read"] == 4                                  # 3 records and the stray numbered row
    assert block["published"]["public"] == 3
    assert sum(block["quarantined"].values()) == 1
    assert source(report, label)["notes_skipped"] == 7
    [q] = quarantined(out)
    assert "这一行不在说明之后" in q["原始数据"]


def test_a_remarks_column_first_holds_data_not_notes(tmp_path):
    header = ["备注", *PENALTY_HEADER[:-1]]
    record = penalty(行政处罚决定书文号="R1", 备注="注：当事人已整改")
    path = tmp_path / "a.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow([record[h] for h in header])
    [table] = tables(path)
    assert [c[0] for _, c in table.rows] == ["注：当事人已整改"] and table.notes_skipped == 0
