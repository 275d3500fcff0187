"""The sample generator writes the raw delivery the build must cope with (CONTRACT.md "Raw input").

These tests read the files back with plain csv/json/openpyxl, independently of the build's reader.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from publish.errors import PublishError
from publish.sample import (
    EVENT_DATES,
    FAULT_KINDS,
    HEADER_SPELLINGS,
    PENALTY_COLUMNS,
    ROLES,
    capital_yuan,
    generate_sample,
    write_penalty_csv,
)
from publish.sample.exports import PLACEHOLDERS
from publish.sample.outdir import MARKER
from publish.sample.world import literal_text
from redaction.checkdigits import (
    is_valid_id,
    is_valid_id15,
    is_valid_id18,
    is_valid_uscc,
    luhn_valid,
)
from tests.factories import json_objects

AS_OF = date(2025, 6, 30)
ROWS = 2000
ALL_DATASETS = {"penalty", "penalty_2016", "licence", "licence_2016", "repair", "objection", "black_list",
                "black_list_market", "red_list", "commitment", "commitment_national", "evaluation", "tax_grade",
                "arrears", "registry"}
USCC_COLUMNS = ("行政相对人代码_1(统一社会信用代码)", "统一社会信用代码", "纳税人识别号", "处罚机关统一社会信用代码",
                "许可机关统一社会信用代码", "数据来源单位统一社会信用代码")
ID_COLUMNS = ("法定代表人证件号码", "证件号码", "行政相对人代码_5(居民身份证号)")
KEEP_NUMBERS = ("行政处罚决定书文号", "行政许可决定文书号", "行政许可决定书文号", "许可编号")
BAD_ENUMS = {"外星人", "随便", "不予理睬", "极好", "E", "话费"}


# --- Reading the files back --------------------------------------------------------------------
def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int):
        return date(1899, 12, 30) + timedelta(days=value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            pass
    return None


def empty(value) -> bool:
    """Nothing there, or a placeholder standing for nothing (`/`, `无`, `1900-1-1`…)."""
    return value is None or str(value).strip() == "" or value in PLACEHOLDERS


def xls_rows(path: Path, sheet: str) -> list[list]:
    """An XLS sheet's rows, read with python-calamine (empty cells as None)."""
    return [[None if v == "" else v for v in r]
            for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()]


def _data_rows(table: list, listed: dict) -> tuple[list, list]:
    """(header, data rows) of a sheet's rows, its title rows and note rows left out."""
    above, after = listed["notes"]
    table = table[listed["title_rows"]:]
    return list(table[0]), [list(r) for r in table[1 + above:len(table) - after]]


def read_sheets(out: Path, summary: dict) -> list[dict]:
    """Every data sheet as {path, sheet, dataset, header, rows: [canonical → value]}."""
    sheets = []
    for f in summary["files"]:
        path = out / f["path"]
        data_sheets = [s for s in f["sheets"] if s["dataset"]]
        if f["container"] == "csv":
            text = path.read_bytes().decode(f["encoding"])
            table = list(csv.reader(text.splitlines()))
            parts = [(data_sheets[0], table[0], table[1:])]
        elif f["container"] in ("jsonl", "json"):
            objects = json_objects(path)
            parts = [(data_sheets[0], list(objects[0]), [list(o.values()) for o in objects])]
        elif f["container"] == "xls":
            parts = [(data_sheets[0], *_data_rows(xls_rows(path, data_sheets[0]["name"]), data_sheets[0]))]
        else:
            wb = openpyxl.load_workbook(path)
            parts = [(s, *_data_rows(list(wb[s["name"]].iter_rows(values_only=True)), s)) for s in data_sheets]
        for s, header, rows in parts:
            canonical = {w: c for c, ws in HEADER_SPELLINGS[s["dataset"]].items() for w in ws}
            names = [canonical[h] for h in header]
            sheets.append({"path": f["path"], "sheet": s["name"], "dataset": s["dataset"], "header": header,
                           "rows": [dict(zip(names, r, strict=True)) for r in rows]})
    return sheets


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample(out, rows=ROWS, seed=3, as_of=AS_OF)
    sheets = read_sheets(out, summary)
    faulty = {(f["path"], f["sheet"], f["index"]): f["kind"] for f in summary["fault_rows"]}
    return out, summary, sheets, faulty


def valid_rows(sheets, faulty, datasets):
    for s in sheets:
        if s["dataset"] in datasets:
            for i, row in enumerate(s["rows"]):
                if (s["path"], s["sheet"], i) not in faulty:
                    yield s, row


def normalise_number(number: str) -> str:
    text = unicodedata.normalize("NFKC", number)
    return re.sub(r"\s", "", text.translate(str.maketrans("〔【(〕】)", "[[[]]]")))


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def tree(root: Path) -> dict[str, str | None]:
    """Every entry below root: files with their digest, folders as None."""
    return {**{str(p.relative_to(root)): None for p in root.rglob("*") if p.is_dir()}, **tree_digest(root)}


# --- Determinism -------------------------------------------------------------------------------
def test_same_seed_and_day_give_byte_identical_files(tmp_path):
    first = generate_sample(tmp_path / "a", rows=300, seed=5, as_of=AS_OF)
    second = generate_sample(tmp_path / "b", rows=300, seed=5, as_of=AS_OF)
    assert first == second
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    generate_sample(tmp_path / "c", rows=300, seed=6, as_of=AS_OF)
    assert tree_digest(tmp_path / "a") != tree_digest(tmp_path / "c")



def test_nothing_reads_the_clock(sample):
    """Every date comes from as_of: XLSX timestamps too, and no module asks for the time."""
    import ast
    import zipfile

    import publish.sample

    out, summary, _, _ = sample
    for f in summary["files"]:
        if f["container"] == "xlsx":
            with zipfile.ZipFile(out / f["path"]) as archive:
                nine_am = (AS_OF.year, AS_OF.month, AS_OF.day, 9, 0, 0)
                assert {info.date_time for info in archive.infolist()} == {nine_am}
                core = archive.read("docProps/core.xml").decode("utf-8")
            stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
            assert stamps == [f"{AS_OF.isoformat()}T09:00:00Z"] * 2
    for module in Path(publish.sample.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        calls = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        imports = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                   for alias in node.names}
        assert not calls & {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}, module.name
        assert not imports & {"time", "now", "today"}, module.name

# --- What is delivered -------------------------------------------------------------------------
def test_every_dataset_container_and_encoding_is_present(sample):
    out, summary, sheets, _ = sample
    assert {s["dataset"] for s in sheets} == ALL_DATASETS
    files = summary["files"]
    assert {f["container"] for f in files} == {"csv", "xlsx", "xls", "jsonl", "json"}
    # JSON as platforms' APIs return it: an array, or an answer holding the records under rows, data or list
    assert {f["wrapper"] for f in files if f["container"] == "json"} == {"", "rows", "data", "list"}
    assert {f["encoding"] for f in files if f["container"] == "csv"} == {"utf-8", "utf-8-sig", "gb18030", "gbk"}
    assert all("/" in f["path"] for f in files)  # in folders by department
    for f in files:
        raw = (out / f["path"]).read_bytes()
        if f["encoding"] == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
        if f["encoding"] == "utf-8":
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        if f["encoding"] == "gbk":
            raw.decode("gbk")
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
    gb18030_only = [f for f in files
                    if f["encoding"] == "gb18030" and "䶮" in (out / f["path"]).read_bytes().decode("gb18030")]
    assert gb18030_only, "one GB18030 file carries a character outside GBK"
    with pytest.raises(UnicodeDecodeError):
        (out / gb18030_only[0]["path"]).read_bytes().decode("gbk")
    xlsx = [f for f in files if f["container"] == "xlsx"]
    assert any(len([s for s in f["sheets"] if s["dataset"]]) == 2 for f in xlsx)
    assert any(s["title_rows"] == 2 for f in xlsx for s in f["sheets"])
    assert any(s["name"] == "填报说明" and s["dataset"] is None for f in xlsx for s in f["sheets"])
    titled = next(f for f in xlsx if any(s["title_rows"] == 2 for s in f["sheets"]))
    ws = openpyxl.load_workbook(out / titled["path"]).worksheets[0]
    assert ws.merged_cells.ranges and "公示表" in ws.cell(1, 1).value and "填报单位：" in ws.cell(2, 1).value
    for f in files:
        if f["container"] == "jsonl":
            for line in (out / f["path"]).read_text(encoding="utf-8").splitlines():
                assert isinstance(json.loads(line), dict)


def test_headers_are_the_listed_spellings(sample):
    _, _, sheets, _ = sample
    used = {(s["dataset"], h) for s in sheets for h in s["header"]}
    listed = {(d, w) for d, cols in HEADER_SPELLINGS.items() for ws in cols.values() for w in ws}
    assert used == listed
    penalty = HEADER_SPELLINGS["penalty"]
    for spelling in ("行政相对人代码-1（统一社会信用代码）", "行政相对人代码_1(统一社会信用代码)", "统一社会信用代码"):
        assert spelling in penalty["行政相对人代码_1(统一社会信用代码)"]
    assert " 行政相对人名称 " in penalty["行政相对人名称"] and "主体名称" in penalty["行政相对人名称"]
    assert "企业名称" in HEADER_SPELLINGS["licence"]["行政相对人名称"]
    assert "修复日期" in HEADER_SPELLINGS["repair"]["修复决定日期"]
    assert "数据更新时间戳" in penalty and "商业秘密" in penalty and "严重程度" in penalty and "当前状态" in penalty
    # the 2016 layout numbers its code columns differently
    assert "行政相对人代码_5(居民身份证号)" in HEADER_SPELLINGS["penalty_2016"]
    assert "行政相对人类别" not in HEADER_SPELLINGS["penalty_2016"]


def test_rows_scale_with_the_penalty_rows(sample):
    _, summary, sheets, _ = sample
    per = summary["rows_per_dataset"]
    assert per["penalty"] + per["penalty_2016"] == ROWS
    expected = {"licence": ROWS, "black_list": ROWS // 20, "red_list": ROWS // 20, "commitment": ROWS // 4,
                "evaluation": ROWS // 4, "tax_grade": ROWS // 4, "arrears": ROWS // 10, "repair": ROWS // 20,
                "objection": ROWS // 40, "black_list_market": ROWS // 40}
    assert per["licence"] + per["licence_2016"] == expected.pop("licence")
    assert per["commitment"] + per["commitment_national"] == expected.pop("commitment")
    # the register: the subjects the records name, and twice as many again as penalty rows
    assert per["registry"] == summary["registry"]["subjects"] > 2 * ROWS
    assert {k: per[k] for k in expected} == expected
    for s in sheets:
        listed = next(x for f in summary["files"] if f["path"] == s["path"]
                      for x in f["sheets"] if x["name"] == s["sheet"])
        assert len(s["rows"]) == listed["rows"]


def test_a_small_sample_still_has_every_dataset_and_fault(tmp_path):
    summary = generate_sample(tmp_path, rows=50, seed=1, as_of=AS_OF)
    assert set(summary["rows_per_dataset"]) == ALL_DATASETS
    assert all(n >= 4 for n in summary["rows_per_dataset"].values())
    assert all(summary["faults"][kind] >= 1 for kind in FAULT_KINDS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_smallest_sample_allowed_is_written(tmp_path, seed):
    from publish.sample.plan import MIN_ROWS

    summary = generate_sample(tmp_path, rows=MIN_ROWS, seed=seed, as_of=AS_OF)
    assert summary["rows_per_dataset"]["penalty"] + summary["rows_per_dataset"]["penalty_2016"] == MIN_ROWS


def test_too_few_rows_are_refused(tmp_path):
    with pytest.raises(PublishError) as error:
        generate_sample(tmp_path, rows=5, seed=0, as_of=AS_OF)
    assert error.value.code == "sample_rows_too_few"


# --- The output directory ----------------------------------------------------------------------
SMALL = 60


def test_an_absent_directory_is_created_and_marked(tmp_path):
    out = tmp_path / "new" / "raw"
    summary = generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["written_by"] == "python -m publish sample" and marker["complete"] is True
    assert (marker["as_of"], marker["seed"], marker["rows"]) == (AS_OF.isoformat(), 1, SMALL)
    # the raw files and the truth file beside them (tests/test_sample_truth.py)
    assert sorted(marker["files"]) == sorted([f["path"] for f in summary["files"]] + [summary["truth"]["path"]])
    digests = tree_digest(out)
    assert {name: digests[name] for name in marker["files"]} == marker["files"]
    assert set(digests) == {*marker["files"], MARKER}


def test_an_empty_directory_is_used(tmp_path):
    out = tmp_path / "raw"
    out.mkdir()
    summary = generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
    assert all((out / f["path"]).is_file() for f in summary["files"]) and (out / MARKER).is_file()


def test_a_previous_sample_is_replaced_by_the_new_one(tmp_path):
    out, fresh = tmp_path / "raw", tmp_path / "fresh"
    generate_sample(out, rows=SMALL + 40, seed=1, as_of=AS_OF - timedelta(days=30))
    # as if an older generator had written one more file, in a folder of its own
    old = out / "旧部门" / "旧文件.csv"
    old.parent.mkdir()
    old.write_text("旧,数据\n", encoding="utf-8")
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    marker["files"]["旧部门/旧文件.csv"] = hashlib.sha256(old.read_bytes()).hexdigest()
    (out / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    generate_sample(out, rows=SMALL, seed=2, as_of=AS_OF)
    generate_sample(fresh, rows=SMALL, seed=2, as_of=AS_OF)
    assert tree(out) == tree(fresh)  # nothing of the previous sample is left


def test_an_interrupted_sample_is_replaced(tmp_path):
    out, fresh = tmp_path / "raw", tmp_path / "fresh"
    generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    # the marker of a run that stopped while writing: files listed without a digest, one half written
    written = sorted(marker["files"])
    (out / written[0]).write_bytes(b"half")
    (out / written[1]).unlink()
    marker.update(complete=False, files=dict.fromkeys(written))
    (out / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    generate_sample(out, rows=SMALL, seed=3, as_of=AS_OF)
    generate_sample(fresh, rows=SMALL, seed=3, as_of=AS_OF)
    assert tree(out) == tree(fresh)


def foreign_directory(root: Path) -> Path:
    root.mkdir()
    (root / "notes.txt").write_text("我的笔记", encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "penalties.csv").write_bytes("行政相对人名称\n某公司\n".encode("gbk"))
    (root / "empty").mkdir()
    return root


@pytest.mark.parametrize("setup", ["foreign", "foreign_with_a_sample_folder", "marker_unreadable",
                                   "marker_of_someone_else"])
def test_a_directory_that_is_not_a_sample_is_refused_and_left_alone(tmp_path, setup):
    out = foreign_directory(tmp_path / "mine")
    if setup == "foreign_with_a_sample_folder":
        (out / "市场监管局").mkdir()
        (out / "市场监管局" / "2025-行政处罚.csv").write_text("我自己的文件", encoding="utf-8")
    elif setup == "marker_unreadable":
        (out / MARKER).write_text("{不是 JSON", encoding="utf-8")
    elif setup == "marker_of_someone_else":
        (out / MARKER).write_text(json.dumps({"written_by": "someone", "files": {"notes.txt": None}}),
                                  encoding="utf-8")
    before = tree(out)
    with pytest.raises(PublishError) as error:
        generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
    assert error.value.code == "sample_out_not_ours"
    assert str(out) in error.value.message and "未作任何改动" in error.value.message
    assert tree(out) == before


@pytest.mark.parametrize("change", ["file_added", "file_edited", "file_replaced_by_a_folder",
                                    "folder_added", "path_outside"])
def test_a_previous_sample_with_other_data_in_it_is_refused_and_left_alone(tmp_path, change):
    out = tmp_path / "raw"
    summary = generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
    first = summary["files"][0]["path"]
    if change == "file_added":
        (out / "市场监管局" / "我的补充.csv").write_text("行政相对人名称\n", encoding="utf-8")
    elif change == "file_edited":
        (out / first).write_bytes((out / first).read_bytes() + b"\n")
    elif change == "file_replaced_by_a_folder":
        (out / first).unlink()
        (out / first).mkdir()
        (out / first / "x.txt").write_text("x", encoding="utf-8")
    elif change == "folder_added":
        (out / "我的目录").mkdir()
    else:  # a marker naming a file outside the directory is not ours
        outside = tmp_path / "outside.txt"
        outside.write_text("别删我", encoding="utf-8")
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
        marker["files"]["../outside.txt"] = None
        (out / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    before, around = tree(out), tree(tmp_path)
    with pytest.raises(PublishError) as error:
        generate_sample(out, rows=SMALL, seed=2, as_of=AS_OF)
    expected = "sample_out_not_ours" if change == "path_outside" else "sample_out_changed"
    assert error.value.code == expected and str(out) in error.value.message
    assert tree(out) == before and tree(tmp_path) == around


def test_a_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "raw"
    path.write_text("不是目录", encoding="utf-8")
    for out in (path, path / "below"):
        with pytest.raises(PublishError) as error:
            generate_sample(out, rows=SMALL, seed=1, as_of=AS_OF)
        assert error.value.code == "sample_out_is_file" and str(path) in error.value.message
    assert path.read_text(encoding="utf-8") == "不是目录"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_person_names_are_checked_against_the_text_of_every_module_that_writes_files():
    """A person's name must occur in no fixed text of the generator (masking it would damage that
    text), wherever the text lives in the package; the operator's messages are no such text."""
    import ast

    import publish.sample

    fixed = set(literal_text())
    for module in sorted(Path(publish.sample.__file__).parent.glob("*.py")):
        strings = {node.value for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        if module.name == "outdir.py":
            chinese = {t for t in strings if re.search("[\u4e00-\u9fff]", t)}
            assert chinese and not chinese & fixed
        else:
            assert strings <= fixed, module.name

# --- Valid rows are valid ----------------------------------------------------------------------
def test_valid_rows_have_valid_check_digits(sample):
    _, _, sheets, faulty = sample
    checked = 0
    for _, row in valid_rows(sheets, faulty, ALL_DATASETS):
        for column in USCC_COLUMNS:
            if not empty(row.get(column)):
                assert is_valid_uscc(row[column]), (column, row[column])
                assert not is_valid_id18(row[column])  # a USCC that reads as an ID would be masked
                checked += 1
        for column in ID_COLUMNS:
            if not empty(row.get(column)):
                assert is_valid_id(row[column]), (column, row[column])
        for column in KEEP_NUMBERS:
            if not empty(row.get(column)):
                assert not is_valid_id(str(row[column])), (column, row[column])
    assert checked > 5000


def test_dates_are_relative_to_as_of(sample):
    _, _, sheets, faulty = sample
    oldest = AS_OF - timedelta(days=5 * 365)
    for s, row in valid_rows(sheets, faulty, ALL_DATASETS):
        for column in EVENT_DATES:
            if column in row and not empty(row[column]):
                day = parse_date(row[column])
                assert day is not None, (s["path"], column, row[column])
                assert oldest <= day <= AS_OF, (s["path"], column, day)
    decided = [parse_date(r["处罚决定日期"]) for _, r in valid_rows(sheets, faulty, {"penalty", "penalty_2016"})]
    assert min(decided) < AS_OF - timedelta(days=3 * 365)   # past every publicity window
    assert max(decided) > AS_OF - timedelta(days=60)        # inside even the shortest


def test_dates_come_in_every_format_departments_use(sample):
    _, _, sheets, _ = sample
    values = [r["处罚决定日期"] for s in sheets if s["dataset"] in ("penalty", "penalty_2016") for r in s["rows"]]
    values += [r["许可决定日期"] for s in sheets if s["dataset"] == "licence" for r in s["rows"]]
    patterns = {"iso": r"^\d{4}-\d{2}-\d{2}$", "slash": r"^\d{4}/\d{1,2}/\d{1,2}$",
                "cn": r"^\d{4}年\d{1,2}月\d{1,2}日$", "compact": r"^\d{8}$"}
    for name, pattern in patterns.items():
        assert any(isinstance(v, str) and re.match(pattern, v) for v in values), name
    assert any(isinstance(v, datetime) for v in values)  # Excel date cells
    assert any(isinstance(v, int) for v in values)       # bare serial numbers


# --- Faults ------------------------------------------------------------------------------------
def test_faulty_rows_are_counted_and_really_faulty(sample):
    _, summary, sheets, faulty = sample
    assert all(summary["faults"][kind] >= 1 for kind in FAULT_KINDS)
    assert summary["faulty_rows"] == len(faulty) == sum(summary["faults"].values())
    total = sum(summary["rows_per_dataset"].values())
    assert 0.02 * total <= len(faulty) <= 0.04 * total
    by_sheet = {(s["path"], s["sheet"]): s for s in sheets}
    for (path, sheet, index), kind in faulty.items():
        s = by_sheet[(path, sheet)]
        row, roles = s["rows"][index], ROLES[s["dataset"]]
        if kind == "uscc_check":
            assert len(row[roles["uscc"]]) == 18 and not is_valid_uscc(row[roles["uscc"]])
        elif kind == "uscc_length":
            assert len(row[roles["uscc"]]) != 18
        elif kind == "date_unparseable":
            assert parse_date(row[roles["date"]]) is None
        elif kind == "date_future":
            assert parse_date(row[roles["date"]]) > AS_OF
        elif kind == "validity_reversed":
            assert parse_date(row["有效期至"]) < parse_date(row["有效期自"])
        elif kind == "missing_required":
            assert any(empty(row[roles[r]]) for r in ("number", "name", "date") if r in roles)
        elif kind == "bad_enum":
            assert row[roles["enum"][0]] in BAD_ENUMS
        elif kind == "id_in_keep_field":
            assert is_valid_id18(str(row[roles["keep"]]))


def test_fault_rows_name_the_row_a_person_sees(sample):
    out, summary, _, _ = sample
    encodings = {f["path"]: f["encoding"] for f in summary["files"]}
    for fault in summary["fault_rows"]:
        if fault["kind"] == "bad_enum" and fault["path"].endswith((".csv", ".jsonl")):
            text = (out / fault["path"]).read_bytes().decode(encodings[fault["path"]])
            # A CSV row as a spreadsheet shows it: a record (a cell may hold a line break).
            lines = text.splitlines() if fault["path"].endswith(".jsonl") else [
                ",".join(record) for record in csv.reader(io.StringIO(text, newline=""))]
            assert any(value in lines[fault["row"] - 1] for value in BAD_ENUMS)
        elif fault["kind"] == "bad_enum":
            ws = openpyxl.load_workbook(out / fault["path"])[fault["sheet"]]
            assert any(c.value in BAD_ENUMS for c in ws[fault["row"]])


# --- Duplicates, repairs, objections, data quality ---------------------------------------------
def test_exact_and_corrected_resubmissions(sample):
    _, summary, sheets, _ = sample
    main = next(s for s in sheets if s["path"] == "市场监管局/2025-行政处罚.csv")
    later = next(s for s in sheets if s["path"] == "市场监管局/行政处罚更正补报.csv")
    assert later["path"] > main["path"]  # a later file in sorted path order
    def key(r):
        return r["处罚机关"], r["行政处罚决定书文号"], r["行政相对人名称"]

    originals = {key(r): r for r in main["rows"]}
    exact = [r for r in later["rows"] if r in main["rows"]]
    corrected = [r for r in later["rows"] if r not in main["rows"]]
    assert len(exact) == summary["duplicates"]["exact"] >= 2
    assert len(corrected) == summary["duplicates"]["corrected"] >= 2
    for r in corrected:
        before = originals[key(r)]
        assert r["处罚内容"] != before["处罚内容"]
        assert r["数据更新时间戳"] > before["数据更新时间戳"]


def test_repairs_and_objections_point_at_penalties(sample):
    _, summary, sheets, faulty = sample
    penalties = {}
    for _, r in valid_rows(sheets, faulty, {"penalty", "penalty_2016"}):
        penalties[normalise_number(r["行政处罚决定书文号"])] = r
    for dataset, stats in (("repair", summary["repairs"]), ("objection", summary["objections"])):
        matching = missing = respelled = 0
        for _, r in valid_rows(sheets, faulty, {dataset}):
            target = penalties.get(normalise_number(r["行政处罚决定书文号"]))
            if target is None:
                missing += 1
                continue
            matching += 1
            respelled += r["行政处罚决定书文号"] != target["行政处罚决定书文号"]
            code = target.get("行政相对人代码_1(统一社会信用代码)") or ""
            code = "" if code in PLACEHOLDERS else code  # (a department's blank: "/")
            assert (r["统一社会信用代码"] or "") == code and r["行政相对人名称"] == target["行政相对人名称"]
        assert missing == stats["no_match"] >= 1
        assert respelled >= 1
        if dataset == "repair":
            assert matching == stats["matching"]
    states = {r["异议状态"] for _, r in valid_rows(sheets, faulty, {"objection"})}
    assert states == {"处理中", "维持", "已更正", "原记录撤销", "已撤销"}


def test_one_uscc_two_names_and_one_name_two_usccs(sample):
    _, summary, sheets, faulty = sample
    names_by_code, codes_by_name = {}, {}
    for _, r in valid_rows(sheets, faulty, {"penalty", "licence"}):
        code = r["行政相对人代码_1(统一社会信用代码)"]
        if code:
            names_by_code.setdefault(code, set()).add(r["行政相对人名称"])
            codes_by_name.setdefault(r["行政相对人名称"], set()).add(code)
    [pair] = summary["quality"]["uscc_two_names"]
    assert names_by_code[pair["uscc"]] == set(pair["names"])
    [pair] = summary["quality"]["name_two_usccs"]
    assert codes_by_name[pair["name"]] == set(pair["usccs"])


# --- Content -----------------------------------------------------------------------------------
def free_text(sheets, datasets=("penalty", "penalty_2016", "licence")) -> str:
    columns = ("违法事实", "处罚事由", "处罚内容", "处罚结果", "许可内容", "备注")
    return "\n".join(str(r[c]) for s in sheets if s["dataset"] in datasets for r in s["rows"]
                     for c in columns if c in r and not empty(r[c]))


@pytest.mark.parametrize("what, pattern", [
    ("mobile", r"(?<![\d])1[3-9]\d{9}(?!\d)"),
    ("mobile with dashes", r"1[3-9]\d-\d{4}-\d{4}"),
    ("mobile with +86", r"\+86 1[3-9]\d \d{4} \d{4}"),
    ("mobile in full-width digits", r"１[３-９][０-９]{9}"),
    ("landline", r"0798-\d{7}"),
    ("ID with spaces", r"\d{6} \d{8} \d{3}[\dX]"),
    ("ID ending in X", r"\d{17}X"),
    ("e-mail", r"[a-z0-9]+@(163|126|qq|sina)\.com"),
    ("address", r"(住址：|家住)江西省景德镇市\S+号"),
    ("compound surname after 股东", r"股东(欧阳|司马|诸葛|上官|司徒|皇甫|慕容|东方)"),
    ("company after 当事人", r"当事人[^，。（]+有限公司"),
    ("现场负责人", r"现场负责人：[^（。]{2,4}"),
    ("经营者", r"经营者[^（。]{2,4}"),
    ("驾驶员", r"驾驶员[^（。]{2,4}（"),
    ("限制从业 names a person", r"处以\d年内不得从事"),
    ("amount in 万元", r"罚款人民币\d+(\.\d+)?万元"),
    ("amount in 元", r"罚款\d+元"),
    ("amount in capitals", r"罚款[零壹贰叁肆伍陆柒捌玖拾佰仟万]+元"),
])
def test_free_text_carries_what_departments_leave_in(sample, what, pattern):
    _, _, sheets, _ = sample
    assert re.search(pattern, free_text(sheets)), what


def test_personal_numbers_in_text_are_real_ones(sample):
    _, _, sheets, _ = sample
    text = free_text(sheets)
    cards = [re.sub(r"\s", "", c) for c in re.findall(r"卡号：([\d ]{16,24})）", text)]
    assert cards and all(luhn_valid(c) and 16 <= len(c) <= 19 for c in cards)
    assert any(" " in c for c in re.findall(r"卡号：([\d ]{16,24})）", text))
    legacy = re.findall(r"身份证号码(?:：)?(\d{15})(?![\dX])", text)
    assert legacy and all(is_valid_id15(n) for n in legacy)
    full = re.findall(r"身份证号码(?:：)?(\d{17}[\dX])", text)
    assert full and all(is_valid_id18(n) for n in full)


def test_declared_secrets_appear_in_their_row(sample):
    _, _, sheets, _ = sample
    separators = set()
    declared = 0
    for s in sheets:
        for r in s["rows"]:
            if empty(r.get("商业秘密")):
                continue
            text = "".join(str(v) for k, v in r.items() if k != "商业秘密" and v is not None)
            separators.update(re.findall(r"[；;]", r["商业秘密"]))
            for term in re.split(r"[；;]", r["商业秘密"]):
                assert term and term in text
                declared += 1
    assert declared >= 20 and separators == {"；", ";"}


def test_penalties_span_the_severity_classes(sample):
    _, summary, sheets, _ = sample
    current = [r for s in sheets if s["dataset"] == "penalty" for r in s["rows"]]
    kinds = {k for r in current for k in re.split("；", r["处罚类别"] or "")}
    assert {"警告", "通报批评", "罚款", "没收违法所得", "暂扣许可证件", "降低资质等级", "吊销许可证件",
            "责令停产停业", "责令关闭", "限制从业"} <= kinds
    assert any("；" in (r["处罚类别"] or "") for r in current)
    assert any("简易程序" in (r["备注"] or "") for r in current)
    fines = [float(r["罚款金额（万元）"]) for r in current if not empty(r["罚款金额（万元）"])]
    assert min(fines) < 1 and max(f for f in fines if f <= 10000) >= 100
    assert summary["suspect_fine_unit"] == sum(f > 10000 for f in fines) >= 1
    assert {r["严重程度"] for r in current if "严重程度" in r} == {"轻微", "一般", "严重"}
    assert "撤销" in {r.get("当前状态") for r in current}
    assert summary["revoked"] >= 1 and summary["explicit_end_earlier"] >= 1
    old = [r for s in sheets if s["dataset"] == "penalty_2016" for r in s["rows"]]
    assert any(re.search(r"罚款.*\d|罚款[壹贰叁肆伍陆柒捌玖]", r["处罚结果"] or "") for r in old)


def test_licences_and_lists_have_their_variety(sample):
    _, _, sheets, faulty = sample
    licences = [r for _, r in valid_rows(sheets, faulty, {"licence"})]
    assert {r["许可类别"] for r in licences} == {"普通", "特许", "认可", "核准", "登记", "其他"}
    assert {r["当前状态"] for r in licences} == {"1", "2", "有效", "无效"}
    assert any(parse_date(r["有效期至"]) and parse_date(r["有效期至"]) < AS_OF for r in licences)

    def rows(dataset):
        return [r for _, r in valid_rows(sheets, faulty, {dataset})]

    assert any(parse_date(r["移出日期"]) and parse_date(r["移出日期"]) < AS_OF for r in rows("black_list"))
    assert any(parse_date(r["有效期至"]) < AS_OF for r in rows("red_list"))
    assert any(parse_date(r["有效期至"]) > AS_OF for r in rows("red_list"))
    per_subject = {}
    for r in rows("evaluation"):
        per_subject.setdefault(r["统一社会信用代码"], set()).add(parse_date(r["评价日期"]))
    assert max(len(d) for d in per_subject.values()) >= 2
    assert {r["信用等级"] for r in rows("tax_grade")} == {"A", "B", "M", "C", "D"}
    assert {r["欠缴类型"] for r in rows("arrears")} == {"水费", "电费", "燃气费", "社会保险费", "住房公积金"}
    assert {r["履约状态"] for r in rows("commitment")} >= {"履约", "未履约"}


def test_subjects_of_every_kind(sample):
    _, _, sheets, faulty = sample
    rows = [r for _, r in valid_rows(sheets, faulty, {"penalty"})]
    categories = {r["行政相对人类别"] for r in rows}
    assert categories == {"法人及非法人组织", "个体工商户", "自然人"}
    codes = {r["行政相对人代码_1(统一社会信用代码)"][:2] for r in rows if r["行政相对人代码_1(统一社会信用代码)"]}
    assert {"91", "92", "93"} <= codes and codes & {"12", "51", "52", "53", "Y1"}
    shops = [r for r in rows if r["行政相对人类别"] == "个体工商户"]
    assert any(r["行政相对人名称"] == r["法定代表人"] for r in shops)            # registered as the name alone
    assert any(r["法定代表人"] in r["行政相对人名称"] != r["法定代表人"] for r in shops)  # 张三水果店
    persons = [r for r in rows if r["行政相对人类别"] == "自然人"]
    assert {len(r["证件号码"]) for r in persons} == {15, 18}
    assert any(is_valid_id(str(r["行政相对人代码_4(税务登记号)"])[:18]) for r in shops
               if not empty(r["行政相对人代码_4(税务登记号)"]))  # the operator's ID as tax number


@pytest.mark.parametrize("yuan, text", [
    (3000, "叁仟"), (3500, "叁仟伍佰"), (3050, "叁仟零伍拾"), (20000, "贰万"), (20500, "贰万零伍佰"),
    (120000, "壹拾贰万"), (1000000, "壹佰万"),
])
def test_capital_amounts(yuan, text):
    assert capital_yuan(yuan) == text


# --- Real exports (DOMAIN.md "What departments' real exports look like") ------------------------
# The 2016 layout's 处罚类别 codes, and a word each decision of that code carries in its 处罚结果.
CATEGORIES_2016 = {"0": "警告", "1": "罚款", "2": "没收违法所得、没收非法财物", "3": "责令停产停业",
                   "4": "暂扣或者吊销许可证、暂扣或者吊销执照", "5": "行政拘留", "6": "其他"}
CATEGORY_EVIDENCE = {"0": ("警告",), "1": ("罚款",), "2": ("没收",), "3": ("停产停业",), "4": ("暂扣", "吊销"),
                     "5": ("拘留",)}
SCOPE_VALUES = {"", "0", "1", "2", "公示", "仅政府部门内部共享", "仅可授权查询"}
TEMPLATE_NOTE = ("填报说明：", "表格说明：")


def sheets_of(sheets, *datasets):
    return [s for s in sheets if s["dataset"] in datasets]


def cells(sheets, column) -> set[str]:
    return {"" if r.get(column) is None else str(r[column]) for s in sheets for r in s["rows"] if column in r}


def truth_of(out: Path) -> dict:
    return json.loads((out / ".publish-sample-truth.json").read_text(encoding="utf-8"))


def test_the_2016_codes_come_as_codes_and_as_words(sample):
    _, _, sheets, _ = sample
    penalties, licences = sheets_of(sheets, "penalty_2016"), sheets_of(sheets, "licence_2016")
    categories = {c for c in cells(penalties, "处罚类别1") | cells(penalties, "处罚类别2") if not empty(c)}
    assert set(CATEGORIES_2016) | set(CATEGORIES_2016.values()) == categories
    assert {"", "0", "1", "2", "3", "正常", "撤销", "异议", "其他"} == cells(penalties, "当前状态")
    assert {"0", "1", "2", "3", "有效", "无效", "撤销", "异议", "其他"} == cells(licences, "当前状态")
    seen_4 = set()
    for s in penalties:
        for r in s["rows"]:
            for column in ("处罚类别1", "处罚类别2"):
                code = next((c for c, w in CATEGORIES_2016.items() if r[column] in (c, w)), None)
                if code in CATEGORY_EVIDENCE:
                    assert any(word in r["处罚结果"] for word in CATEGORY_EVIDENCE[code]), (code, r["处罚结果"])
                if code == "4":  # one code for suspension (一般) and revocation (严重)
                    seen_4.add("吊销" if "吊销" in r["处罚结果"] else "暂扣")
    assert seen_4 == {"吊销", "暂扣"}


def test_scope_columns_carry_every_value(sample):
    _, summary, sheets, _ = sample
    assert cells(sheets_of(sheets, "penalty_2016", "licence_2016", "licence"), "信息使用范围") == SCOPE_VALUES
    assert cells(sheets_of(sheets, "commitment_national"), "公开类型") == {"可向社会公开", "特定范围内公开", "不可公开"}
    for path, states in summary["states"].items():
        scopes = [str(r.get("信息使用范围") or "") for s in sheets if s["path"] == path for r in s["rows"]]
        assert scopes.count("1") + scopes.count("仅政府部门内部共享") == states.get("仅政府部门内部共享", 0)
        assert scopes.count("2") + scopes.count("仅可授权查询") == states.get("仅可授权查询", 0)


def test_field_code_headers_both_code_sets_in_both_cases(sample):
    _, _, sheets, faulty = sample
    by_header = {s["path"]: s for s in sheets}

    def having(*codes):
        [found] = [s for s in by_header.values() if set(codes) <= set(s["header"])]
        return found

    having("CF_WSH", "CF_CFLB", "CF_SY", "CF_GSJZQ", "ID", "RESOURCE_ID", "CHECK_FLAG")  # current, upper
    licences = having("xk_wsh", "xk_yxqz", "xk_yxqzi", "xk_xkjg", "id", "resource_id", "check_flag")  # current, lower
    having("cf_wsh", "cf_cflb1", "cf_jg", "cf_xzjg", "cf_xdr_sfz")  # 2016, lower
    having("XK_WSH", "XK_XMMC", "XK_JZQ", "XK_XZJG", "XK_XDR_SFZ")  # 2016, upper
    # XK_YXQZ is 有效期自 (the decision day here), XK_YXQZI 有效期至
    for i, r in enumerate(licences["rows"]):
        if (licences["path"], None, i) not in faulty and not empty(r["有效期至"]):
            assert r["有效期自"] == r["许可决定日期"] and parse_date(r["有效期自"]) <= parse_date(r["有效期至"])
    ids = [r["ID"] for s in sheets for r in s["rows"] if "ID" in r]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_placeholders_stand_for_empty_optional_cells(sample):
    _, summary, sheets, _ = sample
    required = ("行政相对人名称", "行政处罚决定书文号", "行政许可决定文书号", "行政许可决定书文号", "处罚决定日期",
                "许可决定日期", "处罚机关", "许可机关")
    for path, counts in summary["placeholders"].items():
        rows = [r for s in sheets if s["path"] == path for r in s["rows"]]
        for placeholder, n in counts.items():
            assert sum(v == placeholder for r in rows for v in r.values()) == n >= 1, (path, placeholder)
        assert not any(r.get(c) in PLACEHOLDERS for r in rows for c in required)
    written = {p for counts in summary["placeholders"].values() for p in counts}
    assert written == set(PLACEHOLDERS) - {"2099-12-31"}
    # an open end is written as the date 2099-12-31, a date cell or text
    ends = [r.get(c) for s in sheets for r in s["rows"] for c in ("处罚有效期", "有效期至")]
    assert any(isinstance(v, str) and v == "2099-12-31" for v in ends)
    assert any(not isinstance(v, str) and parse_date(v) == date(2099, 12, 31) for v in ends if v is not None)


def test_note_rows_in_a_sheet_are_template_notes(sample):
    out, summary, _, _ = sample
    noted = [(f, s) for f in summary["files"] for s in f["sheets"] if any(s["notes"])]
    assert len(noted) >= 2
    for f, s in noted:
        table = list(openpyxl.load_workbook(out / f["path"])[s["name"]].iter_rows(values_only=True))
        above, after = s["notes"]
        body = table[s["title_rows"] + 1:]
        assert len(body) == above + s["rows"] + after
        for row in body[:above] + body[len(body) - after:]:
            assert str(row[0]).startswith(TEMPLATE_NOTE) and all(v is None for v in row[1:]), row
    assert summary["note_rows"] == {f"{f['path']}#{s['name']}": sum(s["notes"]) for f, s in noted}


def test_a_second_name_column_beside_the_subjects(sample):
    _, summary, sheets, faulty = sample
    [s] = [s for s in sheets if "企业名称" in s["header"] and "行政相对人名称" in [h.strip() for h in s["header"]]
           and s["dataset"] == "penalty"]
    assert s["header"].index("企业名称") == 0  # before the canonical column: order decides nothing
    valid = [r for i, r in enumerate(s["rows"]) if (s["path"], s["sheet"], i) not in faulty]
    differ = [r for r in valid if r["企业名称"] and r["行政相对人名称"] and r["企业名称"] != r["行政相对人名称"]]
    assert len(differ) == summary["second_names_differ"][s["path"]] >= 1
    assert all(empty(r["企业名称"]) for r in valid if r["行政相对人类别"] != "法人及非法人组织")


def test_a_bare_numbered_code_column_in_the_2016_layout(sample):
    _, _, sheets, faulty = sample
    [s] = [s for s in sheets if "行政相对人代码_1" in s["header"]]
    assert "行政相对人代码_5" in s["header"] and {"项目名称", "审批类别", "许可截止期"} <= set(s["header"])
    assert s["dataset"] == "licence_2016"
    assert not any("(" in h and h.startswith("行政相对人代码_1") for h in s["header"])
    valid = [r for i, r in enumerate(s["rows"]) if (s["path"], s["sheet"], i) not in faulty]
    assert any(r["行政相对人代码_5(居民身份证号)"] for r in valid)
    assert all(is_valid_id(r["行政相对人代码_5(居民身份证号)"]) for r in valid if r["行政相对人代码_5(居民身份证号)"])


def test_the_market_regulators_black_list(sample):
    _, _, sheets, faulty = sample
    [s] = sheets_of(sheets, "black_list_market")
    assert s["header"] == ["企业名称", "统一社会信用代码", "营业执照注册号", "列入严重违法失信企业名单原因", "列入日期",
                           "作出决定机关(列入)", "移出严重违法失信企业名单原因", "移出日期", "作出决定机关(移出)"]
    valid = [r for i, r in enumerate(s["rows"]) if (s["path"], s["sheet"], i) not in faulty]
    removed = [r for r in valid if not empty(r["移出日期"])]
    assert removed and len(removed) < len(valid)
    for r in valid:
        assert is_valid_uscc(r["统一社会信用代码"]) and r["作出决定机关(列入)"].endswith("市场监督管理局")
        assert empty(r["移出日期"]) == empty(r["作出决定机关(移出)"]) == empty(r["移出严重违法失信企业名单原因"])
    assert all(parse_date(r["移出日期"]) >= parse_date(r["列入日期"]) + timedelta(days=3 * 365) for r in removed)


def test_the_national_commitment_template(sample):
    out, _, sheets, _ = sample
    [s] = sheets_of(sheets, "commitment_national")
    assert s["header"][:4] == ["承诺编码", "承诺人名称", "承诺人类别", "承诺人代码"] and "公开类型" in s["header"]
    rows = s["rows"]
    assert {r["承诺人类别"] for r in rows} == {"法人及非法人组织", "自然人", "个体工商户"}
    assert {r["承诺类型"] for r in rows} <= {"审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型",
                                        "主动型", "其他"}
    assert {r["承诺履行状态"] for r in rows} == {"全部履行", "部分履行", "全部未履行"}
    assert all(not empty(r["承诺履行状态认定日期"]) for r in rows if r["承诺履行状态"] != "全部履行")
    persons = [r for r in rows if r["承诺人类别"] == "自然人"]
    assert len(persons) >= 5 and all(is_valid_id18(r["承诺人代码"]) for r in persons)
    assert all(is_valid_uscc(r["承诺人代码"]) for r in rows if r["承诺人类别"] != "自然人")
    # every person's number and name is planted (the truth file), so the build is checked for them
    planted = {(e["form"], e["value"]) for e in truth_of(out)["planted"] if e["path"] == s["path"]}
    assert all(("commitment_code_id", r["承诺人代码"]) in planted for r in persons)
    assert all(("commitment_person_name", r["承诺人名称"]) in planted for r in persons)


def test_the_register_lists_subjects_most_of_which_have_no_record(sample):
    out, summary, sheets, faulty = sample
    register = summary["registry"]
    assert 50 <= register["with_records"] < 0.2 * register["valid"]  # records cover a small share
    assert {"存续", "注销", "吊销"} <= set(register["states"])
    [s] = sheets_of(sheets, "registry")
    assert s["header"] == ["主体名称", "统一社会信用代码", "主体类型", "法定代表人", "成立日期", "登记机关", "登记状态",
                           "住所"]
    valid = [r for i, r in enumerate(s["rows"]) if (s["path"], s["sheet"], i) not in faulty]
    for r in valid:
        assert is_valid_uscc(r["统一社会信用代码"]) and parse_date(r["成立日期"]) < AS_OF
        assert (r["主体类型"] == "个体工商户") == r["统一社会信用代码"].startswith("92")
        assert r["统一社会信用代码"][2:6] == "3602"  # the city's own register
    # a 个体工商户 under nothing but its operator's name: a natural person, planted with its address
    persons = [r for r in valid if r["主体名称"] == r["法定代表人"]]
    assert len(persons) == register["natural_persons"] >= 5
    planted = {(e["form"], e["written"]) for e in truth_of(out)["planted"] if e["path"] == s["path"]}
    assert all(("registry_operator_name", r["主体名称"]) in planted for r in persons)
    assert all(("registry_person_address", r["住所"]) in planted for r in persons)


def test_the_xls_file_is_biff8(sample):
    out, summary, _, _ = sample
    [f] = [f for f in summary["files"] if f["container"] == "xls"]
    assert (out / f["path"]).read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound document
    [listed] = f["sheets"]
    table = xls_rows(out / f["path"], listed["name"])
    assert "行政处罚" in table[0][0] and len(table) == listed["title_rows"] + 1 + listed["rows"]
    assert any(isinstance(v, date) for row in table[2:] for v in row)  # date cells, not text


def test_json_files_are_arrays_or_platform_answers(sample):
    out, summary, _, _ = sample
    for f in summary["files"]:
        if f["container"] != "json":
            continue
        text = (out / f["path"]).read_text(encoding="utf-8")
        data = json.loads(text)
        if f["wrapper"]:
            assert data["total"] == len(data[f["wrapper"]]) == f["sheets"][0]["rows"]
        else:
            assert text.startswith("[\n") and len(data) == f["sheets"][0]["rows"]
        assert all(isinstance(r, dict) for r in json_objects(out / f["path"]))


# --- Today's build of the sample -------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    from publish.build import build
    from publish.clock import Clock
    from publish.serve import make_datasette

    raw, out = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("built") / "out"
    summary = generate_sample(raw, rows=300, seed=7, as_of=AS_OF)
    report = build(raw, out, AS_OF, progress=False)
    sheets = read_sheets(raw, summary)
    return summary, sheets, report, out, make_datasette(out, Clock.on(AS_OF))


def _registered_without_records(sheets) -> list[dict]:
    """Register rows of companies no other file names."""
    named = {str(v) for s in sheets if s["dataset"] != "registry" for r in s["rows"] for v in r.values() if v}
    [register] = sheets_of(sheets, "registry")
    return [r for r in register["rows"] if r["统一社会信用代码"] not in named and is_valid_uscc(r["统一社会信用代码"])]


def _unique_fragment(name: str, names: list[str]) -> str | None:
    """A two-character part of `name` that no other name holds."""
    return next((name[i:i + 2] for i in range(len(name) - 1)
                 if sum(name[i:i + 2] in other for other in names) == 1), None)


def test_todays_build_of_the_sample_balances_and_passes_the_scan(sample_site):
    from redaction.scan import scan_database

    summary, _, report, out, _ = sample_site
    assert report["balanced"]
    for level in ("datasets", "files", "departments"):
        for block in report[level].values():
            assert block["read"] == sum(block["totals"].values())
    assert report["datasets"]["registry"]["read"] == summary["registry"]["subjects"]
    assert report["findings"]["shadowed_column_differs"]["count"] == sum(summary["second_names_differ"].values())
    assert scan_database(out / "public.db") == [] and scan_database(out / "authorized.db") == []


async def test_a_registered_subject_without_records_is_found_and_has_a_profile(sample_site):
    _, sheets, _, _, site = sample_site
    names = [str(r.get(ROLES[s["dataset"]]["name"]) or "") for s in sheets for r in s["rows"]]
    clean = [(r, fragment) for r in _registered_without_records(sheets)
             if r["统一社会信用代码"][1] == "1" and r["登记状态"] == "存续"
             and (fragment := _unique_fragment(r["主体名称"], names))]
    assert len(clean) >= 3
    for row, fragment in clean[:3]:
        uscc = row["统一社会信用代码"]
        found = (await site.client.get(f"/search.json?q={fragment}")).json()
        assert [r["uscc"] for r in found["results"]] == [uscc], fragment
        assert [r["uscc"] for r in (await site.client.get(f"/search.json?q={uscc}")).json()["results"]] == [uscc]
        profile = await site.client.get(f"/entity/{uscc}.json")
        assert profile.status_code == 200 and profile.json()["nothing_on_record"] is True


async def test_a_deregistered_subject_is_shown_as_such_and_a_sole_trader_under_a_name_is_no_entity(sample_site):
    _, sheets, _, _, site = sample_site
    rows_ = _registered_without_records(sheets)
    closed = next(r for r in rows_ if r["登记状态"] == "注销" and r["统一社会信用代码"][1] == "1")
    page = await site.client.get(f"/entity/{closed['统一社会信用代码']}")
    assert page.status_code == 200 and "注销" in page.text
    person = next(r for r in rows_ if r["主体名称"] == r["法定代表人"])
    assert (await site.client.get(f"/entity/{person['统一社会信用代码']}.json")).status_code == 404
    assert (await site.client.get(f"/search.json?q={person['主体名称']}")).json()["results"] == []


# --- The benchmark file ------------------------------------------------------------------------
def test_write_penalty_csv_writes_the_rows_asked_for(tmp_path):
    path = tmp_path / "big.csv"
    assert write_penalty_csv(path, 3000, seed=1, as_of=AS_OF, faulty_share=0.05) == 3000
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3000
    numbers = [r["行政处罚决定书文号"] for r in rows if "〔" in r["行政处罚决定书文号"]]
    assert len(numbers) > 0.95 * 3000 and len(set(numbers)) == len(numbers)
    assert list(rows[0]) == list(PENALTY_COLUMNS)
    invalid = [r for r in rows if r["行政相对人代码_1(统一社会信用代码)"]
               and not is_valid_uscc(r["行政相对人代码_1(统一社会信用代码)"])]
    assert 0 < len(invalid) < 0.05 * 3000
    lengths = sorted(len(r["违法事实"]) for r in rows)
    assert 150 <= lengths[len(lengths) // 2] <= 260
    assert sum(bool(re.search(r"1[3-9]\d[- ]?\d{4}[- ]?\d{4}|\d{17}[\dX]", r["违法事实"])) for r in rows) > 300
    dates = [parse_date(r["处罚决定日期"]) for r in rows]
    assert sum(d is not None and AS_OF - timedelta(days=4 * 365) <= d <= AS_OF for d in dates) >= 0.95 * 3000


def test_write_penalty_csv_is_deterministic_and_encodes(tmp_path):
    write_penalty_csv(tmp_path / "a.csv", 500, seed=2, as_of=AS_OF)
    write_penalty_csv(tmp_path / "b.csv", 500, seed=2, as_of=AS_OF)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    write_penalty_csv(tmp_path / "c.csv", 500, seed=2, as_of=AS_OF, encoding="gb18030")
    assert (tmp_path / "c.csv").read_bytes().decode("gb18030") == (tmp_path / "a.csv").read_bytes().decode("utf-8")
    assert write_penalty_csv(tmp_path / "empty.csv", 0, seed=2, as_of=AS_OF) == 0
