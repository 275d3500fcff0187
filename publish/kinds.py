"""What a kind of record is: the one model every stage reads.

A kind is one output table (`penalties`, `licences`, …) and the dataset layouts that load
into it (publish/datasets/*.yml). Everything the build and the site need to know about it is
derived here, once, from those definitions: its publicity rule, its default tier, whether it
is served through a request-time window, the date that starts the window, the column labels
(the standard's names, the same on every page), and what pages show of a record (the YAML's
`display` block). Load, views, metadata, search, profiles, the overview and the templates
read this model; nothing downstream names a kind.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .definitions import Dataset, Tier, load_definitions
from .errors import PublishError

TIERS: tuple[Tier, ...] = ("public", "authorized")

# Rows of these rules point at a penalty (a repair or an objection) and are not shown.
POINTER_RULES: frozenset[str] = frozenset({"repair", "objection"})
# Rules whose records stop being published at an end date (DOMAIN.md "Publicity windows").
ENDING_RULES: frozenset[str] = frozenset({"penalty", "blacklist", "redlist"})
# Kinds served through a view: those that end, and licences (whose shown status is
# computed at request time: 已过期 once past 有效期至).
VIEW_RULES: frozenset[str] = ENDING_RULES | {"licence"}
UNPUBLISHED_ROLES = frozenset({"drop", "secret_declaration"})
SQL_TYPES: dict[str, type] = {"date": str, "datetime": str, "decimal": float, "integer": int}


@dataclass(frozen=True)
class Column:
    name: str
    label: str          # the standard's Chinese name
    label_en: str
    sql_type: type


# Columns the build adds to every table, before and after the fields.
LEADING_COLUMNS = (
    Column("id", "记录编号", "record id", int),
    Column("dataset", "来源数据格式", "source layout", str),
)
TRAILING_COLUMNS = (
    Column("subject_is_person", "主体是否为自然人（1 为是，姓名已脱敏）", "natural person, name masked", int),
    Column("source_file", "来源文件", "source file", str),
    Column("publicity_end", "公示截止日（含当日）", "last day of publication", str),
    Column("record_key", "记录标识（同一决定的各版本相同）", "record key, stable across versions", str),
    Column("digest", "内容摘要（SHA-256，按公开值计算）", "content digest of the published values", str),
)
# What a rule adds to its kind's stored columns.
OBJECTION_STATUS = Column("objection_status", "异议状态", "objection status", str)
RULE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "penalty": (Column("severity", "严重程度", "severity", str), OBJECTION_STATUS),
    "licence": (OBJECTION_STATUS,),
}
# What a rule's view computes at request time.
DISPLAY_STATUS = Column("display_status", "当前状态（有效/无效/已过期）", "licence status today", str)
VIEW_COLUMNS: dict[str, tuple[Column, ...]] = {"licence": (DISPLAY_STATUS,)}


# Bookkeeping columns left out of a record's published digest: a re-delivery in another file
# or layout is not a change.
NOT_DIGESTED = frozenset({"id", "dataset", "source_file", "record_key", "digest"})


def public_today_sql(today: str = "publish_today()", column: str = "publicity_end") -> str:
    """The one "public today" condition: no end, or an end (inclusive) not before today.
    `today` is an SQL expression: the views' `publish_today()`, or a bound parameter."""
    return f"({column} IS NULL OR {column} >= {today})"


def ended_sql(today: str = "publish_today()", column: str = "publicity_end") -> str:
    """Its negation, written so that a partial index `WHERE column IS NOT NULL` serves it."""
    return f"({column} IS NOT NULL AND {column} < {today})"


@dataclass(frozen=True)
class Display:
    """What pages show of a record of a kind (the YAML's `display` block)."""
    position: int
    note: str
    shows: tuple[str, ...]          # columns, in order
    heading: tuple[str, ...]        # the first non-empty is the record's heading
    heading_with_label: bool
    badges: tuple[str, ...]         # short values shown beside the heading
    folded: tuple[str, ...]         # long texts shown folded
    notices: bool                   # objection and repair notices on its pages


@dataclass(frozen=True)
class Kind:
    table: str
    label: str
    label_en: str
    rule: str
    tier: Tier
    layouts: tuple[Dataset, ...]
    columns: tuple[Column, ...]     # stored, in order
    date: str | None                # the date that starts the window and orders records
    display: Display

    @property
    def register(self) -> bool:
        """The register of market subjects: its name for a subject is the registered one."""
        return any(d.register for d in self.layouts)

    @property
    def ends(self) -> bool:
        """Records stop being published at `publicity_end`."""
        return self.rule in ENDING_RULES

    @property
    def lists_offenders(self) -> bool:
        """A black list (严重失信主体名单): what screening reports a subject as on."""
        return self.rule == "blacklist"

    @property
    def penalises(self) -> bool:
        """Administrative penalties: what screening counts in their window."""
        return self.rule == "penalty"

    @property
    def has_view(self) -> bool:
        return self.rule in VIEW_RULES

    @property
    def storage(self) -> str:
        """The stored table; kinds with a view keep their rows in `<table>_records`."""
        return f"{self.table}_records" if self.has_view else self.table

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def digest_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.column_names if c not in NOT_DIGESTED)

    @property
    def view_columns(self) -> tuple[Column, ...]:
        return self.columns + VIEW_COLUMNS.get(self.rule, ())

    @property
    def labels(self) -> dict[str, str]:
        return {c.name: c.label for c in self.view_columns}

    @property
    def has_subject(self) -> bool:
        return "uscc" in self.column_names

    def view_sql(self) -> str:
        """The served view: windows end at request time (`publish_today()`, Asia/Shanghai)."""
        columns = ", ".join(f"[{c}]" for c in self.column_names)
        if self.rule == "licence":
            # Licences have no publicity end; their shown status turns 已过期 past 有效期至.
            return (f"CREATE VIEW [{self.table}] AS SELECT {columns}, CASE "
                    f"WHEN status = '无效' THEN '无效' WHEN status = '其他' THEN '其他（见备注）' "
                    f"WHEN valid_to IS NOT NULL AND valid_to < publish_today() THEN '已过期' "
                    f"ELSE '有效' END AS {DISPLAY_STATUS.name} FROM [{self.storage}]")
        return (f"CREATE VIEW [{self.table}] AS SELECT {columns} FROM [{self.storage}] "
                f"WHERE {public_today_sql()}")

    def shown_fields(self) -> dict[str, str]:
        """Column → label of what a page shows of a record, in order."""
        labels = self.labels
        return {c: labels[c] for c in self.display.shows if c in labels}


def _columns(layouts: tuple[Dataset, ...], rule: str) -> tuple[Column, ...]:
    found: dict[str, Column] = {c.name: c for c in LEADING_COLUMNS}
    for dataset in layouts:
        for f in dataset.fields:
            if f.role in UNPUBLISHED_ROLES or f.name in found:
                continue
            found[f.name] = Column(f.name, f.header, f.label_en or f.name.replace("_", " "),
                                   SQL_TYPES.get(f.type, str))
    for column in (*TRAILING_COLUMNS, *RULE_COLUMNS.get(rule, ())):
        found.setdefault(column.name, column)
    return tuple(found.values())


def _display(table: str, layouts: tuple[Dataset, ...], columns: tuple[Column, ...]) -> tuple[Display, str | None]:
    blocks = [d for d in layouts if d.display]
    if len(blocks) > 1:
        raise PublishError("invalid_dataset_definition",
                           f"{table} 的 display 只能写在一个数据集定义中：" + "、".join(d.name for d in blocks))
    display = blocks[0].display if blocks else None
    raw: dict = dict(display) if display else {}
    names = {c.name for c in columns} | {c.name for c in VIEW_COLUMNS.get(layouts[0].rule, ())}
    shows = tuple(raw.get("shows") or [c.name for c in columns
                                       if c.name not in {x.name for x in (*LEADING_COLUMNS, *TRAILING_COLUMNS)}])
    for key in ("shows", "heading", "badges", "folded"):
        unknown = [c for c in raw.get(key, ()) if c not in names]
        if unknown:
            raise PublishError("invalid_dataset_definition",
                               f"{blocks[0].source} 的 display.{key} 引用了不存在的列：{'、'.join(unknown)}")
    date = raw.get("date")
    if date is not None and date not in names:
        raise PublishError("invalid_dataset_definition", f"{blocks[0].source} 的 display.date 列不存在：{date}")
    return Display(
        position=int(raw.get("position", 100)), note=str(raw.get("note", "")), shows=shows,
        heading=tuple(raw.get("heading", ())), heading_with_label=bool(raw.get("heading_with_label", False)),
        badges=tuple(raw.get("badges", ())), folded=tuple(raw.get("folded", ())),
        notices=bool(raw.get("notices", False)),
    ), date


def kinds_of(datasets: tuple[Dataset, ...]) -> tuple[Kind, ...]:
    """The kinds the definitions declare, in display order."""
    groups: dict[str, list[Dataset]] = {}
    for dataset in datasets:
        if dataset.table:
            groups.setdefault(dataset.table, []).append(dataset)
    found = []
    for table, group in groups.items():
        layouts = tuple(group)
        rules = {d.rule for d in layouts}
        tiers = {d.tier for d in layouts}
        if len(rules) > 1 or len(tiers) > 1:
            raise PublishError("invalid_dataset_definition",
                               f"{table} 的各数据格式的公示规则与开放层级必须一致："
                               + "、".join(d.name for d in layouts))
        primary = next((d for d in layouts if d.display), layouts[0])
        if primary.tier is None:  # definitions.py refuses a table without a tier
            raise AssertionError(f"{table} has no tier")
        columns = _columns(layouts, primary.rule)
        display, date = _display(table, layouts, columns)
        found.append(Kind(table=table, label=primary.title, label_en=primary.title_en, rule=primary.rule,
                          tier=primary.tier, layouts=layouts, columns=columns,
                          date=date, display=display))
    return tuple(sorted(found, key=lambda k: (k.display.position, k.table)))


def load_kinds(datasets_dir: Path | str | None = None) -> tuple[Kind, ...]:
    return _load_kinds(str(datasets_dir) if datasets_dir else None)


@lru_cache(maxsize=8)
def _load_kinds(datasets_dir: str | None) -> tuple[Kind, ...]:
    return kinds_of(load_definitions(Path(datasets_dir) if datasets_dir else None))


def kinds_by_table(datasets_dir: Path | str | None = None) -> dict[str, Kind]:
    return {k.table: k for k in load_kinds(datasets_dir)}
