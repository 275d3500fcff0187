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


# --- Number writings (issue 13): one row per writing the detectors mask ---------------------
_CN = str.maketrans("0123456789", "〇一二三四五六七八九")
_SPOKEN = str.maketrans("0123456789", "零幺二三四五六七八九")
CARD16 = make_card("622202", 16)
ID_X = next(n for n in (make_id18("360203", "19800101", f"{k:03d}") for k in range(1000)) if n.endswith("X"))
TRAFFIC = "4420001234567891"  # Luhn-valid, with a Visa-like 4: a traffic decision's number

# (writing, text, the number as found, kind)
SCAN_WRITINGS = [
    ("id_dots", f"号{ID[:6]}.{ID[6:14]}.{ID[14:]}。", f"{ID[:6]}.{ID[6:14]}.{ID[14:]}", "id_number"),
    ("id_fullwidth_dots", f"号{ID[:6]}．{ID[6:14]}．{ID[14:]}", f"{ID[:6]}．{ID[6:14]}．{ID[14:]}", "id_number"),
    ("id_middle_dots", f"号{ID[:6]}·{ID[6:14]}·{ID[14:]}", f"{ID[:6]}·{ID[6:14]}·{ID[14:]}", "id_number"),
    ("id_line_break", f"号{ID[:10]}\n{ID[10:]}。", f"{ID[:10]}\n{ID[10:]}", "id_number"),
    ("id_crlf", f"号{ID[:4]}\r\n{ID[4:]}", f"{ID[:4]}\r\n{ID[4:]}", "id_number"),
    ("id_tab", f"号{ID[:6]}\t{ID[6:]}", f"{ID[:6]}\t{ID[6:]}", "id_number"),
    ("id_appended_2", f"残疾人证号：{ID}12）", f"{ID}12", "id_number"),
    ("id_appended_1", f"证号{ID}7。", f"{ID}7", "id_number"),
    ("id_chinese", f"身份证号{ID.translate(_CN)}。", ID.translate(_CN), "id_number"),
    ("id_chinese_x", f"身份证号{ID_X[:17].translate(_CN)}X，", f"{ID_X[:17].translate(_CN)}X", "id_number"),
    ("phone_dots", "电话138.0013.8000。", "138.0013.8000", "phone"),
    ("phone_fullwidth_dots", "电话１３８．００１３．８０００", "１３８．００１３．８０００", "phone"),
    ("phone_line_break", "电话1380013\n8000，", "1380013\n8000", "phone"),
    ("phone_line_break_after_1", "电话1\n3800138000", "1\n3800138000", "phone"),
    ("phone_crlf", "电话138\r\n00138000", "138\r\n00138000", "phone"),
    ("phone_plus86_dots", "电话+86 138.0013.8000", "138.0013.8000", "phone"),
    ("phone_chinese", "联系电话一三八〇〇一三八〇〇〇。", "一三八〇〇一三八〇〇〇", "phone"),
    ("phone_spoken", "联系电话幺三八零零幺三八零零零。", "幺三八零零幺三八零零零", "phone"),
    ("phone_chinese_circle", "电话一三八○○一三八○○○，", "一三八○○一三八○○○", "phone"),
    ("phone_chinese_spaced", "电话一三八 〇〇一三 八〇〇〇", "一三八 〇〇一三 八〇〇〇", "phone"),
    ("card_dots", f"卡号{'.'.join(CARD16[i:i + 4] for i in range(0, 16, 4))}",
     ".".join(CARD16[i:i + 4] for i in range(0, 16, 4)), "bank_card"),
    ("card_line_break", f"卡号{CARD[:10]}\n{CARD[10:]}", f"{CARD[:10]}\n{CARD[10:]}", "bank_card"),
]


@pytest.mark.parametrize("writing, text, number, kind", SCAN_WRITINGS, ids=[w[0] for w in SCAN_WRITINGS])
def test_every_writing_of_a_number_is_found(writing, text, number, kind):
    assert _kinds(text) == [(number, kind)]


@pytest.mark.parametrize("writing, text, number, kind", SCAN_WRITINGS, ids=[w[0] for w in SCAN_WRITINGS])
def test_the_detectors_mask_what_the_scanner_finds_and_nothing_is_left(writing, text, number, kind):
    from redaction.detectors import detect
    from redaction.mask import mask

    spans = detect(text)
    assert [(text[s.start : s.end], s.kind) for s in spans] == [(number, kind)]
    assert find_in_text(mask(text, spans)) == []


# Not a number the scanner reports: dates, amounts and enumerations with dots, long batch and
# licence numbers, a decision's 16 digits, Chinese text with numerals, masked writings.
SCAN_MUST_KEEP = [
    "处罚决定日期2026.03.12，2026.04.01送达",
    "罚款1,234.56元，12.5万元",
    "依据第1.2.3条及附件1.2.3.4.5.6.7.8.9.10.11.12",
    "经度115.123456，纬度28.123456",
    "批号为20240305123456789012",
    "批号20240305123456789",
    "许可证编号2024030512345678901234",
    f"（决定书编号：{TRAFFIC}）",
    f"公交决字〔2024〕{TRAFFIC}号",
    f"处罚决定书文号：第{TRAFFIC}号",
    "二〇二六年三月十二日",
    "罚款一百二十三万四千五百六十七元",
    "共计十一三八〇〇一三八〇〇〇",
    "编号一二三四五六七八九〇一二三",
    "电话一三八****八〇〇〇，电话138****8000",
    f"身份证号{ID[:17]}\n",
    f"{ID}123",  # 21 digits
]


@pytest.mark.parametrize("text", SCAN_MUST_KEEP)
def test_what_must_survive_is_not_reported(text):
    assert find_in_text(text) == []


def test_a_card_after_a_persons_label_is_reported():
    for label in ("卡号：", "银行卡编号：", "账号", "身份证号"):
        assert _kinds(label + CARD) == [(CARD, "bank_card")], label


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
