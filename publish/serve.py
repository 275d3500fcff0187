"""`python -m publish serve`: Datasette over a build, with our plugins and metadata.yml."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import PublishError

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "sql_time_limit_ms": "1500",
    "facet_time_limit_ms": "300",
    "max_returned_rows": "1000",
    "allow_csv_stream": "on",
    "max_csv_mb": "0",
    "default_page_size": "50",
    "num_sql_threads": "6",
    "default_cache_ttl": "60",
}


def datasette_args(build_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The `datasette serve` command line for a build directory."""
    public, authorized = build_dir / "public.db", build_dir / "authorized.db"
    for path in (public, authorized):
        if not path.is_file():
            raise PublishError("build_missing", f"构建目录中缺少 {path.name}：{build_dir}（请先运行 build）")
    args = ["serve", "-i", str(public), "-i", str(authorized),
            "--metadata", str(ROOT / "metadata.yml"),
            "--plugins-dir", str(ROOT / "plugins"),
            "--host", host, "--port", str(port)]
    if (ROOT / "templates").is_dir():
        args += ["--template-dir", str(ROOT / "templates")]
    if (ROOT / "static").is_dir():
        args += ["--static", f"static:{ROOT / 'static'}"]
    for key, value in SETTINGS.items():
        args += ["--setting", key, value]
    return args


def serve(build_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Replaces this process with Datasette: one process, one port."""
    args = datasette_args(Path(build_dir).resolve(), host, port)
    os.environ["PUBLISH_BUILD_DIR"] = str(Path(build_dir).resolve())
    os.execv(sys.executable, [sys.executable, "-m", "datasette", *args])
