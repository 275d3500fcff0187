"""What a rendering takes from the site's configuration: the base URL the QR code and the
verification text point at, and the names of the city and of its credit office that issue the
report. Read once by whoever renders (the command line, the server) and passed in: the
renderers themselves read nothing but their arguments, so the same inputs give the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ...resources import METADATA_FILE
from ...settings import DEFAULT_BASE_URL, DEFAULT_CITY, DEFAULT_OFFICE, Environment, read_environment


@dataclass(frozen=True)
class RenderSettings:
    base_url: str = DEFAULT_BASE_URL     # the site's origin, `scheme://host[:port]`, no slash at the end
    city: str = DEFAULT_CITY             # 景德镇市
    office: str = DEFAULT_OFFICE         # the issuing office: 景德镇市社会信用体系建设领导小组办公室


def render_settings(metadata: dict | None = None, environment: Environment | None = None) -> RenderSettings:
    """The site's settings for reports: PUBLISH_BASE_URL, else metadata.yml's `plugins: site:
    base_url:` (as `serve` reads it), and `plugins: site: city:` and `office:`, else the defaults
    (publish/settings.py). `metadata` defaults to the package's metadata.yml."""
    from ...serve import configured_base_url

    if metadata is None:
        metadata = _metadata(METADATA_FILE)
    environment = environment or read_environment()
    site = (metadata.get("plugins") or {}).get("site") or {}
    return RenderSettings(base_url=configured_base_url(metadata, environment),
                          city=_text(site.get("city")) or DEFAULT_CITY,
                          office=_text(site.get("office")) or DEFAULT_OFFICE)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _metadata(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}
