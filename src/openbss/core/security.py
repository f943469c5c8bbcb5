"""Bearer tokens and the principal behind a request.

Tokens are JWTs signed with HS256 (``OPENBSS_JWT_SECRET``). Claims: ``sub``
(who), ``role`` (admin, agent, billing, customer, partner) and, for the
customer and partner roles, ``party`` — the one party whose data the token
may see and change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, Literal, cast

import jwt

from openbss.core import clock
from openbss.core.errors import Unauthorized
from openbss.core.settings import Settings

Role = Literal["admin", "agent", "billing", "customer", "partner"]
ROLES: tuple[Role, ...] = ("admin", "agent", "billing", "customer", "partner")
PARTY_BOUND_ROLES: frozenset[str] = frozenset({"customer", "partner"})


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    party_id: str | None = None

    @property
    def party_bound(self) -> bool:
        """True when the principal may only see its own party's resources."""
        return self.role in PARTY_BOUND_ROLES

    @property
    def key(self) -> str:
        return f"{self.role}:{self.subject}:{self.party_id or ''}"


ANONYMOUS_ADMIN = Principal(subject="auth-off", role="admin")


def create_token(
    settings: Settings, *, role: str, subject: str, party_id: str | None = None, ttl: timedelta | None = None
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role in PARTY_BOUND_ROLES and not party_id:
        raise ValueError(f"a {role} token must be bound to a party (--party)")
    issued = clock.now()
    claims: dict[str, object] = {
        "sub": subject,
        "role": role,
        "iss": settings.jwt_issuer,
        "iat": int(issued.timestamp()),
        "exp": int((issued + (ttl or timedelta(seconds=settings.token_ttl_seconds))).timestamp()),
    }
    if party_id:
        claims["party"] = party_id
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str, issuer: str) -> dict[str, Any]:
    """Signature and issuer check of a token, cached: the same token comes back on every request."""
    return jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        issuer=issuer,
        # expiry is judged against the openbss Clock by the caller, not the wall clock
        options={"require": ["exp", "sub", "iss"], "verify_iat": False, "verify_exp": False},
    )


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized(
            "an 'Authorization: Bearer <token>' header is required", field="Authorization", rule="auth.missing"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "the Authorization header must use the Bearer scheme", field="Authorization", rule="auth.scheme"
        )
    try:
        claims = dict(_verified_claims(token.strip(), settings.jwt_secret, settings.jwt_issuer))
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the bearer token is not valid: {exc}", field="Authorization", rule="auth.invalid") from exc
    if int(claims["exp"]) <= int(clock.now().timestamp()):
        raise Unauthorized("the bearer token has expired", field="Authorization", rule="auth.expired")
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthorized("the bearer token names no known role", field="Authorization", rule="auth.role")
    party = claims.get("party")
    if role in PARTY_BOUND_ROLES and not party:
        raise Unauthorized("a customer or partner token must name its party", field="Authorization", rule="auth.party")
    return Principal(subject=str(claims["sub"]), role=cast(Role, role), party_id=str(party) if party else None)
