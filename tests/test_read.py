"""Readers: every encoding and container, title rows, and broken files."""

import io

import pytest

from publish.definitions import load_definitions, recognise
from publish.read import BadRecord, FileError, detect_encoding, open_tables
from publish.read.cells import TooDeep, flat_value, without_controls
from publish.read.lines import Overlong, physical_lines, without_controls_in_line
from tests.factories import PENALTY_HEADER, penalty, write_csv, write_jsonl, write_xlsx

DATASETS = load_definitions()


def is_header(cells):
    return recognise(cells, DATASETS) is not None


def tables(path):
    return list(open_tables(path, path.name, is_header))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_are_detected_from_the_bytes(tmp_path, encoding):
    path = write_csv(tmp_path / "data.txt" if encoding == "gbk" else tmp_path / "data.csv",
                     [penalty(), penalty(行政处罚决定书文号="景市监罚〔2026〕2号")], PENALTY_HEADER, encoding)
    [table] = tables(path)
    rows = list(table.rows)
    assert table.header == PENALTY_HEADER
    assert [n for n, _ in rows] == [2, 3]
    assert rows[0][1][0] == "景德镇市昌南陶瓷有限公司"


def test_csv_with_title_rows(tmp_path):
    path = write_csv(tmp_path / "a.csv", [penalty()], PENALTY_HEADER,
                     title_rows=[["景德镇市市场监督管理局行政处罚信息公示表"],
                                 ["填报单位：市场监管局", "", "填报日期：2026-11-01"]])
    [table] = tables(path)
    assert table.header_row == 3
    assert [n for n, _ in table.rows] == [4]


def test_xlsx_every_recognised_sheet_and_title_rows(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {
        "处罚": [["行政处罚信息公示表"], PENALTY_HEADER, [penalty()[h] for h in PENALTY_HEADER]],
        "填报说明": [["说明"], ["请按国家标准填报"]],
        "处罚2": [PENALTY_HEADER, [penalty(行政处罚决定书文号="X2")[h] for h in PENALTY_HEADER]],
    })
    found = tables(path)
    assert [t.source for t in found] == ["book.xlsx#处罚", "book.xlsx#填报说明", "book.xlsx#处罚2"]
    assert found[0].header_row == 2 and found[1].header == []
    assert [n for n, _ in found[0].rows] == [3]


def test_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [penalty(), penalty(行政处罚决定书文号="X2")])
    path.write_text(path.read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
    [table] = tables(path)
    rows = list(table.rows)
    assert len(rows) == 3 and rows[2][1].raw == "{broken"


def test_empty_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(FileError) as exc:
        tables(tmp_path / "empty.csv")
    assert exc.value.code == "empty_file"


def test_truncated_xlsx_is_a_clear_error(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"处罚": [PENALTY_HEADER]})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileError) as exc:
        tables(path)
    assert exc.value.code == "unreadable_xlsx"


def test_an_unclosed_quote_at_the_end_is_one_bad_record(tmp_path):
    path = write_csv(tmp_path / "a.csv", [penalty(), penalty()], PENALTY_HEADER)
    path.write_text(path.read_text(encoding="utf-8") + '"景德镇,未闭合的引号\n', encoding="utf-8")
    [table] = tables(path)
    rows = list(table.rows)
    assert len(rows) == 3 and not table.errors
    bad = rows[2][1]
    assert isinstance(bad, BadRecord) and (bad.code, bad.raw) == ("malformed_row", '"景德镇,未闭合的引号')


def test_binary_garbage_is_not_a_known_encoding(tmp_path):
    (tmp_path / "x.csv").write_bytes(bytes(range(128, 256)) * 10)
    with pytest.raises(FileError):
        tables(tmp_path / "x.csv")


def cells_and_codes(path):
    [table] = tables(path)
    return [(n, c.code if isinstance(c, BadRecord) else c[6]) for n, c in table.rows]


def test_a_stray_quote_in_the_middle_costs_only_its_own_line(tmp_path):
    records = [penalty(行政处罚决定书文号=f"Q{i}") for i in range(4)]
    path = write_csv(tmp_path / "a.csv", records, PENALTY_HEADER)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, '"未闭合的引号,吞掉后面的行\n')
    path.write_text("".join(lines), encoding="utf-8")
    assert cells_and_codes(path) == [(2, "Q0"), (3, "Q1"), (4, "malformed_row"), (5, "Q2"), (6, "Q3")]


def test_a_quoted_field_may_span_lines_but_not_without_end(tmp_path):
    facts = "第一行\n第二行\n第三行"
    path = write_csv(tmp_path / "a.csv", [penalty(违法事实=facts), penalty(行政处罚决定书文号="Q2")], PENALTY_HEADER)
    [table] = tables(path)
    got = list(table.rows)
    assert got[0][1][PENALTY_HEADER.index("违法事实")] == facts and got[1][1][6] == "Q2"


def test_a_field_longer_than_csv_s_default_limit_is_read(tmp_path):
    path = write_csv(tmp_path / "a.csv", [penalty(违法事实="长" * 200_000), penalty(行政处罚决定书文号="Q2")],
                     PENALTY_HEADER)
    [table] = tables(path)
    got = list(table.rows)
    assert len(got[0][1][PENALTY_HEADER.index("违法事实")]) == 200_000 and got[1][1][6] == "Q2"


def test_a_line_in_another_encoding_is_an_undecodable_record(tmp_path):
    path = write_csv(tmp_path / "a.csv", [penalty(行政处罚决定书文号=f"U{i}") for i in range(3)], PENALTY_HEADER)
    with open(path, "ab") as fh:
        fh.write(",".join(penalty(行政处罚决定书文号="G1")[h] for h in PENALTY_HEADER).encode("gbk") + b"\r\n")
        fh.write(",".join(penalty(行政处罚决定书文号="U3")[h] for h in PENALTY_HEADER).encode("utf-8") + b"\r\n")
    assert cells_and_codes(path) == [(2, "U0"), (3, "U1"), (4, "U2"), (5, "undecodable_row"), (6, "U3")]
    [table] = tables(path)
    bad = list(table.rows)[3][1]
    assert "UTF-8" in bad.message and "\\x" in bad.raw   # the bad bytes shown, not dropped


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_a_sniff_window_that_cuts_a_character_never_refuses_a_file(encoding):
    text = "行政相对人名称,违法事实\n" + "景德镇市昌南陶瓷有限公司,抽检不合格\n𠮷野家餐饮有限公司,抽检不合格\n" * 25
    data = text.encode(encoding)
    for end in range(len("行政相对".encode(encoding)), len(data)):
        assert detect_encoding(data[:end]) == encoding, end


def test_the_encoding_is_the_one_most_lines_decode_in():
    utf8 = "景德镇市昌南陶瓷有限公司\n".encode() * 20
    gbk = "景德镇市昌南陶瓷有限公司\n".encode("gbk") * 3
    assert detect_encoding(utf8 + gbk, whole_file=True) == "utf-8"
    assert detect_encoding(gbk * 10 + utf8[:60], whole_file=True) == "gb18030"


@pytest.mark.parametrize("dirty, clean", [
    ("无控制字符", "无控制字符"),
    ("空\x00字符", "空字符"),
    ("响铃\x07退格\x08换页\x0c", "响铃退格换页"),
    ("制表\t换行\n回车\r保留", "制表\t换行\n回车\r保留"),
    ("删除\x7f与\x85\x9fC1", "删除与C1"),
])
def test_control_characters_are_removed_but_tab_lf_cr(dirty, clean):
    assert without_controls(dirty) == clean
    for encoding in ("utf-8", "gb18030"):
        assert without_controls_in_line(dirty.encode(encoding), encoding) == clean


@pytest.mark.parametrize("value, text", [
    ({"联系人": "王小明", "电话": "13800138000"}, "联系人：王小明；电话：13800138000"),
    (["王小明", "李四"], "王小明、李四"),
    ({"当事人": [{"姓名": "王小明"}, {"姓名": "李四"}], "金额": 5, "已缴": True, "备注": None},
     "当事人：姓名：王小明、姓名：李四；金额：5；已缴：是；备注："),
    ({}, ""),
    ("文\x00本", "文本"),
    (True, "是"),
    (12.5, 12.5),
    (None, None),
])
def test_nested_json_values_are_flattened_to_text(value, text):
    assert flat_value(value, 32) == text


def test_nesting_deeper_than_the_cap_is_refused():
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(TooDeep):
        flat_value(deep, 32)


def test_a_line_over_the_cap_is_skipped_without_being_held(tmp_path):
    fh = io.BytesIO(b"short\n" + b"x" * 5000 + b"\nafter\n")
    got = list(physical_lines(fh, 100))
    assert got[0] == b"short\n" and isinstance(got[1], Overlong) and got[1].size == 5001
    assert got[2] == b"after\n"


def test_jsonl_bad_lines_before_the_first_object_are_records(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [penalty(行政处罚决定书文号="J1")])
    good = path.read_bytes()
    path.write_bytes(b"[1, 2]\n{broken\n\n" + good + "{\"违法事实\": \"乱码\"}\n".encode("gbk"))
    [table] = tables(path)
    got = [(n, c.code if isinstance(c, BadRecord) else c[6]) for n, c in table.rows]
    assert table.header_row == 4
    assert got == [(1, "malformed_json"), (2, "malformed_json"), (4, "J1"), (5, "undecodable_row")]


def test_jsonl_nested_values_arrive_as_text(tmp_path):
    remarks = {"联系人": "王小明", "电话": ["13800138000", "0798-1234567"]}
    path = write_jsonl(tmp_path / "a.jsonl", [penalty(备注=remarks)])
    [table] = tables(path)
    [(_, cells)] = list(table.rows)
    assert cells[PENALTY_HEADER.index("备注")] == "联系人：王小明；电话：13800138000、0798-1234567"


def test_a_workbook_reads_only_the_sheet_asked_for(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {
        "处罚": [PENALTY_HEADER, [penalty()[h] for h in PENALTY_HEADER]],
        "处罚2": [PENALTY_HEADER, [penalty(行政处罚决定书文号="X2")[h] for h in PENALTY_HEADER]],
    })
    [table] = list(open_tables(path, path.name, is_header, "book.xlsx#处罚2"))
    assert table.source == "book.xlsx#处罚2" and [c[6] for _, c in table.rows] == ["X2"]


def test_jsonl_raw_tabs_inside_strings_are_read(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [penalty()])
    # Raw control characters inside a JSON string (invalid JSON, but what exporters write).
    path.write_text(path.read_text(encoding="utf-8").replace("抽检不合格", "抽检\t不合格\x01"), encoding="utf-8")
    assert b"\t" in path.read_bytes()
    [table] = tables(path)
    [(_, cells)] = list(table.rows)
    assert cells[PENALTY_HEADER.index("违法事实")] == "该公司生产的日用陶瓷抽检\t不合格。"
