"""`build --out` replaces nothing but an earlier build of ours (CONTRACT.md: no command
destroys data). Every build here is of AS_OF."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from publish.build import build
from publish.clock import Clock
from publish.errors import PublishError
from publish.outdir import MARKER_FILE, check_out_dir, is_build_dir, mark_build_dir
from publish.signing_keys import initialise
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, write_csv

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def place(tmp_path) -> dict[str, Path]:
    raw = tmp_path / "raw"
    write_csv(raw / "dept" / "a.csv", [penalty()], PENALTY_HEADER)
    state = tmp_path / "state"
    initialise(state, Clock.on(AS_OF))   # what `keys init` makes
    return {"tmp": tmp_path, "raw": raw, "state": state}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def refused(out: Path, place: dict[str, Path]) -> str:
    with pytest.raises(PublishError) as exc:
        check_out_dir(out, place["raw"], place["state"])
    return exc.value.code


def test_the_input_dir_inside_it_and_above_it_are_refused(place):
    raw = place["raw"]
    assert refused(raw, place) == "out_is_input"
    assert refused(raw / "dept", place) == "out_inside_input"
    assert refused(raw / "not-yet", place) == "out_inside_input"
    assert refused(place["tmp"], place) == "out_contains_input"
    assert refused(Path("/"), place) == "out_contains_input"


def test_symbolic_links_and_dot_dots_do_not_get_around_the_check(place):
    link = place["tmp"] / "link"
    link.symlink_to(place["raw"], target_is_directory=True)
    assert refused(link, place) == "out_is_input"
    assert refused(place["tmp"] / "x" / ".." / "raw" / "dept", place) == "out_inside_input"
    above = place["tmp"] / "above"
    above.symlink_to(place["tmp"], target_is_directory=True)
    assert refused(above, place) == "out_contains_input"


def test_the_state_dir_inside_it_and_above_it_are_refused(tmp_path, place):
    state = place["state"]
    assert refused(state, place) == "out_is_state"
    assert refused(state / "builds", place) == "out_inside_state"
    with pytest.raises(PublishError) as exc:
        check_out_dir(tmp_path / "var", place["raw"], tmp_path / "var" / "state")
    assert exc.value.code == "out_contains_state"


def test_a_file_and_a_directory_of_other_things_are_refused(place):
    a_file = place["tmp"] / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    assert refused(a_file, place) == "out_is_file"
    other = place["tmp"] / "documents"
    (other / "sub").mkdir(parents=True)
    assert refused(other, place) == "out_not_a_build"
    (other / "sub").rmdir()
    (other / ".hidden").write_text("x", encoding="utf-8")
    assert refused(other, place) == "out_not_a_build"


def test_a_marker_that_is_not_ours_does_not_count(place):
    fake = place["tmp"] / "fake"
    fake.mkdir()
    (fake / MARKER_FILE).write_text("not json", encoding="utf-8")
    (fake / "precious.txt").write_text("x", encoding="utf-8")
    assert not is_build_dir(fake)
    assert refused(fake, place) == "out_not_a_build"


def test_a_missing_dir_an_empty_dir_and_a_build_are_accepted(place):
    tmp = place["tmp"]
    assert check_out_dir(tmp / "new" / "out", place["raw"], place["state"]) == (tmp / "new" / "out").resolve()
    (tmp / "empty").mkdir()
    check_out_dir(tmp / "empty", place["raw"], place["state"])
    (tmp / "ours").mkdir()
    (tmp / "ours" / "public.db").write_bytes(b"")
    mark_build_dir(tmp / "ours", AS_OF)
    assert json.loads((tmp / "ours" / MARKER_FILE).read_text())["as_of"] == AS_OF.isoformat()
    check_out_dir(tmp / "ours", place["raw"], place["state"])


def test_an_unmarked_build_of_an_earlier_version_is_recognised(place):
    legacy = place["tmp"] / "legacy"
    legacy.mkdir()
    for name in ("public.db", "authorized.db", "quarantine.csv", "build-report.json"):
        (legacy / name).write_bytes(b"")
    check_out_dir(legacy, place["raw"], place["state"])
    (legacy / "notes.txt").write_text("x", encoding="utf-8")
    assert refused(legacy, place) == "out_not_a_build"


def test_a_build_replaces_its_previous_build_and_fills_an_empty_dir(place):
    out = place["tmp"] / "out"
    out.mkdir()
    build(place["raw"], out, AS_OF, progress=False, state_dir=place["state"])
    assert is_build_dir(out) and (out / "public.db").is_file()
    first = (out / "public.db").stat().st_ino
    build(place["raw"], out, AS_OF, progress=False, state_dir=place["state"])
    assert is_build_dir(out) and (out / "public.db").stat().st_ino != first  # a new build in its place
    assert json.loads((out / MARKER_FILE).read_text())["tool"] == "credit-publisher"


def test_a_refused_build_writes_nothing(place):
    other = place["tmp"] / "documents"
    other.mkdir()
    (other / "letter.txt").write_text("重要", encoding="utf-8")
    before = snapshot(place["tmp"])
    with pytest.raises(PublishError) as exc:
        build(place["raw"], other, AS_OF, progress=False, state_dir=place["state"])
    assert exc.value.code == "out_not_a_build"
    assert snapshot(place["tmp"]) == before
    assert sorted(p.name for p in place["tmp"].iterdir()) == ["documents", "raw", "state"]  # no staging left


def _cli(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISH_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "publish", *map(str, args)], check=False, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("out, code", [
    ("raw", "out_is_input"),
    ("raw/dept", "out_inside_input"),
    (".", "out_contains_input"),
    ("state", "out_is_state"),
    ("documents", "out_not_a_build"),
    ("raw/dept/a.csv", "out_inside_input"),
    ("notes.txt", "out_is_file"),
])
def test_the_cli_refuses_and_leaves_every_file_as_it_was(place, out, code):
    tmp = place["tmp"]
    (tmp / "documents").mkdir()
    (tmp / "documents" / "letter.txt").write_text("重要", encoding="utf-8")
    (tmp / "notes.txt").write_text("笔记", encoding="utf-8")
    before = snapshot(tmp)
    result = _cli("--state", place["state"], "build", "--input", place["raw"], "--out", tmp / out,
                  "--as-of", AS_OF.isoformat())
    assert result.returncode != 0
    assert f"错误 [{code}]：" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp) == before
    assert not [p for p in tmp.iterdir() if "staging" in p.name]
