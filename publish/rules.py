"""Publicity rules as pure functions of (record, as-of day).

DOMAIN.md "Publicity windows and repair" (NDRC order No. 36, 《信用修复管理办法》, applied to
every record whatever its age). A decision is one of:
- `Publish(tier, publicity_end)`: shown through `publicity_end` inclusive (None: no end);
- `Withhold(reason)`: in neither database, counted in the build report under `reason`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import yaml

from .dates import add_months
from .definitions import Tier
from .fines import fine_from_text
from .resources import data_file

SEVERITY_ORDER = {"轻微": 0, "一般": 1, "严重": 2}

WITHHELD_REASONS = {
    "revoked": "处罚决定已撤销",
    "repaired": "已信用修复，终止公示",
    "objection_withdrawn": "经异议核实，原记录已撤销",
    "minor_not_published": "轻微失信信息，不予公示",
    "publicity_ended": "公示期已满",
    "removed_from_list": "已移出名单",
    "expired": "有效期已过",
    "not_latest": "已有更新的评价结果",
    "no_matching_record": "未找到对应的处罚记录",
    "not_applied": "异议处理结果无需改变公示",
    "government_only": "信息使用范围为仅政府部门内部共享，不予公开",
}
# Narrowest last: a record's scope can only move it down this list.
TIER_ORDER = {"public": 2, "authorized": 1, "none": 0}


@dataclass(frozen=True, slots=True)
class Publish:
    tier: Tier
    publicity_end: str | None = None


@dataclass(frozen=True, slots=True)
class Withhold:
    reason: str


@dataclass(frozen=True)
class AmbiguousCategory:
    category: str
    when: tuple[str, ...]
    severe: str
    otherwise: str


@dataclass(frozen=True)
class SeverityConfig:
    minor_fine_below_wan: float
    huge_fine_from_wan: float
    fine_amount_unknown: str
    unrecognised: str
    keywords: dict[str, tuple[str, ...]]
    max_months: dict[str, int]
    blacklist_max_months: int
    suspect_wan_above: float
    ambiguous: tuple[AmbiguousCategory, ...] = ()


@lru_cache(maxsize=4)
def load_severity_config(path: str | None = None) -> SeverityConfig:
    with open(path or data_file("severity.yml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return SeverityConfig(
        minor_fine_below_wan=float(raw["minor_fine_below_wan"]),
        huge_fine_from_wan=float(raw["huge_fine_from_wan"]),
        fine_amount_unknown=raw["fine_amount_unknown"], unrecognised=raw["unrecognised"],
        keywords={grade: tuple(words) for grade, words in raw["keywords"].items()},
        max_months={k: int(v) for k, v in raw["max_months"].items()},
        blacklist_max_months=int(raw["blacklist_max_months"]),
        suspect_wan_above=float(raw["suspect_wan_above"]),
        ambiguous=tuple(AmbiguousCategory(str(c), tuple(spec["severe_when"]), "严重", str(spec["otherwise"]))
                        for c, spec in (raw.get("ambiguous_categories") or {}).items()),
    )


@lru_cache(maxsize=4)
def load_scope_tiers(path: str | None = None) -> dict[str, str]:
    """Scope word (信息使用范围, 公开类型) → the tier it allows (data/scopes.yml)."""
    with open(path or data_file("scopes.yml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return {str(k): str(v) for k, v in raw.items()}


def narrow_to_scope(decision: Publish | Withhold, scope: str | None) -> Publish | Withhold:
    """A published record whose own scope allows less goes to that tier, or to neither."""
    if scope is None or not isinstance(decision, Publish):
        return decision
    allowed = load_scope_tiers().get(scope, "none")   # an unknown scope: the safer reading
    if allowed == "none":
        return Withhold("government_only")
    if TIER_ORDER[allowed] < TIER_ORDER[decision.tier]:
        return Publish(allowed, decision.publicity_end)  # type: ignore[arg-type]
    return decision


def fine_in_wan(record: dict, config: SeverityConfig) -> tuple[float | None, bool]:
    """(fine in 万元, suspect unit): the 万元 column where the layout has it, else the text."""
    column = record.get("fine_wan")
    if column is not None:
        if column > config.suspect_wan_above:
            # Probably entered in 元: read as 元 (the shorter window) and report it.
            return column / 10_000, True
        return column, False
    for key in ("content", "category", "penalty_name"):
        amount = fine_from_text(record.get(key))
        if amount is not None:
            return amount, False
    return None, False


def grade_penalty(record: dict, config: SeverityConfig) -> str:
    """轻微 / 一般 / 严重: the department's own grade, else the order's classes (most severe wins)."""
    if record.get("severity"):
        return record["severity"]
    text = "；".join(str(record[k]) for k in ("category", "category_2", "content", "penalty_name")
                    if record.get(k))
    ambiguous = ambiguous_category(record, config)
    if ambiguous is not None:
        # Code 4 names suspension and revocation at once: the decision's own words decide.
        text = text.replace(ambiguous.category, "")
        grade = ambiguous.severe if any(w in _decision_text(record) for w in ambiguous.when) else ambiguous.otherwise
        text_grades = [grade]
    else:
        text_grades = []
    grades = text_grades + [grade for grade, words in config.keywords.items() if any(w in text for w in words)]
    if "罚款" in text or record.get("fine_wan"):
        amount, _ = fine_in_wan(record, config)
        if amount is None:
            grades.append(config.fine_amount_unknown)
        elif amount >= config.huge_fine_from_wan:
            grades.append("严重")
        elif amount < config.minor_fine_below_wan:
            grades.append("轻微")
        else:
            grades.append("一般")
    if not grades:
        return config.unrecognised
    return max(grades, key=SEVERITY_ORDER.__getitem__)


def _decision_text(record: dict) -> str:
    """What was decided (处罚结果, 处罚名称), not the facts found: "吊销" in the facts may
    describe an earlier decision."""
    return "；".join(str(record[k]) for k in ("content", "penalty_name") if record.get(k))


def ambiguous_category(record: dict, config: SeverityConfig) -> AmbiguousCategory | None:
    """The ambiguous 处罚类别 a record names (2016 code 4), if any: graded by the decision's
    text and reported as a finding."""
    for category in (record.get("category"), record.get("category_2")):
        if category:
            for rule in config.ambiguous:
                if rule.category in str(category):
                    return rule
    return None


def _last_day(start_iso: str, months: int) -> dt.date:
    """The last day shown when publication runs `months` from `start` (the day before the anniversary)."""
    return add_months(dt.date.fromisoformat(start_iso), months) - dt.timedelta(days=1)


def penalty_decision(record: dict, as_of: dt.date, config: SeverityConfig, *,
                     repaired: bool = False, objection: str | None = None) -> Publish | Withhold:
    """Whether a penalty is published today, and until when."""
    if record.get("status") == "撤销":
        return Withhold("revoked")
    if repaired:
        return Withhold("repaired")
    if objection == "原记录撤销":
        return Withhold("objection_withdrawn")
    severity = record["severity"]
    months = config.max_months[severity]
    if months == 0:
        return Withhold("minor_not_published")
    end = _last_day(record["decision_date"], months)
    explicit = record.get("publicity_until")
    if explicit is not None:
        # A department's 公示截止期 wins when earlier; it never extends past the maximum.
        end = min(end, dt.date.fromisoformat(explicit))
    if as_of > end:
        return Withhold("publicity_ended")
    return Publish("public", end.isoformat())


def blacklist_decision(record: dict, as_of: dt.date, config: SeverityConfig) -> Publish | Withhold:
    """Published until 移出日期 (the removal day is the first day off the list), at most 3 years."""
    end = _last_day(record["listed_date"], config.blacklist_max_months)
    removal = record.get("removal_date")
    if removal is not None:
        removal_end = dt.date.fromisoformat(removal) - dt.timedelta(days=1)
        if removal_end < end:
            if as_of > removal_end:
                return Withhold("removed_from_list")
            end = removal_end
    if as_of > end:
        return Withhold("publicity_ended")
    return Publish("public", end.isoformat())


def redlist_decision(record: dict, as_of: dt.date) -> Publish | Withhold:
    """Published through 有效期至."""
    valid_to = record.get("valid_to")
    if valid_to is not None and as_of.isoformat() > valid_to:
        return Withhold("expired")
    return Publish("public", valid_to)


def decide(rule: str, tier: Tier | None, record: dict, as_of: dt.date, config: SeverityConfig,
           **penalty_state) -> Publish | Withhold:
    """The decision for a record of a dataset with publicity rule `rule`."""
    if rule == "penalty":
        return penalty_decision(record, as_of, config, **penalty_state)
    if rule == "blacklist":
        return blacklist_decision(record, as_of, config)
    if rule == "redlist":
        return redlist_decision(record, as_of)
    if rule == "licence" and record.get("status") == "撤销":
        # 2016 当前状态 1 撤销: the record itself was withdrawn (DOMAIN.md), in neither tier.
        return Withhold("revoked")
    # Licences, commitments, grades, arrears: no publicity end (licence status is shown).
    if tier is None:
        raise ValueError(f"a dataset with publicity rule {rule} needs a tier to publish into")
    return Publish(tier)
