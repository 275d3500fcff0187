"""`python -m publish serve`: Datasette over a build, with our plugins and metadata.yml.

`make_datasette` is what the tests drive in process; `serve` runs the same instance under
uvicorn: one process, one port, every route. Our plugins (publish/plugins/) are registered
here, so they come with the package wherever it runs.

The instance is a `Site`: Datasette whose absolute links are made from the configured base
URL (settings.DEFAULT_BASE_URL, PUBLISH_BASE_URL or `plugins: site: base_url:` in
metadata.yml), never from the request's Host header, and whose databases run arbitrary SQL
on their own threads (plugins/connections.py) under the SQL limits (publish/limits.py).
uvicorn believes X-Forwarded-For only from the trusted proxies (PUBLISH_TRUSTED_PROXIES;
none by default).

`serve` binds its port itself before it says it started (a port in use or out of reach is a
clear error, not a uvicorn traceback after the "started" line), and warns when its clock is
fixed by PUBLISH_NOW or PUBLISH_TODAY.
"""
from __future__ import annotations

import asyncio
import errno
import functools
import os
import signal
import socket
import sys
import urllib.parse
from dataclasses import replace
from pathlib import Path

import yaml

from .builds import current, serving_mark
from .clock import SHANGHAI, Clock, attach
from .errors import PublishError
from .feed import make_current_at_start
from .limits import SqlLimits, parse_trusted_proxies, uvicorn_proxy_options
from .plugins import register_all
from .release.command import check_releases_dir, default_releases_dir
from .resources import METADATA_FILE, STATIC_DIR, TEMPLATES_DIR
from .settings import DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, Environment, read_environment
from .settings import state_dir as settings_state_dir

SETTINGS = {
    "sql_time_limit_ms": 1500,
    "facet_time_limit_ms": 300,
    "max_returned_rows": 1000,
    "allow_csv_stream": False,   # a whole table streams from /downloads/live/ (plugins/livecsv.py)
    # The whole database is offered as the release's public.db (/downloads, plugins/downloads.py).
    "allow_download": False,
    "max_csv_mb": 0,
    "default_page_size": DEFAULT_PAGE_SIZE,
    "num_sql_threads": 6,
    "default_cache_ttl": 60,
}
DATABASES = ("public.db", "authorized.db")


def parse_base_url(text: str) -> str:
    """The site's origin (`scheme://host[:port]`) from a configured base URL."""
    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise PublishError("bad_base_url",
                           f"网站地址应为 http(s)://主机[:端口]，不带路径（如 {DEFAULT_BASE_URL}）：{text}")
    return f"{parts.scheme}://{parts.netloc}"


def configured_base_url(metadata: dict, environment: Environment) -> str:
    """PUBLISH_BASE_URL, else metadata.yml's `plugins: site: base_url:`, else the default."""
    configured = ((metadata.get("plugins") or {}).get("site") or {}).get("base_url")
    return parse_base_url(environment.base_url or configured or DEFAULT_BASE_URL)


def sql_limits(environment: Environment) -> SqlLimits:
    """The SQL limits: the defaults, with any PUBLISH_SQL_* override."""
    limits = SqlLimits()
    for name, value in environment.sql_limits:
        if not value.strip().isdigit() or int(value) < 1:
            raise PublishError("bad_setting", f"SQL 限制 {name} 应为正整数：{value}")
        limits = replace(limits, **{name: int(value)})
    return limits


@functools.cache
def _site_class():
    from datasette.app import Datasette

    class Site(Datasette):
        """Datasette with absolute links from the site's base URL, not the Host header; it
        knows the build it serves and the state directory (the credit report's)."""
        site_base_url = DEFAULT_BASE_URL
        site_build_dir = None    # the resolved build directory (a Path), set by make_datasette
        site_state_dir = None    # the state directory (a Path)
        site_releases_dir = None  # where the releases are (a Path): /downloads
        site_role = "site"       # "worker": the SQL worker's instance (requests the server admitted)

        def absolute_url(self, request, path):
            return urllib.parse.urljoin(self.site_base_url + "/", path)

    return Site


def make_datasette(build_dir: Path, clock: Clock | None = None, *, limits: SqlLimits | None = None,
                   base_url: str | None = None, role: str = "site", state_dir: Path | None = None,
                   releases_dir: Path | None = None):
    """A Datasette instance over `build_dir`'s databases, opened immutable, carrying `clock`
    (the system clock by default) for request-time windows; SQL limits and base URL from the
    settings unless given. `role="worker"` is the SQL worker's instance (publish/sqlworker.py):
    it answers what the server already admitted. `state_dir` is where the credit report's
    keys and registry are (default: PUBLISH_STATE, else var/state; plugins/reports.py opens
    it when a report route is first asked for). `releases_dir` is where `/downloads` finds the
    releases (default `<build DIR>.releases/`); never inside a build or the state directory."""
    from .plugins.connections import install_bounded_databases
    from .plugins.sqllimits import configure

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
    environment = read_environment()
    state = Path(state_dir).resolve() if state_dir else settings_state_dir(None, environment)
    # Resolved once, like the build; refused before anything is opened. The SQL worker serves no download.
    releases = None if role == "worker" else Path(os.path.realpath(check_releases_dir(
        Path(releases_dir) if releases_dir else default_releases_dir(build_dir), build_dir, state)))
    datasette = _site_class()(
        immutables=[str(p) for p in databases],
        metadata=metadata,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[("static", str(STATIC_DIR))],
        settings=SETTINGS,
    )
    datasette.site_base_url = parse_base_url(base_url) if base_url else configured_base_url(metadata, environment)
    datasette.site_build_dir = build_dir
    datasette.site_role = role
    datasette.site_state_dir = state
    datasette.site_releases_dir = releases
    install_bounded_databases(datasette)
    configure(datasette, limits or sql_limits(environment), admit=role != "worker")
    attach(datasette, clock or Clock.system())
    return datasette


LISTEN_BACKLOG = 2048


def bind_socket(host: str, port: int, listen: bool = True) -> socket.socket:
    """A TCP socket bound to host:port (listening unless `listen` is False), or a
    PublishError saying why not."""
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
        if listen:
            sock.listen(LISTEN_BACKLOG)
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


def start_worker(worker) -> None:
    try:
        worker.start()
        worker.wait_ready()
    except RuntimeError as exc:
        raise PublishError("sql_worker_failed", f"SQL 查询进程未能启动：{exc}") from exc


def _exit_on_terminate(signum, frame) -> None:
    # uvicorn ends on SIGTERM by raising the signal again once it has shut down; as
    # SystemExit it runs `serve`'s clean-up (the SQL worker is stopped) on the way out.
    raise SystemExit(128 + signum)


def serve(build_dir: Path, host: str, port: int, clock: Clock, state_dir: Path | None = None,
          releases_dir: Path | None = None) -> None:
    import uvicorn

    from .plugins.sqllimits import configure, lane_config
    from .sqlworker import SqlWorker, WorkerLink

    # Resolved once: the server and its worker serve one build, whatever later builds switch.
    build_dir = current(Path(build_dir)) or Path(build_dir).resolve()
    datasette = make_datasette(build_dir, clock, state_dir=state_dir, releases_dir=releases_dir)
    proxy_headers, trusted = uvicorn_proxy_options(parse_trusted_proxies(read_environment().trusted_proxies))
    # The port is taken (or its error reported) at once, but connections are accepted only
    # once the SQL worker is ready.
    sock = bind_socket(host, port, listen=False)
    worker = SqlWorker(build_dir, clock)
    # The build this server reads is held: a later build never prunes it while we run.
    held = serving_mark(build_dir)
    try:
        start_worker(worker)
        configure(datasette, lane_config(datasette).limits, link=WorkerLink(worker))
        warning = clock_warning(clock)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print(f"状态目录 (state)：{datasette.site_state_dir}", file=sys.stderr, flush=True)
        make_current_at_start(datasette.site_state_dir, build_dir, clock)   # the change feed answers up to it
        asyncio.run(datasette.invoke_startup())
        sock.listen(LISTEN_BACKLOG)  # before saying so: a client may connect as soon as it reads the line
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        print(f"服务已启动 (serving)：http://{shown}:{bound}/  按 Ctrl-C 停止", flush=True)
        signal.signal(signal.SIGTERM, _exit_on_terminate)
        config = uvicorn.Config(datasette.app(), host=host, port=bound, log_level="warning", lifespan="on",
                                access_log=False, log_config=None, proxy_headers=proxy_headers,
                                forwarded_allow_ips=trusted)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        worker.stop()
        sock.close()
        os.close(held)
