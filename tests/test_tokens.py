"""API tokens (publish/tokens.py): issued, listed, revoked and verified against a real state
directory with real Ed25519 keys; the clock is fixed, the revocation cache's clock is the
test's own. The HTTP side (401/403 on every route) is tests/test_api_auth.py."""
import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.api_jws import PyJWS

from publish.clock import SHANGHAI, Clock
from publish.errors import PublishError
from publish.signing_keys import KeyRing, b64url, initialise, okp_jwk, thumbprint
from publish.tokens import (
    REVOCATION_TTL_SECONDS,
    TYP,
    TokenError,
    TokenOffice,
    TokenVerifier,
    parse_scopes,
)

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
ISSUER = "https://credit.example.cn"


@pytest.fixture
def state(tmp_path):
    initialise(tmp_path / "state", Clock.at(NOW))
    return tmp_path / "state"


@pytest.fixture
def office(state):
    with TokenOffice.open(state, Clock.at(NOW), ISSUER) as office:
        yield office


class Ticks:
    """The revocation cache's clock, moved by the test."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def verifier(state, when=NOW, ticks=None, issuer=ISSUER, audience="credit-api"):
    ring = KeyRing.open(state, Clock.at(when))
    return TokenVerifier(ring, Clock.at(when), issuer, audience, monotonic=ticks or Ticks())


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def refused(code: str, check, token: str):
    with pytest.raises(TokenError) as caught:
        check.verify(token)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_an_issued_token_carries_the_claims_and_its_record(state, office):
    token, info = office.issue("景德镇农商银行", "screen entities:read", days=30)
    claims = claims_of(token)
    assert claims["iss"] == ISSUER and claims["aud"] == "credit-api"
    assert claims["sub"] == claims["org"] == "景德镇农商银行"
    assert claims["scope"] == "entities:read screen"
    assert claims["iat"] == claims["nbf"] == int(NOW.timestamp())
    assert claims["exp"] == claims["iat"] + 30 * 86400 and claims["jti"] == info.jti
    header = PyJWS().get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == TYP and header["kid"] == info.kid
    assert [t.jti for t in office.tokens()] == [info.jti]
    bearer = verifier(state).verify(token)
    assert bearer.org == "景德镇农商银行" and bearer.scopes == {"screen", "entities:read"}


def test_the_default_lifetime_is_90_days(office):
    token, _ = office.issue("某担保公司", "screen")
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 90 * 86400


@pytest.mark.parametrize("scopes, code", [("", "bad_scope"), ("screen admin", "bad_scope"), ("SQL", "bad_scope")])
def test_unknown_scopes_are_refused(office, scopes, code):
    with pytest.raises(PublishError) as caught:
        office.issue("某银行", scopes)
    assert caught.value.code == code


def test_scopes_are_sorted_and_once_each():
    assert parse_scopes("sql screen sql") == ("screen", "sql")


@pytest.mark.parametrize("org", ["", "  ", "a\nb", "x" * 101])
def test_a_bad_organisation_name_is_refused(office, org):
    with pytest.raises(PublishError) as caught:
        office.issue(org, "screen")
    assert caught.value.code == "bad_org"


def test_expiry_and_not_before_follow_the_project_clock(state, office):
    token, _ = office.issue("某银行", "screen", days=1)
    assert verifier(state, NOW + dt.timedelta(hours=23)).verify(token).org == "某银行"
    refused("token_expired", verifier(state, NOW + dt.timedelta(days=1)), token)
    refused("token_not_yet_valid", verifier(state, NOW - dt.timedelta(minutes=5)), token)


def test_wrong_issuer_and_audience(state, office):
    token, _ = office.issue("某银行", "screen")
    refused("token_wrong_issuer", verifier(state, issuer="https://other.example.cn"), token)
    refused("token_wrong_audience", verifier(state, audience="other-api"), token)


def test_a_revocation_reaches_a_verifier_when_its_cache_entry_expires(state, office):
    token, info = office.issue("某银行", "screen")
    ticks = Ticks()
    check = verifier(state, ticks=ticks)
    assert check.verify(token).jti == info.jti            # read and cached
    assert office.revoke(info.jti)[1] is True
    ticks.now += REVOCATION_TTL_SECONDS - 0.5
    assert check.verify(token).jti == info.jti            # still the cached record
    ticks.now += 1.0                                       # past the cache's life: under 5 s in all
    refused("token_revoked", check, token)
    assert REVOCATION_TTL_SECONDS < 5
    assert office.revoke(info.jti)[1] is False             # a second revocation changes nothing


def test_revoking_an_unknown_token_is_a_clear_error(office):
    with pytest.raises(PublishError) as caught:
        office.revoke("no-such-jti")
    assert caught.value.code == "unknown_token"


def test_a_retired_token_key_revokes_what_it_signed(state, office):
    token, info = office.issue("某银行", "screen")
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        ring.rotate("token")
        ring.retire(info.kid, "compromised")
    refused("token_revoked", verifier(state), token)


def _segments(header: dict, claims: dict) -> str:
    return (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()))


def test_forgeries_are_refused(state, office):
    token, info = office.issue("某银行", "screen")
    claims = claims_of(token)
    check = verifier(state)
    # alg none, with and without a signature.
    unsigned = _segments({"alg": "none", "typ": TYP, "kid": info.kid}, claims)
    refused("token_invalid", check, unsigned + ".")
    # HS256 with the public key as the HMAC secret (the classic key-confusion attack).
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        x = ring.key(info.kid).x
    signing_input = _segments({"alg": "HS256", "typ": TYP, "kid": info.kid}, claims)
    for secret in (x.encode(), base64.urlsafe_b64decode(x + "=")):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        refused("token_invalid", check, signing_input + "." + b64url(mac))
    # A key the state does not know, its kid a proper thumbprint.
    stranger = Ed25519PrivateKey.generate()
    kid = thumbprint(okp_jwk(stranger))
    payload = json.dumps(claims).encode()
    unknown = PyJWS().encode(payload, stranger, algorithm="EdDSA", headers={"kid": kid, "typ": TYP})
    refused("token_invalid", check, unknown)
    # A key of the state, but of purpose `report` (or `audit`).
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        for purpose in ("report", "audit"):
            refused("token_invalid", check, ring.sign_jws(payload, purpose, TYP))
    # The payload edited after signing (a scope added).
    edited = dict(claims, scope="screen sql")
    head, _, signature = token.split(".")
    refused("token_invalid", check, f"{head}.{b64url(json.dumps(edited).encode())}.{signature}")
    # The wrong type.
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        refused("token_invalid", check, ring.sign_jws(payload, "token", "JWT"))


def test_a_validly_signed_token_that_was_never_recorded_is_refused(state, office):
    token, _ = office.issue("某银行", "screen")
    claims = dict(claims_of(token), jti="never-issued")
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        unrecorded = ring.sign_jws(json.dumps(claims).encode(), "token", TYP)
        widened = ring.sign_jws(json.dumps(dict(claims_of(token), scope="screen sql")).encode(), "token", TYP)
    refused("token_unknown", verifier(state), unrecorded)
    # Signed by our key (say a leaked signing step) but not as recorded: refused too.
    refused("token_invalid", verifier(state), widened)


@pytest.mark.parametrize("text", ["", "abc", "a.b", "a.b.c.d", "é.é.é", "x" * 5000 + ".a.b"])
def test_malformed_tokens(state, text):
    refused("token_malformed", verifier(state), text)


def test_a_token_missing_a_required_claim_is_refused(state, office):
    token, _ = office.issue("某银行", "screen")
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        for name in ("exp", "aud", "iss", "jti"):
            claims = claims_of(token)
            del claims[name]
            refused("token_malformed", verifier(state), ring.sign_jws(json.dumps(claims).encode(), "token", TYP))


def test_the_revocation_the_cli_prints_after_issuing_works_as_pasted(state):
    # The id `token issue` prints for `token revoke` is pasted as it is: never one argparse
    # would read as an option (a base64url id starts with "-" one time in 64).
    from tests.test_cli import clean_env, cli

    env = clean_env(PUBLISH_NOW=NOW.isoformat())
    jtis = []
    for _ in range(12):   # (a base64url id holds "-" or "_" about half the time: 12 catch it)
        issued = cli("--state", state, "token", "issue", "--org", "某银行", "--scope", "entities:read", env=env)
        assert issued.returncode == 0, issued.stderr
        hint = next(line for line in issued.stderr.splitlines() if "token revoke " in line)
        jtis.append(hint.split("token revoke ", 1)[1].strip())
    assert all(j and j[0] != "-" and j.isalnum() for j in jtis) and len(set(jtis)) == 12
    revoked = cli("--state", state, "token", "revoke", *jtis[-1].split(), env=env)
    assert revoked.returncode == 0, revoked.stderr
    with TokenOffice.open(state, Clock.at(NOW), ISSUER) as office:
        assert {t.jti: t for t in office.tokens()}[jtis[-1]].revoked_at is not None
