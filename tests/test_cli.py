"""The command line as an operator uses it: exit codes and messages, never a traceback.

Every case states its day: builds and samples pass `--as-of` (AS_OF), `serve` gets
PUBLISH_TODAY, and "the future" is a day no machine clock reaches (3000-01-01).
"""
import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from publish import __main__ as cli_main
from publish.logs import HANDLER_NAME
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, id_number, penalty, write_csv

ROOT = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def clean_env(**extra: str) -> dict[str, str]:
    """The machine's environment without our variables, importing this work tree's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISH_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return {**env, **extra}


def cli(*args, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "publish", *map(str, args)], check=False, capture_output=True,
                          text=True, env=env or clean_env(), cwd=cwd or ROOT, timeout=timeout)


def assert_refused(result, code: str, exit_code: int | None = None) -> None:
    assert result.returncode != 0, result.stdout
    if exit_code is not None:
        assert result.returncode == exit_code
    assert f"错误 [{code}]：" in result.stderr, result.stderr
    assert CHINESE.search(result.stderr.split(f"[{code}]：", 1)[1])
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture(autouse=True)
def _drop_log_handler():
    """main() in process installs a stderr handler; take it away after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("state") / "state"
    result = cli("--state", path, "keys", "init")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory, state):
    tmp = tmp_path_factory.mktemp("cli")
    write_csv(tmp / "raw" / "a.csv", [penalty()], PENALTY_HEADER)
    result = cli("--state", state, "build", "--input", tmp / "raw", "--out", tmp / "out", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert "构建完成" in result.stdout and f"状态目录 (state)：{state}" in result.stdout
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


# --- bad arguments: one line in Chinese with a stable code, exit non-zero, no traceback ----

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("files")
    text = tmp / "notes.txt"
    text.write_text("这不是数据库\n", encoding="utf-8")
    raw = tmp / "raw"
    write_csv(raw / "a.csv", [penalty()], PENALTY_HEADER)
    return {"text": text, "missing": tmp / "missing", "raw": raw, "out": tmp / "out"}


BAD = [
    # (arguments, code, what the message says)
    ([], "bad_argument", "缺少命令"),
    (["frobnicate"], "bad_argument", "未知命令"),
    (["keys"], "bad_argument", "缺少命令"),
    (["keys", "frobnicate"], "bad_argument", "未知命令"),
    (["keys", "rotate"], "bad_argument", "缺少必需的参数：--purpose"),
    (["sample"], "bad_argument", "缺少必需的参数：--out"),
    (["sample", "--out", "{out}", "--rows", "abc"], "bad_argument", "--rows"),
    (["sample", "--out", "{out}", "--rows", "0"], "bad_argument", "正整数"),
    (["sample", "--out", "{out}", "--seed", "x"], "bad_argument", "--seed"),
    (["sample", "--out"], "bad_argument", "需要一个值"),
    (["sample", "--out", "{out}", "--as-of", "3000-01-01"], "as_of_in_future", "晚于明天"),
    (["sample", "--out", "{text}"], "out_is_file", "不是目录"),
    (["build", "--input", "{raw}", "--out", "{out}", "--as-of", "3000-01-01"], "as_of_in_future", "晚于明天"),
    (["build", "--input", "{raw}", "--out", "{out}", "--as-of", "2026-13-01"], "invalid_date", "日期不存在"),
    (["build", "--input", "{raw}", "--out", "{out}", "--as-of", "2026-02-30"], "invalid_date", "日期不存在"),
    (["build", "--input", "{raw}", "--out", "{out}", "--as-of", "2026/1/1"], "invalid_date", "格式"),
    (["build", "--input", "{missing}", "--out", "{out}", "--as-of", "2026-11-25"], "input_missing", "输入目录"),
    (["build", "--input", "{raw}"], "bad_argument", "--out"),
    (["build", "--input", "{raw}", "--out", "{out}", "--bogus"], "bad_argument", "无法识别的参数"),
    (["scan", "{text}"], "db_not_sqlite", "不是 SQLite"),
    (["scan", "{missing}"], "db_missing", "不存在"),
    (["scan"], "bad_argument", "缺少必需的参数"),
    (["serve", "--build", "{missing}"], "build_missing", "构建目录"),
    (["serve", "--build", "{text}"], "build_not_a_dir", "文件"),
    (["serve", "--build", "{raw}", "--port", "99999"], "bad_argument", "端口"),
    (["serve", "--build", "{raw}", "--port", "http"], "bad_argument", "端口"),
    (["--log-format", "xml", "keys", "list"], "bad_argument", "--log-format"),
]


@pytest.mark.parametrize("args, code, says", BAD, ids=[" ".join(a) or "(none)" for a, _, _ in BAD])
def test_bad_invocations_are_clear_errors(args, code, says, files, state):
    before = files["text"].read_bytes()
    result = cli("--state", state, *[a.format(**files) for a in args])
    assert_refused(result, code, exit_code=2)
    assert says in result.stderr
    assert "服务已启动" not in result.stdout
    assert files["text"].read_bytes() == before  # nothing overwritten
    assert not files["out"].exists()


def test_an_invalid_log_format_variable_is_refused(state):
    result = cli("--state", state, "keys", "list", env=clean_env(PUBLISH_LOG_FORMAT="xml"))
    assert_refused(result, "bad_setting")


def test_help_is_chinese():
    result = cli("build", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("用法：") and "显示本帮助并退出" in result.stdout
    assert "usage" not in result.stdout and "show this help" not in result.stdout


def test_serve_refuses_a_port_in_use_before_it_says_it_started(built):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--build", built, "--port", port, env=clean_env(PUBLISH_TODAY=AS_OF.isoformat()),
                     timeout=60)
    assert_refused(result, "port_in_use")
    assert str(port) in result.stderr
    assert "服务已启动" not in result.stdout


def test_serve_warns_of_its_fixed_clock_and_logs_each_request(built):
    import urllib.request

    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(built), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env=clean_env(PUBLISH_TODAY=AS_OF.isoformat()))
    try:
        line = process.stdout.readline()
        assert line.startswith("服务已启动"), process.stderr.read() if process.poll() is not None else line
        base = re.search(r"http://\S+/", line).group()
        with urllib.request.urlopen(base + "search?q=%E7%A7%98%E5%AF%86%E8%AF%8D", timeout=10) as response:
            request_id = response.headers["X-Request-Id"]
            assert response.status == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert f"时钟已固定为 {AS_OF.isoformat()}" in stderr and "(clock_fixed)" in stderr
    access = [ln for ln in stderr.splitlines() if "publish.access" in ln]
    assert len(access) == 1 and request_id in access[0] and " GET /search 200 " in access[0]
    assert "q=" not in stderr and "秘密词" not in stderr and "%E7" not in stderr
    assert "Traceback" not in stderr


# --- --state, keys ----------------------------------------------------------------------------

def test_keys_init_is_idempotent_and_prints_the_resolved_state_dir(tmp_path):
    first = cli("--state", "relative/state", "keys", "init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    state = (tmp_path / "relative" / "state").resolve()
    assert f"状态目录 (state)：{state}" in first.stdout and "已创建" in first.stdout
    secret = (state / "record-key.secret").read_bytes()
    assert oct((state / "record-key.secret").stat().st_mode & 0o777) == "0o600"
    again = cli("keys", "init", "--state", state)  # --state after the command works too
    assert again.returncode == 0 and "已存在" in again.stdout and "已创建" not in again.stdout
    assert (state / "record-key.secret").read_bytes() == secret


def test_publish_state_variable_is_the_default_and_keys_list_never_shows_the_secret(tmp_path):
    state = tmp_path / "from-env"
    env = clean_env(PUBLISH_STATE=str(state))
    missing = cli("keys", "list", env=env)
    assert missing.returncode == 0 and "缺失" in missing.stdout and not state.exists()  # listing creates nothing
    assert cli("keys", "init", env=env).returncode == 0
    listed = cli("keys", "list", env=env)
    secret = (state / "record-key.secret").read_text().strip()
    assert listed.returncode == 0 and "存在 (present)" in listed.stdout and str(state) in listed.stdout
    assert secret not in listed.stdout + listed.stderr


def test_a_state_path_that_is_a_file_is_refused(files):
    result = cli("--state", files["text"], "keys", "init")
    assert_refused(result, "state_not_a_dir")


def test_build_is_given_the_resolved_state_dir(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake_build(input_dir, out_dir, as_of, *, state_dir, datasets_dir):
        seen.update(state_dir=state_dir, as_of=as_of)
        return {"datasets": {}, "sources": [], "as_of": as_of.isoformat()}

    monkeypatch.setattr("publish.build.build", fake_build)
    monkeypatch.chdir(tmp_path)
    assert cli_main.main(["--state", "st", "build", "--input", "in", "--out", "out", "--as-of", "2026-11-25"]) == 0
    assert seen == {"state_dir": tmp_path.resolve() / "st", "as_of": AS_OF}
    assert f"状态目录 (state)：{tmp_path.resolve() / 'st'}" in capsys.readouterr().out


# --- unexpected errors and logging (in process) -----------------------------------------------

def _failing_scan(path):
    raise RuntimeError("boom")


def test_an_unexpected_error_is_internal_error_without_traceback(monkeypatch, capsys, built):
    monkeypatch.delenv("PUBLISH_DEBUG", raising=False)
    monkeypatch.setattr("redaction.scan.scan_database", _failing_scan)
    assert cli_main.main(["scan", str(built / "public.db")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误 [internal_error]：内部错误") and "RuntimeError" in err and "PUBLISH_DEBUG" in err
    assert "Traceback" not in err


def test_publish_debug_shows_the_traceback(monkeypatch, capsys, built):
    monkeypatch.setenv("PUBLISH_DEBUG", "1")
    monkeypatch.setattr("redaction.scan.scan_database", _failing_scan)
    assert cli_main.main(["scan", str(built / "public.db")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "[internal_error]" in err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_build_logs_show_on_stderr_at_info(monkeypatch, capsys, tmp_path, fmt):
    def logging_build(input_dir, out_dir, as_of, *, state_dir, datasets_dir):
        logging.getLogger("publish.build").info("读取完成：%s", "a.csv", extra={"file": "a.csv", "rows": 3})
        logging.getLogger("publish.build").debug("不显示")
        return {"datasets": {}, "sources": [], "as_of": as_of.isoformat()}

    monkeypatch.delenv("PUBLISH_LOG_FORMAT", raising=False)
    monkeypatch.setattr("publish.build.build", logging_build)
    assert cli_main.main(["--log-format", fmt, "--state", str(tmp_path / "st"), "build", "--input", "in",
                          "--out", str(tmp_path / "out"), "--as-of", "2026-11-25"]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "publish.build" in ln]
    assert len(lines) == 1
    if fmt == "json":
        record = json.loads(lines[0])
        assert record["logger"] == "publish.build" and record["level"] == "INFO"
        assert record["message"] == "读取完成：a.csv" and record["file"] == "a.csv" and record["rows"] == 3
        assert record["time"].endswith("+08:00")
    else:
        timestamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00"
        assert re.match(rf"^{timestamp} INFO publish\.build 读取完成：a\.csv$", lines[0])


def test_a_file_system_error_is_io_error_in_chinese(files, state_dir):
    # /proc refuses new directories: the build cannot make its staging directory there.
    result = cli("--state", state_dir, "build", "--input", files["raw"], "--out", "/proc/publish-test/out",
                 "--as-of", AS_OF)
    assert_refused(result, "io_error", exit_code=1)
    assert "文件操作失败" in result.stderr


def test_sample_under_a_file_is_refused(files):
    result = cli("sample", "--out", files["text"] / "sub", "--rows", "600", "--as-of", AS_OF)
    assert_refused(result, "sample_out_is_file", exit_code=2)
