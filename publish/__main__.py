"""Command line: `python -m publish …` (CONTRACT.md). Each command wraps a library function.

Every failure is one line on stderr, `错误 [code]：中文说明`, and a non-zero exit, never a
traceback: 2 for a bad argument or a refused input (PublishError), 1 for a file-system error
(`io_error`) or a bug (`internal_error`; PUBLISH_DEBUG=1 prints its traceback), 130 when
interrupted. argparse's own English is replaced (`Parser`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import re
import sqlite3
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import PublishError

PROG = "python -m publish"
EXIT_REFUSED = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


# --- argparse in Chinese -------------------------------------------------------------------

class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


# argparse's messages (Python 3.11), most specific first; {0}, {1}… are the groups.
_MESSAGES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.DOTALL), t) for p, t in [
    (r"argument (?:命令|子命令): invalid choice: '?(.*?)'? \(choose from (.*)\)", "未知命令：{0}（可用命令：{1}）"),
    (r"argument (.+?): invalid choice: (.*?) \(choose from (.*)\)", "{0} 的取值无效：{1}（可选：{2}）"),
    (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
    (r"argument (.+?): expected one argument", "{0} 需要一个值"),
    (r"argument (.+?): expected at least one argument", "{0} 至少需要一个值"),
    (r"argument (.+?): expected (.+) arguments?", "{0} 的值个数不对"),
    (r"argument (.+?): invalid (\w+) value: (.+)", "{0} 的值无效：{2}"),
    (r"argument (.+?): not allowed with argument (.+)", "{0} 不能与 {1} 同时使用"),
    (r"argument (.+?): ignored explicit argument (.+)", "{0} 不接受值：{1}"),
    (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
    (r"ambiguous option: (.+?) could match (.+)", "选项 {0} 有歧义，可能是：{1}"),
    (r"argument (.+?): (.+)", "{0}：{1}"),  # our own type checks say the rest in Chinese
]]


def translate(message: str) -> str:
    """argparse's English error message in Chinese."""
    for pattern, template in _MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return template.format(*(g.replace("'", "") for g in match.groups()))
    return f"参数有误：{message}"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Chinese and raises PublishError("bad_argument") instead
    of printing English and exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("allow_abbrev", False)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False  # ours, below, says it in Chinese
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        raise PublishError("bad_argument", f"{translate(message)}（用法见 {self.prog} --help）")


def _positive_int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text}") from None


def _port(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 0–65535 的整数：{text}")
    return value


def _day(text: str) -> dt.date:
    """--as-of: a PublishError (not argparse's) so that its own code (invalid_date) shows."""
    from .clock import parse_day

    try:
        return parse_day(text)
    except PublishError as exc:
        raise PublishError(exc.code, f"--as-of {exc.message}") from None


def _check_as_of(day: dt.date, today: dt.date) -> None:
    """--as-of may be tomorrow at the latest (a day ahead, for a build made just before
    midnight somewhere); later is a typo, and would publish what is not yet public."""
    if day > today + dt.timedelta(days=1):
        raise PublishError("as_of_in_future",
                           f"--as-of {day.isoformat()} 晚于明天（今天是 {today.isoformat()}，北京时间）")


# --- commands ------------------------------------------------------------------------------

def _state_dir(args: argparse.Namespace) -> Path:
    from .settings import state_dir

    state = state_dir(args.state)
    if os.path.lexists(state) and not state.is_dir():
        raise PublishError("state_not_a_dir", f"状态目录不是目录：{state}")
    return state


def cmd_sample(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .sample import generate_sample
    from .settings import read_environment

    today = command_clock(read_environment()).today()
    if args.as_of:
        _check_as_of(args.as_of, today)
    out = Path(args.out)
    if os.path.lexists(out) and not out.is_dir():
        raise PublishError("out_is_file", f"--out 已存在且不是目录：{out}（不会覆盖文件）")
    summary = generate_sample(out, rows=args.rows, seed=args.seed, as_of=args.as_of or today)
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .clock import build_clock

    if args.as_of:
        _check_as_of(args.as_of, build_clock(None).today())
    state = _state_dir(args)
    report = build(args.input, args.out, args.as_of, state_dir=state,
                   datasets_dir=Path(args.datasets) if args.datasets else None)
    totals = {"read": 0, "published": 0, "withheld": 0, "quarantined": 0, "duplicates": 0}
    for block in report["datasets"].values():
        totals["read"] += block["read"]
        for key in ("published", "withheld", "quarantined", "duplicates"):
            totals[key] += block["totals"][key]
    print(f"构建完成 (build ok)：{args.out}  截至 {report['as_of']}")
    print(f"状态目录 (state)：{state}")
    print("读取 {read}，发布 {published}，暂不公开 {withheld}，隔离 {quarantined}，重复 {duplicates}".format(**totals))
    skipped = [s for s in report["sources"] if s["status"] != "read" or s.get("errors")]
    for source in skipped:
        message = source.get("message") or "; ".join(e["message"] for e in source.get("errors", []))
        print(f"  注意 {source['file']}：{message}")
    return 0


SQLITE_HEADER = b"SQLite format 3\x00"


def cmd_scan(args: argparse.Namespace) -> int:
    from redaction.scan import scan_database

    path = Path(args.db)
    if not os.path.lexists(path):
        raise PublishError("db_missing", f"数据库文件不存在：{path}")
    if not path.is_file():
        raise PublishError("db_not_a_file", f"不是文件：{path}")
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise PublishError("db_not_sqlite", f"不是 SQLite 数据库文件：{path}")
    try:
        findings = scan_database(path)
    except sqlite3.DatabaseError as exc:
        raise PublishError("db_unreadable", f"数据库无法读取：{path}（{exc}）") from exc
    for f in findings:
        print(f"{f.table}\t{f.column}\t{f.rowid}\t{f.kind}\t{f.excerpt}")
    if findings:
        print(f"发现 {len(findings)} 处个人信息 (personal_data_found)", file=sys.stderr)
        return 1
    print(f"未发现个人信息 (clean)：{path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .serve import serve
    from .settings import read_environment

    build_dir = Path(args.build)
    if os.path.lexists(build_dir) and not build_dir.is_dir():
        raise PublishError("build_not_a_dir", f"--build 应为构建目录，而这是一个文件：{build_dir}")
    serve(build_dir, host=args.host, port=args.port,
          clock=command_clock(read_environment(), allow_today=True), state_dir=_state_dir(args),
          releases_dir=Path(args.releases) if args.releases else None)
    return 0


def _purpose(text: str) -> str:
    """--purpose: its own code (unknown_purpose), not argparse's."""
    from .signing_keys import check_purpose

    return check_purpose(text.strip())


def _reason(text: str) -> str:
    from .signing_keys import check_reason

    return check_reason(text)


def cmd_keys_init(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .settings import read_environment
    from .signing_keys import initialise

    state = _state_dir(args)
    clock = command_clock(read_environment())
    print(f"状态目录 (state)：{state}", flush=True)
    steps = initialise(state, clock)
    for step in steps:
        if step.created:
            print(f"已创建 (created)：{step.label} {step.location}")
        else:
            print(f"已存在，未改动 (exists)：{step.label} {step.location}")
    if any(step.created for step in steps):
        print("请备份状态目录：丢失记录密钥会使所有记录重新编码，丢失签名密钥会使已签发的报告和令牌无法核验")
    else:
        print("所需密钥均已存在 (nothing to do)")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from .secrets import RECORD_KEY_FILE
    from .signing_keys import RETIRED, KeyRing
    from .times import beijing_display

    state = _state_dir(args)
    print(f"状态目录 (state)：{state}")
    path = state / RECORD_KEY_FILE
    present = path.is_file()
    print(f"record-key\t记录密钥\t{'存在 (present)' if present else '缺失 (missing)'}\t{path}")
    try:
        ring = KeyRing.open(state)
    except PublishError as exc:
        if exc.code != "keys_missing":
            raise
        print("signing-keys\t签名密钥\t缺失 (missing)")
        print(f"提示：运行 {PROG} --state {state} keys init 创建缺失的密钥", file=sys.stderr)
        return 0
    with ring:
        keys = ring.keys()
    print("kid\tpurpose\tstatus\tcreated\tnote")
    for key in keys:
        note = ""
        if key.status == RETIRED:
            note = f"停用于 {beijing_display(key.retired_at)}，原因：{key.retire_reason}"
        elif key.rotated_at:
            note = f"轮换于 {beijing_display(key.rotated_at)}，公钥仍发布"
        print(f"{key.kid}\t{key.purpose}\t{key.status}\t{beijing_display(key.created_at)}\t{note}")
    if not present or not keys:
        print(f"提示：运行 {PROG} --state {state} keys init 创建缺失的密钥", file=sys.stderr)
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .settings import read_environment
    from .signing_keys import PURPOSE_NAMES, KeyRing

    state = _state_dir(args)
    print(f"状态目录 (state)：{state}", flush=True)
    with KeyRing.open(state, command_clock(read_environment())) as ring:
        made, replaced = ring.rotate(args.purpose)
        print(f"已轮换 (rotated)：签名密钥（{PURPOSE_NAMES[args.purpose]}）的新当前密钥 {made.kid}  "
              f"{ring.key_path(made.purpose, made.kid)}")
    for old in replaced:
        print(f"原当前密钥 {old.kid} 改为 rotated：它不再签名，公钥仍然发布，它签过的仍可核验")
    return 0


def cmd_keys_retire(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .settings import read_environment
    from .signing_keys import KeyRing

    state = _state_dir(args)
    print(f"状态目录 (state)：{state}", flush=True)
    with KeyRing.open(state, command_clock(read_environment())) as ring:
        retired, was_current = ring.retire(args.kid.strip(), args.reason)
    print(f"已停用 (retired)：{retired.kid}（{retired.purpose}），原因：{retired.retire_reason}")
    print("它已从发布的公钥集中移除，私钥文件已删除；它签过的在线核验为 revoked，"
          "离线核验为“未知密钥，请在线核验”")
    if was_current:
        print(f"注意：用途 {retired.purpose} 现在没有当前密钥，签发会失败（keys_missing）；运行 "
              f"{PROG} --state {state} keys rotate --purpose {retired.purpose} 创建新密钥", file=sys.stderr)
    return 0


def _fields(text: str) -> list[str]:
    """--fields F1,F2: catalogue codes separated by commas (， too)."""
    fields = [f.strip() for f in re.split(r"[,，、]", text) if f.strip()]
    if not fields:
        raise argparse.ArgumentTypeError(f"应为以逗号分隔的领域代码（如 market,tax）：{text!r}")
    return fields


def _report_office(args: argparse.Namespace, *, render: bool = False) -> Any:
    """The state's office; `render`: with the renderer (report.html and report.pdf at issue)."""
    from .clock import command_clock
    from .report.issue import report_days
    from .report.office import ReportOffice
    from .settings import read_environment

    environment = read_environment()
    renderer = None
    if render:
        from .report.render import render_settings
        from .report.render.pdf import font_file
        from .report.renderings import file_renderer

        font_file()   # report_font_missing before anything is issued
        renderer = file_renderer(render_settings(environment=environment))
    return ReportOffice.open(_state_dir(args), command_clock(environment), days=report_days(environment),
                             renderer=renderer)


def cmd_report_issue(args: argparse.Namespace) -> int:
    from .settings import DEFAULT_BUILD_DIR

    build_dir = Path(args.build) if args.build else DEFAULT_BUILD_DIR
    if os.path.lexists(build_dir) and not build_dir.is_dir():
        raise PublishError("build_not_a_dir", f"--build 应为构建目录，而这是一个文件：{build_dir}")
    with _report_office(args, render=True) as office:
        print(f"状态目录 (state)：{office.state_dir}", file=sys.stderr)
        issued = office.issue(build_dir, args.uscc, years=args.years, fields=args.fields)
    print(json.dumps(issued.as_json(), ensure_ascii=False, indent=2), flush=True)
    print(f"已出具 (issued)：报告编号 {issued.report_no}，核验码 {issued.code}（只显示这一次：本平台只保存它的散列），"
          f"有效期至 {issued.as_json()['expires_display']}", file=sys.stderr)
    return 0


JWKS_MAX_BYTES = 1 << 20
JWKS_TIMEOUT_SECONDS = 10


def load_jwks(source: str) -> Any:
    """--jwks: a JWKS file, or an http(s) URL (e.g. https://…/.well-known/jwks.json)."""
    if re.match(r"(?i)https?://", source):
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(source, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only)
                data = response.read(JWKS_MAX_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PublishError("jwks_unreachable", f"无法取得公钥集：{source}（{exc}）") from exc
    else:
        path = Path(source)
        if not path.is_file():
            raise PublishError("jwks_missing", f"公钥集文件不存在：{source}")
        data = path.read_bytes()[:JWKS_MAX_BYTES + 1]
    if len(data) > JWKS_MAX_BYTES:
        raise PublishError("jwks_invalid", f"公钥集过大（超过 {JWKS_MAX_BYTES} 字节）：{source}")
    try:
        jwks = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PublishError("jwks_invalid", f"公钥集不是 JSON：{source}（{exc}）") from exc
    if not (isinstance(jwks, dict) and isinstance(jwks.get("keys"), list)) and not isinstance(jwks, list):
        raise PublishError("jwks_invalid", f"公钥集应为 {{\"keys\": [...]}}：{source}")
    return jwks


def _state_jwks(args: argparse.Namespace) -> Any:
    """Without --jwks: the keys this state directory publishes (the server's own JWKS)."""
    from .signing_keys import KeyRing

    state = _state_dir(args)
    try:
        with KeyRing.open(state) as ring:
            return ring.public_jwks("report")
    except PublishError as exc:
        if exc.code not in ("keys_missing", "state_missing"):
            raise
        raise PublishError("jwks_missing", "没有可用的公钥集：用 --jwks 指定公钥集文件或网址（如 https://<本平台>"
                                           f"/.well-known/jwks.json），状态目录 {state} 中也没有密钥") from None


def cmd_report_verify(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .report.verify import verify_offline
    from .settings import read_environment

    path = Path(args.file)
    if not os.path.lexists(path):
        raise PublishError("file_missing", f"文件不存在：{path}")
    if not path.is_file():
        raise PublishError("not_a_file", f"不是文件：{path}")
    from .report.signing import MAX_PDF_BYTES

    with open(path, "rb") as fh:
        data = fh.read(MAX_PDF_BYTES + 1)
    if args.online:
        if args.jwks:
            raise PublishError("bad_argument", "--online 用状态目录中的登记和密钥核验，不能与 --jwks 同时使用")
        with _report_office(args) as office:
            result = office.verify_file(data)
    else:
        jwks = load_jwks(args.jwks) if args.jwks else _state_jwks(args)
        result = verify_offline(data, jwks, now=command_clock(read_environment()).now())
    from .report.verify import text_lines

    print("\n".join(text_lines(result)), flush=True)
    if not result.valid:
        _fail(result.status, result.headline)
        return EXIT_FAILED
    return 0


def cmd_report_revoke(args: argparse.Namespace) -> int:
    from .times import beijing_display

    with _report_office(args) as office:
        print(f"状态目录 (state)：{office.state_dir}", flush=True)
        report = office.revoke(args.no, args.reason)
    print(f"已撤销 (revoked)：{report.no}（{report.uscc}），{beijing_display(report.revoked_at)}")
    print(f"原因 {report.revoke_reason}：{report.revocation_sentence}（核验者看到的就是这句话）")
    return 0


def cmd_report_list(args: argparse.Namespace) -> int:
    from .times import beijing_display

    with _report_office(args) as office:
        print(f"状态目录 (state)：{office.state_dir}")
        uscc = "".join(args.uscc.split()).upper() if args.uscc else None
        reports = office.reports(uscc)
        print("report_no\tuscc\tname\tissued\texpires\tstatus\tkid\tnote")
        for r in reports:
            note = f"撤销于 {beijing_display(r.revoked_at)}，原因：{r.revoke_reason}" if r.revoked else ""
            print(f"{r.no}\t{r.uscc}\t{r.subject_name or ''}\t{beijing_display(r.issued_at)}\t"
                  f"{beijing_display(r.expires_at)}\t{office.status(r)}\t{r.kid}\t{note}")
    return 0


def cmd_audit_list(args: argparse.Namespace) -> int:
    """`audit list`: JSON lines, oldest first (a thin wrapper over AuditLog.iter_entries)."""
    from .audit import AuditLog, parse_since
    from .clock import command_clock
    from .settings import read_environment

    since = parse_since(args.since) if args.since is not None else None
    with AuditLog.open(_state_dir(args), command_clock(read_environment())) as log:
        for entry in log.iter_entries(org=args.org, since=since):
            print(json.dumps(entry, ensure_ascii=False))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """`audit verify`: exit 0 for a sound chain, else the first bad entry and its code."""
    from .audit import AuditLog
    from .clock import command_clock
    from .settings import read_environment

    with AuditLog.open(_state_dir(args), command_clock(read_environment())) as log:
        print(f"状态目录 (state)：{log.ring.state_dir}", flush=True)
        result = log.verify()
    if result.ok:
        print(f"审计日志完好 (audit ok)：{result.message}", flush=True)
        return 0
    print(f"审计日志有问题 (audit broken)：从第 1 条起核对无误 {result.checked} 条，首个问题在第 {result.first_bad} 条"
          f"（{result.at or '时间不明'}），代码 {result.problem}", flush=True)
    _fail(result.problem or "audit_broken", result.message)
    return EXIT_FAILED


def _revoke_reason(text: str) -> str:
    from .report.revocation import check_reason

    return check_reason(text)


# --- the parser ----------------------------------------------------------------------------

def _token_office(args: argparse.Namespace) -> Any:
    from .api.config import api_config
    from .clock import command_clock
    from .settings import read_environment
    from .tokens import TokenOffice

    environment = read_environment()
    config = api_config(environment=environment)
    return TokenOffice.open(_state_dir(args), command_clock(environment), config.issuer, config.audience)


def cmd_token_issue(args: argparse.Namespace) -> int:
    with _token_office(args) as office:
        token, info = office.issue(args.org, args.scope, args.days)
    print(f"已签发 (issued)：机构 {info.org}，权限 {' '.join(info.scopes)}，jti {info.jti}，"
          f"有效期至 {info.expires_at}", file=sys.stderr)
    print("令牌只显示这一次，请妥善保管；撤销：token revoke " + info.jti, file=sys.stderr, flush=True)
    print(token, flush=True)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from .tokens import REVOCATION_TTL_SECONDS

    with _token_office(args) as office:
        info, now = office.revoke(args.jti.strip())
    if now:
        print(f"已撤销 (revoked)：{info.jti}（{info.org}）；运行中的服务在 {REVOCATION_TTL_SECONDS:g} 秒内拒绝它")
    else:
        print(f"早已撤销 (already revoked)：{info.jti}（{info.org}），撤销于 {info.revoked_at}")
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    with _token_office(args) as office:
        tokens = office.tokens()
    print("jti\torg\tscopes\tissued\texpires\trevoked")
    for t in tokens:
        print(f"{t.jti}\t{t.org}\t{' '.join(t.scopes)}\t{t.issued_at}\t{t.expires_at}\t{t.revoked_at or ''}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .clock import command_clock
    from .release import make_release
    from .settings import read_environment

    release = make_release(args.build, args.out, _state_dir(args), command_clock(read_environment()))
    print(f"已发布 (released)：{release.path}（构建 {release.build_id}；上一发布 {release.previous or '无'}）")
    for name, timing in release.timings.items():
        speed = release.csv_bytes / 1e6 / timing.seconds if timing.seconds else 0.0
        print(f"  {name}: {timing.seconds:.2f} s, {timing.size / 1e6:.1f} MB, {speed:.1f} MB/s (CSV-equivalent)")
    print(f"  scan: {release.scan_seconds:.2f} s; total: {release.seconds:.2f} s", flush=True)
    return 0


def _scopes(text: str) -> str:
    from .tokens import parse_scopes

    try:
        return " ".join(parse_scopes(text))
    except PublishError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _common(p: argparse.ArgumentParser, top: bool) -> None:
    """--state and --log-format, accepted before the command and after it."""
    from .settings import DEFAULT_STATE_DIR, LOG_FORMATS

    default = None if top else argparse.SUPPRESS
    p.add_argument("--state", default=default, metavar="DIR",
                   help="状态目录（记录密钥、签名密钥、报告、令牌、审计日志），"
                        f"默认 $PUBLISH_STATE 或 {DEFAULT_STATE_DIR}/")
    p.add_argument("--log-format", choices=LOG_FORMATS, default=default,
                   help="日志格式：text 或 json（每行一个 JSON 对象），默认 $PUBLISH_LOG_FORMAT 或 text")


def _commands(p: argparse.ArgumentParser, dest: str, metavar: str) -> Any:
    sub = p.add_subparsers(dest=dest, metavar=metavar, title=metavar, parser_class=Parser)
    p.set_defaults(func=None, _commands=(p.prog, sub.choices))  # what to say when none is given
    return sub


def _command(sub: Any, name: str, text: str, func: Callable[[argparse.Namespace], int] | None) -> Parser:
    p: Parser = sub.add_parser(name, help=text, description=text)
    _common(p, top=False)
    if func is not None:
        p.set_defaults(func=func)
    return p


def parser() -> Parser:
    from .settings import DEFAULT_BUILD_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SAMPLE_ROWS

    p = Parser(prog=PROG, description="公共信用信息公开发布工具")
    _common(p, top=True)
    sub = _commands(p, "command", "命令")

    s = _command(sub, "sample", "生成模拟的部门原始数据文件", cmd_sample)
    s.add_argument("--out", required=True, metavar="DIR", help="写入的目录")
    s.add_argument("--rows", type=_positive_int, default=DEFAULT_SAMPLE_ROWS, metavar="N",
                   help=f"行政处罚记录总数（默认 {DEFAULT_SAMPLE_ROWS}）")
    s.add_argument("--seed", type=_int, default=0, metavar="S", help="随机种子（默认 0）")
    s.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", help="日期相对于这一天（默认今天）")

    b = _command(sub, "build", "校验、脱敏并构建 public.db 与 authorized.db", cmd_build)
    b.add_argument("--input", required=True, metavar="DIR", help="部门原始文件所在目录")
    b.add_argument("--out", required=True, metavar="DIR", help="输出目录（只替换空目录或以前的构建）")
    b.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", help="公示期按这一天计算（默认今天，北京时间）")
    b.add_argument("--datasets", metavar="DIR", help="数据集定义目录（默认内置）")

    sc = _command(sub, "scan", "扫描数据库中不得公开的个人信息", cmd_scan)
    sc.add_argument("db", metavar="DB", help="SQLite 数据库文件")

    sv = _command(sub, "serve", "用 Datasette 提供网站服务", cmd_serve)
    sv.add_argument("--build", required=True, metavar="DIR", help="构建目录")
    sv.add_argument("--host", default=DEFAULT_HOST, help=f"监听地址（默认 {DEFAULT_HOST}）")
    sv.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="P", help=f"端口（默认 {DEFAULT_PORT}）")
    sv.add_argument("--releases", metavar="DIR",
                    help="下载页（/downloads）所用的发布目录（默认 <构建目录>.releases/）")

    k = _command(sub, "keys", "状态目录中的密钥", None)
    keys = _commands(k, "keys_command", "子命令")
    _command(keys, "init", "创建缺失的密钥：记录密钥和每种用途的当前签名密钥（可重复运行）", cmd_keys_init)
    kr = _command(keys, "rotate", "为一种用途生成新的当前签名密钥（旧公钥仍发布）", cmd_keys_rotate)
    kr.add_argument("--purpose", required=True, type=_purpose, metavar="P", help="用途：report、token 或 audit")
    kt = _command(keys, "retire", "停用一把（泄露的）签名密钥：移出发布的公钥集", cmd_keys_retire)
    kt.add_argument("kid", metavar="KID", help="密钥标识（keys list 中的 kid；以 - 开头的 kid 写在 -- 之后）")
    kt.add_argument("--reason", required=True, type=_reason, metavar="R", help="停用原因（如 compromised）")
    _command(keys, "list", "列出密钥（kid、用途、状态、创建时间；不显示密钥内容）", cmd_keys_list)

    t = _command(sub, "token", "银行与担保机构的接口令牌：签发、撤销、列出", None)
    tokens = _commands(t, "token_command", "子命令")
    ti = _command(tokens, "issue", "签发一个令牌（最后一行只有令牌本身）", cmd_token_issue)
    ti.add_argument("--org", required=True, metavar="NAME", help="机构名称")
    ti.add_argument("--scope", required=True, type=_scopes, metavar='"S1 S2"',
                    help="权限范围，空格分隔：entities:read screen changes:read audit:read sql")
    ti.add_argument("--days", type=_positive_int, default=90, metavar="N", help="有效天数（默认 90）")
    tr = _command(tokens, "revoke", "撤销一个令牌（所有服务进程在 5 秒内拒绝它）", cmd_token_revoke)
    tr.add_argument("jti", metavar="JTI", help="令牌标识（token list 中的 jti；以 - 开头的写在 -- 之后）")
    _command(tokens, "list", "列出已签发的令牌（不显示令牌本身）", cmd_token_list)

    rel = _command(sub, "release", "为记者与研究者生成一次构建的批量下载发布（CSV、XLSX、Parquet、JSON Lines、SQLite）",
                   cmd_release)
    rel.add_argument("--build", required=True, metavar="DIR", help="构建目录")
    rel.add_argument("--out", metavar="DIR", help="发布目录（默认 <构建目录>.releases/，不可在状态目录之内）")

    r = _command(sub, "report", "公共信用信息报告（无违法违规证明版）：出具、核验、撤销、列出", None)
    reports = _commands(r, "report_command", "子命令")
    ri = _command(reports, "issue", "出具一份签名的信用报告（打印一个 JSON 对象：编号、核验码、文件路径、有效期）",
                  cmd_report_issue)
    ri.add_argument("uscc", metavar="USCC", help="主体的统一社会信用代码")
    ri.add_argument("--years", type=_positive_int, default=3, metavar="N", help="查询期间（年，1–5，默认 3）")
    ri.add_argument("--fields", type=_fields, metavar="F1,F2", help="只出具这些领域（领域代码，逗号分隔；默认全部）")
    ri.add_argument("--build", metavar="DIR", help=f"依据的构建目录（默认 {DEFAULT_BUILD_DIR}/，与 make run 相同）")
    rv = _command(reports, "verify", "离线核验签名报告文件或 PDF（有效时退出码 0）", cmd_report_verify)
    rv.add_argument("file", metavar="FILE", help="签名报告文件（report.jws）或报告 PDF")
    rv.add_argument("--jwks", metavar="FILE_OR_URL",
                    help="公钥集文件或网址（如 https://…/.well-known/jwks.json；默认：状态目录发布的公钥）")
    rv.add_argument("--online", action="store_true", help="用状态目录中的登记在线核验（含撤销状态）")
    rr = _command(reports, "revoke", "撤销一份已出具的报告", cmd_report_revoke)
    rr.add_argument("no", metavar="NO", help="报告编号")
    rr.add_argument("--reason", required=True, type=_revoke_reason, metavar="CODE",
                    help="撤销原因代码（data/report_revocation_reasons.yml，如 issued_in_error）")
    rl = _command(reports, "list", "列出已出具的报告（不显示核验码）", cmd_report_list)
    rl.add_argument("--uscc", metavar="U", help="只列出这个主体的报告")

    a = _command(sub, "audit", "授权访问（银行与担保机构接口）的审计日志：列出、核验", None)
    audits = _commands(a, "audit_command", "子命令")
    al = _command(audits, "list", "列出审计记录（每行一个 JSON 对象，最早的在前）", cmd_audit_list)
    al.add_argument("--org", metavar="O", help="只列出这个机构的记录")
    al.add_argument("--since", metavar="T", help="只列出这一时刻起的记录（ISO 8601，如 2026-11-25T10:00:00+08:00；"
                                                 "不带时区按北京时间；或日期 2026-11-25）")
    _command(audits, "verify", "核验审计日志的散列链与签名检查点（完好时退出码 0，否则指出第一条有问题的记录）",
             cmd_audit_verify)
    return p


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser().parse_args(argv)
    if args.func is None:
        prog, choices = args._commands
        raise PublishError("bad_argument", f"缺少命令：{prog} 后应跟 {'、'.join(choices)} 之一（用法见 {prog} --help）")
    return args


_ERRNO_TEXT = {
    errno.ENOENT: "不存在", errno.EACCES: "没有权限", errno.EPERM: "不允许的操作", errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读", errno.ENOTDIR: "路径中有一段不是目录", errno.EISDIR: "是一个目录",
    errno.EEXIST: "已存在", errno.ENOTEMPTY: "目录不为空", errno.EXDEV: "不在同一文件系统上",
    errno.EMFILE: "打开的文件过多", errno.ENAMETOOLONG: "文件名过长", errno.EIO: "读写出错",
}


def _os_error_text(exc: OSError) -> str:
    where = f"{exc.filename}：" if exc.filename else ""
    reason = _ERRNO_TEXT.get(exc.errno or 0)
    if reason:
        return f"文件操作失败：{where}{reason}（{exc.strerror}）"
    return f"文件操作失败：{where}{exc.strerror or exc}"


def _fail(code: str, message: str) -> None:
    print(f"错误 [{code}]：{message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    from .settings import DEBUG_ENV, read_environment

    environment = read_environment()
    try:
        args = _parse(argv)
        from .logs import configure, log_format

        configure(log_format(args.log_format, environment), background=args.command == "serve")
        return args.func(args)
    except PublishError as exc:
        _fail(exc.code, exc.message)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("已中断 (interrupted)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if environment.debug:
            traceback.print_exc()
        _fail("io_error", _os_error_text(exc))
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 (a bug, still reported as one line in Chinese)
        if environment.debug:
            traceback.print_exc()
        detail = str(exc)
        detail = detail if len(detail) <= 300 else detail[:300] + "…"
        _fail("internal_error", f"内部错误（{type(exc).__name__}：{detail}）。这是程序的缺陷，不是输入的问题，"
                                f"请报告；设置 {DEBUG_ENV}=1 可显示调用栈")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
