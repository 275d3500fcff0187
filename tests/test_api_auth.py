"""Authentication and scopes on every `/api/v1` route and every `/authorized` route (page,
JSON, CSV, SQL, the `.db` download), with real tokens from the session's state directory:
each bad token gets 401 with `WWW-Authenticate: Bearer`, a good token without the route's
scope 403, never 200 or 500; a good token with the scope gets its answer. Day: 2026-11-25."""
import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.api_jws import PyJWS

from publish.build import build
from publish.clock import SHANGHAI, Clock
from publish.serve import make_datasette
from publish.settings import DEFAULT_BASE_URL
from publish.signing_keys import KeyRing, b64url, okp_jwk, thumbprint
from publish.tokens import TYP, TokenOffice
from tests.api_support import state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv
from tests.test_serve import AUTHORIZED_ROUTES

NOON = dt.datetime.combine(AS_OF, dt.time(12), SHANGHAI)   # Clock.on(AS_OF)'s instant
SUBJECT = uscc(1)
API_ROUTES = [
    ("GET", f"/api/v1/entities/{SUBJECT}", "entities:read"),
    ("POST", "/api/v1/screen", "screen"),
    ("GET", "/api/v1/changes", "changes:read"),
    ("GET", f"/api/v1/snapshot?uscc={SUBJECT}", "changes:read"),
    ("GET", "/api/v1/audit", "audit:read"),
]
ROUTES = API_ROUTES + [("GET", path, "sql") for path in AUTHORIZED_ROUTES]
SCREEN_BODY = {"queries": [{"key": "q1", "name": "甲公司"}]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api_auth")
    raw = tmp / "raw"
    write_csv(raw / "p.csv", [penalty()], PENALTY_HEADER)
    write_csv(raw / "t.csv", [{"纳税人名称": "甲公司", "纳税人识别号": SUBJECT, "评价年度": "2025", "信用等级": "A"}])
    out = tmp / "out"
    build(raw, out, AS_OF, progress=False)
    return out


def _office(state_dir, when=NOON, issuer=DEFAULT_BASE_URL, audience="credit-api"):
    return TokenOffice.open(state_dir, Clock.at(when), issuer, audience)


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _bad_tokens(state_dir) -> dict[str, str]:
    """Every kind of token that must get 401, each from the real state directory."""
    all_scopes = "entities:read screen changes:read audit:read sql"
    with _office(state_dir) as office:
        good, info = office.issue("测试银行", all_scopes)
        revoked, revoked_info = office.issue("测试银行", all_scopes)
        office.revoke(revoked_info.jti)
    with _office(state_dir, NOON - dt.timedelta(days=10)) as office:
        expired, _ = office.issue("测试银行", all_scopes, days=5)
    with _office(state_dir, NOON + dt.timedelta(days=1)) as office:
        early, _ = office.issue("测试银行", all_scopes)
    with _office(state_dir, audience="other-api") as office:
        wrong_audience, _ = office.issue("测试银行", all_scopes)
    with _office(state_dir, issuer="https://elsewhere.example.cn") as office:
        wrong_issuer, _ = office.issue("测试银行", all_scopes)
    claims = _claims(good)
    payload = json.dumps(claims).encode()
    with KeyRing.open(state_dir, Clock.at(NOON)) as ring:
        report_signed = ring.sign_jws(payload, "report", TYP)
        x = ring.key(info.kid).x
    stranger = Ed25519PrivateKey.generate()
    unknown_key = PyJWS().encode(payload, stranger, algorithm="EdDSA",
                                 headers={"kid": thumbprint(okp_jwk(stranger)), "typ": TYP})
    body = b64url(payload)
    none = b64url(json.dumps({"alg": "none", "typ": TYP, "kid": info.kid}).encode()) + "." + body + "."
    hs_input = b64url(json.dumps({"alg": "HS256", "typ": TYP, "kid": info.kid}).encode()) + "." + body
    hs256 = hs_input + "." + b64url(hmac.new(x.encode(), hs_input.encode(), hashlib.sha256).digest())
    head, _, signature = good.split(".")
    edited = f"{head}.{b64url(json.dumps(dict(claims, org='别的银行')).encode())}.{signature}"
    return {"malformed": "not-a-jwt", "alg_none": none, "hs256_public_key": hs256, "unknown_key": unknown_key,
            "report_key": report_signed, "expired": expired, "not_yet_valid": early,
            "wrong_audience": wrong_audience, "wrong_issuer": wrong_issuer, "edited_payload": edited,
            "revoked": revoked}


@pytest.fixture(scope="module")
def bad_tokens(state_dir):
    return _bad_tokens(state_dir)


async def _ask(datasette, method: str, path: str, token: str | None, header: str | None = None):
    headers = {}
    if header is not None:
        headers["Authorization"] = header
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if method == "POST":
        return await datasette.client.post(path, json=SCREEN_BODY, headers=headers)
    return await datasette.client.get(path, headers=headers)


def _assert_401(response, route):
    assert response.status_code == 401, (route, response.status_code, response.text[:200])
    assert response.headers["www-authenticate"].startswith("Bearer"), route
    assert "甲公司" not in response.text and "评价年度" not in response.text


CASES = ["malformed", "alg_none", "hs256_public_key", "unknown_key", "report_key", "expired", "not_yet_valid",
         "wrong_audience", "wrong_issuer", "edited_payload", "revoked"]


@pytest.mark.parametrize("case", CASES)
async def test_every_bad_token_gets_401_on_every_route(built, bad_tokens, case):
    datasette = make_datasette(built, Clock.on(AS_OF))   # its own invalid-token counter
    for method, path, _ in ROUTES:
        response = await _ask(datasette, method, path, bad_tokens[case])
        _assert_401(response, (case, path))
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert response.json()["error"]["code"].startswith("token_")


async def test_no_token_gets_401_on_every_route(built):
    datasette = make_datasette(built, Clock.on(AS_OF))
    for method, path, _ in ROUTES:
        _assert_401(await _ask(datasette, method, path, None), path)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "bearer  ", "Token abc"])
async def test_an_authorization_header_that_is_not_a_bearer_token_gets_401(built, header):
    datasette = make_datasette(built, Clock.on(AS_OF))
    response = await _ask(datasette, "GET", API_ROUTES[0][1], None, header)
    _assert_401(response, header)
    assert response.json()["error"]["code"] == "token_malformed"


async def test_a_token_without_the_routes_scope_gets_403_and_one_with_it_gets_the_answer(built, state_dir):
    datasette = make_datasette(built, Clock.on(AS_OF))
    with _office(state_dir) as office:
        tokens = {scope: office.issue("测试银行", scope)[0] for scope in
                  ("entities:read", "screen", "changes:read", "audit:read", "sql")}
    for method, path, needed in ROUTES:
        other = next(s for s in tokens if s != needed)
        response = await _ask(datasette, method, path, tokens[other])
        assert response.status_code == 403, (path, other, response.text[:200])
        assert "insufficient_scope" in response.headers["www-authenticate"]
        assert "甲公司" not in response.text
    # The positive control: the private database opens with `sql`.
    for path in ("/authorized/tax_grades.json?_shape=array", "/authorized.json?sql=select+grade+from+tax_grades"):
        response = await _ask(datasette, "GET", path, tokens["sql"])
        assert response.status_code == 200, response.text[:300]
        assert "A" in response.text
    csv = await _ask(datasette, "GET", "/authorized/tax_grades.csv", tokens["sql"])
    assert csv.status_code == 200 and "甲公司" in csv.text
    # Datasette's whole-file download is off for every database (/downloads offers the public one).
    whole = await _ask(datasette, "GET", "/authorized.db", tokens["sql"])
    assert whole.status_code == 403 and not whole.content.startswith(b"SQLite format")
    entity = await _ask(datasette, "GET", API_ROUTES[0][1], tokens["entities:read"])
    assert entity.status_code == 200, entity.text[:300]
    body = entity.json()
    assert body["uscc"] == SUBJECT and body["build_id"]
    assert [r["grade"] for r in body["authorized"]["tax_grades"]] == ["A"]


async def test_answers_to_a_token_carry_the_rate_limit_headers(built, state_dir):
    datasette = make_datasette(built, Clock.on(AS_OF))
    with _office(state_dir) as office:
        token, _ = office.issue("限额银行", "entities:read")
    first = await _ask(datasette, "GET", API_ROUTES[0][1], token)
    second = await _ask(datasette, "GET", API_ROUTES[0][1], token)
    assert first.headers["ratelimit-limit"] == "600"
    assert int(first.headers["ratelimit-remaining"]) == int(second.headers["ratelimit-remaining"]) + 1
    assert 0 < int(first.headers["ratelimit-reset"]) <= 300


async def test_a_cookie_actor_is_not_an_authentication(built):
    datasette = make_datasette(built, Clock.on(AS_OF))
    cookie = datasette.sign({"a": {"id": "root", "scopes": ["sql"]}}, "actor")
    response = await datasette.client.get("/authorized/tax_grades.json", cookies={"ds_actor": cookie})
    _assert_401(response, "cookie")
    actor = await datasette.client.get("/-/actor.json", cookies={"ds_actor": cookie})
    assert actor.json() == {"actor": None}


async def test_too_many_invalid_tokens_from_one_client_get_429(built):
    from publish.settings import API_INVALID_TOKEN_LIMIT

    datasette = make_datasette(built, Clock.on(AS_OF))
    for _ in range(API_INVALID_TOKEN_LIMIT):
        assert (await _ask(datasette, "GET", API_ROUTES[0][1], "x.y.z")).status_code == 401
    refused = await _ask(datasette, "GET", API_ROUTES[0][1], "x.y.z")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "too_many_invalid_tokens"


async def test_a_token_past_its_request_quota_gets_429_with_retry_after(built, state_dir, monkeypatch):
    monkeypatch.setenv("PUBLISH_API_REQUEST_LIMIT", "3")
    datasette = make_datasette(built, Clock.on(AS_OF))   # reads the quota at its start
    with _office(state_dir) as office:
        token, _ = office.issue("配额银行", "entities:read")
        other, _ = office.issue("配额银行", "entities:read")
    answers = [await _ask(datasette, "GET", API_ROUTES[0][1], token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 300
    # Quotas are per token: another token of the same organisation still has its own.
    assert (await _ask(datasette, "GET", API_ROUTES[0][1], other)).status_code == 200
    # Counted in the state store: a second server process shares them.
    again = make_datasette(built, Clock.on(AS_OF))
    assert (await _ask(again, "GET", API_ROUTES[0][1], token)).status_code == 429


async def test_every_request_with_a_token_is_audited_and_an_org_sees_only_its_own(built, state_dir):
    from publish.audit import AuditLog

    datasette = make_datasette(built, Clock.on(AS_OF))
    with _office(state_dir) as office:
        token, info = office.issue("审计银行甲", "entities:read audit:read")
        other, _ = office.issue("审计银行乙", "audit:read")
    answers = [await _ask(datasette, "GET", API_ROUTES[0][1], token),
               await _ask(datasette, "GET", "/api/v1/entities/91360200MA35XXXXXX", token),   # 400
               await _ask(datasette, "GET", "/authorized/tax_grades.json", token),          # 403: no sql
               await _ask(datasette, "GET", API_ROUTES[0][1], "x.y.z")]                       # 401
    with AuditLog.open(state_dir, Clock.at(NOON)) as log:
        by_request = {e["request_id"]: e for e in log.entries()}
    logged = [by_request[a.headers["x-request-id"]] for a in answers]
    assert [(e["org"], e["status"], e["outcome"]) for e in logged] == [
        ("审计银行甲", 200, "ok"), ("审计银行甲", 400, "error"), ("审计银行甲", 403, "forbidden"),
        (None, 401, "invalid_token")]
    assert logged[0]["jti"] == info.jti and logged[0]["usccs"] == [SUBJECT] and logged[0]["build_id"]
    assert logged[0]["route"] == API_ROUTES[0][1] and logged[0]["bytes"] > 0
    mine = (await _ask(datasette, "GET", "/api/v1/audit", token)).json()
    assert {e["org"] for e in mine["entries"]} == {"审计银行甲"}
    assert {a.headers["x-request-id"] for a in answers[:3]} <= {e["request_id"] for e in mine["entries"]}
    assert mine["head"]["seq"] >= max(e["seq"] for e in logged)
    theirs = (await _ask(datasette, "GET", "/api/v1/audit", other)).json()
    assert {e["org"] for e in theirs["entries"]} <= {"审计银行乙"}
