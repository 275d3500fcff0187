"""scan: the independent second line of defence, over texts and whole SQLite files."""
import sqlite3

import pytest
import sqlite_utils

from redaction.checkdigits import is_valid_uscc
from redaction.scan import Finding, find_in_text, is_uscc_column, scan_database
from redaction.synth import make_card, make_id15, make_id18, make_uscc

ID = make_id18("360203", "19900101", "123")
USCC = make_uscc("91360203MA35ABCD1")
USCC_AND_ID = next(
    make_id18("913602", "19900101", f"{n:03d}")
    for n in range(1000)
    if is_valid_uscc(make_id18("913602", "19900101", f"{n:03d}"))
)
CARD = make_card("622202", 19)


def _kinds(text):
    return [(text[a:b], kind) for a, b, kind in find_in_text(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"号{ID}。", [(ID, "id_number")]),
        (f"号{ID[:6]} {ID[6:14]} {ID[14:]}", [(f"{ID[:6]} {ID[6:14]} {ID[14:]}", "id_number")]),
        (f"号{make_id15()}", [(make_id15(), "id_number")]),
        ("号11000019860102000 X，", [("11000019860102000 X", "id_number")]),
        ("电话138-1234-5678", [("138-1234-5678", "phone")]),
        ("电话＋８６　１３８１２３４５６７８", [("１３８１２３４５６７８", "phone")]),
        ("13812345678 13912345678", [("13812345678", "phone"), ("13912345678", "phone")]),
        (f"卡{CARD}", [(CARD, "bank_card")]),
        ("a@b.cn", [("a@b.cn", "email")]),
        (f"统一社会信用代码：{USCC_AND_ID}", []),
        (f"编号{USCC_AND_ID}", [(USCC_AND_ID, "id_number")]),
        ("JY13602010012345", []),
        ("JY13812345678", []),
        ("景市监罚〔2024〕123号 2024-03-05 12345.67", []),
        ("12345678901234567890", []),
        ("", []),
    ],
)
def test_find_in_text(text, expected):
    assert _kinds(text) == expected


@pytest.mark.parametrize("name, uscc", [("uscc", True), ("authority_uscc", True), ("统一社会信用代码", True),
                                        ("处罚机关统一社会信用代码", True), ("纳税人识别号", True), ("name", False)])
def test_is_uscc_column(name, uscc):
    assert is_uscc_column(name) is uscc


def _clean_db(path):
    db = sqlite_utils.Database(path)
    db["penalties"].insert_all(
        [
            {"id": 1, "subject_name": "某某有限公司", "uscc": USCC_AND_ID, "decision_no": "景市监罚〔2024〕123号",
             "facts": "当事人张*电话138****5678", "fine": 1.5},
            {"id": 2, "subject_name": "张*", "uscc": None, "decision_no": "赣环罚字[2025]0012号",
             "facts": "统一社会信用代码：" + USCC_AND_ID, "fine": None},
        ],
        pk="id",
    )
    db["penalties"].enable_fts(["subject_name", "facts"], tokenize="trigram")
    return db


def test_clean_database_has_no_findings(tmp_path):
    path = tmp_path / "public.db"
    _clean_db(path)
    assert scan_database(path) == []


def test_planted_id_in_fts_content_is_found(tmp_path):
    path = tmp_path / "public.db"
    db = _clean_db(path)
    # A standalone FTS5 table keeps its own copy of the text in a shadow table.
    db.execute("CREATE VIRTUAL TABLE notes_fts USING fts5(body, tokenize='trigram')")
    db.execute("INSERT INTO notes_fts(body) VALUES (?)", [f"备注：身份证{ID}"])
    db.conn.commit()
    findings = scan_database(path)
    tables = {f.table for f in findings}
    assert "notes_fts_content" in tables and "notes_fts" in tables
    assert {f.kind for f in findings} == {"id_number"}
    assert all(ID not in f.excerpt for f in findings)


def test_planted_values_are_reported_with_table_column_and_rowid(tmp_path):
    path = tmp_path / "public.db"
    db = _clean_db(path)
    db["penalties"].insert(
        {"id": 3, "subject_name": "某公司", "decision_no": ID, "facts": "电话13912345678", "fine": 13812345678}
    )
    findings = scan_database(path)
    assert sorted((f.table, f.column, f.rowid, f.kind) for f in findings if f.table == "penalties") == [
        ("penalties", "decision_no", 3, "id_number"),
        ("penalties", "facts", 3, "phone"),
        ("penalties", "fine", 3, "phone"),
    ]
    # The external-content FTS index reads the same rows.
    assert any(f.table == "penalties_fts" for f in findings)


def test_uscc_column_exemption_only_for_valid_uscc(tmp_path):
    path = tmp_path / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (uscc TEXT, other TEXT)")
    con.execute("INSERT INTO t VALUES (?, ?)", (USCC_AND_ID, USCC_AND_ID))
    con.execute("INSERT INTO t VALUES (?, ?)", (ID if not is_valid_uscc(ID) else ID, None))
    con.commit()
    con.close()
    findings = scan_database(path)
    assert sorted((f.column, f.rowid) for f in findings) == [("other", 1), ("uscc", 2)]


def test_fts4_content_columns_are_mapped_back(tmp_path):
    path = tmp_path / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE docs USING fts4(uscc, body)")
    con.execute("INSERT INTO docs VALUES (?, ?)", (USCC_AND_ID, "无"))
    con.commit()
    con.close()
    assert scan_database(path) == []


def test_without_rowid_table_and_blob(tmp_path):
    path = tmp_path / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE w (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID")
    con.execute("INSERT INTO w VALUES (?, ?)", ("a", f"x{ID}".encode()))
    con.commit()
    con.close()
    assert [(f.table, f.column, f.rowid, f.kind) for f in scan_database(path)] == [("w", "v", None, "id_number")]


def test_database_is_opened_read_only(tmp_path):
    path = tmp_path / "x.db"
    _clean_db(path)
    before = path.read_bytes()
    scan_database(path)
    assert path.read_bytes() == before


def test_finding_is_a_plain_record():
    f = Finding("t", "c", 1, "phone", "138****5678")
    assert f.kind == "phone"


def test_fts_index_data_still_reports_an_id(tmp_path):
    path = tmp_path / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE docs USING fts4(body)")
    con.execute("INSERT INTO docs VALUES (?)", (f"证号 {ID} 无",))
    con.commit()
    con.close()
    assert {f.table for f in scan_database(path)} == {"docs", "docs_content", "docs_segdir"}
