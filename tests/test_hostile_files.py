"""Hostile files are one file's problem: each build below holds a good file beside a hostile
one, runs as `python -m publish build` in a child process, and must finish, publish the
good file, name the hostile one in the report, count every record it holds (or list it
under `files_failed` when its records cannot be counted at all) and stay under 1 GiB."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, penalty, write_csv, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30

# --- a small XLSX writer of our own: every part as we choose to break it ----------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheets><sheet name="处罚" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
}
_XML = '<?xml version="1.0" encoding="UTF-8"?>'


def _column(index: int) -> str:
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def sheet_parts(table: list[list[str]]) -> tuple[str, str]:
    """(sheet XML, shared strings XML) of a table, every text in the shared strings as Excel writes them."""
    strings: dict[str, int] = {}
    body = []
    for r, cells in enumerate(table, start=1):
        refs = "".join(f'<c r="{_column(c)}{r}" t="s"><v>{strings.setdefault(v, len(strings))}</v></c>'
                       for c, v in enumerate(cells) if v not in (None, ""))
        body.append(f'<row r="{r}">{refs}</row>')
    sheet = f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>{"".join(body)}</sheetData></worksheet>'
    sst = (f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    return sheet, sst


def write_workbook(path: Path, sheet: str, sst: str | None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if sst is not None:
            archive.writestr("xl/sharedStrings.xml", sst)
    return path


def penalty_table(n: int, prefix: str = "H") -> list[list[str]]:
    return [PENALTY_HEADER] + [[penalty(行政处罚决定书文号=f"景市监罚〔2026〕{prefix}{i}号")[h] for h in PENALTY_HEADER]
                               for i in range(n)]


def laughs(levels: int = 9) -> tuple[str, str]:
    """A DOCTYPE whose entity &lol{levels}; expands to 10^levels copies of "lol"."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1))
    return f"<!DOCTYPE lolz [{entities}]>", f"&lol{levels};"


def shared_strings_bomb(path: Path, expanded: int, declared: int | None = None) -> Path:
    """A workbook of about 1 MB whose one shared string expands to `expanded` bytes; with
    `declared`, the zip directory claims that size instead (a lying directory)."""
    sheet = (f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'{_XML}<sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>'.encode())
            block = b"x" * (1 << 20)
            for _ in range(expanded >> 20):
                part.write(block)
            part.write(b"</t></si></sst>")
    if declared is not None:
        _declare_size(path, "xl/sharedStrings.xml", declared)
    return path


def _declare_size(path: Path, name: str, size: int) -> None:
    """Rewrites the uncompressed size of one part in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, name_length_at, size_at, header in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        at = data.find(signature)
        while at != -1:
            length = int.from_bytes(data[at + name_length_at:at + name_length_at + 2], "little")
            if data[at + header:at + header + length] == encoded:
                data[at + size_at:at + size_at + 4] = size.to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


# --- the build in a child process ---------------------------------------------------------------

_MEASURE = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:]).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
            "sys.exit(code)\n")


def build_in_child(raw: Path, out: Path) -> tuple[dict, int]:
    """(build report, peak RSS in bytes of the build's largest process, its workers and
    spreadsheet readers included): a wrapper process runs the build and reads its children's
    peak once they have exited."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "publish", "build",
               "--input", str(raw), "--out", str(out), "--as-of", AS_OF.isoformat()]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    peak = int(result.stdout.strip().splitlines()[-1])
    return json.loads((out / "build-report.json").read_text(encoding="utf-8")), peak


def hostile_build(tmp_path: Path, write_hostile) -> tuple[Path, dict]:
    """Builds a good CSV beside the file `write_hostile(raw)` writes; checks what every
    hostile build must show and returns (out dir, report)."""
    raw = tmp_path / "raw"
    write_csv(raw / "good.csv", [penalty(行政处罚决定书文号="景市监罚〔2026〕良1号")], PENALTY_HEADER)
    write_hostile(raw)
    out = tmp_path / "out"
    report, peak = build_in_child(raw, out)
    assert peak < GIB, f"peak RSS {peak / (1 << 20):.0f} MiB"
    assert report["balanced"]
    assert report["files"]["good.csv"]["published"]["public"] == 1
    published = {r["decision_no"] for r in rows(out / "public.db", "SELECT decision_no FROM penalties")}
    assert "景市监罚〔2026〕良1号" in published
    for level in ("datasets", "files", "departments"):
        for block in report[level].values():
            assert block["read"] == sum(block["totals"].values())
    return out, report


def failed_files(report: dict) -> dict[str, str]:
    assert report["files_failed"]["count"] == len(report["files_failed"]["items"])
    return {item["file"]: item["code"] for item in report["files_failed"]["items"]}


def named(report: dict, file: str) -> bool:
    return any(s["file"] == file or s["file"].startswith(file + "#") for s in report["sources"])


# --- workbooks -----------------------------------------------------------------------------------

def test_a_sheet_with_mismatched_tags_is_read_as_far_as_it_holds(tmp_path):
    def write(raw):
        sheet, sst = sheet_parts(penalty_table(3))
        write_workbook(raw / "tags.xlsx", sheet.replace("</row>", "</rw>", 1), sst)

    _, report = hostile_build(tmp_path, write)
    assert report["files"]["tags.xlsx#处罚"]["read"] == 3


@pytest.mark.parametrize("breakage", [
    pytest.param(lambda sheet: sheet[:sheet.index('<row r="3"') + 30], id="truncated"),
    pytest.param(lambda sheet: "<<<这不是 XML", id="not-xml"),
    pytest.param(lambda sheet: sheet.replace("<v>1</v>", "<v>99999</v>", 1), id="missing-shared-string"),
])
def test_malformed_sheet_xml_is_a_failed_file(tmp_path, breakage):
    def write(raw):
        sheet, sst = sheet_parts(penalty_table(3))
        write_workbook(raw / "broken.xlsx", breakage(sheet), sst)

    _, report = hostile_build(tmp_path, write)
    assert failed_files(report) == {"broken.xlsx#处罚": "unreadable_xlsx"}


@pytest.mark.parametrize("where", ["shared_strings", "sheet"])
def test_an_entity_bomb_is_never_expanded(tmp_path, where):
    doctype, entity = laughs()

    def write(raw):
        sheet, sst = sheet_parts(penalty_table(2))
        if where == "shared_strings":
            sst = sst.replace(_XML, _XML + doctype).replace("<t>行政相对人名称</t>", f"<t>{entity}</t>")
        else:
            sheet = sheet.replace(_XML, _XML + doctype).replace(
                '<c r="A2" t="s"><v>', f'<c r="B9" t="inlineStr"><is><t>{entity}</t></is></c><c r="A2" t="s"><v>')
        write_workbook(raw / "laughs.xlsx", sheet, sst)

    _, report = hostile_build(tmp_path, write)
    failed = failed_files(report)
    assert list(failed.values()) == ["unreadable_xlsx"]
    assert list(failed)[0].startswith("laughs.xlsx")


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """An honest and a lying shared-strings bomb: about 1 MB each, 1.1 GB expanded."""
    folder = tmp_path_factory.mktemp("bombs")
    honest = shared_strings_bomb(folder / "honest.xlsx", 1100 << 20)
    liar = folder / "liar.xlsx"
    liar.write_bytes(honest.read_bytes())
    _declare_size(liar, "xl/sharedStrings.xml", 1000)
    return honest, liar


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory(tmp_path, bombs):
    honest, _ = bombs
    assert honest.stat().st_size < 1_200_000
    with zipfile.ZipFile(honest) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > GIB

    _, report = hostile_build(tmp_path, lambda raw: (raw / "bomb.xlsx").write_bytes(honest.read_bytes()))
    assert failed_files(report) == {"bomb.xlsx": "xlsx_too_large"}
    [source] = [s for s in report["sources"] if s["file"] == "bomb.xlsx"]
    assert "sharedStrings.xml" in source["message"] and "64 MiB" in source["message"]


def test_a_zip_directory_that_lies_about_a_size_is_a_read_error(tmp_path, bombs):
    _, liar = bombs
    _, report = hostile_build(tmp_path, lambda raw: (raw / "liar.xlsx").write_bytes(liar.read_bytes()))
    assert failed_files(report) == {"liar.xlsx": "unreadable_xlsx"}


def test_a_sheet_asking_for_a_grid_of_billions_of_cells_is_a_failed_file(tmp_path):
    """Two cells, A1 and XFD1048576: the reader would allocate the grid between them; it
    runs in a child process under a memory limit, so only that child dies."""
    def write(raw):
        sheet = (f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                 '<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row></sheetData></worksheet>')
        write_workbook(raw / "sparse.xlsx", sheet, f'{_XML}<sst xmlns="{_MAIN}"><si><t>x</t></si></sst>')

    _, report = hostile_build(tmp_path, write)
    assert failed_files(report) == {"sparse.xlsx#处罚": "unreadable_xlsx"}


def test_an_over_long_cell_in_a_workbook_quarantines_its_row(tmp_path):
    def write(raw):
        table = penalty_table(3)
        table[2][PENALTY_HEADER.index("违法事实")] = "超" * 40_000
        write_workbook(raw / "long.xlsx", *sheet_parts(table))

    out, report = hostile_build(tmp_path, write)
    block = report["files"]["long.xlsx#处罚"]
    assert block["read"] == 3 and block["quarantined"] == {"oversized_field": 1}


# --- JSON Lines ------------------------------------------------------------------------------------

def test_deep_and_huge_json_lines_are_quarantined_rows(tmp_path):
    def write(raw):
        path = write_jsonl(raw / "feed.jsonl", [penalty(行政处罚决定书文号=f"J{i}") for i in range(3)])
        with open(path, "a", encoding="utf-8") as fh:
            fh.write('{"违法事实": ' + "[" * 100_000 + "]" * 100_000 + "}\n")   # nesting 100,000 deep
            fh.write('{"罚款金额（万元）": ' + "7" * 5000 + "}\n")               # past Python's int digit limit
            fh.write('["不是对象"]\n')
            fh.write('"也不是对象"\n')
            fh.write('{"违法事实": "' + "长" * ((17 << 20) // 3) + '"}\n')        # past the 16 MiB line cap

    _, report = hostile_build(tmp_path, write)
    block = report["files"]["feed.jsonl"]
    assert block["read"] == 8
    assert block["published"]["public"] == 3 and block["quarantined"] == {"malformed_json": 5}


# --- JSON (arrays and API answers) -----------------------------------------------------------------

def _elements(*decisions: str) -> list[str]:
    return [json.dumps(penalty(行政处罚决定书文号=d), ensure_ascii=False) for d in decisions]


def test_a_json_array_too_large_to_load_is_read_element_by_element(tmp_path):
    """A 700 MB array (json.load would need well over 1 GiB for it) whose third element is
    one 700 MB value: the element is read past unheld and quarantined, the rest published."""
    def write(raw):
        first, second, last = _elements("景市监罚〔2026〕A1号", "景市监罚〔2026〕A2号", "景市监罚〔2026〕A4号")
        with open(raw / "huge.json", "w", encoding="utf-8") as fh:
            fh.write(f'[{first},\n{second},\n{{"违法事实": "')
            block = "长" * (1 << 20)   # 3 MiB a block in UTF-8
            for _ in range(700 // 3):
                fh.write(block)
            fh.write(f'"}},\n{last}]')

    _, report = hostile_build(tmp_path, write)
    assert (tmp_path / "raw" / "huge.json").stat().st_size > 700_000_000
    block = report["files"]["huge.json"]
    assert block["read"] == 4
    assert block["published"]["public"] == 3 and block["quarantined"] == {"malformed_json": 1}


def test_a_value_beside_the_records_is_read_past_unheld(tmp_path):
    def write(raw):
        records = ",".join(_elements("景市监罚〔2026〕M1号", "景市监罚〔2026〕M2号"))
        with open(raw / "answer.json", "w", encoding="utf-8") as fh:
            fh.write('{"code": 200, "msg": "')
            for _ in range(300):
                fh.write("x" * (1 << 20))
            fh.write(f'", "total": 2, "rows": [{records}]}}')

    _, report = hostile_build(tmp_path, write)
    assert report["files"]["answer.json"]["published"]["public"] == 2


def test_deep_nesting_and_huge_numbers_inside_an_array_are_quarantined_records(tmp_path):
    def write(raw):
        good = _elements(*(f"景市监罚〔2026〕D{i}号" for i in range(3)))
        deep = '{"违法事实": ' + "[" * 100_000 + "]" * 100_000 + "}"
        past_cap = '{"备注": ' + '{"层": ' * 40 + "1" + "}" * 40 + "}"      # parses, but 40 levels > 32
        broken = '{"违法事实": "多了一个逗号",, "备注": ""}'
        elements = [good[0], deep, good[1], '{"罚款金额（万元）": ' + "7" * 5000 + "}", past_cap, broken, "[]", good[2]]
        (raw / "deep.json").write_text("[" + ",".join(elements) + "]", encoding="utf-8")

    _, report = hostile_build(tmp_path, write)
    block = report["files"]["deep.json"]
    assert block["read"] == 8
    assert block["published"]["public"] == 3 and block["quarantined"] == {"malformed_json": 5}


@pytest.mark.parametrize("answer, code", [
    ('{"total": 3, "rows": "查询成功"}', "json_rows_not_a_list"),
    ('{"total": 3, "rows": {"行政相对人名称": "景德镇市昌南陶瓷有限公司"}}', "json_no_rows"),
    ('{"code": 0, "data": {"data": {"data": {"list": []}}}}', "json_rows_not_a_list"),
    ('{"total": 3, "rows": [' + "[" * 200_000, "json_truncated"),
    ("[" * 1_000_000, "json_truncated"),
])
def test_an_answer_whose_records_are_not_a_list_is_a_failed_file(tmp_path, answer, code):
    _, report = hostile_build(tmp_path, lambda raw: (raw / "answer.json").write_text(answer, encoding="utf-8"))
    assert failed_files(report) == {"answer.json": code}


def test_a_json_array_cut_short_counts_its_records_and_names_the_file(tmp_path):
    def write(raw):
        text = "[" + ",".join(_elements(*(f"景市监罚〔2026〕C{i}号" for i in range(3)))) + "]"
        (raw / "cut.json").write_text(text[: text.index("C2号")], encoding="utf-8")

    _, report = hostile_build(tmp_path, write)
    assert report["files"]["cut.json"]["read"] == 2
    assert failed_files(report) == {"cut.json": "json_truncated"}


# --- XLS ---------------------------------------------------------------------------------------------

def _xls(path: Path, n: int) -> Path:
    from tests.test_containers import write_xls

    return write_xls(path, {"处罚": penalty_table(n, "X")})


def test_a_truncated_xls_is_a_failed_file(tmp_path):
    def write(raw):
        data = _xls(raw / "whole.xls", 200).read_bytes()
        (raw / "whole.xls").unlink()
        (raw / "cut.xls").write_bytes(data[: len(data) // 2])

    _, report = hostile_build(tmp_path, write)
    assert failed_files(report) == {"cut.xls": "unreadable_xls"}


@pytest.mark.parametrize("content, code", [
    ('<html><head><meta charset="utf-8"></head><body><table><tr><td>行政相对人名称</td></tr></table></body></html>',
     "xls_is_html"),
    ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', "xls_is_xml"),
])
def test_an_xls_that_is_really_html_or_xml_is_its_own_failure(tmp_path, content, code):
    _, report = hostile_build(tmp_path, lambda raw: (raw / "export.xls").write_text(content, encoding="utf-8"))
    assert failed_files(report) == {"export.xls": code}


def test_an_xls_over_the_size_cap_is_refused_unread(tmp_path):
    from publish.settings import XLS_MAX_BYTES

    def write(raw):
        with open(raw / "big.xls", "wb") as fh:
            fh.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
            fh.truncate(XLS_MAX_BYTES + 1)

    _, report = hostile_build(tmp_path, write)
    assert failed_files(report) == {"big.xls": "xls_too_large"}


def test_an_xls_whose_compound_file_lies_kills_only_its_reader(tmp_path):
    """Sector numbers rewritten at random past the header: whatever calamine makes of it,
    the file fails alone."""
    def write(raw):
        data = bytearray(_xls(raw / "x.xls", 50).read_bytes())
        (raw / "x.xls").unlink()
        for at in range(76, 512, 4):         # the header's DIFAT: the FAT sectors' numbers
            data[at:at + 4] = (0x7FFFFF00 + at).to_bytes(4, "little")
        (raw / "lies.xls").write_bytes(bytes(data))

    _, report = hostile_build(tmp_path, write)
    assert list(failed_files(report)) == ["lies.xls"]


# --- CSV ---------------------------------------------------------------------------------------------

def test_an_encoding_switch_in_the_middle_of_a_csv_loses_no_row(tmp_path):
    """1,162 rows in UTF-8, then 60 in GBK: the 60 are quarantined, not gone."""
    def write(raw):
        path = write_csv(raw / "switch.csv", [penalty(行政处罚决定书文号=f"U{i}") for i in range(1162)], PENALTY_HEADER)
        with open(path, "a", encoding="gbk", newline="") as fh:
            for i in range(60):
                fh.write(",".join(penalty(行政处罚决定书文号=f"G{i}")[h] for h in PENALTY_HEADER) + "\r\n")

    out, report = hostile_build(tmp_path, write)
    block = report["files"]["switch.csv"]
    assert block["read"] == 1222
    assert block["published"]["public"] == 1162 and block["quarantined"] == {"undecodable_row": 60}


def test_a_field_over_csv_s_own_limit_costs_only_its_row(tmp_path):
    def write(raw):
        records = [penalty(行政处罚决定书文号=f"景市监罚〔2026〕L{i}号") for i in range(5)]
        records[1]["违法事实"] = "长" * 200_000      # csv's default field_size_limit is 131,072
        write_csv(raw / "long.csv", records, PENALTY_HEADER)

    _, report = hostile_build(tmp_path, write)
    block = report["files"]["long.csv"]
    assert block["read"] == 5 and block["published"]["public"] == 4
    assert block["quarantined"] == {"oversized_field": 1}


@pytest.mark.parametrize("container", ["csv", "jsonl", "xlsx", "xls", "json"])
def test_nul_and_control_characters_never_reach_a_database(tmp_path, container):
    dirty = "该公司\x00生产的\x07日用陶瓷\x1b抽检不合格。\t第二句\x85。"
    record = penalty(行政处罚决定书文号="景市监罚〔2026〕N1号", 违法事实=dirty)

    def write(raw):
        if container == "csv":
            write_csv(raw / "dirty.csv", [record], PENALTY_HEADER)
        elif container == "jsonl":
            write_jsonl(raw / "dirty.jsonl", [record])
        elif container == "json":
            (raw / "dirty.json").write_text(json.dumps({"total": 1, "rows": [record]}, ensure_ascii=False),
                                            encoding="utf-8")
        elif container == "xls":
            from tests.test_containers import write_xls

            write_xls(raw / "dirty.xls", {"处罚": [PENALTY_HEADER, [record[h] for h in PENALTY_HEADER]]})
        else:
            write_workbook(raw / "dirty.xlsx", *sheet_parts([PENALTY_HEADER, [record[h] for h in PENALTY_HEADER]]))

    out, report = hostile_build(tmp_path, write)
    [shown] = rows(out / "public.db", "SELECT facts FROM penalties WHERE decision_no = '景市监罚〔2026〕N1号'")
    assert shown["facts"] == "该公司生产的日用陶瓷抽检不合格。\t第二句。"
    assert named(report, f"dirty.{container}")
