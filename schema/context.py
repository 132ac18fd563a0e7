"""Per-request GraphQL context: who is asking, the store, request-scoped loaders, permissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.auth import KeyCache, Principal, Role, authenticate
from api.errors import Forbidden, NotFound, Unavailable
from api.settings import Settings
from schema.loaders import Loaders
from storage.mongo import Store


@dataclass
class Context:
    """Built once per HTTP request, or once per WebSocket connection."""

    store: Store
    settings: Settings
    authorization: str | None
    key_cache: KeyCache
    # Site ids known to exist, shared by the requests of one server (entries live 30 s).
    site_cache: KeyCache = field(default_factory=KeyCache)
    # The queue: erasure marks sessions erased and aggregates dirty there.
    redis: Redis | None = None
    # Set by the graphql-transport-ws handler from the connection_init payload.
    connection_params: dict[str, Any] | None = None
    _principal: Principal | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store)

    def _credentials(self) -> str | None:
        if self.authorization:
            return self.authorization
        params = self.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        return value if isinstance(value, str) else None

    async def principal(self) -> Principal:
        if self._principal is None:
            self._principal = await authenticate(self.store, self._credentials(), self.key_cache)
        return self._principal

    async def reauthenticate(self) -> Principal:
        """Check the key again (a long-lived subscription must notice a revoked key)."""
        self._principal = None
        return await self.principal()

    async def require(self, role: Role) -> Principal:
        principal = await self.principal()
        principal.require(role)
        return principal

    async def site_filter(self, site_id: str | None) -> dict[str, Any]:
        """The ``site_id`` condition this principal may query, narrowed to ``site_id``.

        A ``site_id`` this key may not see is ``Forbidden``; one that does not exist is
        ``NotFound`` rather than an empty answer that looks like a quiet site.
        """
        principal = await self.principal()
        if site_id is not None:
            await self.require_site(site_id)
            return {"site_id": site_id}
        if principal.site_ids is None:
            return {}
        return {"site_id": {"$in": sorted(principal.site_ids)}}

    async def require_site(self, site_id: str, *, must_exist: bool = True) -> None:
        """Raise ``Forbidden`` unless this principal may see ``site_id``, ``NotFound`` unless
        the site exists (when ``must_exist``)."""
        principal = await self.principal()
        if not principal.sees_site(site_id):
            raise Forbidden("this API key may not read that site", field="siteId")
        if must_exist and self.site_cache.get(site_id) is None:
            if await self.store.sites.find_one({"_id": site_id}, {"_id": 1}) is None:
                raise NotFound("no such site", field="siteId")
            self.site_cache.put(site_id, True)

    def queue(self) -> Redis:
        """The queue connection, or ``Unavailable`` where this server was given none."""
        if self.redis is None:
            raise Unavailable("this server has no queue connection")
        return self.redis

    async def sees(self, doc: dict[str, Any] | None) -> bool:
        """Whether a stored document with a ``site_id`` is visible to this principal."""
        if doc is None:
            return False
        principal = await self.principal()
        return principal.sees_site(str(doc.get("site_id", "")))


class _RolePermission(BasePermission):
    """Checks the role; raises our typed error so the message and code reach the client.

    Permission instances are shared by all requests, so nothing request-specific is stored
    on them: the error is raised, not kept in ``self.message``.
    """

    role: Role

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        await info.context.require(self.role)
        return True


class IsAnalyst(_RolePermission):
    role = Role.ANALYST
    message = "requires the analyst role"


class IsPrivacyOfficer(_RolePermission):
    role = Role.PRIVACY_OFFICER
    message = "requires the privacy_officer role"


class IsAdmin(_RolePermission):
    role = Role.ADMIN
    message = "requires the admin role"


def required_role(permission_classes: list[type[BasePermission]]) -> Role | None:
    """The role a field's permission classes demand (the strictest), for the schema walk."""
    roles = [p.role for p in permission_classes if issubclass(p, _RolePermission)]
    order = [Role.ANALYST, Role.PRIVACY_OFFICER, Role.ADMIN]
    return max(roles, key=order.index) if roles else None
