"""SQL for the declared tables, shared by the SQL backends: standard SQL plus `ON CONFLICT …
DO UPDATE` and `RETURNING`, which SQLite (3.35+) and PostgreSQL (9.5+, 8.2+) both speak. A
backend gives its parameter mark and its type names. Every name in the SQL was checked by
`base.check_name` (or is a declared column), so names are quoted, never escaped."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from .base import Cmp, Column, Index, Table, Value, Where

SQLITE_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "blob": "BLOB"}
POSTGRES_TYPES = {"text": "TEXT", "integer": "BIGINT", "real": "DOUBLE PRECISION", "blob": "BYTEA"}


def q(name: str) -> str:
    return f'"{name}"'


def _literal(value: str | int | float) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


class Statements:
    def __init__(self, types: Mapping[str, str], param: str = "?"):
        self.types = types
        self.param = param

    # --- schema ------------------------------------------------------------------------
    def column_definition(self, column: Column) -> str:
        sql = f"{q(column.name)} {self.types[column.type]}"
        if not column.nullable:
            sql += " NOT NULL"
        if column.default is not None:
            sql += f" DEFAULT {_literal(column.default)}"
        return sql

    def create_table(self, table: Table) -> str:
        columns = ", ".join(self.column_definition(c) for c in table.columns)
        key = ", ".join(q(c) for c in table.primary_key)
        return f"CREATE TABLE IF NOT EXISTS {q(table.name)} ({columns}, PRIMARY KEY ({key}))"

    def add_column(self, table: Table, column: Column) -> str:
        return f"ALTER TABLE {q(table.name)} ADD COLUMN {self.column_definition(column)}"

    @staticmethod
    def index_name(table: Table, index: Index) -> str:
        return "__".join((table.name, "u" if index.unique else "i", *index.columns))

    def create_index(self, table: Table, index: Index) -> str:
        unique = "UNIQUE " if index.unique else ""
        columns = ", ".join(q(c) for c in index.columns)
        return f"CREATE {unique}INDEX IF NOT EXISTS {q(self.index_name(table, index))} ON {q(table.name)} ({columns})"

    # --- queries -----------------------------------------------------------------------
    def where(self, where: Where | None) -> tuple[str, list[Value]]:
        terms: list[str] = []
        params: list[Value] = []
        for name, value in (where or {}).items():
            if isinstance(value, Cmp):
                if value.op == "in":
                    values = value.value if isinstance(value.value, tuple) else (value.value,)
                    present = [v for v in values if v is not None]
                    alternatives = []
                    if present:
                        alternatives.append(f"{q(name)} IN ({', '.join(self.param for _ in present)})")
                        params.extend(present)
                    if len(present) < len(values):
                        alternatives.append(f"{q(name)} IS NULL")
                    terms.append("(" + " OR ".join(alternatives) + ")" if alternatives else "1 = 0")
                else:
                    assert not isinstance(value.value, tuple)  # a tuple only for "in"
                    terms.append(f"{q(name)} {value.op} {self.param}")
                    params.append(value.value)
            elif value is None:
                terms.append(f"{q(name)} IS NULL")
            else:
                terms.append(f"{q(name)} = {self.param}")
                params.append(value)
        return (" WHERE " + " AND ".join(terms) if terms else ""), params

    def select(self, table: Table, where: Where | None, order_by: Sequence[str],
               limit: int | None) -> tuple[str, list[Value]]:
        clause, params = self.where(where)
        order = order_by or table.primary_key
        terms = ", ".join(f"{q(t[1:])} DESC" if t.startswith("-") else q(t) for t in order)
        columns = ", ".join(q(c) for c in table.column_names)
        sql = f"SELECT {columns} FROM {q(table.name)}{clause} ORDER BY {terms}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def count(self, table: Table, where: Where | None) -> tuple[str, list[Value]]:
        clause, params = self.where(where)
        return f"SELECT COUNT(*) FROM {q(table.name)}{clause}", params

    def insert(self, table: Table, row: Mapping[str, Value]) -> tuple[str, list[Value]]:
        names = list(row)
        return (f"INSERT INTO {q(table.name)} ({', '.join(q(n) for n in names)}) "
                f"VALUES ({', '.join(self.param for _ in names)})"), [row[n] for n in names]

    def insert_new(self, table: Table, row: Mapping[str, Value]) -> tuple[str, list[Value]]:
        """An insert that skips a row whose key is taken (rowcount 0) instead of failing: a
        failed statement would end a PostgreSQL transaction, a skipped one does not."""
        sql, params = self.insert(table, row)
        return f"{sql} ON CONFLICT DO NOTHING", params

    def put(self, table: Table, row: Mapping[str, Value]) -> tuple[str, list[Value]]:
        sql, params = self.insert(table, row)
        key = ", ".join(q(c) for c in table.primary_key)
        others = [n for n in row if n not in table.primary_key]
        if not others:
            return f"{sql} ON CONFLICT ({key}) DO NOTHING", params
        sets = ", ".join(f"{q(n)} = excluded.{q(n)}" for n in others)
        return f"{sql} ON CONFLICT ({key}) DO UPDATE SET {sets}", params

    def update(self, table: Table, where: Where, values: Mapping[str, Value]) -> tuple[str, list[Value]]:
        clause, params = self.where(where)
        sets = ", ".join(f"{q(n)} = {self.param}" for n in values)
        return f"UPDATE {q(table.name)} SET {sets}{clause}", [*values.values(), *params]

    def delete(self, table: Table, where: Where) -> tuple[str, list[Value]]:
        clause, params = self.where(where)
        return f"DELETE FROM {q(table.name)}{clause}", params

    def add(self, table: Table, key: Mapping[str, Value], column: str,
            amount: int | float) -> tuple[str, list[Value]]:
        sql, params = self.insert(table, {**key, column: amount})
        keys = ", ".join(q(c) for c in table.primary_key)
        col = q(column)
        return (f"{sql} ON CONFLICT ({keys}) DO UPDATE SET {col} = COALESCE({q(table.name)}.{col}, 0) + "
                f"excluded.{col} RETURNING {col}"), params
