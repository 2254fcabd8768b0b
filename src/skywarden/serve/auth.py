"""Bearer tokens and roles: who may look, who may acknowledge, who may edit.

Roles are ordered ``viewer`` < ``operator`` < ``admin``: viewers see the picture,
operators also acknowledge alerts, admins also edit zones and issue tokens. Only a
token's SHA-256 hash is stored. The admin token comes from ``SKYWARDEN_ADMIN_TOKEN``;
without it one is generated at the first start and shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from skywarden.serve.store import Store

ADMIN_TOKEN_ENV = "SKYWARDEN_ADMIN_TOKEN"
GENERATED_ADMIN_NAME = "admin (generated)"


class Role(StrEnum):
    """What a token may do; each role may do everything of the roles before it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role covers the ``needed`` one."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of a valid token."""

    name: str
    role: Role


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Checks bearer tokens against the environment's admin token and the store."""

    def __init__(self, store: Store, admin_token: str | None) -> None:
        self._store = store
        self._admin_hash = token_hash(admin_token) if admin_token else None
        self._known: dict[str, Principal] = {}

    def principal(self, token: str | None) -> Principal | None:
        """Who holds this token, or ``None`` when it is unknown.

        Tokens are never revoked while the service runs, so a token found once is
        remembered and the store is asked only about new ones."""
        if not token:
            return None
        digest = token_hash(token)
        if self._admin_hash is not None and hmac.compare_digest(digest, self._admin_hash):
            return Principal("admin", Role.ADMIN)
        known = self._known.get(digest)
        if known is not None:
            return known
        record = self._store.token(digest)
        if record is None:
            return None
        principal = self._known[digest] = Principal(record.name, Role(record.role))
        return principal

    def issue(self, role: Role, name: str) -> str:
        """Create, store and return a new token for ``role``."""
        token = secrets.token_urlsafe(24)
        self._store.add_token(token_hash(token), role.value, name, time.time())
        return token


def ensure_admin_token(store: Store, from_env: str | None) -> str | None:
    """The admin token to show once: ``None`` when it comes from the environment or was
    generated at an earlier start; a new token (stored hashed) at the very first start."""
    if from_env or store.has_token_named(GENERATED_ADMIN_NAME):
        return None
    token = secrets.token_urlsafe(24)
    store.add_token(token_hash(token), Role.ADMIN.value, GENERATED_ADMIN_NAME, time.time())
    return token
