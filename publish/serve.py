"""`python -m publish serve`: Datasette over a build, with our plugins and metadata.yml.

`make_datasette` is what the tests drive in process; `serve` runs the same instance under
uvicorn: one process, one port, every route.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml

from .errors import PublishError

ROOT = Path(__file__).resolve().parent.parent
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


def make_datasette(build_dir: Path):
    """A Datasette instance over `build_dir`'s databases, opened immutable."""
    from datasette.app import Datasette

    build_dir = Path(build_dir).resolve()
    databases = [build_dir / "public.db", build_dir / "authorized.db"]
    for path in databases:
        if not path.is_file():
            raise PublishError("build_missing", f"构建目录中缺少 {path.name}：{build_dir}（请先运行 build）")
    os.environ["PUBLISH_BUILD_DIR"] = str(build_dir)
    with open(ROOT / "metadata.yml", encoding="utf-8") as fh:
        metadata = yaml.safe_load(fh)
    static = [("static", str(ROOT / "static"))] if (ROOT / "static").is_dir() else []
    return Datasette(
        immutables=[str(p) for p in databases],
        metadata=metadata,
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates") if (ROOT / "templates").is_dir() else None,
        static_mounts=static,
        settings=SETTINGS,
    )


def serve(build_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    import uvicorn

    datasette = make_datasette(build_dir)
    asyncio.run(datasette.invoke_startup())
    print(f"服务已启动 (serving)：http://{host}:{port}/  按 Ctrl-C 停止", flush=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
