"""Readers: every encoding and container, title rows, and broken files."""

import pytest

from publish.definitions import load_definitions, recognise
from publish.read import FileError, open_tables
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


def test_broken_quote_keeps_rows_before_it(tmp_path):
    path = write_csv(tmp_path / "a.csv", [penalty(), penalty()], PENALTY_HEADER)
    path.write_text(path.read_text(encoding="utf-8") + '"景德镇,未闭合的引号\n', encoding="utf-8")
    [table] = tables(path)
    rows = list(table.rows)
    assert len(rows) == 2
    assert table.errors and table.errors[0][1] == "malformed_csv"


def test_binary_garbage_is_not_a_known_encoding(tmp_path):
    (tmp_path / "x.csv").write_bytes(bytes(range(128, 256)) * 10)
    with pytest.raises(FileError):
        tables(tmp_path / "x.csv")
