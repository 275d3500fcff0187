"""The state store's interface, the same for every backend (SQLite now, PostgreSQL with
scale-out): tables declared as data, simple queries, and transactions for writes.

Callers never write SQL: a table is a `Table` (columns of four neutral types, a primary key,
indexes, a version), a condition is a mapping of column to value (`None` is IS NULL, a `Cmp`
from `lt`, `le`, `gt`, `ge`, `ne`, `one_of` compares), and every write happens inside
`store.write()`, which takes the store's write lock at its start (SQLite: `BEGIN IMMEDIATE`),
so a read-modify-write inside it never loses an update to another process. Values are
checked against their column's type in Python, so code that runs on SQLite (which would take
anything) also runs on a backend that would not.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Literal

from ..errors import PublishError

ColumnType = Literal["text", "integer", "real", "blob"]
Value = str | int | float | bytes | None
Row = dict[str, Value]
COLUMN_TYPES: tuple[str, ...] = ("text", "integer", "real", "blob")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"text": (str,), "integer": (int,), "real": (int, float),
                                             "blob": (bytes,)}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
RESERVED_PREFIX = "store_"   # the store's own tables


def check_name(name: str, what: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"{what} name must be lower-case letters, digits and _, starting with a letter: {name!r}")
    return name


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    nullable: bool = True
    default: str | int | float | None = None   # a constant; a column added by a migration needs one or nullable

    def __post_init__(self) -> None:
        check_name(self.name, "column")
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r} (one of {COLUMN_TYPES})")
        if self.default is not None:
            check_value(self, self.default)

    @property
    def required(self) -> bool:
        """An insert must give it."""
        return not self.nullable and self.default is None


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool = False


Migration = Callable[["Transaction"], None]


@dataclass(frozen=True)
class Table:
    """A table as its owner declares it. Raise `version` when the declaration changes: new
    columns are added on open (they must be nullable or have a default), new indexes made, and
    `migrations` (version → a function of the open transaction, written against this
    interface) run in order for each version passed. Columns are never dropped or retyped."""
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    version: int = 1
    migrations: tuple[tuple[int, Migration], ...] = ()

    def __post_init__(self) -> None:
        check_name(self.name, "table")
        if self.name.startswith(RESERVED_PREFIX):
            raise ValueError(f"table names starting with {RESERVED_PREFIX!r} are the store's own: {self.name}")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column is declared twice")
        if not self.primary_key:
            raise ValueError(f"table {self.name}: a primary key is required")
        for cols in (self.primary_key, *(i.columns for i in self.indexes)):
            unknown = [c for c in cols if c not in names]
            if unknown or not cols:
                raise ValueError(f"table {self.name}: unknown or no columns in a key or index: {unknown}")
        for name in self.primary_key:
            if self.column(name).nullable:
                raise ValueError(f"table {self.name}: primary-key column {name} must be nullable=False")
        if self.version < 1:
            raise ValueError(f"table {self.name}: version must be 1 or more")
        if any(not 2 <= v <= self.version for v, _ in self.migrations):
            raise ValueError(f"table {self.name}: a migration's version must be between 2 and {self.version}")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise ValueError(f"table {self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Cmp:
    op: Literal["<", "<=", ">", ">=", "!=", "in"]
    value: Value | tuple[Value, ...]


def lt(value: Value) -> Cmp:
    return Cmp("<", value)


def le(value: Value) -> Cmp:
    return Cmp("<=", value)


def gt(value: Value) -> Cmp:
    return Cmp(">", value)


def ge(value: Value) -> Cmp:
    return Cmp(">=", value)


def ne(value: Value) -> Cmp:
    """Not equal (NULL is neither equal nor unequal: a NULL column never matches)."""
    return Cmp("!=", value)


def one_of(*values: Value) -> Cmp:
    return Cmp("in", tuple(values))


Where = Mapping[str, "Value | Cmp"]


def check_value(column: Column, value: object) -> None:
    if value is None:
        if not column.nullable:
            raise ValueError(f"column {column.name} may not be NULL")
        return
    if isinstance(value, bool) or not isinstance(value, _PYTHON_TYPES[column.type]):
        raise TypeError(f"column {column.name} is {column.type}, not {type(value).__name__}: {value!r}")


def check_row(table: Table, row: Mapping[str, object], *, insert: bool) -> None:
    for name, value in row.items():
        check_value(table.column(name), value)
    if insert:
        missing = [c.name for c in table.columns if c.required and c.name not in row]
        if missing:
            raise ValueError(f"table {table.name}: an insert must give {missing}")


def check_where(table: Table, where: Where | None) -> None:
    for name, value in (where or {}).items():
        column = table.column(name)
        if isinstance(value, Cmp):
            values = value.value if value.op == "in" else (value.value,)
            for v in values if isinstance(values, tuple) else (values,):
                if v is None and value.op != "in":
                    raise ValueError(f"compare {name} with None: use the value None itself (IS NULL)")
                if v is not None:
                    check_value(column, v)
        elif value is not None:
            check_value(column, value)


def check_order(table: Table, order_by: str | Sequence[str]) -> tuple[str, ...]:
    order = (order_by,) if isinstance(order_by, str) else tuple(order_by)
    for term in order:
        table.column(term.removeprefix("-"))
    return order


class ConflictError(PublishError):
    """An insert whose primary key (or a unique index's columns) is already taken."""

    def __init__(self, table: str, detail: str = ""):
        super().__init__("state_conflict", f"状态数据中已有相同键的记录（表 {table}）{detail}")
        self.table = table


class Reader(ABC):
    """Queries, inside a transaction or on their own."""

    @abstractmethod
    def get(self, table: Table, key: Mapping[str, Value]) -> Row | None:
        """The row whose primary key is `key` (every primary-key column given), or None."""

    @abstractmethod
    def select(self, table: Table, where: Where | None = None, *, order_by: str | Sequence[str] = (),
               limit: int | None = None) -> list[Row]:
        """Rows matching every condition; `order_by` names columns, `-name` for descending.
        Without `order_by`, the order is the primary key's."""

    @abstractmethod
    def count(self, table: Table, where: Where | None = None) -> int:
        ...


class Transaction(Reader):
    """Writes (and reads that see them), all committed at the end of `store.write()` or none."""

    @abstractmethod
    def insert(self, table: Table, row: Mapping[str, Value]) -> None:
        """A new row; ConflictError when its primary key (or a unique index's columns) is taken.
        The transaction stays usable after a ConflictError (nothing was written)."""

    @abstractmethod
    def insert_many(self, table: Table, rows: Sequence[Mapping[str, Value]]) -> None:
        """New rows, all with the same columns, in one statement run for each (the bulk path: a
        change feed of a million rows). ConflictError when any key is taken; then none of the
        rows is written, and the transaction stays usable."""

    @abstractmethod
    def put(self, table: Table, row: Mapping[str, Value]) -> None:
        """Inserts the row, or replaces every given column of the row with its primary key."""

    @abstractmethod
    def update(self, table: Table, where: Where, values: Mapping[str, Value]) -> int:
        """Sets `values` on every row matching `where` (which may not be empty); rows changed."""

    @abstractmethod
    def delete(self, table: Table, where: Where) -> int:
        """Deletes every row matching `where` (which may not be empty); rows deleted."""

    @abstractmethod
    def add(self, table: Table, key: Mapping[str, Value], column: str, amount: int | float = 1) -> int | float:
        """A counter: adds `amount` to `column` of the row `key` (made, with the other columns'
        defaults, when missing: the column then holds `amount`) and returns the new value."""


class Store(Reader):
    """One state store. Open it with `publish.state.open_store`; use it from any thread (each
    thread, and each process after a fork, gets its own connection); close it when done."""

    location: str   # what an operator reads in messages (a path, a database name)

    @abstractmethod
    def declare(self, *tables: Table) -> None:
        """Makes sure the tables exist as declared (creating or migrating them) before use.
        A table must be declared, on this store object, before any query names it."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Transaction]:
        """`with store.write() as tx:` takes the write lock at once (waiting up to the busy
        timeout: `state_busy` after it), commits at the end, rolls back on an exception.
        Transactions do not nest."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Reader]:
        """`with store.read() as r:`: several queries that see one consistent state."""

    @abstractmethod
    def close(self) -> None:
        ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Declared:
    """The tables a store object knows, by name."""
    tables: dict[str, Table] = field(default_factory=dict)

    def check(self, table: Table) -> None:
        known = self.tables.get(table.name)
        if known is None:
            raise ValueError(f"table {table.name} is used before store.declare() named it")
        if known is not table and known != table:
            raise ValueError(f"table {table.name} was declared differently on this store")

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())
