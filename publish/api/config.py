"""The API's configuration: who issues tokens and for whom, and how much a token may ask.

From metadata.yml `plugins: api:` (`issuer`, `audience`, `requests`, `screen_items`, and per
organisation overrides under `orgs: {<org>: {requests: N, screen_items: N}}`), then the
environment (PUBLISH_API_REQUEST_LIMIT, PUBLISH_API_SCREEN_LIMIT raise every organisation's
quota, PUBLISH_API_INVALID_TOKEN_LIMIT the invalid tokens a client may present a minute:
publish/settings.py). The issuer defaults to the site's base URL, so `token issue` and
`serve` agree without configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from ..errors import PublishError
from ..resources import METADATA_FILE
from ..settings import (
    API_DEFAULT_REQUESTS,
    API_DEFAULT_SCREEN_ITEMS,
    API_INVALID_TOKEN_LIMIT,
    API_INVALID_TOKEN_LIMIT_ENV,
    API_REQUEST_LIMIT_ENV,
    API_SCREEN_LIMIT_ENV,
    Environment,
    read_environment,
)
from ..tokens import DEFAULT_AUDIENCE


@dataclass(frozen=True)
class Limits:
    requests: int = API_DEFAULT_REQUESTS
    screen_items: int = API_DEFAULT_SCREEN_ITEMS


@dataclass(frozen=True)
class ApiConfig:
    issuer: str
    audience: str = DEFAULT_AUDIENCE
    defaults: Limits = Limits()
    orgs: dict[str, Limits] = field(default_factory=dict)
    invalid_tokens: int = API_INVALID_TOKEN_LIMIT    # per client per minute

    def limits(self, org: str) -> Limits:
        return self.orgs.get(org, self.defaults)


def _positive(value: Any, what: str) -> int:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) < 1:
        raise PublishError("bad_setting", f"接口配置 {what} 应为正整数：{value!r}")
    return int(text)


def _limits(raw: Any, base: Limits, where: str) -> Limits:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise PublishError("bad_setting", f"接口配置 {where} 应为映射")
    return Limits(requests=_positive(raw.get("requests", base.requests), f"{where}.requests"),
                  screen_items=_positive(raw.get("screen_items", base.screen_items), f"{where}.screen_items"))


def load_metadata() -> dict:
    with open(METADATA_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def api_config(metadata: dict | None = None, environment: Environment | None = None) -> ApiConfig:
    from ..serve import configured_base_url

    environment = environment or read_environment()
    metadata = load_metadata() if metadata is None else metadata
    raw = (metadata.get("plugins") or {}).get("api") or {}
    issuer = str(raw.get("issuer") or configured_base_url(metadata, environment))
    audience = str(raw.get("audience") or DEFAULT_AUDIENCE)
    defaults = _limits(raw, Limits(), "api")
    orgs = {str(org): _limits(value, defaults, f"api.orgs.{org}") for org, value in (raw.get("orgs") or {}).items()}
    raised: dict[str, int] = {}
    if environment.api_request_limit:
        raised["requests"] = _positive(environment.api_request_limit, API_REQUEST_LIMIT_ENV)
    if environment.api_screen_limit:
        raised["screen_items"] = _positive(environment.api_screen_limit, API_SCREEN_LIMIT_ENV)
    if raised:
        defaults = replace(defaults, **raised)
        orgs = {org: replace(lim, **raised) for org, lim in orgs.items()}
    invalid = (_positive(environment.api_invalid_token_limit, API_INVALID_TOKEN_LIMIT_ENV)
               if environment.api_invalid_token_limit else API_INVALID_TOKEN_LIMIT)
    return ApiConfig(issuer=issuer, audience=audience, defaults=defaults, orgs=orgs, invalid_tokens=invalid)
