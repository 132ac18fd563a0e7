"""Per-request GraphQL context: who is asking, the store, and request-scoped loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from api.auth import KeyCache, Principal, Role, authenticate
from api.errors import Forbidden, Unauthorized
from api.settings import Settings
from storage.mongo import Store


@dataclass
class Context:
    store: Store
    settings: Settings
    authorization: str | None
    key_cache: KeyCache
    _principal: Principal | None = None
    loaders: dict[str, Any] = field(default_factory=dict)

    async def principal(self) -> Principal:
        if self._principal is None:
            self._principal = await authenticate(self.store, self.authorization, self.key_cache)
        return self._principal

    async def require(self, role: Role) -> Principal:
        principal = await self.principal()
        principal.require(role)
        return principal

    async def site_filter(self, site_id: str | None) -> dict[str, Any]:
        """The ``site_id`` condition this principal may query, narrowed to ``site_id``."""
        principal = await self.principal()
        if site_id is not None:
            if not principal.sees_site(site_id):
                raise Forbidden("this API key may not read that site", field="siteId")
            return {"site_id": site_id}
        if principal.site_ids is None:
            return {}
        return {"site_id": {"$in": sorted(principal.site_ids)}}


class _RolePermission(BasePermission):
    role: Role

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        try:
            await info.context.require(self.role)
        except (Unauthorized, Forbidden) as err:
            self.message = err.message
            return False
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
