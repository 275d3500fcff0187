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
