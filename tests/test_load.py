"""Loading (publish/load.py): a kind's table lives in its default tier's database, and a
record whose own scope narrows it can go to another tier's database."""
import sqlite3

from publish.clock import Clock
from publish.kinds import kinds_by_table
from publish.load import Loader
from tests.conftest import AS_OF


def _row(kind, **values):
    return tuple(values.get(c) for c in kind.column_names)


def test_any_kind_can_be_loaded_into_the_authorized_tier(tmp_path):
    kinds = kinds_by_table()
    penalties = kinds["penalties"]
    loader = Loader(tmp_path, kinds, Clock.on(AS_OF))
    loader.add_row("penalties", "public", _row(penalties, decision_no="甲", subject_is_person=0))
    loader.add_row("penalties", "authorized", _row(penalties, decision_no="乙", subject_is_person=0))
    loader.finish({"as_of": AS_OF.isoformat()})
    public, authorized = (sqlite3.connect(tmp_path / f"{tier}.db") for tier in ("public", "authorized"))
    assert [r[0] for r in public.execute("SELECT decision_no FROM penalties_records")] == ["甲"]
    assert [r[0] for r in authorized.execute("SELECT decision_no FROM penalties_records")] == ["乙"]
    # The authorized copy is served through the same kind of view.
    views = {r[0] for r in authorized.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert "penalties" in views
    # A kind with no authorized record has no table there.
    tables = {r[0] for r in authorized.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "licences_records" not in tables and "tax_grades" in tables
