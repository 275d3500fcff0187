"""The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json` and checked
against the server in the test suite (schemathesis: every documented response, no server
error). Written as data: what a route answers is declared once, here."""
from __future__ import annotations

import functools
from typing import Any

API_VERSION = "1.0"

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "detail": {"type": "string"}, "snapshot": {"type": "string"}}}}}
_RATE_HEADERS = {name: {"schema": {"type": "integer"}, "description": text} for name, text in (
    ("RateLimit-Limit", "本窗口的请求配额"), ("RateLimit-Remaining", "本窗口剩余的请求数"),
    ("RateLimit-Reset", "距本窗口结束的秒数"))}
_USCC = {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
         "description": "统一社会信用代码（GB 32100-2015，含校验位）"}
_NULLABLE_STRING = {"type": ["string", "null"]}


def _error(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if retry:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return response


_AUTH_ERRORS = {
    "401": _error("缺少令牌，或令牌无效、过期、尚未生效、已撤销"),
    "403": _error("令牌没有该接口所需的权限范围"),
    "429": _error("请求过于频繁（或筛查条数超出配额）", retry=True),
    "503": _error("状态目录暂不可用（如尚未创建密钥）", retry=True),
}


def _ok(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "headers": _RATE_HEADERS,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _operation(summary: str, scope: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "security": [{"bearer": [scope]}],
            "responses": {**responses, **_AUTH_ERRORS}, **extra}


def _schemas() -> dict[str, Any]:
    evidence = {"type": "object", "required": ["match"], "properties": {
        "match": {"type": "string", "enum": ["uscc_exact", "name_normalised_exact", "name_similar", "region_match",
                                             "uscc_mismatch", "region_mismatch"]},
        "similarity": {"type": "number", "minimum": 0, "maximum": 1}}}
    candidate = {"type": "object", "required": ["uscc", "name", "score", "evidence", "blacklisted",
                                                "penalties_in_window"], "properties": {
        "uscc": {"type": "string"}, "name": _NULLABLE_STRING, "region": _NULLABLE_STRING,
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "evidence": {"type": "array", "items": evidence},
        "blacklisted": {"type": "boolean"}, "penalties_in_window": {"type": "integer", "minimum": 0}}}
    change = {"type": "object", "required": ["op", "kind", "key"], "properties": {
        "op": {"type": "string", "enum": ["added", "withdrawn", "changed"]}, "kind": {"type": "string"},
        "key": {"type": "string"}, "uscc": _NULLABLE_STRING, "build_id": {"type": "string"}}}
    return {
        "Error": _ERROR,
        "Entity": {"type": "object", "required": ["uscc", "build_id", "public", "authorized"], "properties": {
            "uscc": {"type": "string"}, "build_id": _NULLABLE_STRING, "today": {"type": "string"},
            "public": {"type": "object"},
            "authorized": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}}}}},
        "ScreenRequest": {"type": "object", "required": ["queries"], "properties": {
            "algorithm": {"type": "string"},
            "queries": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
                "type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string", "minLength": 1, "maxLength": 100},
                    "name": {"type": ["string", "null"], "maxLength": 200},
                    "uscc": {"type": ["string", "null"], "maxLength": 40},
                    "region": {"type": ["string", "null"], "maxLength": 100}}}}}},
        "ScreenResponse": {"type": "object", "required": ["build_id", "algorithm", "results"], "properties": {
            "build_id": _NULLABLE_STRING, "algorithm": {"type": "string"}, "api_version": {"type": "string"},
            "today": {"type": "string"},
            "results": {"type": "array", "items": {"type": "object", "required": ["key", "candidates", "matched"],
                                                   "properties": {"key": {"type": "string"},
                                                                  "matched": {"type": "boolean"},
                                                                  "candidates": {"type": "array",
                                                                                 "items": candidate}}}}}},
        "Changes": {"type": "object", "required": ["changes", "cursor", "more", "build_id"], "properties": {
            "changes": {"type": "array", "items": change}, "cursor": {"type": "string"},
            "more": {"type": "boolean"}, "build_id": _NULLABLE_STRING}},
        "Snapshot": {"type": "object", "required": ["build_id"], "properties": {"build_id": _NULLABLE_STRING}},
        "Audit": {"type": "object", "required": ["org", "entries", "head"], "properties": {
            "org": {"type": "string"}, "entries": {"type": "array", "items": {"type": "object"}},
            "head": {"type": ["object", "null"]}, "keys": {"type": "object"}, "build_id": _NULLABLE_STRING}},
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    uscc_list = {"name": "uscc", "in": "query", "schema": {"type": "string"},
                 "description": "统一社会信用代码，可重复或用逗号分隔（最多 100 个）"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "公共信用信息授权查询接口（银行与担保机构）", "version": API_VERSION,
                 "description": "持令牌的金融机构查询、筛查主体并监测变动；每次访问均记入审计日志。"},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                       "schemas": _schemas()},
        "paths": {
            "/api/v1/entities/{uscc}": {"get": _operation(
                "主体的公开信息与授权信息", "entities:read",
                {"200": _ok("Entity", "主体信息"), "400": _error("统一社会信用代码无效"),
                 "404": _error("未收录该主体")},
                parameters=[{"name": "uscc", "in": "path", "required": True, "schema": _USCC}])},
            "/api/v1/screen": {"post": _operation(
                "批量筛查（每次最多 1,000 条）", "screen",
                {"200": _ok("ScreenResponse", "每条查询的候选主体、得分与依据"), "400": _error("请求内容有误"),
                 "413": _error("请求体过大")},
                requestBody={"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ScreenRequest"}}}})},
            "/api/v1/changes": {"get": _operation(
                "自游标以来新增、撤下、变更的记录（仅记录标识与种类）", "changes:read",
                {"200": _ok("Changes", "变动"), "400": _error("游标或参数无效"),
                 "410": _error("游标已超过 90 天：请用 /api/v1/snapshot 重新同步")},
                parameters=[{"name": "after", "in": "query", "schema": {"type": "string"}},
                            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 1000}},
                            uscc_list])},
            "/api/v1/snapshot": {"get": _operation(
                "给定主体当前的记录标识与一个新游标", "changes:read",
                {"200": _ok("Snapshot", "快照"), "400": _error("缺少或无效的统一社会信用代码")},
                parameters=[{**uscc_list, "required": True}])},
            "/api/v1/audit": {"get": _operation(
                "本机构的访问审计记录与链头", "audit:read",
                {"200": _ok("Audit", "审计记录"), "400": _error("参数无效")},
                parameters=[{"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                            {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}}])},
        },
    }
