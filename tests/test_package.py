"""The installed package is self-contained: the wheel carries the plugins, templates, static
files, reference data and metadata, installs no top-level `plugins`, and works from any
directory."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import AS_OF

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [found] = out.glob("*.whl")
    return found


def test_the_wheel_carries_what_the_site_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("publish/metadata.yml", "publish/data/severity.yml", "publish/data/regions.yml",
                   "publish/templates/site_entity.html", "publish/templates/base.html",
                   "publish/static/site.css", "publish/datasets/penalty.yml",
                   "publish/templates/report_print.html", "publish/static/report.css",
                   "publish/report/render/pdf.py",
                   "publish/plugins/pages.py", "publish/plugins/auth.py", "redaction/scan.py"):
        assert needed in names, needed
    assert not any(n.startswith("plugins/") for n in names)
    from publish.plugins import MODULES
    assert {f"publish/plugins/{m}.py" for m in MODULES} <= names


def test_the_unpacked_wheel_runs_from_another_directory(wheel, tmp_path, state_dir):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import publish; print(publish.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(site))
    for args in (["sample", "--out", "raw", "--rows", "300", "--as-of", AS_OF.isoformat()],
                 ["--state", str(state_dir), "build", "--input", "raw", "--out", "out", "--as-of", AS_OF.isoformat()]):
        result = subprocess.run([sys.executable, "-m", "publish", *args], cwd=elsewhere, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "public.db").is_file()
    # Served from the wheel: our plugins answer (the site's home and its 401 on /authorized).
    probe = ("import asyncio; from publish.serve import make_datasette; from publish.clock import Clock;"
             "import datetime as dt; d = make_datasette('out', Clock.on(dt.date(2026, 11, 25)));"
             "r = asyncio.run(d.client.get('/.json')); a = asyncio.run(d.client.get('/authorized.json'));"
             "print(r.status_code, 'entities' in r.json(), a.status_code)")
    served = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert served.stdout.split() == ["200", "True", "401"], served.stderr
