"""Versioned builds behind one path (publish/builds.py, CONTRACT.md "Build outputs"): the
switch is atomic, a killed build loses nothing, two builds at once cannot happen, and a
running server keeps the build it reads."""
import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from publish import builds
from publish.build import build
from publish.clock import Clock
from publish.errors import PublishError
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, write_csv


@pytest.fixture
def raw(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw / "p.csv", [penalty()], PENALTY_HEADER)
    return raw


def decisions(out: Path) -> list[str]:
    conn = sqlite3.connect(out / "public.db")
    try:
        return [r[0] for r in conn.execute("SELECT decision_no FROM penalties_records ORDER BY id")]
    finally:
        conn.close()


def rebuild_with(raw: Path, number: str) -> None:
    write_csv(raw / "p.csv", [penalty(行政处罚决定书文号=number)], PENALTY_HEADER)


def test_out_is_a_link_to_a_versioned_build(raw, tmp_path):
    out = tmp_path / "out"
    report = build(raw, out, AS_OF, progress=False)
    assert out.is_symlink()
    target = out.resolve()
    assert target.parent == tmp_path / "out.builds"
    assert builds.BUILD_ID.fullmatch(target.name) and target.name.startswith("2026-11-25_")
    assert report["build_id"] == target.name
    assert (out / "public.db").is_file() and decisions(out) == ["景市监罚〔2026〕1号"]


async def test_health_names_the_build_served(raw, tmp_path):
    out = tmp_path / "out"
    report = build(raw, out, AS_OF, progress=False)
    response = await make_datasette(out, Clock.on(AS_OF)).client.get("/-/health")
    assert response.status_code == 200
    assert response.json()["build_id"] == report["build_id"] and response.json()["status"] == "ok"


def test_the_two_newest_builds_are_kept(raw, tmp_path):
    out = tmp_path / "out"
    ids = []
    for n in range(4):
        rebuild_with(raw, f"景市监罚〔2026〕{n + 1}号")
        ids.append(build(raw, out, AS_OF, progress=False)["build_id"])
    assert [p.name for p in builds.versions(out)] == ids[-2:]
    assert decisions(out) == ["景市监罚〔2026〕4号"]


def test_a_build_a_server_holds_is_never_pruned(raw, tmp_path):
    out = tmp_path / "out"
    first = build(raw, out, AS_OF, progress=False)["build_id"]
    served = make_datasette(out, Clock.on(AS_OF))
    mark = builds.serving_mark(out.resolve())
    try:
        for n in range(3):
            rebuild_with(raw, f"景市监罚〔2026〕{n + 2}号")
            build(raw, out, AS_OF, progress=False)
        assert first in [p.name for p in builds.versions(out)]
        # The server resolved DIR once: it still reads its own build.
        assert Path(served.databases["public"].path).parent.name == first
    finally:
        os.close(mark)
    rebuild_with(raw, "景市监罚〔2026〕9号")
    build(raw, out, AS_OF, progress=False)
    assert first not in [p.name for p in builds.versions(out)]


def test_a_plain_directory_of_an_earlier_build_is_moved_aside(raw, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("public.db", "authorized.db", "quarantine.csv"):
        (out / name).write_bytes(b"")
    (out / "build-report.json").write_text('{"as_of": "2026-11-20"}', encoding="utf-8")
    build(raw, out, AS_OF, progress=False)
    assert out.is_symlink()
    names = [p.name for p in builds.versions(out)]
    assert len(names) == 2 and names[0].startswith("2026-11-20_")


def test_leftovers_of_killed_builds_are_removed(raw, tmp_path):
    out = tmp_path / "out"
    build(raw, out, AS_OF, progress=False)
    left = tmp_path / "out.builds" / ".staging-2026-11-25_20261125T000000Z-dead"
    left.mkdir()
    (left / "quarantine.csv").write_text("来源文件,原始数据\na.csv,王小明 360203198001011234\n", encoding="utf-8")
    old_style = tmp_path / ".out.staging-abc123"
    old_style.mkdir()
    build(raw, out, AS_OF, progress=False)
    assert not left.exists() and not old_style.exists()


def _build_killed_at(raw, out, step, state):
    os.environ["PUBLISH_STATE"] = str(state)

    def kill(name):
        if name == step:
            os._exit(9)

    def kill_before_scan(_staging):
        if step == "scan":
            os._exit(9)

    build(raw, out, AS_OF, progress=False, workers=1, on_switch_step=kill, before_scan=kill_before_scan)


@pytest.mark.parametrize("step", ["scan", *builds.STEPS])
@pytest.mark.parametrize("legacy", [False, True], ids=["versioned", "first-versioned"])
def test_a_build_killed_at_any_step_leaves_the_previous_or_the_new_build(raw, tmp_path, step, legacy, state_dir):
    out = tmp_path / "out"
    if legacy:
        out.mkdir()
        build(raw, tmp_path / "elsewhere", AS_OF, progress=False)
        for name in ("public.db", "authorized.db", "quarantine.csv", "build-report.json"):
            (out / name).write_bytes((tmp_path / "elsewhere" / name).read_bytes())
    else:
        build(raw, out, AS_OF, progress=False)
    rebuild_with(raw, "景市监罚〔2026〕2号")
    child = multiprocessing.get_context("fork").Process(target=_build_killed_at, args=(raw, out, step, state_dir))
    child.start()
    child.join()
    assert child.exitcode == 9
    served = builds.current(out)
    assert served is not None and decisions(served) in (["景市监罚〔2026〕1号"], ["景市监罚〔2026〕2号"])
    datasette = make_datasette(out, Clock.on(AS_OF))
    assert Path(datasette.databases["public"].path).parent == served
    # The next build goes through and leaves no staging directory behind.
    build(raw, out, AS_OF, progress=False)
    assert decisions(out) == ["景市监罚〔2026〕2号"]
    assert not list((tmp_path / "out.builds").glob(".staging-*"))


def _build_waiting(raw, out, started, release, state):
    os.environ["PUBLISH_STATE"] = str(state)

    def wait(_staging):
        started.set()
        release.wait(30)

    build(raw, out, AS_OF, progress=False, workers=1, before_scan=wait)


def test_a_second_build_into_the_same_out_is_refused(raw, tmp_path, state_dir):
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("fork")
    started, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_build_waiting, args=(raw, out, started, release, state_dir))
    child.start()
    try:
        assert started.wait(30)
        with pytest.raises(PublishError) as exc:
            build(raw, out, AS_OF, progress=False)
        assert exc.value.code == "build_running"
    finally:
        release.set()
        child.join(30)
    assert child.exitcode == 0
    assert decisions(out) == ["景市监罚〔2026〕1号"]
