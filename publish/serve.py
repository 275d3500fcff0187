"""`python -m publish serve`: Datasette over a build, with our plugins and metadata.yml.

`make_datasette` is what the tests drive in process; `serve` runs the same instance under
uvicorn: one process, one port, every route. The plugins are registered through the
`datasette` entry point (pyproject.toml), so they come with the installed package.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from .clock import Clock, attach
from .errors import PublishError
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

    build_dir = Path(build_dir).resolve()
    if not build_dir.is_dir():
        raise PublishError("build_missing", f"构建目录不存在：{build_dir}（请先运行 build）")
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


def serve(build_dir: Path, host: str, port: int, clock: Clock) -> None:
    import uvicorn

    datasette = make_datasette(build_dir, clock)
    asyncio.run(datasette.invoke_startup())
    print(f"服务已启动 (serving)：http://{host}:{port}/  按 Ctrl-C 停止", flush=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
