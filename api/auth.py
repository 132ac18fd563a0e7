"""API keys and site keys: generated random, stored as SHA-256 hashes, compared in constant time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pymongo.errors import PyMongoError

from api.errors import Forbidden, Unauthorized
from storage.mongo import Store, set_fields


class Role(StrEnum):
    INGEST = "ingest"
    ANALYST = "analyst"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


# What each role may do beyond its own name; checked by schema permissions.
ROLE_GRANTS: dict[Role, frozenset[Role]] = {
    Role.INGEST: frozenset({Role.INGEST}),
    Role.ANALYST: frozenset({Role.ANALYST}),
    Role.PRIVACY_OFFICER: frozenset({Role.ANALYST, Role.PRIVACY_OFFICER}),
    Role.ADMIN: frozenset({Role.ANALYST, Role.PRIVACY_OFFICER, Role.ADMIN}),
}


def generate_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def hash_key(key: str) -> str:
    # Keys are 192-bit random strings, so a plain digest is enough; no salt or KDF is needed.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    site_ids: frozenset[str] | None = None  # None: every site

    def can(self, role: Role) -> bool:
        return role in ROLE_GRANTS[self.role]

    def require(self, role: Role) -> None:
        if not self.can(role):
            raise Forbidden(f"this API key's role ({self.role.value}) may not do this")

    def sees_site(self, site_id: str) -> bool:
        return self.site_ids is None or site_id in self.site_ids


@dataclass
class _Cached:
    value: Any
    expires_at: float


# A revocation check waits no longer: while the store is down, requests must not all wait.
REVOCATION_CHECK_TIMEOUT_S = 0.5


@dataclass
class KeyCache:
    """A short-lived in-process cache so ingest does not hit the store for every request.

    Revocations reach every process's cache within ``revocation_check_s``: at most that often
    the cache reads the time of the latest revocation in the store (one small query over the
    few API key documents) and drops every entry when it changed. Keys are revoked rarely, so
    clearing everything is simpler than tracking which entry a revocation concerns.
    """

    ttl_s: float = 30.0
    revocation_check_s: float = 1.0
    entries: dict[str, _Cached] = field(default_factory=dict)
    _last_revoked_at: float | None = None
    _checked_at: float = float("-inf")

    def get(self, digest: str) -> Any:
        entry = self.entries.get(digest)
        if entry is None or entry.expires_at < time.monotonic():
            return None
        return entry.value

    def put(self, digest: str, value: Any) -> None:
        if len(self.entries) > 10_000:
            self.entries.clear()
        self.entries[digest] = _Cached(value, time.monotonic() + self.ttl_s)

    async def check_revocations(self, store: Store) -> None:
        """Drop every entry if a key was revoked (by any process) since the last check."""
        now = time.monotonic()
        if now - self._checked_at < self.revocation_check_s:
            return
        self._checked_at = now
        try:
            latest = await asyncio.wait_for(
                store.api_keys.find_one(
                    {"revoked": True},
                    projection={"_id": 0, "revoked_at": 1},
                    sort=[("revoked_at", -1)],
                ),
                REVOCATION_CHECK_TIMEOUT_S,
            )
        except (PyMongoError, TimeoutError):
            # The store is down: entries live out their ttl_s, as they did before this check.
            return
        revoked_at = float(latest.get("revoked_at", 0.0)) if latest else 0.0
        # Before the first check answered, an entry may be of a key revoked since: drop it too.
        if revoked_at != self._last_revoked_at:
            self.entries.clear()
            self._last_revoked_at = revoked_at


async def authenticate(store: Store, authorization: str | None, cache: KeyCache) -> Principal:
    """Resolve ``Authorization: Bearer <key>`` to a principal, or raise ``Unauthorized``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    digest = hash_key(authorization[7:].strip())

    await cache.check_revocations(store)
    cached = cache.get(digest)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    doc = await store.api_keys.find_one({"_id": digest, "revoked": {"$ne": True}})
    if doc is None or not hmac.compare_digest(doc["_id"], digest):
        raise Unauthorized("unknown or revoked API key")
    sites = doc.get("site_ids")
    principal = Principal(
        key_id=doc["key_id"],
        role=Role(doc["role"]),
        site_ids=frozenset(sites) if sites else None,
    )
    cache.put(digest, principal)
    return principal


async def site_for_key(store: Store, site_key: str, cache: KeyCache) -> dict[str, Any]:
    """The site a public site key belongs to, or ``Unauthorized``."""
    digest = hash_key(site_key)
    # No revocation check: site keys are not revoked (there is no mutation for it yet).
    cached = cache.get("site:" + digest)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    site = await store.sites.find_one({"site_key_hash": digest})
    if site is None or not hmac.compare_digest(site["site_key_hash"], digest):
        raise Unauthorized("unknown site key", field="site_key")
    cache.put("site:" + digest, site)
    return site


async def create_api_key(
    store: Store, role: Role, name: str, site_ids: list[str] | None = None, key: str | None = None
) -> str:
    """Store a new API key (hashed) and return the key itself, shown once."""
    key = key or generate_key("sp")
    await store.api_keys.update_one(
        {"_id": hash_key(key)},
        {
            "$set": {"role": role.value, "name": name, "site_ids": site_ids or []},
            "$setOnInsert": {"key_id": secrets.token_hex(6), "created_at": time.time()},
        },
        upsert=True,
    )
    return key


async def create_site(
    store: Store,
    site_id: str,
    name: str,
    site_key: str,
    origins: list[str],
    departments: dict[str, str] | None = None,
    retention_days: int = 90,
) -> None:
    await set_fields(
        store.sites,
        {"_id": site_id},
        {
            "name": name,
            "site_key_hash": hash_key(site_key),
            "origins": origins,
            "departments": departments or {},
            "retention_days": retention_days,
        },
        upsert=True,
    )


async def key_id_of(store: Store, key: str) -> str:
    """The public id of a stored API key (shown in listings and the audit log)."""
    doc = await store.api_keys.find_one({"_id": hash_key(key)}, projection={"key_id": 1})
    if doc is None:
        raise Unauthorized("unknown API key")
    return str(doc["key_id"])


async def list_api_keys(store: Store) -> list[dict[str, Any]]:
    """Every API key's public fields; never the hash."""
    docs = await store.api_keys.find({}, projection={"_id": 0}).sort("created_at", 1).to_list(None)
    return docs


async def revoke_api_key(
    store: Store, key_id: str, cache: KeyCache | None = None
) -> dict[str, Any] | None:
    """Mark a key revoked (kept for the audit trail); None if no key has that id."""
    doc = await store.api_keys.find_one({"key_id": key_id})
    if doc is None:
        return None
    await store.api_keys.update_one(
        {"_id": doc["_id"]}, {"$set": {"revoked": True, "revoked_at": time.time()}}
    )
    if cache is not None:
        # This process stops accepting it at once; others at their next revocation check.
        cache.entries.pop(doc["_id"], None)
    doc.update(revoked=True)
    doc.pop("_id")
    return doc
