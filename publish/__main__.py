"""Command line: `python -m publish …` (CONTRACT.md). Each command wraps a library function."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from .errors import PublishError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}")


def cmd_sample(args) -> int:
    from .clock import command_clock
    from .sample import generate_sample
    from .settings import read_environment

    summary = generate_sample(Path(args.out), rows=args.rows, seed=args.seed,
                              as_of=args.as_of or command_clock(read_environment()).today())
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_build(args) -> int:
    from .build import build

    report = build(args.input, args.out, args.as_of,
                   datasets_dir=Path(args.datasets) if args.datasets else None)
    totals = {"read": 0, "published": 0, "withheld": 0, "quarantined": 0, "duplicates": 0}
    for block in report["datasets"].values():
        totals["read"] += block["read"]
        for key in ("published", "withheld", "quarantined", "duplicates"):
            totals[key] += block["totals"][key]
    print(f"构建完成 (build ok)：{args.out}  截至 {report['as_of']}")
    print("读取 {read}，发布 {published}，暂不公开 {withheld}，隔离 {quarantined}，重复 {duplicates}".format(**totals))
    skipped = [s for s in report["sources"] if s["status"] != "read" or s.get("errors")]
    for source in skipped:
        message = source.get("message") or "; ".join(e["message"] for e in source.get("errors", []))
        print(f"  注意 {source['file']}：{message}")
    return 0


def cmd_scan(args) -> int:
    from redaction.scan import scan_database

    path = Path(args.db)
    if not path.is_file():
        raise PublishError("db_missing", f"数据库文件不存在：{path}")
    findings = scan_database(path)
    for f in findings:
        print(f"{f.table}\t{f.column}\t{f.rowid}\t{f.kind}\t{f.excerpt}")
    if findings:
        print(f"发现 {len(findings)} 处个人信息 (personal_data_found)", file=sys.stderr)
        return 1
    print(f"未发现个人信息 (clean)：{path}")
    return 0


def cmd_serve(args) -> int:
    from .clock import command_clock
    from .serve import serve
    from .settings import read_environment

    serve(Path(args.build), host=args.host, port=args.port,
          clock=command_clock(read_environment(), allow_today=True))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m publish", description="公共信用信息公开发布工具")
    p.add_argument("--state", default=os.environ.get("PUBLISH_STATE", "var"),
                   help="状态目录（签名密钥、报告、令牌、审计日志），默认 var/")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="生成模拟的部门原始数据文件")
    s.add_argument("--out", required=True)
    s.add_argument("--rows", type=int, default=2000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--as-of", type=_date)
    s.set_defaults(func=cmd_sample)

    b = sub.add_parser("build", help="校验、脱敏并构建 public.db 与 authorized.db")
    b.add_argument("--input", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--as-of", type=_date)
    b.add_argument("--datasets", help="数据集定义目录（默认内置）")
    b.set_defaults(func=cmd_build)

    sc = sub.add_parser("scan", help="扫描数据库中不得公开的个人信息")
    sc.add_argument("db")
    sc.set_defaults(func=cmd_scan)

    sv = sub.add_parser("serve", help="用 Datasette 提供网站服务")
    sv.add_argument("--build", required=True)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8001)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ["PUBLISH_STATE"] = args.state
    try:
        return args.func(args)
    except PublishError as exc:
        print(f"错误 [{exc.code}]：{exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 (interrupted)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
