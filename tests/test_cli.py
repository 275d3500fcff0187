"""The command line as an operator uses it: exit codes and messages, never a traceback."""
import sqlite3
import subprocess
import sys

import pytest

from tests.factories import PENALTY_HEADER, id_number, penalty, write_csv


def cli(*args):
    return subprocess.run([sys.executable, "-m", "publish", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    write_csv(tmp / "raw" / "a.csv", [penalty()], PENALTY_HEADER)
    result = cli("build", "--input", tmp / "raw", "--out", tmp / "out", "--as-of", "2026-11-25")
    assert result.returncode == 0, result.stderr
    assert "构建完成" in result.stdout
    return tmp / "out"


def test_scan_of_a_clean_build_exits_0(built):
    result = cli("scan", built / "public.db")
    assert result.returncode == 0 and "未发现" in result.stdout


def test_scan_finds_a_planted_id_and_exits_1(built, tmp_path):
    planted = tmp_path / "planted.db"
    planted.write_bytes((built / "public.db").read_bytes())
    conn = sqlite3.connect(planted)
    conn.execute("UPDATE penalties_records SET remarks = ?", ("联系人 " + id_number("19700101", 77),))
    conn.commit()
    conn.close()
    result = cli("scan", planted)
    assert result.returncode == 1
    assert "penalties_records\tremarks" in result.stdout and "id_number" in result.stdout
    assert id_number("19700101", 77) not in result.stdout  # the finding itself is not printed whole


@pytest.mark.parametrize("args, code", [
    (["scan", "/nonexistent.db"], "db_missing"),
    (["serve", "--build", "/nonexistent"], "build_missing"),
    (["build", "--input", "/nonexistent", "--out", "/tmp/x"], "input_missing"),
    (["build", "--input", ".", "--out", "/tmp/x", "--as-of", "2026-13-01"], "YYYY-MM-DD"),
])
def test_bad_invocations_are_clear_errors(args, code):
    result = cli(*args)
    assert result.returncode != 0
    assert code in result.stderr and "Traceback" not in result.stderr
