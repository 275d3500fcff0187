"""`release --build DIR`: real builds from raw files, released and read back with the tools a
journalist uses (Excel's reader openpyxl, plain sqlite3, pandas, pyarrow, sha256sum,
frictionless): BOM and Chinese headers, an all-digit USCC kept exactly, formula-like text
neutralised, windows applied as of the day after the build, CHANGES.md and deltas over two
builds, the refusal of a release holding an ID number, and clear errors for bad arguments."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from publish.build import build
from publish.clock import Clock
from publish.errors import PublishError
from publish.kinds import Column
from publish.release import default_releases_dir, make_release
from publish.release.formats import write_table
from publish.release.formats import xlsx as xlsx_format
from publish.release.formats.csv import CsvWriter, neutralised
from publish.release.formats.jsonl import JsonlWriter
from publish.release.formats.parquet import ParquetWriter
from publish.release.formats.sqlite import SqliteWriter
from publish.release.formats.xlsx import CELL_CHARACTERS, CUT_MARKER, XlsxWriter
from publish.release.safety import scan_table_files
from publish.release.tables import ReleaseTable
from publish.signing_keys import initialise
from tests import test_changes as two
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, id_number, penalty, uscc
from tests.factories import write_csv as write_raw_csv
from tests.site_data import HONGYUN, write_raw

ROOT = Path(__file__).resolve().parent.parent
CLOCK = Clock.on(AS_OF)
FORMULAS = {"=1+2": "景市监罚〔2026〕31号", "+86 报警": "景市监罚〔2026〕32号", "-5万元": "景市监罚〔2026〕33号",
            "@SUM(A1)": "景市监罚〔2026〕34号"}   # the build trims a leading TAB or CR: see the table below
ENDS_ON_THE_DAY = "景市监罚〔2026〕40号"     # public on AS_OF, not on AS_OF + 1: left out of the release


@dataclasses.dataclass
class Released:
    build: Path
    path: Path


@pytest.fixture(scope="module")
def released(tmp_path_factory, state_dir) -> Released:
    root = tmp_path_factory.mktemp("release")
    raw = root / "raw"
    write_raw(raw)
    extra = [penalty(**{"行政相对人代码_1(统一社会信用代码)": uscc(11)}, 行政相对人名称="景德镇市公式陶瓷有限公司",
                     行政处罚决定书文号=number, 违法事实=text) for text, number in FORMULAS.items()]
    extra.append(penalty(**{"行政相对人代码_1(统一社会信用代码)": uscc(12)}, 行政相对人名称="景德镇市今止陶瓷有限公司",
                         行政处罚决定书文号=ENDS_ON_THE_DAY, 公示截止期=AS_OF.isoformat()))
    write_raw_csv(raw / "extra" / "处罚2.csv", extra, PENALTY_HEADER)
    out = root / "out"
    build(raw, out, AS_OF, progress=False)
    release = make_release(out, None, state_dir, CLOCK)
    return Released(out, release.path)


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_the_release_is_named_by_the_build_id_beside_the_build(released):
    build_id = json.loads((released.build / ".publish-build").read_text())["build_id"]
    assert released.path == default_releases_dir(released.build) / build_id
    assert released.path.parent.name == "out.releases"
    assert not [p for p in released.path.parent.iterdir() if p.name.startswith(".")]


def test_every_public_table_is_released_in_every_format_and_nothing_else(released):
    names = {p.name for p in released.path.iterdir()}
    tables = ["registered_subjects", "penalties", "licences", "blacklist", "redlist", "commitments", "evaluations",
              "entities", "deliveries"]
    expected = {f"{t}.{ext}" for t in tables for ext in ("csv", "xlsx", "parquet", "jsonl")}
    assert names == expected | {"public.db", "datapackage.json", "index.json", "SHA256SUMS", "README.md", "CHANGES.md"}
    conn = sqlite3.connect(released.path / "public.db")
    found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    conn.close()
    assert found == set(tables)


def test_csv_has_a_bom_and_the_standards_chinese_headers(released):
    data = (released.path / "penalties.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")
    header = csv_rows(released.path / "penalties.csv")[0]
    assert header[:5] == ["记录编号", "来源数据格式", "行政相对人名称", "行政相对人类别", "统一社会信用代码"]
    assert "公示截止日（含当日）" in header and "公示截止期" in header
    assert not any(h.isascii() for h in header)


def test_an_all_digit_uscc_is_kept_exactly_in_csv_and_xlsx(released):
    assert HONGYUN.isdigit() and len(HONGYUN) == 18
    rows = csv_rows(released.path / "penalties.csv")
    column = rows[0].index("统一社会信用代码")
    assert HONGYUN in [r[column] for r in rows[1:]]
    sheet = openpyxl.load_workbook(released.path / "penalties.xlsx")["penalties"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("统一社会信用代码")] for row in sheet.iter_rows(min_row=2)]
    [cell] = [c for c in cells if c.value == HONGYUN]
    assert cell.data_type == "s"
    table = pq.read_table(released.path / "penalties.parquet")
    assert HONGYUN in table.column("uscc").to_pylist()


def test_formula_like_text_is_neutralised_in_csv_and_kept_as_text_in_xlsx(released):
    rows = csv_rows(released.path / "penalties.csv")
    facts, number = rows[0].index("违法事实"), rows[0].index("行政处罚决定书文号")
    in_csv = {r[number]: r[facts] for r in rows[1:]}
    sheet = openpyxl.load_workbook(released.path / "penalties.xlsx")["penalties"]
    header = [c.value for c in sheet[1]]
    in_xlsx = {row[header.index("行政处罚决定书文号")].value: row[header.index("违法事实")]
               for row in sheet.iter_rows(min_row=2)}
    jsonl = {r["decision_no"]: r["facts"] for r in map(json.loads, (released.path / "penalties.jsonl").open())}
    for text, decision in FORMULAS.items():
        assert in_csv[decision] == "'" + text
        cell = in_xlsx[decision]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
        assert jsonl[decision] == text
    assert in_csv["景市监罚〔2026〕21号"] == "该公司生产的日用陶瓷抽检不合格。"


@pytest.mark.parametrize(("value", "in_csv"), [
    ("=1+2", "'=1+2"), ("+86", "'+86"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\t制表", "'\t制表"),
    ("\r回车", "'\r回车"), ("罚款=5万元", "罚款=5万元"), ("", ""), (5, 5), (None, None), (-5.0, -5.0),
])
def test_csv_neutralises_exactly_the_owasp_formula_starts(value, in_csv):
    assert neutralised((value,)) == [in_csv]


def test_windows_apply_as_of_the_day_after_the_build_and_the_readme_says_so(released):
    build = sqlite3.connect(released.build / "public.db")
    assert build.execute("SELECT count(*) FROM penalties_records WHERE decision_no = ?",
                         (ENDS_ON_THE_DAY,)).fetchone()[0] == 1
    build.close()
    conn = sqlite3.connect(released.path / "public.db")
    numbers = {r[0] for r in conn.execute("SELECT decision_no FROM penalties")}
    ends = {r[0] for r in conn.execute("SELECT publicity_end FROM penalties WHERE publicity_end IS NOT NULL")}
    conn.close()
    assert ENDS_ON_THE_DAY not in numbers
    statuses = dict(sqlite3.connect(released.path / "public.db").execute(
        "SELECT licence_no, display_status FROM licences").fetchall())
    assert statuses == {"JY13602000001234": "有效", "SP3602000000001": "已过期"}   # as of the day after
    assert "景市监罚〔2025〕9号" in numbers          # public through 2026-11-30
    assert min(ends) > AS_OF.isoformat()
    readme = (released.path / "README.md").read_text(encoding="utf-8")
    assert "行政处罚 1 条" in readme
    assert "数据来源：景德镇市社会信用体系建设领导小组办公室，CC BY 4.0" in readme
    assert "被截断的单元格：0 个" in readme


def test_every_table_of_the_release_db_answers_select_star_in_sqlite3_and_pandas(released):
    conn = sqlite3.connect(released.path / "public.db")     # no function of ours registered
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            conn.execute(f"SELECT * FROM [{table}]").fetchall()
            frame = pd.read_sql(f"SELECT * FROM [{table}]", conn)
            assert list(frame.columns)
        assert len(pd.read_sql("SELECT * FROM penalties", conn)) == len(csv_rows(released.path / "penalties.csv")) - 1
    finally:
        conn.close()


def test_sha256sum_checks_every_file_and_index_json_lists_them(released):
    done = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=released.path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    index = json.loads((released.path / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == index["build_id"] == released.path.name
    created = dt.datetime.strptime(index["created"], "%Y-%m-%dT%H:%M:%S%z")
    assert CLOCK.start - dt.timedelta(seconds=1) <= created < CLOCK.start + dt.timedelta(hours=1)   # the clock's
    listed = {f["name"]: f for f in index["files"]}
    assert set(listed) == {p.name for p in released.path.iterdir()} - {"index.json", "SHA256SUMS"}
    assert listed["penalties.csv"]["size"] == (released.path / "penalties.csv").stat().st_size


def test_frictionless_validates_the_data_package(released):
    done = subprocess.run([str(Path(sys.executable).with_name("frictionless")), "validate", "--json",
                           "datapackage.json"], cwd=released.path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads(done.stdout)["valid"] is True
    package = json.loads((released.path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["as_of"] == AS_OF.isoformat() and package["licenses"][0]["title"] == "CC BY 4.0"
    [penalties] = [r for r in package["resources"] if r["name"] == "penalties"]
    fields = {f["english_name"]: f for f in penalties["schema"]["fields"]}
    assert fields["uscc"]["title"] == "统一社会信用代码" and fields["uscc"]["type"] == "string"
    assert fields["fine_wan"]["type"] == "number"
    assert penalties["schema"]["primaryKey"] == ["记录编号"]
    assert all(f["description"] for f in penalties["schema"]["fields"])


def test_a_release_of_the_same_build_is_not_overwritten(released, state_dir):
    before = (released.path / "index.json").read_bytes()
    with pytest.raises(PublishError) as caught:
        make_release(released.build, None, state_dir, CLOCK)
    assert caught.value.code == "release_exists"
    assert (released.path / "index.json").read_bytes() == before


def test_a_planted_id_number_refuses_the_release_and_leaves_nothing(released, state_dir, tmp_path):
    planted = tmp_path / "out.builds" / "planted"
    shutil.copytree(released.build.resolve(), planted)
    conn = sqlite3.connect(planted / "public.db")
    with conn:
        conn.execute("UPDATE commitments SET matter = matter || ?", (f"，联系人身份证 {id_number()}",))
    conn.close()
    releases = tmp_path / "releases"
    with pytest.raises(PublishError) as caught:
        make_release(planted, releases, state_dir, CLOCK)
    assert caught.value.code == "release_not_clean"
    assert "commitments" in caught.value.message and id_number() not in caught.value.message
    assert list(releases.iterdir()) == []


TINY = ReleaseTable(name="tiny", title="小表", description="", primary_key=("id",), source="tiny", keyed=False,
                    columns=(Column("id", "编号", "id", int), Column("text", "文本", "text", str)))


def test_every_format_is_scanned_not_only_the_database(tmp_path):
    rows = [[(1, "无"), (2, f"身份证号 {id_number()}")]]
    for writer, suffix in ((CsvWriter, "csv"), (JsonlWriter, "jsonl"), (ParquetWriter, "parquet"),
                           (XlsxWriter, "xlsx")):
        write_table(writer(tmp_path / f"tiny.{suffix}", TINY), rows)
    found = scan_table_files(tmp_path, TINY)
    assert sorted(f.table for f in found) == ["tiny.csv", "tiny.jsonl", "tiny.parquet", "tiny.xlsx"]
    assert {(f.column, f.rowid) for f in found} == {("text", 2)}


PLANTED = f"联系人身份证 {id_number()}"


def _planting(write):
    """A writer's write that puts an ID number into the first text cell after the first column
    of each batch's first row: in its format's file only, not in public.db."""
    def planted(self, batch):
        row = list(batch[0])
        at = next((i for i, v in enumerate(row) if i and isinstance(v, str)), None)
        if at is not None:
            row[at] = PLANTED
        write(self, [tuple(row), *batch[1:]])
    return planted


@pytest.mark.parametrize(("writer", "suffix"), [(CsvWriter, ".csv"), (JsonlWriter, ".jsonl"),
                                                (ParquetWriter, ".parquet"), (XlsxWriter, ".xlsx")])
def test_an_id_number_in_one_file_of_any_format_refuses_the_release(writer, suffix, released, state_dir, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(writer, "write", _planting(writer.write))
    releases = tmp_path / "releases"
    with pytest.raises(PublishError) as caught:
        make_release(released.build, releases, state_dir, CLOCK)
    assert caught.value.code == "release_not_clean"
    assert suffix in caught.value.message and id_number() not in caught.value.message
    assert "public.db:" not in caught.value.message   # (the database itself is clean)
    assert list(releases.iterdir()) == []


def _tiny_release(directory: Path, rows: list[list[tuple]]) -> Path:
    """TINY in every format and in a public.db, as a release writes them."""
    for writer, suffix in ((CsvWriter, "csv"), (JsonlWriter, "jsonl"), (ParquetWriter, "parquet"),
                           (XlsxWriter, "xlsx")):
        write_table(writer(directory / f"tiny.{suffix}", TINY), rows)
    write_table(SqliteWriter(directory / "public.db", TINY), rows)
    return directory / "public.db"


def test_rows_equal_to_the_scanned_database_are_not_searched_again_in_the_files(tmp_path):
    # The ID number is in public.db too: its scan reports it (once), the files add nothing.
    reference = _tiny_release(tmp_path, [[(1, "=1+2"), (2, f"身份证号 {id_number()}"), (3, None)]])
    assert scan_table_files(tmp_path, TINY, reference) == []
    assert len(scan_table_files(tmp_path, TINY)) == 4


def test_a_file_differing_from_the_database_is_searched_where_it_differs(tmp_path):
    reference = _tiny_release(tmp_path, [[(1, "无"), (2, "无")]])
    path = tmp_path / "tiny.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([lines[0] + f",{id_number()}", lines[1], f"2,身份证号 {id_number()}", "3,第三行",
                               f"4,{id_number(serial=124)}"]) + "\n", encoding="utf-8-sig")
    jsonl = tmp_path / "tiny.jsonl"
    jsonl.write_text(jsonl.read_text(encoding="utf-8") + json.dumps({"id": 3, id_number(): "无"}) + "\n",
                     encoding="utf-8")
    found = scan_table_files(tmp_path, TINY, reference)
    assert sorted((f.table, f.column, f.rowid) for f in found) == [
        ("tiny.csv", "header", 1), ("tiny.csv", "text", 2), ("tiny.csv", "text", 4), ("tiny.jsonl", "", 3)]


def test_xlsx_splits_long_tables_into_numbered_sheets_and_cuts_long_cells_visibly(tmp_path):
    long_text = "长" * (CELL_CHARACTERS + 10)
    rows = [[(n, long_text if n == 4 else f"第{n}行") for n in range(1, 4)], [(4, long_text), (5, "第5行")]]
    written = write_table(XlsxWriter(tmp_path / "tiny.xlsx", TINY, sheet_rows=2), rows)
    assert (written.sheets, written.cut_cells) == (3, 1)
    book = openpyxl.load_workbook(tmp_path / "tiny.xlsx")
    assert book.sheetnames == ["tiny_1", "tiny_2", "tiny_3"]
    values = [[c.value for c in row] for ws in book.worksheets for row in ws.iter_rows()]
    assert values.count(["编号", "文本"]) == 3
    [cut] = [v[1] for v in values if v[0] == 4]
    assert len(cut) == CELL_CHARACTERS and cut.endswith(CUT_MARKER)
    assert [v[0] for v in values if v[0] != "编号"] == [1, 2, 3, 4, 5]


SPECIAL = ["a & b <c> \"d\"", "_x0041_ stays", "  leading and trailing  ", "行一\n行二\r行三", "控制\x01字符",
           "=1+2", "\t制表", "000123", "91360200MA35XXXX0X"]


def test_xlsx_cells_read_back_exactly_in_openpyxl_and_calamine(tmp_path):
    from python_calamine import CalamineWorkbook

    table = dataclasses.replace(TINY, columns=(*TINY.columns, Column("amount", "金额", "amount", float)))
    rows = [(n, text, n * 1.5) for n, text in enumerate(SPECIAL, start=1)]
    rows += [(len(rows) + 1, None, None), (2**40, "", -0.25)]
    write_table(XlsxWriter(tmp_path / "tiny.xlsx", table), [rows])
    expected = [text.replace("\x01", "\ufffd") for text in SPECIAL]
    sheet = openpyxl.load_workbook(tmp_path / "tiny.xlsx")["tiny"]
    cells = list(sheet.iter_rows(min_row=2))
    # (openpyxl leaves SpreadsheetML's escape of an underscore, _x005F_, as it stands; Excel and calamine read it)
    assert [c[1].value for c in cells[:len(SPECIAL)]] == [t.replace("_x0041_", "_x005F_x0041_") for t in expected]
    assert all(c[1].data_type == "s" for c in cells[:len(SPECIAL)])
    assert [c[1].quotePrefix for c in cells[:len(SPECIAL)]] == [t.startswith(("=", "\t")) for t in SPECIAL]
    assert [c[0].value for c in cells] == [r[0] for r in rows]
    assert [c[2].value for c in cells] == [r[2] for r in rows]
    [read] = [list(CalamineWorkbook.from_path(str(tmp_path / "tiny.xlsx")).get_sheet_by_name("tiny").iter_rows())]
    assert read[0] == ["编号", "文本", "金额"]
    assert [r[1] for r in read[1:len(SPECIAL) + 1]] == expected
    assert read[-1] == [2**40, "", -0.25]


def test_xlsx_continues_on_the_next_sheet_before_a_zip_entry_needs_zip64(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_format, "SHEET_BYTES", 2000)
    rows = [[(n, "长" * 100) for n in range(1, 21)]]
    written = write_table(XlsxWriter(tmp_path / "tiny.xlsx", TINY), rows)
    assert written.sheets > 2
    book = openpyxl.load_workbook(tmp_path / "tiny.xlsx")
    assert book.sheetnames == [f"tiny_{n}" for n in range(1, written.sheets + 1)]
    ids = [row[0] for ws in book.worksheets for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == list(range(1, 21))
    assert all(not info.extra for info in zipfile.ZipFile(tmp_path / "tiny.xlsx").infolist())   # (no Zip64 field)


# --- two builds in a row: CHANGES.md and the delta ------------------------------------------

ENDS_ON_SECOND_DAY = 9


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    root = tmp_path_factory.mktemp("two")
    state = root / "state"
    initialise(state, two.CLOCK)
    out = root / "out"
    ending = penalty(**two.subject(ENDS_ON_SECOND_DAY), 公示截止期=two.AS_OF.isoformat())
    build(two.raw(root / "raw1", [*two.FIRST, ending]), out, two.FIRST_AS_OF, state_dir=state, progress=False)
    first = make_release(out, None, state, Clock.on(two.FIRST_AS_OF))
    keys = two.keys_of(out.resolve())
    build(two.raw(root / "raw2", [*two.SECOND, ending], two.REPAIRS, two.OBJECTIONS), out, two.AS_OF,
          state_dir=state, progress=False)
    second = make_release(out, None, state, two.CLOCK)
    keys.update(two.keys_of(out.resolve()))
    return first, second, keys


def test_changes_and_the_delta_between_two_releases(two_releases):
    first, second, k = two_releases
    assert second.previous == first.build_id
    delta = second.path / "deltas" / f"{first.build_id}__{second.build_id}.jsonl"
    lines = [json.loads(line) for line in delta.read_text(encoding="utf-8").splitlines()]
    assert all(set(line) == {"op", "table", "key"} for line in lines)
    assert {(line["op"], line["key"]) for line in lines} == {
        ("added", k[two.NEW]), ("added", k[two.ENDS_SOON]),
        ("withdrawn", k[two.REPAIRED]), ("withdrawn", k[two.ENDED]), ("withdrawn", k[two.REVOKED]),
        ("withdrawn", k[ENDS_ON_SECOND_DAY]),            # in the second build, not in its release
        ("changed", k[two.CORRECTED]),
    }
    changes = (second.path / "CHANGES.md").read_text(encoding="utf-8")
    assert "| penalties | 行政处罚 | 2 | 4 | 1 |" in changes
    assert "修复" not in delta.read_text(encoding="utf-8")
    first_changes = (first.path / "CHANGES.md").read_text(encoding="utf-8")
    assert "第一个发布" in first_changes and not (first.path / "deltas").exists()
    done = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=second.path, capture_output=True)
    assert done.returncode == 0


# --- the command line ---------------------------------------------------------------------

def run(*args: str, state: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBLISH_STATE": str(state), "PUBLISH_NOW": "2026-11-25T20:00:00+08:00"}
    return subprocess.run([sys.executable, "-m", "publish", "release", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize(("args", "code"), [
    (["--build", "{tmp}/no-such-build"], "build_missing"),
    (["--build", "{tmp}"], "not_a_build"),
    (["--build", "{build}", "--out", "{state}/releases"], "out_inside_state"),
    (["--build", "{build}", "--out", "{build}/releases"], "out_inside_build"),
    (["--build", "{build}", "--out", "{build}.builds/releases"], "out_inside_builds"),
    ([], "bad_argument"),
])
def test_bad_arguments_are_clear_errors(args, code, released, state_dir, tmp_path):
    values = {"tmp": str(tmp_path), "build": str(released.build), "state": str(state_dir)}
    done = run(*[a.format(**values) for a in args], state=state_dir)
    assert done.returncode == 2
    assert f"[{code}]" in done.stderr and "Traceback" not in done.stderr
    assert not (state_dir / "releases").exists() and not (released.build / "releases").exists()
    assert not Path(f"{released.build}.builds/releases").exists()


def test_a_version_named_directly_releases_beside_its_build_dir(released):
    version = released.build.resolve()
    assert version.parent.name == "out.builds"
    assert default_releases_dir(version) == default_releases_dir(released.build) == released.path.parent


def test_the_command_writes_a_release(released, state_dir, tmp_path):
    done = run("--build", str(released.build), "--out", str(tmp_path / "r"), state=state_dir)
    assert done.returncode == 0, done.stderr
    assert "MB/s" in done.stdout
    [made] = list((tmp_path / "r").iterdir())
    assert made.name == released.path.name
