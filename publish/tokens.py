"""API tokens for banks and guarantors (信易贷): issuing, revoking, listing and verifying.

A token is a JWT signed with the state directory's current key of purpose `token` (Ed25519,
`alg` EdDSA, `kid`, `typ` at+jwt: RFC 9068's type for access tokens). Its claims: `iss` and
`aud` (from configuration: the site's base URL and `credit-api` by default), `sub` and `org`
(the organisation), `scope` (space-separated), `iat`, `nbf`, `exp`, `jti`. Every token's
`jti`, organisation, scopes and expiry are recorded in the state store when it is issued; a
token the store does not know is refused even when its signature holds.

Verification (`TokenVerifier.verify`) accepts only EdDSA and the state's own token keys
(never a report or audit key), requires `exp`, `aud`, `iss`, `jti`, checks `nbf` and `exp`
against the project's clock (pyjwt's own time checks are not used), and looks the `jti` up in
the store. The look-up is cached per process for at most `REVOCATION_TTL_SECONDS`, so a
`token revoke` (or a retired token key) reaches every server process within that time while a
busy server does not read the store on every request (the signing key's record likewise: a
retired token key revokes what it signed within the same time).
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .clock import Clock
from .errors import PublishError
from .signing_keys import (
    JWS_MALFORMED,
    JWS_UNKNOWN_KEY,
    JWS_WRONG_PURPOSE,
    RETIRED,
    JWSError,
    KeyRing,
    b64url_decode,
    checked_header,
    verified_with,
)
from .state import Column, Index, Table

TYP = "at+jwt"
PURPOSE = "token"
SCOPES = {
    "entities:read": "查询主体的公开与授权信息",
    "screen": "批量筛查主体",
    "changes:read": "读取变动流与快照",
    "audit:read": "读取本机构的访问审计记录",
    "sql": "以 Datasette 查询授权数据库（页面、JSON、CSV、SQL）",
}
DEFAULT_AUDIENCE = "credit-api"
DEFAULT_DAYS = 90
MAX_DAYS = 366
# How long a process trusts what it read of a token's record (revocation reaches every process
# within this many seconds: CONTRACT.md asks for 5).
REVOCATION_TTL_SECONDS = 4.0
# Seconds of difference between clocks tolerated on nbf and iat (the issuer and the server
# are usually the same machine: kept small).
LEEWAY_SECONDS = 30
MAX_TOKEN_BYTES = 4096
MAX_ORG_CHARS = 100

TOKENS = Table("api_tokens", (
    Column("jti", nullable=False),
    Column("org", nullable=False),
    Column("scopes", nullable=False),       # space-separated, sorted
    Column("kid", nullable=False),
    Column("issued_at", nullable=False),    # ISO instants (UTC) from the project clock
    Column("expires_at", nullable=False),
    Column("revoked_at"),
), primary_key=("jti",), indexes=(Index(("org",)),))

# Why a token was refused (TokenError.code); each is a 401.
TOKEN_MISSING = "token_missing"
TOKEN_MALFORMED = "token_malformed"
TOKEN_FORGED = "token_invalid"          # bad signature, unknown or wrong-purpose key, wrong alg or typ
TOKEN_EXPIRED = "token_expired"
TOKEN_NOT_YET_VALID = "token_not_yet_valid"
TOKEN_AUDIENCE = "token_wrong_audience"
TOKEN_ISSUER = "token_wrong_issuer"
TOKEN_REVOKED = "token_revoked"
TOKEN_UNKNOWN = "token_unknown"


class TokenError(PublishError):
    """A token that does not authenticate its bearer (HTTP 401)."""


@dataclass(frozen=True)
class TokenInfo:
    jti: str
    org: str
    scopes: tuple[str, ...]
    kid: str
    issued_at: str
    expires_at: str
    revoked_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TokenInfo:
        return cls(jti=row["jti"], org=row["org"], scopes=tuple(str(row["scopes"]).split()), kid=row["kid"],
                   issued_at=row["issued_at"], expires_at=row["expires_at"], revoked_at=row["revoked_at"])

    def as_json(self) -> dict[str, Any]:
        return {"jti": self.jti, "org": self.org, "scopes": list(self.scopes), "kid": self.kid,
                "issued_at": self.issued_at, "expires_at": self.expires_at, "revoked_at": self.revoked_at}


@dataclass(frozen=True)
class Bearer:
    """A verified token: who presents it and what it may do."""
    org: str
    jti: str
    scopes: frozenset[str]
    expires: int

    def actor(self) -> dict[str, Any]:
        """Datasette's actor (permissions in metadata.yml match on `scopes`)."""
        return {"id": self.org, "org": self.org, "jti": self.jti, "scopes": sorted(self.scopes)}


def parse_scopes(text: str | Iterable[str]) -> tuple[str, ...]:
    """Known scopes, sorted and once each; `bad_scope` names an unknown one."""
    words = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    unknown = [w for w in words if w not in SCOPES]
    if unknown or not words:
        raise PublishError("bad_scope", f"未知或缺少权限范围：{' '.join(unknown) or '（空）'}"
                                        f"（可选：{'、'.join(SCOPES)}）")
    return tuple(sorted(set(words)))


def check_org(org: str) -> str:
    text = org.strip()
    if not text or len(text) > MAX_ORG_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise PublishError("bad_org", f"机构名称应为 1–{MAX_ORG_CHARS} 个字符的一行文字：{org!r}")
    return text


def _iso(seconds: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def _epoch(iso: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(iso).timestamp())


class TokenOffice:
    """Issues, revokes and lists the tokens of one state directory."""

    def __init__(self, ring: KeyRing, clock: Clock, issuer: str, audience: str = DEFAULT_AUDIENCE):
        self.ring = ring
        self.store = ring.store
        self.store.declare(TOKENS)
        self.clock = clock
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def open(cls, state_dir: Path, clock: Clock, issuer: str, audience: str = DEFAULT_AUDIENCE) -> TokenOffice:
        return cls(KeyRing.open(state_dir, clock), clock, issuer, audience)

    def close(self) -> None:
        self.ring.close()

    def __enter__(self) -> TokenOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def issue(self, org: str, scopes: str | Sequence[str], days: int = DEFAULT_DAYS) -> tuple[str, TokenInfo]:
        """(the token, its record). The record is committed before the token is returned."""
        org = check_org(org)
        granted = parse_scopes(scopes)
        if not 1 <= days <= MAX_DAYS:
            raise PublishError("bad_days", f"令牌有效天数应为 1–{MAX_DAYS}：{days}")
        now = int(self.clock.now().timestamp())
        key = self.ring.current_key(PURPOSE)
        # Hex: an id the operator pastes after `token revoke` must never start with "-"
        # (argparse would read it as an option; base64url starts so one time in 64).
        jti = secrets.token_hex(16)
        claims = {"iss": self.issuer, "aud": self.audience, "sub": org, "org": org, "scope": " ".join(granted),
                  "iat": now, "nbf": now, "exp": now + days * 86400, "jti": jti}

        expires = now + days * 86400
        info = TokenInfo(jti=jti, org=org, scopes=granted, kid=key.kid, issued_at=_iso(now), expires_at=_iso(expires))
        with self.store.write() as tx:
            tx.insert(TOKENS, {"jti": jti, "org": org, "scopes": " ".join(granted), "kid": key.kid,
                               "issued_at": info.issued_at, "expires_at": info.expires_at})
        payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
        return self.ring.sign_jws(payload, PURPOSE, TYP), info

    def revoke(self, jti: str) -> tuple[TokenInfo, bool]:
        """(the token's record, whether it was revoked now; False when it already was)."""
        with self.store.write() as tx:
            row = tx.get(TOKENS, {"jti": jti})
            if row is None:
                raise PublishError("unknown_token", f"没有这个令牌：{jti}（用 python -m publish token list 查看）")
            if row["revoked_at"]:
                return TokenInfo.from_row(row), False
            now = self.clock.now().isoformat(timespec="seconds")
            tx.update(TOKENS, {"jti": jti}, {"revoked_at": now})
            return TokenInfo.from_row({**row, "revoked_at": now}), True

    def tokens(self) -> list[TokenInfo]:
        return [TokenInfo.from_row(r) for r in self.store.select(TOKENS, order_by=("issued_at", "jti"))]


@dataclass(frozen=True)
class _Looked:
    """What a process read of a record (a token's, or a key's) and when (monotonic seconds)."""
    value: Any
    read_at: float


class TokenVerifier:
    """Verifies bearer tokens for one server process. `now` gives the project clock's instant
    (epoch seconds) for nbf/exp; `monotonic` ages the revocation cache (tests pass their own)."""

    def __init__(self, ring: KeyRing, clock: Clock, issuer: str, audience: str = DEFAULT_AUDIENCE, *,
                 ttl: float = REVOCATION_TTL_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.ring = ring
        self.store = ring.store
        self.store.declare(TOKENS)
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[tuple[str, str], _Looked] = {}
        self._lock = threading.Lock()

    def _cached(self, kind: str, name: str, read: Callable[[], Any]) -> Any:
        """`read()`, or what it gave less than `ttl` seconds ago."""
        now = self._monotonic()
        with self._lock:
            looked = self._cache.get((kind, name))
        if looked is not None and now - looked.read_at < self.ttl:
            return looked.value
        value = read()
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(kind, name)] = _Looked(value, now)
        return value

    def _signed(self, token: str) -> tuple[bytes, str]:
        """(the payload, the key id) of a token signed by one of the state's token keys."""
        try:
            header = checked_header(token, TYP)
            info = self._cached("key", header["kid"], lambda: self.ring.key(header["kid"]))
            if info is None:
                raise JWSError(JWS_UNKNOWN_KEY, f"签名密钥 {header['kid']} 不是本系统的密钥")
            if info.purpose != PURPOSE:
                raise JWSError(JWS_WRONG_PURPOSE, f"密钥 {info.kid} 的用途是 {info.purpose}，不是 {PURPOSE}")
            if info.status == RETIRED:
                raise TokenError(TOKEN_REVOKED, "签发令牌的密钥已停用：令牌作废")
            key = self._cached("public", info.x, lambda: Ed25519PublicKey.from_public_bytes(b64url_decode(info.x)))
            return verified_with(token, header, key).payload, info.kid
        except JWSError as exc:
            code = TOKEN_MALFORMED if exc.code == JWS_MALFORMED else TOKEN_FORGED
            raise TokenError(code, f"令牌无效：{exc.message}") from None

    def verify(self, token: str) -> Bearer:
        if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2 or not token.isascii():
            raise TokenError(TOKEN_MALFORMED, "令牌格式不正确（应为 JWT）")
        payload, kid = self._signed(token)
        try:
            claims = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise TokenError(TOKEN_MALFORMED, "令牌内容不是 JSON") from None
        if not isinstance(claims, dict):
            raise TokenError(TOKEN_MALFORMED, "令牌内容不是 JSON 对象")
        for name in ("iss", "aud", "sub", "jti", "org", "scope"):
            if not isinstance(claims.get(name), str) or not claims[name]:
                raise TokenError(TOKEN_MALFORMED, f"令牌缺少 {name}")
        for name in ("exp", "nbf", "iat"):
            if not isinstance(claims.get(name), int) or isinstance(claims[name], bool):
                raise TokenError(TOKEN_MALFORMED, f"令牌缺少 {name}（整数秒）")
        if claims["iss"] != self.issuer:
            raise TokenError(TOKEN_ISSUER, f"令牌的签发者不是本站：{claims['iss']}")
        if claims["aud"] != self.audience:
            raise TokenError(TOKEN_AUDIENCE, f"令牌的受众不是本接口：{claims['aud']}")
        now = self.clock.now().timestamp()
        if now >= claims["exp"]:
            raise TokenError(TOKEN_EXPIRED, f"令牌已于 {_iso(claims['exp'])} 过期")
        if now + LEEWAY_SECONDS < claims["nbf"] or now + LEEWAY_SECONDS < claims["iat"]:
            raise TokenError(TOKEN_NOT_YET_VALID, f"令牌尚未生效（自 {_iso(claims['nbf'])} 起）")
        jti = claims["jti"]
        row = self._cached("token", jti, lambda: self.store.get(TOKENS, {"jti": jti}))
        if row is None:
            raise TokenError(TOKEN_UNKNOWN, "令牌未在本系统登记")
        if row["revoked_at"]:
            raise TokenError(TOKEN_REVOKED, "令牌已被撤销")
        # The record is the authority: a token whose claims differ from it was not issued so.
        if (row["org"] != claims["org"] or row["kid"] != kid or str(row["scopes"]).split()
                != sorted(set(claims["scope"].split())) or _epoch(row["expires_at"]) != claims["exp"]):
            raise TokenError(TOKEN_FORGED, "令牌内容与登记不符")
        return Bearer(org=row["org"], jti=row["jti"], scopes=frozenset(str(row["scopes"]).split()),
                      expires=claims["exp"])
