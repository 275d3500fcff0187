"""Every quarantine reason of row validation, and the date formats departments use."""
import datetime as dt

import pytest

from publish.dates import parse_date
from publish.definitions import load_definitions
from publish.validate import Rejection, RowValidator, normalise_decision_no
from tests.factories import PENALTY_HEADER, bad_uscc, penalty, uscc

DATASETS = {d.name: d for d in load_definitions()}
AS_OF = dt.date(2026, 11, 25)


def validator(dataset: str, header: list) -> RowValidator:
    definition = DATASETS[dataset]
    return RowValidator(definition, definition.match_header(header), AS_OF)


def validate(dataset: str, header: list, row: dict):
    return validator(dataset, header).validate([row.get(h, "") for h in header])


@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "2024年3月5日", "20240305", "2024.03.05",
                                  "2024-03-05 10:20:30", "45356", 45356, 45356.0,
                                  dt.datetime(2024, 3, 5, 8, 0), dt.date(2024, 3, 5)])
def test_date_formats(text):
    assert parse_date(text) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("overrides, code, field", [
    ({"行政相对人代码_1(统一社会信用代码)": bad_uscc(7)}, "invalid_uscc", "uscc"),
    ({"行政相对人代码_1(统一社会信用代码)": "91360200MA12345"}, "malformed_uscc", "uscc"),
    ({"行政相对人代码_1(统一社会信用代码)": "9136020OMA3ABCDE1X"}, "malformed_uscc", "uscc"),
    ({"处罚决定日期": "2024-13-45"}, "invalid_date", "decision_date"),
    ({"处罚决定日期": "去年"}, "invalid_date", "decision_date"),
    ({"处罚决定日期": "2026-11-26"}, "future_date", "decision_date"),
    ({"行政处罚决定书文号": ""}, "missing_required", "decision_no"),
    ({"行政相对人名称": "  "}, "missing_required", "subject_name"),
    ({"处罚机关": None}, "missing_required", "authority"),
    ({"行政相对人类别": "外星人"}, "invalid_enum", "subject_class"),
])
def test_penalty_rejections(overrides, code, field):
    result = validate("penalty", PENALTY_HEADER, penalty(**overrides))
    assert isinstance(result, Rejection)
    assert (result.code, result.field) == (code, field)
    assert result.message  # a Chinese sentence naming the field
    assert DATASETS["penalty"].field(field).header.split("(")[0][:4] in result.message or field == "uscc"


def test_the_as_of_day_itself_is_not_future():
    assert not isinstance(validate("penalty", PENALTY_HEADER, penalty(处罚决定日期="2026-11-25")), Rejection)


def test_date_order_and_enumerations_of_licences():
    header = ["行政相对人名称", "统一社会信用代码", "行政许可决定文书号", "许可类别", "许可决定日期",
              "有效期自", "有效期至", "许可机关", "当前状态"]
    row = {"行政相对人名称": "某公司", "统一社会信用代码": uscc(3), "行政许可决定文书号": "许字1号",
           "许可类别": "普通", "许可决定日期": "2025-01-01", "有效期自": "2025-01-01", "有效期至": "2024-12-31",
           "许可机关": "某局", "当前状态": "1"}
    assert validate("licence", header, row).code == "date_order"
    assert validate("licence", header, {**row, "有效期至": "2025-01-01"})["status"] == "有效"
    # An optional field that cannot be read is left empty, with a finding (DOMAIN.md).
    notes: list = []
    changed = {**row, "有效期至": "", "许可类别": "随便"}
    values = validator("licence", header).validate([changed[h] for h in header], notes)
    assert values["licence_class"] is None and [n.kind for n in notes] == ["optional_field_dropped"]


@pytest.mark.parametrize("overrides, field", [
    ({"罚款金额（万元）": "五万"}, "fine_wan"),
    ({"违法行为类型": None, "处罚决定日期": "2026-06-01"}, None),
])
def test_an_unreadable_optional_field_is_left_empty_with_a_finding(overrides, field):
    notes: list = []
    row = penalty(**overrides)
    values = validator("penalty", PENALTY_HEADER).validate([row[h] for h in PENALTY_HEADER], notes)
    assert not isinstance(values, Rejection)
    assert [n.field for n in notes] == ([field] if field else [])
    if field:
        assert values[field] is None and "五万" in notes[0].message


@pytest.mark.parametrize("field, header, raw", [
    ("scope", "信息使用范围", "9"), ("status", "当前状态", "作废?"), ("subject_class", "行政相对人类别", "外星人"),
    ("publicity_until", "公示截止期", "2027年13月"),
])
def test_a_field_that_decides_who_sees_a_record_still_quarantines(field, header, raw):
    result = validate("penalty", [*PENALTY_HEADER, header] if header not in PENALTY_HEADER else PENALTY_HEADER,
                      {**penalty(), header: raw})
    assert isinstance(result, Rejection) and result.field == field


@pytest.mark.parametrize("raw", ["/", "无", "暂无", "-", "——", "null", "NULL", " 无 "])
def test_placeholders_are_empty_in_any_field(raw):
    empty: list = []
    row = penalty(违法行为类型=raw, 备注=raw)
    values = validator("penalty", PENALTY_HEADER).validate([row[h] for h in PENALTY_HEADER], [], empty)
    assert values["violation_type"] is None and values["remarks"] is None
    assert sorted(empty) == ["remarks", "violation_type"]


@pytest.mark.parametrize("raw", ["1900-1-1", "1900-01-01 0:00:00", "2099-12-31", "9999-12-31", "无处罚期限", "长期"])
def test_date_placeholders_are_empty_and_a_live_penalty_stays_live(raw):
    row = penalty(公示截止期=raw)
    values = validator("penalty", PENALTY_HEADER).validate([row[h] for h in PENALTY_HEADER], [], [])
    assert values["publicity_until"] is None


def test_missing_required_column_rejects_every_row():
    header = [h for h in PENALTY_HEADER if h != "处罚机关"]
    assert validate("penalty", header, penalty()).code == "missing_required"


def test_valid_row_is_typed():
    values = validate("penalty", PENALTY_HEADER, penalty(**{"罚款金额（万元）": "1,200.5"}))
    assert values["fine_wan"] == 1200.5
    assert values["decision_date"] == "2026-06-01"
    assert values["uscc"] == uscc(1)
    assert values["publicity_until"] is None


@pytest.mark.parametrize("a, b", [
    ("景市监罚〔2024〕12号", "景市监罚[2024]12号"),
    ("景市监罚【2024】12号", "景市监罚 (2024) 12号"),
    ("景市监罚（2024）１２号", "景市监罚[2024]12号"),
])
def test_decision_numbers_compare_normalised(a, b):
    assert normalise_decision_no(a) == normalise_decision_no(b)
