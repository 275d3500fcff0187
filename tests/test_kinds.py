"""The model of each record kind (publish/kinds.py), derived from the dataset definitions."""
import re
import tokenize
from pathlib import Path

import yaml

from publish.definitions import RULES
from publish.kinds import load_kinds
from publish.metadata import render
from publish.resources import METADATA_FILE, PACKAGE_DIR


def test_every_kind_has_its_labels_and_display():
    for kind in load_kinds():
        assert kind.label and re.search(r"[\u4e00-\u9fff]", kind.label), kind.table
        for column in kind.view_columns:
            assert column.label and re.search(r"[\u4e00-\u9fff]", column.label), (kind.table, column.name)
        assert kind.display.shows, kind.table
        assert set(kind.shown_fields()) == {c for c in kind.display.shows if c in kind.labels}
        if kind.tier == "public":
            assert kind.display.note, kind.table


def test_labels_are_the_standards_names():
    kinds = {k.table: k for k in load_kinds()}
    penalties = kinds["penalties"].labels
    assert penalties["severity"] == "严重程度"
    assert penalties["confiscated_wan"] == "没收违法所得、没收非法财物的金额（万元）"
    assert penalties["decision_no"] == "行政处罚决定书文号"
    assert kinds["licences"].labels["decision_no"] == "行政许可决定文书号"


def test_windows_follow_the_rule():
    kinds = {k.table: k for k in load_kinds()}
    assert {t for t, k in kinds.items() if k.ends} == {"penalties", "blacklist", "redlist"}
    assert kinds["penalties"].storage == "penalties_records"
    assert kinds["commitments"].storage == "commitments"
    assert "publish_today()" in kinds["penalties"].view_sql()


def test_committed_metadata_is_what_the_definitions_generate():
    assert METADATA_FILE.read_text(encoding="utf-8") == render()
    assert yaml.safe_load(render())["databases"]["public"]["tables"]["penalties"]["title"].startswith("行政处罚")


def _strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the string literals of a module, comments and prose left out; a
    template's whole text."""
    if path.suffix == ".html":
        return list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
    with open(path, "rb") as fh:
        return [(t.start[0], t.string) for t in tokenize.tokenize(fh.readline) if t.type == tokenize.STRING]


def test_no_module_outside_the_model_names_a_kind():
    """Code names a kind (a table the model declares) only in the model and the YAML; the
    publicity rules (blacklist, redlist…) are named by definitions.py and rules.py, and the
    sample generator writes departments' files, not our tables."""
    rules = set(RULES)
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix not in (".py", ".html") or path.name == "kinds.py" or "sample" in path.stem \
                or "sample" in path.parts:
            continue
        names = [k.table for k in load_kinds()
                 if not (k.table in rules and path.name in ("rules.py", "definitions.py"))]
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        for number, text in _strings(path):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{number}: {text.strip()[:80]}")
    assert offenders == []
