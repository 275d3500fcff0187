"""`python -m publish serve`: Datasette over a build, with our plugins and metadata.yml.

`make_datasette` is what the tests drive in process; `serve` runs the same instance under
uvicorn: one process, one port, every route. Our plugins (publish/plugins/) are registered
here, so they come with the package wherever it runs.

`serve` binds its port itself before it says it started (a port in use or out of reach is a
clear error, not a uvicorn traceback after the "started" line), and warns when its clock is
fixed by PUBLISH_NOW or PUBLISH_TODAY.
"""
from __future__ import annotations

import asyncio
import errno
import os
import socket
import sys
from pathlib import Path

import yaml

from .builds import current, serving_mark
from .clock import SHANGHAI, Clock, attach
from .errors import PublishError
from .plugins import register_all
from .resources import METADATA_FILE, STATIC_DIR, TEMPLATES_DIR

SETTINGS = {
    "sql_time_limit_ms": 1500,
    "facet_time_limit_ms": 300,
    "max_returned_rows": 1000,
    "allow_csv_stream": True,
    "max_csv_mb": 0,
    "default_page_size": 50,
    "num_sql_threads": 6,
    "default_cache_ttl": 60,
}
DATABASES = ("public.db", "authorized.db")


def make_datasette(build_dir: Path, clock: Clock | None = None):
    """A Datasette instance over `build_dir`'s databases, opened immutable, carrying `clock`
    (the system clock by default) for request-time windows."""
    from datasette.app import Datasette

    register_all()
    # Resolved once: a later build switches DIR's link, never what this instance reads.
    resolved = current(Path(build_dir))
    if resolved is None or not resolved.is_dir():
        raise PublishError("build_missing", f"构建目录不存在：{build_dir}（请先运行 build）")
    build_dir = resolved
    databases = [build_dir / name for name in DATABASES]
    for path in databases:
        if not path.is_file():
            raise PublishError("build_missing", f"构建目录中缺少 {path.name}：{build_dir}（请先运行 build）")
    with open(METADATA_FILE, encoding="utf-8") as fh:
        metadata = yaml.safe_load(fh)
    datasette = Datasette(
        immutables=[str(p) for p in databases],
        metadata=metadata,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[("static", str(STATIC_DIR))],
        settings=SETTINGS,
    )
    attach(datasette, clock or Clock.system())
    return datasette


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or a PublishError saying why not."""
    if not 0 <= port <= 65535:
        raise PublishError("bad_port", f"端口应为 0–65535 的整数：{port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise PublishError("bad_host", f"无法解析监听地址：{host}（{exc}）") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise _bind_error(exc, host, port) from exc
    return sock


def _bind_error(exc: OSError, host: str, port: int) -> PublishError:
    """Why the socket could not listen, in the operator's terms."""
    if exc.errno == errno.EADDRINUSE:
        return PublishError("port_in_use",
                            f"端口 {port} 已被占用（{host}）：请先停止占用它的程序，或用 --port 换一个端口")
    if exc.errno == errno.EACCES:
        return PublishError("port_denied",
                            f"无权监听端口 {port}（{host}）：1024 以下的端口需要特权，请用 --port 换一个端口")
    if exc.errno == errno.EADDRNOTAVAIL:
        return PublishError("bad_host", f"监听地址不属于本机：{host}")
    return PublishError("bind_failed", f"无法监听 {host}:{port}：{exc.strerror or exc}")


def clock_warning(clock: Clock) -> str | None:
    """What `serve` prints on stderr when its clock is not the system's."""
    if not clock.fixed:
        return None
    when = clock.day.isoformat() if clock.day else clock.now().astimezone(SHANGHAI).isoformat(timespec="seconds")
    return f"注意：时钟已固定为 {when}（由 {clock.source} 设定），不是系统时间 (clock_fixed)"


def serve(build_dir: Path, host: str, port: int, clock: Clock) -> None:
    import uvicorn

    datasette = make_datasette(build_dir, clock)
    sock = bind_socket(host, port)
    # The build this server reads is held: a later build never prunes it while we run.
    held = serving_mark(Path(datasette.databases["public"].path).parent)
    try:
        warning = clock_warning(clock)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        asyncio.run(datasette.invoke_startup())
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        print(f"服务已启动 (serving)：http://{shown}:{bound}/  按 Ctrl-C 停止", flush=True)
        config = uvicorn.Config(datasette.app(), host=host, port=bound, log_level="warning", lifespan="on",
                                access_log=False, log_config=None)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        os.close(held)
