"""Publicity rules at their boundary days (DOMAIN.md; NDRC order No. 36)."""
import datetime as dt

import pytest

from publish.fines import fine_from_text
from publish.rules import (
    Publish,
    Withhold,
    blacklist_decision,
    grade_penalty,
    load_severity_config,
    penalty_decision,
    redlist_decision,
)

CONFIG = load_severity_config()
D = dt.date.fromisoformat


@pytest.mark.parametrize("record, grade", [
    ({"category": "警告"}, "轻微"),
    ({"category": "通报批评"}, "轻微"),
    ({"category": "罚款", "fine_wan": 0.5}, "轻微"),
    ({"category": "罚款", "fine_wan": 1.0}, "一般"),
    ({"category": "罚款", "fine_wan": 99.99}, "一般"),
    ({"category": "罚款", "fine_wan": 100}, "严重"),
    ({"category": "罚款", "content": "罚款人民币120万元"}, "严重"),
    ({"category": "罚款", "content": "罚款叁仟元"}, "轻微"),
    ({"category": "罚款", "content": "依法予以罚款"}, "一般"),
    ({"category": "没收违法所得"}, "一般"),
    ({"category": "暂扣许可证件"}, "一般"),
    ({"category": "吊销许可证件"}, "严重"),
    ({"category": "责令停产停业"}, "严重"),
    ({"category": "警告；吊销许可证件"}, "严重"),
    ({"category": "警告", "content": "罚款人民币3万元"}, "一般"),
    ({"category": "其他"}, "一般"),
    ({"category": "吊销许可证件", "severity": "一般"}, "一般"),
    ({"fine_wan": 35000}, "一般"),  # suspect: entered in 元, read as 3.5 万元
])
def test_severity_grading(record, grade):
    assert grade_penalty(record, CONFIG) == grade


@pytest.mark.parametrize("text, wan", [
    ("罚款人民币3.5万元", 3.5), ("罚款3500元", 0.35), ("罚款叁仟元", 0.3), ("处罚款人民币壹万伍仟元整", 1.5),
    ("警告", None), ("没收违法所得2000元", None), ("罚款1,200元；没收违法所得", 0.12),
])
def test_fine_read_from_text(text, wan):
    assert fine_from_text(text) == wan


def penalty(decision_date, severity="一般", **extra):
    return {"decision_date": decision_date, "severity": severity, **extra}


@pytest.mark.parametrize("record, as_of, expected", [
    # 一般: one year from the decision date; the anniversary is the first day off.
    (penalty("2025-03-05"), "2026-03-04", Publish("public", "2026-03-04")),
    (penalty("2025-03-05"), "2026-03-05", Withhold("publicity_ended")),
    # 严重: three years.
    (penalty("2023-03-05", "严重"), "2026-03-04", Publish("public", "2026-03-04")),
    (penalty("2023-03-05", "严重"), "2026-03-05", Withhold("publicity_ended")),
    # Leap day: 2024-02-29 + 1 year is 2025-02-28, shown through 2025-02-27.
    (penalty("2024-02-29"), "2025-02-27", Publish("public", "2025-02-27")),
    (penalty("2024-02-29"), "2025-02-28", Withhold("publicity_ended")),
    # 轻微 is not published.
    (penalty("2026-03-01", "轻微"), "2026-03-02", Withhold("minor_not_published")),
    # An explicit 公示截止期 wins when earlier, inclusive…
    (penalty("2025-03-05", publicity_until="2025-09-30"), "2025-09-30", Publish("public", "2025-09-30")),
    (penalty("2025-03-05", publicity_until="2025-09-30"), "2025-10-01", Withhold("publicity_ended")),
    # …and never extends publication past the maximum.
    (penalty("2025-03-05", publicity_until="2027-12-31"), "2026-03-05", Withhold("publicity_ended")),
    (penalty("2025-03-05", status="撤销"), "2025-04-01", Withhold("revoked")),
])
def test_penalty_windows(record, as_of, expected):
    assert penalty_decision(record, D(as_of), CONFIG) == expected


def test_repair_and_objection_states():
    record = penalty("2026-01-05")
    assert penalty_decision(record, D("2026-02-01"), CONFIG, repaired=True) == Withhold("repaired")
    assert penalty_decision(record, D("2026-02-01"), CONFIG, objection="原记录撤销") == Withhold("objection_withdrawn")
    assert penalty_decision(record, D("2026-02-01"), CONFIG, objection="处理中") == Publish("public", "2027-01-04")


@pytest.mark.parametrize("record, as_of, expected", [
    ({"listed_date": "2025-01-10", "removal_date": "2026-01-10"}, "2026-01-09", Publish("public", "2026-01-09")),
    ({"listed_date": "2025-01-10", "removal_date": "2026-01-10"}, "2026-01-10", Withhold("removed_from_list")),
    ({"listed_date": "2023-01-10"}, "2026-01-09", Publish("public", "2026-01-09")),
    ({"listed_date": "2023-01-10"}, "2026-01-10", Withhold("publicity_ended")),
    ({"listed_date": "2023-01-10", "removal_date": "2030-01-01"}, "2026-01-10", Withhold("publicity_ended")),
])
def test_blacklist_windows(record, as_of, expected):
    assert blacklist_decision(record, D(as_of), CONFIG) == expected


@pytest.mark.parametrize("record, as_of, expected", [
    ({"valid_to": "2026-06-30"}, "2026-06-30", Publish("public", "2026-06-30")),
    ({"valid_to": "2026-06-30"}, "2026-07-01", Withhold("expired")),
    ({"valid_to": None}, "2030-01-01", Publish("public", None)),
])
def test_redlist_windows(record, as_of, expected):
    assert redlist_decision(record, D(as_of)) == expected
