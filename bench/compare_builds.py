"""Compares two builds table by table: does a restructuring change any published value?

    python bench/compare_builds.py OLD_BUILD_DIR NEW_BUILD_DIR

Every table and view of public.db and authorized.db is compared row by row (by rowid, or
by every column for views), column by column by name. Allowed differences, reported but
not failures: columns only the new build has that are listed in --new-columns (by default
the record key and digest), and texts whose only difference is brackets the new build
restored (the masking fix: brackets outside a masked span are never removed).
Exit 1 when anything else differs.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

BRACKETS = set("()（）[]【】〔〕{}｛｝<>《》")
DATABASES = ("public.db", "authorized.db")


def bracket_restoration(old: object, new: object) -> bool:
    """The new text only adds to the old (the old is a subsequence of it), and what it adds
    holds a bracket: a masked span no longer swallows the bracket and the words after it."""
    if not (isinstance(old, str) and isinstance(new, str) and len(new) > len(old)):
        return False
    added, rest = [], iter(old)
    pending = next(rest, None)
    for ch in new:
        if ch == pending:
            pending = next(rest, None)
        else:
            added.append(ch)
    return pending is None and any(ch in BRACKETS for ch in added)


def _objects(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                             "AND name NOT LIKE 'sqlite_%'").fetchall())


def _view_rows(rows: dict, columns: list[str]) -> list[str]:
    """A view's rows in a comparable order, each limited to `columns`."""
    return sorted(repr(sorted((k, v) for k, v in r.items() if k in columns)) for r in rows.values())


def _rows(conn: sqlite3.Connection, name: str, kind: str) -> tuple[list[str], dict, bool]:
    """(columns, rows, keyed by rowid): views and WITHOUT ROWID tables are sets of rows."""
    try:
        cursor = conn.execute(f"SELECT {'rowid AS _rowid_, ' if kind == 'table' else ''}* FROM [{name}]")
    except sqlite3.OperationalError:  # WITHOUT ROWID: compared as a set of rows, like a view
        cursor, kind = conn.execute(f"SELECT * FROM [{name}]"), "view"
    columns = [d[0] for d in cursor.description]
    if kind == "table":
        return columns[1:], {r[0]: dict(zip(columns[1:], r[1:], strict=True)) for r in cursor}, True
    rows = [dict(zip(columns, r, strict=True)) for r in cursor]
    return columns, {i: r for i, r in enumerate(rows)}, False


def compare(old_dir: Path, new_dir: Path, new_columns: set[str]) -> tuple[list[str], dict[str, int]]:
    problems: list[str] = []
    allowed = {"bracket_restorations": 0, "new_columns": 0, "tables": 0, "rows": 0}
    for db in DATABASES:
        old = sqlite3.connect(f"file:{old_dir / db}?mode=ro", uri=True)
        new = sqlite3.connect(f"file:{new_dir / db}?mode=ro", uri=True)
        for conn in (old, new):
            conn.create_function("publish_today", 0, lambda: "0000-00-00")
        old_objects, new_objects = _objects(old), _objects(new)
        for name in sorted(set(old_objects) ^ set(new_objects)):
            problems.append(f"{db}: {name} only in the {'old' if name in old_objects else 'new'} build")
        for name in sorted(set(old_objects) & set(new_objects)):
            if name == "build_info":
                continue
            allowed["tables"] += 1
            old_columns, old_rows, by_rowid = _rows(old, name, old_objects[name])
            new_columns_here, new_rows, _ = _rows(new, name, new_objects[name])
            extra = set(new_columns_here) - set(old_columns)
            if extra - new_columns:
                problems.append(f"{db}.{name}: new columns {sorted(extra - new_columns)}")
            allowed["new_columns"] += len(extra & new_columns)
            if set(old_columns) - set(new_columns_here):
                problems.append(f"{db}.{name}: columns gone {sorted(set(old_columns) - set(new_columns_here))}")
            if not by_rowid:
                # View rows are compared without the new columns (their order depends on them).
                old_sorted, new_sorted = _view_rows(old_rows, old_columns), _view_rows(new_rows, old_columns)
                # The counts may differ (reported below): only the rows both have are paired.
                differing = sum(1 for a, b in zip(old_sorted, new_sorted, strict=False) if a != b)
                if len(old_sorted) != len(new_sorted) or differing:
                    # Bracket restorations show here too; the stored table's comparison says which.
                    note = f"{db}.{name} (view): {len(old_sorted)} vs {len(new_sorted)} rows, {differing} differ"
                    allowed.setdefault("view_notes", 0)
                    allowed["view_notes"] += 1
                    print("note:", note)
                continue
            if set(old_rows) != set(new_rows):
                problems.append(f"{db}.{name}: rowids differ ({len(old_rows)} vs {len(new_rows)} rows)")
            for rowid in sorted(set(old_rows) & set(new_rows)):
                allowed["rows"] += 1
                a, b = old_rows[rowid], new_rows[rowid]
                for column in old_columns:
                    if column not in b or a[column] == b[column]:
                        continue
                    if bracket_restoration(a[column], b[column]):
                        allowed["bracket_restorations"] += 1
                    else:
                        problems.append(f"{db}.{name} rowid {rowid} {column}: {a[column]!r} → {b[column]!r}")
        old.close()
        new.close()
    return problems, allowed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--new-columns", default="record_key,digest")
    args = parser.parse_args(argv)
    problems, allowed = compare(args.old, args.new, set(args.new_columns.split(",")))
    print(f"compared {allowed['tables']} tables, {allowed['rows']} stored rows; "
          f"allowed: {allowed['new_columns']} new key/digest columns, "
          f"{allowed['bracket_restorations']} texts with brackets restored")
    for p in problems[:50]:
        print("DIFF", p)
    print(f"{len(problems)} differences" if problems else "no other differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
