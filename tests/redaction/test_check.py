"""check_record: the per-record after-check the build runs before loading a row."""
from redaction.check import Problem, check_record
from redaction.checkdigits import is_valid_uscc
from redaction.policy import redact_record
from redaction.synth import make_card, make_id18, make_uscc

ID = make_id18("360203", "19900101", "123")
USCC = make_uscc("91360203MA35ABCD1")
USCC_AND_ID = next(
    make_id18("913602", "19900101", f"{n:03d}")
    for n in range(1000)
    if is_valid_uscc(make_id18("913602", "19900101", f"{n:03d}"))
)
ROLES = {
    "name": "subject_name",
    "uscc": "uscc",
    "rep": "person_name",
    "rep_id": "drop",
    "decision_no": "keep",
    "licence": "keep",
    "facts": "free_text",
    "secrets": "secret_declaration",
}


def _record(**changes):
    values = {
        "name": "张三水果店",
        "uscc": USCC,
        "rep": "张三",
        "rep_id": ID,
        "decision_no": "景市监罚〔2024〕123号",
        "licence": "JY13602010012345",
        "facts": f"张三水果店经营者张三（身份证{ID}，电话13812345678）使用配方A",
        "secrets": "配方A",
    }
    values.update(changes)
    return values


def _codes(problems):
    return sorted((p.field, p.code) for p in problems)


def test_a_redacted_record_passes():
    r = redact_record(_record(), ROLES, False)
    assert check_record(r.values, ROLES, r.personal_values, r.secrets, False) == []


def test_the_raw_record_fails_on_every_count():
    values = _record()
    r = redact_record(values, ROLES, False)
    codes = _codes(check_record(values, ROLES, r.personal_values, r.secrets, False))
    assert ("rep", "personal_value_survived") in codes
    assert ("rep_id", "personal_value_survived") in codes
    assert ("rep_id", "id_number_in_output") in codes
    assert ("facts", "phone_in_output") in codes
    assert ("facts", "secret_survived") in codes
    # The name inside the registered business name is not a problem.
    assert ("name", "personal_value_survived") not in codes


def test_keep_field_holding_an_id_is_a_problem():
    values = _record(licence=make_id18("360203", "20240305", "010"))
    r = redact_record(values, ROLES, False)
    problems = check_record(r.values, ROLES, r.personal_values, r.secrets, False)
    assert problems == [Problem("licence", "id_number", "id_number_in_output", "脱敏后仍含身份证号码，不得公开")]


def test_keep_field_holding_a_phone_or_card_is_a_problem():
    values = _record(licence="13912345678", decision_no=make_card())
    r = redact_record(values, ROLES, False)
    assert _codes(check_record(r.values, ROLES, r.personal_values, r.secrets, False)) == [
        ("decision_no", "card_in_output"),
        ("licence", "phone_in_output"),
    ]


def test_uscc_field_holding_a_usccs_that_passes_the_id_check_is_fine():
    values = _record(uscc=USCC_AND_ID)
    r = redact_record(values, ROLES, False)
    assert check_record(r.values, ROLES, r.personal_values, r.secrets, False) == []


def test_person_subject_name_must_be_masked():
    values = {"name": "张三", "facts": "张三未按规定"}
    roles = {"name": "subject_name", "facts": "free_text"}
    problems = check_record(values, roles, ("张三",), (), True)
    assert _codes(problems) == [("facts", "personal_value_survived"), ("name", "personal_value_survived")]


def test_message_hides_the_value():
    problems = check_record({"x": ID}, {"x": "keep"}, (ID,), (), False)
    assert all(ID not in p.message for p in problems)


def test_integer_holding_an_id_is_checked():
    assert ID == "360203199001011231"
    problems = check_record({"x": 360203199001011231}, {"x": "keep"}, (), (), False)
    assert [p.code for p in problems] == ["id_number_in_output"]


def test_no_text_no_problem():
    assert check_record({"x": None, "y": 1.5}, {"x": "keep", "y": "keep"}, ("张三",), ("A",), False) == []


# One rule for the check and the scan (CONTRACT.md "Build outputs"): whatever `scan` would flag
# in a published column, check_record finds first, so one record is quarantined instead of the
# whole build failing at its final scan. Day-independent.
ONE_RULE_TEXTS = [
    f"编号{ID}", f"编号{USCC_AND_ID}", "联系电话13812345678。", f"卡号{make_card('622202', 19)}",
    "邮箱someone@example.cn", "经办人：欧阳娜娜，电话见附件", "景市监罚〔2024〕123号 2024-03-05 12345.67",
    "JY13602010012345", "许可证编号JY13812345678", f"统一社会信用代码：{USCC_AND_ID}", USCC_AND_ID, USCC,
]


def test_whatever_the_scan_flags_in_a_published_column_the_check_finds_first(tmp_path):
    import sqlite_utils

    from redaction.scan import scan_database

    roles = {"uscc": "uscc", "note": "keep", "tax_no": "code"}
    db = sqlite_utils.Database(tmp_path / "out.db")
    for n, text in enumerate(ONE_RULE_TEXTS):
        for field in ("note", "tax_no", "uscc"):
            # A valid USCC stands in the record's USCC column too (2016: repeated in 税务登记号).
            own = text if is_valid_uscc(text) else USCC
            values = {"uscc": own, "note": None, "tax_no": None, field: text}
            redacted = redact_record(values, roles, subject_is_person=False).values
            problems = {p.field for p in check_record(redacted, roles, (), (), subject_is_person=False)}
            table = f"t{n}_{field}"
            db[table].insert({k: v for k, v in redacted.items()})
            scanned = {f.column for f in scan_database(tmp_path / "out.db") if f.table == table}
            assert scanned <= problems, (text, field, scanned, problems)
