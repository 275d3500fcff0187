"""The build end to end on real files and real SQLite: outcomes, accounting, privacy, atomicity."""
import csv
import json
import sqlite3
import subprocess
import sys

import pytest

from publish.build import build
from publish.errors import PublishError
from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, id_number, penalty, uscc, write_csv, write_jsonl, write_xlsx


def run(tmp_path, files: dict, **kwargs):
    """Writes {relative path: (rows, header)} as CSV and builds; returns (out dir, report)."""
    raw = tmp_path / "raw"
    for name, (data, header) in files.items():
        write_csv(raw / name, data, header)
    out = tmp_path / "out"
    return out, build(raw, out, AS_OF, progress=False, **kwargs)


def outcome(block: dict) -> dict:
    """The non-zero counts of a report block, flattened: {'published.public': 2, …}."""
    flat = {}
    for group in ("published", "withheld", "quarantined", "duplicates"):
        for key, n in block[group].items():
            if n:
                flat[f"{group}.{key}"] = n
    return flat


def quarantine(out):
    with open(out / "quarantine.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_a_valid_penalty_is_published_with_its_window(tmp_path):
    out, rep = run(tmp_path, {"a.csv": ([penalty()], PENALTY_HEADER)})
    [row] = rows(out / "public.db", "SELECT * FROM penalties")
    assert row["decision_no"] == "景市监罚〔2026〕1号"
    assert row["publicity_end"] == "2027-05-31"      # 一般: one year from 2026-06-01
    assert row["severity"] == "一般"
    assert row["legal_rep"] == "王*"
    assert "legal_rep_id" not in row and "id_type" not in row
    assert outcome(rep["datasets"]["penalty"]) == {"published.public": 1}
    assert rep["balanced"]


def test_exact_resubmission_is_a_duplicate_and_a_changed_one_a_correction(tmp_path):
    header = PENALTY_HEADER + ["数据更新时间戳"]
    first = penalty(处罚内容="罚款人民币5万元", 数据更新时间戳="2026-06-02 09:00:00")
    corrected = penalty(处罚内容="罚款人民币6万元", 数据更新时间戳="2026-06-10 09:00:00")
    out, rep = run(tmp_path, {
        "b/late.csv": ([first], header),                # read last, but older by timestamp
        "a/early.csv": ([corrected, first], header),    # correction, then an exact copy of the old one
    })
    published = rows(out / "public.db", "SELECT content FROM penalties")
    assert published == [{"content": "罚款人民币6万元"}]
    assert outcome(rep["datasets"]["penalty"]) == {
        "published.public": 1, "duplicates.superseded": 1, "duplicates.exact": 1}
    assert rep["balanced"]


def test_without_timestamps_the_later_file_wins(tmp_path):
    out, rep = run(tmp_path, {
        "1.csv": ([penalty(处罚内容="罚款人民币5万元")], PENALTY_HEADER),
        "2.csv": ([penalty(处罚内容="罚款人民币7万元")], PENALTY_HEADER),
    })
    assert rows(out / "public.db", "SELECT content FROM penalties") == [{"content": "罚款人民币7万元"}]
    assert rep["files"]["1.csv"]["duplicates"]["superseded"] == 1
    assert rep["files"]["2.csv"]["published"]["public"] == 1


def test_one_decision_naming_two_subjects_is_two_records(tmp_path):
    other = penalty(**{"行政相对人名称": "景德镇市瓷都物流有限公司", "行政相对人代码_1(统一社会信用代码)": uscc(2)})
    out, _ = run(tmp_path, {"a.csv": ([penalty(), other], PENALTY_HEADER)})
    assert len(rows(out / "public.db", "SELECT * FROM penalties")) == 2


REPAIR_HEADER = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "修复决定日期", "修复机关"]
OBJECTION_HEADER = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "异议提出日期", "异议状态", "处理日期"]


def test_repairs_apply_to_their_penalty_or_are_withheld(tmp_path):
    target = penalty()
    repair = {"行政相对人名称": target["行政相对人名称"], "统一社会信用代码": uscc(1),
              "行政处罚决定书文号": "景市监罚[2026] 1号", "修复决定日期": "2026-10-01",
              "修复机关": "景德镇市发展和改革委员会"}
    stray = {**repair, "行政处罚决定书文号": "景市监罚〔2026〕999号"}
    out, rep = run(tmp_path, {"z-penalties.csv": ([target], PENALTY_HEADER),
                              "repairs.csv": ([repair, stray], REPAIR_HEADER)})
    assert rows(out / "public.db", "SELECT * FROM penalties_records") == []
    assert rows(out / "authorized.db", "SELECT name FROM sqlite_master WHERE name LIKE 'penalt%'") == []
    assert outcome(rep["datasets"]["penalty"]) == {"withheld.repaired": 1}
    assert outcome(rep["datasets"]["repair"]) == {"published.public": 1, "withheld.no_matching_record": 1}
    assert rep["balanced"]


@pytest.mark.parametrize("status, published, flag", [
    ("处理中", True, "处理中"), ("维持", True, None), ("已更正", True, None),
    ("原记录撤销", False, None), ("已撤销", False, None),
])
def test_objections(tmp_path, status, published, flag):
    objection = {"行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": uscc(1),
                 "行政处罚决定书文号": "景市监罚〔2026〕1号", "异议提出日期": "2026-07-01",
                 "异议状态": status, "处理日期": ""}
    out, rep = run(tmp_path, {"p.csv": ([penalty()], PENALTY_HEADER), "o.csv": ([objection], OBJECTION_HEADER)})
    shown = rows(out / "public.db", "SELECT objection_status FROM penalties")
    assert shown == ([{"objection_status": flag}] if published else [])
    assert outcome(rep["datasets"]["objection"]) == {"published.public": 1}
    if not published:
        assert outcome(rep["datasets"]["penalty"]) == {"withheld.objection_withdrawn": 1}


def test_later_objection_handling_wins(tmp_path):
    base = {"行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": uscc(1),
            "行政处罚决定书文号": "景市监罚〔2026〕1号", "异议提出日期": "2026-07-01"}
    out, rep = run(tmp_path, {"p.csv": ([penalty()], PENALTY_HEADER), "o.csv": (
        [{**base, "异议状态": "维持", "处理日期": "2026-08-01"}, {**base, "异议状态": "处理中", "处理日期": ""}],
        OBJECTION_HEADER)})
    assert rows(out / "public.db", "SELECT objection_status FROM penalties") == [{"objection_status": None}]
    assert outcome(rep["datasets"]["objection"]) == {"published.public": 1, "duplicates.superseded": 1}


def test_evaluations_show_the_latest_grade_per_subject(tmp_path):
    header = ["行政相对人名称", "统一社会信用代码", "评价结果", "评价日期"]
    grades = [{"行政相对人名称": "甲公司", "统一社会信用代码": uscc(1), "评价结果": "良", "评价日期": "2025-01-01"},
              {"行政相对人名称": "甲公司", "统一社会信用代码": uscc(1), "评价结果": "优", "评价日期": "2026-01-01"},
              {"行政相对人名称": "甲公司", "统一社会信用代码": uscc(1), "评价结果": "中", "评价日期": "2024-01-01"}]
    out, rep = run(tmp_path, {"e.csv": (grades, header)})
    assert rows(out / "public.db", "SELECT grade FROM evaluations") == [{"grade": "优"}]
    assert outcome(rep["datasets"]["evaluation"]) == {"published.public": 1, "withheld.not_latest": 2}


def test_authorized_datasets_stay_out_of_public(tmp_path):
    header = ["纳税人名称", "纳税人识别号", "评价年度", "信用等级"]
    out, rep = run(tmp_path, {"t.csv": ([{"纳税人名称": "甲公司", "纳税人识别号": uscc(1), "评价年度": "2025",
                                          "信用等级": "A"}], header)})
    assert rows(out / "authorized.db", "SELECT grade, year FROM tax_grades") == [{"grade": "A", "year": 2025}]
    assert rows(out / "public.db", "SELECT name FROM sqlite_master WHERE name = 'tax_grades'") == []
    assert outcome(rep["datasets"]["tax_grade"]) == {"published.authorized": 1}


def test_must_keep_field_holding_an_id_is_quarantined(tmp_path):
    out, rep = run(tmp_path, {"a.csv": ([penalty(行政处罚决定书文号=id_number("19900307", 42))], PENALTY_HEADER)})
    assert outcome(rep["datasets"]["penalty"]) == {"quarantined.personal_data_in_output": 1}
    [q] = quarantine(out)
    assert q["原因代码"] == "personal_data_in_output" and q["行号"] == "2" and q["来源文件"] == "a.csv"
    assert json.loads(q["原始数据"])["行政处罚决定书文号"] == id_number("19900307", 42)


def test_natural_persons_are_masked_and_their_ids_dropped(tmp_path):
    person = penalty(**{"行政相对人名称": "欧阳明", "行政相对人类别": "自然人",
                        "行政相对人代码_1(统一社会信用代码)": "", "法定代表人": "",
                        "违法事实": "当事人欧阳明无证经营，身份证号" + id_number("19751212", 7)
                                    + "，电话13812345678。"})
    out, _ = run(tmp_path, {"a.csv": ([person], PENALTY_HEADER)})
    [row] = rows(out / "public.db", "SELECT * FROM penalties")
    assert row["subject_name"] == "欧阳*" and row["subject_is_person"] == 1
    assert "欧阳明" not in json.dumps(row, ensure_ascii=False)
    assert id_number("19751212", 7) not in row["facts"] and "13812345678" not in row["facts"]
    assert rows(out / "public.db", "SELECT * FROM entities") == []


def test_planted_id_fails_the_scan_and_keeps_previous_outputs(tmp_path):
    out, _ = run(tmp_path, {"a.csv": ([penalty()], PENALTY_HEADER)})
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def plant(staging):
        conn = sqlite3.connect(staging / "public.db")
        conn.execute("UPDATE penalties_records SET facts = ?", ("联系人身份证" + id_number("19850505", 9),))
        conn.commit()
        conn.close()

    with pytest.raises(PublishError) as exc:
        build(tmp_path / "raw", out, AS_OF, progress=False, before_scan=plant)
    assert exc.value.code == "scan_failed"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_bad_files_are_reported_and_the_build_goes_on(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw / "good.csv", [penalty()], PENALTY_HEADER)
    (raw / "empty.csv").write_bytes(b"")
    write_csv(raw / "unknown.csv", [{"序号": "1", "说明": "无"}])
    broken = write_xlsx(raw / "truncated.xlsx", {"处罚": [PENALTY_HEADER]})
    broken.write_bytes(broken.read_bytes()[:200])
    quoted = write_csv(raw / "quote.csv", [penalty(行政处罚决定书文号="Q1")], PENALTY_HEADER)
    quoted.write_text(quoted.read_text(encoding="utf-8") + '"未闭合,引号\n', encoding="utf-8")
    (raw / "binary.csv").write_bytes(bytes(range(128, 256)) * 4)
    (raw / "notes.pdf").write_bytes(b"%PDF-1.4")
    out = tmp_path / "out"
    rep = build(raw, out, AS_OF, progress=False)
    by_file = {s["file"]: s for s in rep["sources"]}
    assert by_file["empty.csv"]["status"] == "error" and "empty_file" in by_file["empty.csv"]["message"]
    assert by_file["unknown.csv"]["status"] == "skipped"
    assert by_file["truncated.xlsx"]["status"] == "error"
    assert by_file["binary.csv"]["status"] == "error"
    assert by_file["notes.pdf"]["status"] == "error"
    assert rep["files"]["quote.csv"]["quarantined"] == {"malformed_row": 1}   # the unclosed quote's line
    assert len(rows(out / "public.db", "SELECT * FROM penalties")) == 2
    assert rep["balanced"]


@pytest.mark.parametrize("setup, code", [
    (lambda p: None, "input_missing"),
    (lambda p: p.mkdir(), "input_empty"),
])
def test_missing_or_empty_input_is_an_error_with_non_zero_exit(tmp_path, setup, code):
    raw = tmp_path / "raw"
    setup(raw)
    result = subprocess.run([sys.executable, "-m", "publish", "build", "--input", str(raw),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode != 0
    assert code in result.stderr and "Traceback" not in result.stderr


def test_a_build_that_recognises_no_file_fails_and_lists_them(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw / "notes.csv", [{"说明": "本表为空"}], ["说明"])
    (raw / "readme.pdf").write_bytes(b"%PDF-1.4")
    result = subprocess.run([sys.executable, "-m", "publish", "build", "--input", str(raw),
                             "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat()],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "[nothing_recognised]" in result.stderr and "Traceback" not in result.stderr
    assert "notes.csv" in result.stderr and "readme.pdf" in result.stderr
    assert "构建完成" not in result.stdout
    assert not (tmp_path / "out").exists()


def test_quarantined_rows_keep_file_row_and_original_values(tmp_path):
    bad = penalty(处罚决定日期="2026-13-01")
    out, rep = run(tmp_path, {"d/x.csv": ([penalty(), bad], PENALTY_HEADER)})
    [q] = quarantine(out)
    assert (q["来源文件"], q["行号"], q["原因代码"], q["字段"]) == ("d/x.csv", "3", "invalid_date", "decision_date")
    assert json.loads(q["原始数据"])["处罚决定日期"] == "2026-13-01"
    dept = rep["departments"]["景德镇市市场监督管理局"]
    assert dept["quarantined"] == {"invalid_date": 1} and dept["quarantine_rate"] == 0.5


def test_data_quality_findings(tmp_path):
    header = PENALTY_HEADER
    a = penalty(行政处罚决定书文号="A1")
    b = penalty(行政处罚决定书文号="A2", 行政相对人名称="景德镇市昌南瓷业有限公司")
    c = penalty(**{"行政处罚决定书文号": "A3", "行政相对人代码_1(统一社会信用代码)": uscc(5)})
    d = penalty(**{"行政处罚决定书文号": "A4", "罚款金额（万元）": "50000"})
    out, rep = run(tmp_path, {"a.csv": ([a, b, c, d], header)})
    findings = rep["findings"]
    assert set(findings["uscc_with_several_names"]["items"][uscc(1)]) == {"景德镇市昌南陶瓷有限公司",
                                                                          "景德镇市昌南瓷业有限公司"}
    assert set(findings["name_with_several_usccs"]["items"]["景德镇市昌南陶瓷有限公司"]) == {uscc(1), uscc(5)}
    assert findings["suspect_fine_unit"]["count"] == 1


def test_xlsx_and_jsonl_sources_load(tmp_path):
    raw = tmp_path / "raw"
    record = penalty(行政处罚决定书文号="X1")
    write_xlsx(raw / "book.xlsx", {"说明": [["填报说明"]],
                                   "处罚": [["标题"], PENALTY_HEADER, [record[h] for h in PENALTY_HEADER]]})
    write_jsonl(raw / "feed.jsonl", [penalty(行政处罚决定书文号="J1")])
    rep = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert rep["datasets"]["penalty"]["published"]["public"] == 2
    assert {s["file"]: s["status"] for s in rep["sources"]} == {
        "book.xlsx#说明": "skipped", "book.xlsx#处罚": "read", "feed.jsonl": "read"}


OLD_HEADER = ["行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚事由", "处罚依据", "行政相对人名称",
              "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(组织机构代码)", "行政相对人代码_5(居民身份证号)",
              "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关", "当前状态", "地方编码", "数据更新时间戳"]


def test_2016_layout_grades_from_text_and_treats_id_without_uscc_as_a_person(tmp_path):
    company = {"行政处罚决定书文号": "景交罚〔2026〕3号", "处罚名称": "超限运输", "处罚类别1": "罚款",
               "处罚事由": "车辆超限运输", "处罚依据": "《公路法》", "行政相对人名称": "景德镇市瓷都物流有限公司",
               "行政相对人代码_1(统一社会信用代码)": uscc(9), "行政相对人代码_2(组织机构代码)": "MA35ABCD1",
               "法定代表人姓名": "赵大海", "处罚结果": "罚款人民币150万元", "处罚决定日期": "2026/5/6",
               "处罚机关": "景德镇市交通运输局", "当前状态": "正常", "地方编码": "360200",
               "数据更新时间戳": "20260507101010"}
    person = {**company, "行政处罚决定书文号": "景交罚〔2026〕4号", "行政相对人名称": "孙小红",
              "行政相对人代码_1(统一社会信用代码)": "", "行政相对人代码_2(组织机构代码)": "",
              "行政相对人代码_5(居民身份证号)": id_number("19880808", 5), "法定代表人姓名": "",
              "处罚结果": "罚款人民币2万元"}
    out, rep = run(tmp_path, {"old.csv": ([company, person], OLD_HEADER)})
    shown = {r["decision_no"]: r for r in rows(out / "public.db", "SELECT * FROM penalties")}
    assert shown["景交罚〔2026〕3号"]["severity"] == "严重"        # 150 万元 read from 处罚结果
    assert shown["景交罚〔2026〕3号"]["publicity_end"] == "2029-05-05"
    assert shown["景交罚〔2026〕3号"]["legal_rep"] == "赵*"
    assert shown["景交罚〔2026〕4号"]["subject_name"] == "孙*"
    assert shown["景交罚〔2026〕4号"]["subject_is_person"] == 1
    assert shown["景交罚〔2026〕4号"]["severity"] == "一般"
    assert rep["datasets"]["penalty_2016"]["published"]["public"] == 2


def test_header_variants_and_title_rows_in_one_build(tmp_path):
    raw = tmp_path / "raw"
    variant = [h.replace("行政相对人代码_1(统一社会信用代码)", "行政相对人代码-1（统一社会信用代码）")
               .replace("行政相对人名称", " 主体名称 ") for h in PENALTY_HEADER]
    plain = [h.replace("行政相对人代码_1(统一社会信用代码)", "统一社会信用代码") for h in PENALTY_HEADER]
    write_csv(raw / "variant.csv", [dict(zip(variant, penalty(行政处罚决定书文号="V1").values(), strict=True))],
              variant, encoding="gb18030", title_rows=[["景德镇市行政处罚公示"], ["填报单位：市场监管局"]])
    write_csv(raw / "plain.csv", [dict(zip(plain, penalty(行政处罚决定书文号="V2").values(), strict=True))], plain,
              encoding="utf-8-sig")
    rep = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert rep["datasets"]["penalty"]["published"]["public"] == 2
    assert {s["file"]: s["header_row"] for s in rep["sources"]} == {"variant.csv": 3, "plain.csv": 1}
    assert {r["uscc"] for r in rows(tmp_path / "out" / "public.db", "SELECT uscc FROM penalties")} == {uscc(1)}


def test_sample_build_balances_and_passes_the_scan(tmp_path):
    from publish.sample import generate_sample
    from redaction.scan import scan_database

    generate_sample(tmp_path / "raw", rows=400, seed=3, as_of=AS_OF)
    out = tmp_path / "out"
    rep = build(tmp_path / "raw", out, AS_OF, progress=False)
    assert rep["balanced"]
    for level in ("datasets", "files", "departments"):
        for block in rep[level].values():
            assert block["read"] == sum(block["totals"].values())
    assert scan_database(out / "public.db") == [] and scan_database(out / "authorized.db") == []
    for dataset in ("penalty", "licence", "blacklist", "redlist", "commitment", "evaluation", "tax_grade",
                    "arrears", "repair", "objection", "penalty_2016", "licence_2016"):
        assert rep["datasets"][dataset]["read"] > 0, dataset


def test_rows_wider_than_the_header_and_broken_json_lines_are_quarantined(tmp_path):
    raw = tmp_path / "raw"
    path = write_csv(raw / "wide.csv", [penalty()], PENALTY_HEADER)
    wide_row = ",".join(penalty(行政处罚决定书文号="W2").values()) + ",多余的值\n"
    path.write_text(path.read_text(encoding="utf-8") + wide_row, encoding="utf-8")
    feed = write_jsonl(raw / "feed.jsonl", [penalty(行政处罚决定书文号="J1")])
    feed.write_text(feed.read_text(encoding="utf-8") + '{"行政相对人名称": "截断\n', encoding="utf-8")
    out = tmp_path / "out"
    rep = build(raw, out, AS_OF, progress=False)
    assert rep["files"]["wide.csv"]["quarantined"] == {"malformed_row": 1}
    assert rep["files"]["feed.jsonl"]["quarantined"] == {"malformed_json": 1}
    reasons = {(q["来源文件"], q["行号"]): q["原因代码"] for q in quarantine(out)}
    assert reasons == {("wide.csv", "3"): "malformed_row", ("feed.jsonl", "2"): "malformed_json"}
    assert rep["balanced"]
