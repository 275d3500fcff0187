"""Honest accounting: a file's `read` is the number of records it holds, and each way a
record can fail to be read is a quarantine reason, never a vanished row. One test per way."""
import csv
import json
import zipfile

import pytest

from publish.build import build
from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv, write_jsonl, write_xlsx
from tests.test_hostile_files import sheet_parts, write_workbook

REPAIR_HEADER = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "修复决定日期", "修复机关"]


def numbered(n: int, prefix: str) -> list[dict]:
    return [penalty(行政处罚决定书文号=f"景市监罚〔2026〕{prefix}{i}号") for i in range(n)]


def line_of(record: dict) -> str:
    return ",".join(record[h] for h in PENALTY_HEADER) + "\r\n"


def built(tmp_path):
    out = tmp_path / "out"
    report = build(tmp_path / "raw", out, AS_OF, progress=False)
    assert report["balanced"]
    for level in ("datasets", "files", "departments"):
        for block in report[level].values():
            assert block["read"] == sum(block["totals"].values())
    return out, report


def quarantined(out) -> list[dict]:
    with open(out / "quarantine.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_a_line_in_another_encoding_is_quarantined_as_undecodable(tmp_path):
    path = write_csv(tmp_path / "raw" / "a.csv", numbered(4, "U"), PENALTY_HEADER)
    with open(path, "ab") as fh:
        fh.write(line_of(penalty(行政处罚决定书文号="景市监罚〔2026〕G1号")).encode("gbk"))
    out, report = built(tmp_path)
    assert report["files"]["a.csv"]["read"] == 5
    assert report["files"]["a.csv"]["quarantined"] == {"undecodable_row": 1}
    [q] = quarantined(out)
    assert q["行号"] == "6" and "\\x" in json.loads(q["原始数据"])["原始行"]


@pytest.mark.parametrize("length", [32_768, 131_073])
def test_a_field_over_the_cell_cap_quarantines_only_its_row(tmp_path, length):
    records = numbered(3, "L")
    records[1]["违法事实"] = "长" * length
    write_csv(tmp_path / "raw" / "a.csv", records, PENALTY_HEADER)
    out, report = built(tmp_path)
    assert report["files"]["a.csv"]["read"] == 3
    assert report["files"]["a.csv"]["quarantined"] == {"oversized_field": 1}
    [q] = quarantined(out)
    assert q["原因代码"] == "oversized_field" and "违法事实" in q["原因"]
    kept = json.loads(q["原始数据"])["违法事实"]
    assert len(kept) < 32_800 and "已截断" in kept       # the quarantine keeps the cap, not the whole cell


def test_a_physical_line_over_the_line_cap_is_one_quarantined_record(tmp_path):
    path = write_csv(tmp_path / "raw" / "a.csv", numbered(2, "P"), PENALTY_HEADER)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write("x" * (17 << 20) + "\r\n")
        fh.write(line_of(penalty(行政处罚决定书文号="景市监罚〔2026〕P9号")))
    _, report = built(tmp_path)
    assert report["files"]["a.csv"]["read"] == 4
    assert report["files"]["a.csv"]["quarantined"] == {"oversized_field": 1}
    assert report["files"]["a.csv"]["published"]["public"] == 3


def test_a_stray_quote_costs_one_record_not_the_rest_of_the_file(tmp_path):
    path = write_csv(tmp_path / "raw" / "a.csv", numbered(2, "Q"), PENALTY_HEADER)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write('"景德镇市某公司,未闭合的引号\r\n')
        for record in numbered(3, "R"):
            fh.write(line_of(record))
    _, report = built(tmp_path)
    assert report["files"]["a.csv"]["read"] == 6
    assert report["files"]["a.csv"]["quarantined"] == {"malformed_row": 1}
    assert report["files"]["a.csv"]["published"]["public"] == 5


def test_a_record_running_on_past_the_line_cap_is_one_bad_record(tmp_path):
    path = write_csv(tmp_path / "raw" / "a.csv", numbered(1, "M"), PENALTY_HEADER)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write('景德镇市某公司,"引号里的第一行\r\n' + "还在引号里\r\n" * 300 + '引号终于结束"\r\n')
        fh.write(line_of(penalty(行政处罚决定书文号="景市监罚〔2026〕M9号")))
    _, report = built(tmp_path)
    block = report["files"]["a.csv"]
    # Past 200 lines the quote is taken for a stray one: its first line is the bad record and
    # each line after it is read again as a record of its own (a one-cell row here).
    assert block["published"]["public"] == 2 and block["read"] == 304
    assert block["quarantined"] == {"malformed_row": 1, "missing_required": 301}


def test_rows_wider_than_the_header_are_quarantined(tmp_path):
    path = write_csv(tmp_path / "raw" / "a.csv", numbered(1, "W"), PENALTY_HEADER)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(line_of(penalty(行政处罚决定书文号="景市监罚〔2026〕W9号")).rstrip() + ",多余的值\r\n")
    _, report = built(tmp_path)
    assert report["files"]["a.csv"]["read"] == 2
    assert report["files"]["a.csv"]["quarantined"] == {"malformed_row": 1}


def test_duplicate_header_names_quarantine_every_row(tmp_path):
    header = PENALTY_HEADER + ["违法事实"]
    records = [{**r} for r in numbered(3, "D")]
    path = tmp_path / "raw" / "dup.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for record in records:
            writer.writerow([record[h] for h in PENALTY_HEADER] + ["另一列违法事实"])
    write_csv(tmp_path / "raw" / "good.csv", numbered(1, "OK"), PENALTY_HEADER)
    out, report = built(tmp_path)
    assert report["files"]["dup.csv"]["read"] == 3
    assert report["files"]["dup.csv"]["quarantined"] == {"duplicate_header": 3}
    q = quarantined(out)[0]
    assert "违法事实" in q["原因"] and "第 9、19 列" in q["原因"]
    original = json.loads(q["原始数据"])
    assert original["违法事实（第19列）"] == "另一列违法事实"     # both columns kept for the credit office


def test_json_lines_that_are_not_objects_are_quarantined(tmp_path):
    path = write_jsonl(tmp_path / "raw" / "feed.jsonl", numbered(2, "J"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('[1, 2]\n"文本"\n42\nnull\n{"截断\n\n')
    _, report = built(tmp_path)
    assert report["files"]["feed.jsonl"]["read"] == 7
    assert report["files"]["feed.jsonl"]["quarantined"] == {"malformed_json": 5}


def test_json_lines_before_the_first_object_are_counted(tmp_path):
    path = tmp_path / "raw" / "feed.jsonl"
    write_jsonl(path, numbered(2, "J"))
    path.write_bytes(b"{broken\n" + path.read_bytes())
    _, report = built(tmp_path)
    assert report["files"]["feed.jsonl"]["read"] == 3
    assert report["files"]["feed.jsonl"]["quarantined"] == {"malformed_json": 1}


def test_a_json_line_in_another_encoding_is_undecodable(tmp_path):
    path = write_jsonl(tmp_path / "raw" / "feed.jsonl", numbered(2, "J"))
    with open(path, "ab") as fh:
        record = penalty(行政处罚决定书文号="景市监罚〔2026〕G1号")
        fh.write(json.dumps(record, ensure_ascii=False).encode("gbk") + b"\n")
    _, report = built(tmp_path)
    assert report["files"]["feed.jsonl"]["read"] == 3
    assert report["files"]["feed.jsonl"]["quarantined"] == {"undecodable_row": 1}


def test_a_broken_container_is_counted_under_files_failed(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw / "good.csv", numbered(1, "OK"), PENALTY_HEADER)
    broken = write_xlsx(raw / "cut.xlsx", {"处罚": [PENALTY_HEADER]})
    broken.write_bytes(broken.read_bytes()[:300])
    (raw / "binary.csv").write_bytes(bytes(range(128, 256)) * 4)
    _, report = built(tmp_path)
    failed = {item["file"]: item["code"] for item in report["files_failed"]["items"]}
    assert failed == {"cut.xlsx": "unreadable_xlsx", "binary.csv": "unknown_encoding"}
    assert report["files_failed"]["count"] == 2


def test_an_unreadable_sheet_is_counted_under_files_failed_by_its_label(tmp_path):
    table = [PENALTY_HEADER, [penalty()[h] for h in PENALTY_HEADER]]
    sheet, sst = sheet_parts(table)
    (tmp_path / "raw").mkdir()
    path = write_workbook(tmp_path / "raw" / "book.xlsx", sheet[:-40], sst)
    with zipfile.ZipFile(path) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
    write_csv(tmp_path / "raw" / "good.csv", numbered(1, "OK"), PENALTY_HEADER)
    _, report = built(tmp_path)
    assert [item["file"] for item in report["files_failed"]["items"]] == ["book.xlsx#处罚"]


def test_nested_json_values_are_redacted_as_text_never_as_a_repr(tmp_path):
    record = penalty(行政处罚决定书文号="景市监罚〔2026〕N1号",
                     备注={"说明": "已整改", "电话": ["13812345678"], "金额": {"罚款": 5}})
    write_jsonl(tmp_path / "raw" / "feed.jsonl", [record])
    out, report = built(tmp_path)
    [shown] = rows(out / "public.db", "SELECT remarks FROM penalties")
    assert "13812345678" not in shown["remarks"]
    assert shown["remarks"].startswith("说明：已整改；电话：") and shown["remarks"].endswith("金额：罚款：5")
    assert not set("{}[]'\"") & set(shown["remarks"])


# --- the safer reading ---------------------------------------------------------------------------

def test_a_repair_with_an_unreadable_date_still_withholds_its_penalty(tmp_path):
    target = penalty()
    repair = {"行政相对人名称": target["行政相对人名称"], "统一社会信用代码": uscc(1),
              "行政处罚决定书文号": target["行政处罚决定书文号"], "修复决定日期": "2026-13-45",
              "修复机关": "景德镇市发展和改革委员会"}
    write_csv(tmp_path / "raw" / "penalties.csv", [target], PENALTY_HEADER)
    write_csv(tmp_path / "raw" / "repairs.csv", [repair], REPAIR_HEADER)
    out, report = built(tmp_path)
    assert rows(out / "public.db", "SELECT * FROM penalties_records") == []
    assert rows(out / "authorized.db", "SELECT name FROM sqlite_master WHERE name LIKE 'penalt%'") == []
    assert report["datasets"]["penalty"]["withheld"] == {"repaired": 1}
    assert report["files"]["repairs.csv"]["published"]["public"] == 1          # applied, not quarantined
    assert report["files"]["repairs.csv"]["quarantined"] == {}
    [item] = report["findings"]["unreadable_repair_date"]["items"]
    assert (item["file"], item["row"], item["field"]) == ("repairs.csv", 2, "repair_date")
    assert "2026-13-45" in item["message"]
    [source] = [s for s in report["sources"] if s["file"] == "repairs.csv"]
    assert source["findings"]["unreadable_repair_date"]["count"] == 1


def test_a_repair_with_no_date_at_all_still_withholds_its_penalty(tmp_path):
    target = penalty()
    repair = {"行政相对人名称": target["行政相对人名称"], "统一社会信用代码": uscc(1),
              "行政处罚决定书文号": target["行政处罚决定书文号"], "修复决定日期": "", "修复机关": ""}
    write_csv(tmp_path / "raw" / "penalties.csv", [target], PENALTY_HEADER)
    write_csv(tmp_path / "raw" / "repairs.csv", [repair], REPAIR_HEADER)
    out, report = built(tmp_path)
    assert rows(out / "public.db", "SELECT * FROM penalties_records") == []
    assert report["findings"]["unreadable_repair_date"]["count"] == 1
