"""Sites and API keys: reading sites and departments, and the admin mutations that manage them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import strawberry
from strawberry.types import Info

from anonymizer.policy import PolicyConfig
from anonymizer.urls import is_secret_key
from api.auth import (
    Role,
    create_api_key,
    create_site,
    generate_key,
    key_id_of,
    list_api_keys,
    revoke_api_key,
)
from api.errors import Forbidden, InvalidInput, NotFound
from schema.audit_log import write_audit
from schema.context import Context, IsAdmin, IsAnalyst
from storage.mongo import set_fields

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ALLOWED_NAME = re.compile(r"^[a-z0-9_.:\[\]-]{1,64}$")
MAX_ALLOWED_NAMES = 100
MAX_SITE_NAME_CHARS = 200
MAX_RETENTION_DAYS = 3650


@strawberry.type(description="A path prefix and the department that owns its pages.")
class Department:
    path_prefix: str
    name: str


def departments_of(doc: dict[str, Any]) -> list[Department]:
    mapping = doc.get("departments") or {}
    return [Department(path_prefix=p, name=n) for p, n in sorted(mapping.items())]


@strawberry.type(description="A site's own redaction choices, on top of the policy.")
class SiteRedaction:
    analyzed_input_fields: list[str] = strawberry.field(
        description="Form fields (by name, id or autocomplete) whose values are kept with "
        "personal details replaced, instead of dropped. Password, hidden, card, one-time-code "
        "fields, text areas and selects stay dropped whatever is listed here."
    )
    url_allowed_keys: list[str] = strawberry.field(
        description="Query keys whose values are kept unless the analyzer finds personal "
        "details in them (then replaced); values of other keys may be removed as tokens."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SiteRedaction:
        choices = doc.get("redaction") or {}
        return cls(
            analyzed_input_fields=sorted(choices.get("analyze_input_fields") or []),
            url_allowed_keys=sorted(choices.get("url_allowed_keys") or []),
        )


@strawberry.type(description="A website that sends data to Stuckpoint.")
class Site:
    id: strawberry.ID
    name: str
    origins: list[str]
    departments: list[Department]
    retention_days: int
    redaction: SiteRedaction

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Site:
        return cls(
            id=strawberry.ID(doc["_id"]),
            name=doc.get("name", ""),
            origins=list(doc.get("origins") or []),
            departments=departments_of(doc),
            retention_days=int(doc.get("retention_days", 90)),
            redaction=SiteRedaction.from_doc(doc),
        )


@strawberry.enum(description="What an API key may do.")
class KeyRole(Enum):
    INGEST = Role.INGEST.value
    ANALYST = Role.ANALYST.value
    PRIVACY_OFFICER = Role.PRIVACY_OFFICER.value
    ADMIN = Role.ADMIN.value


@strawberry.type(description="An API key's public details; the key itself is never stored.")
class ApiKey:
    key_id: str
    role: KeyRole
    name: str
    site_ids: list[str]
    revoked: bool
    created_at: datetime | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ApiKey:
        created = doc.get("created_at")
        return cls(
            key_id=doc["key_id"],
            role=KeyRole(doc["role"]),
            name=doc.get("name", ""),
            site_ids=list(doc.get("site_ids") or []),
            revoked=bool(doc.get("revoked", False)),
            created_at=datetime.fromtimestamp(created, tz=UTC) if created else None,
        )


@strawberry.type(description="A new API key. `key` is shown only this once.")
class CreatedApiKey:
    key: str
    api_key: ApiKey


@strawberry.type(description="A new site. `siteKey` (for the tracker) is shown only this once.")
class CreatedSite:
    site: Site
    site_key: str


@strawberry.input(description="A department: pages under `pathPrefix` belong to `name`.")
class DepartmentInput:
    path_prefix: str
    name: str


@strawberry.input
class SiteInput:
    id: str
    name: str
    origins: list[str]
    departments: list[DepartmentInput] = strawberry.field(default_factory=list)
    retention_days: int = 90


@strawberry.input(description="Only the given fields change.")
class SiteUpdate:
    name: str | None = None
    origins: list[str] | None = None
    departments: list[DepartmentInput] | None = None
    retention_days: int | None = None


@strawberry.input(description="Replaces both of a site's redaction allow-lists.")
class SiteRedactionInput:
    analyzed_input_fields: list[str] = strawberry.field(default_factory=list)
    url_allowed_keys: list[str] = strawberry.field(default_factory=list)


def checked_names(names: list[str], field: str) -> list[str]:
    """Field or query-key names: lower case, at most ``MAX_ALLOWED_NAMES`` of them."""
    if len(names) > MAX_ALLOWED_NAMES:
        raise InvalidInput(f"at most {MAX_ALLOWED_NAMES} names", field=field)
    cleaned = {name.strip().lower() for name in names}
    if not all(ALLOWED_NAME.match(name) for name in cleaned):
        raise InvalidInput("a name is 1-64 of letters, digits and _ - . : [ ]", field=field)
    return sorted(cleaned)


def checked_url_keys(keys: list[str]) -> list[str]:
    """Allow-listed query keys; credentials' keys (token, code, password...) are refused, as an
    allow-listed value would be kept where the policy removes it."""
    cleaned = checked_names(keys, "urlAllowedKeys")
    # As given, too: `resetToken` splits into words only before lower-casing.
    secret = [key for key in [*keys, *cleaned] if is_secret_key(key.strip(), PolicyConfig())]
    if secret:
        raise InvalidInput(
            "secret-named query keys (token, code, key, session, auth, password...) cannot be "
            "allow-listed",
            field="urlAllowedKeys",
        )
    return cleaned


def checked_name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_SITE_NAME_CHARS:
        raise InvalidInput(f"a site name is 1 to {MAX_SITE_NAME_CHARS} characters", field="name")
    return cleaned


def checked_origins(origins: list[str]) -> list[str]:
    """Origins as ``scheme://host[:port]``; anything with a path or query is refused."""
    cleaned = []
    for origin in origins:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("an origin is scheme://host[:port]", field="origins")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise InvalidInput("an origin has no path, query or fragment", field="origins")
        cleaned.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return sorted(set(cleaned))


def checked_departments(departments: list[DepartmentInput]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for dep in departments:
        if not dep.path_prefix.startswith("/") or not dep.name.strip():
            raise InvalidInput("a department needs a /path prefix and a name", field="departments")
        # Keys with dots cannot be stored as field names.
        if "." in dep.path_prefix or "$" in dep.path_prefix:
            raise InvalidInput("a path prefix may not contain . or $", field="departments")
        mapping[dep.path_prefix.rstrip("/") or "/"] = dep.name.strip()
    return mapping


def checked_retention(days: int) -> int:
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise InvalidInput(f"retention is 1 to {MAX_RETENTION_DAYS} days", field="retentionDays")
    return days


async def _unscoped_admin(context: Context) -> Any:
    principal = await context.require(Role.ADMIN)
    if principal.site_ids is not None:
        raise Forbidden("this needs an admin key that is not limited to some sites")
    return principal


@strawberry.type
class AdminQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="The sites this key may read.")
    async def sites(self, info: Info[Context, Any]) -> list[Site]:
        query = await info.context.site_filter(None)
        if "site_id" in query:
            query = {"_id": query["site_id"]}
        docs = await info.context.store.sites.find(query).sort("_id", 1).to_list(None)
        return [Site.from_doc(d) for d in docs]

    @strawberry.field(permission_classes=[IsAnalyst], description="A site's departments.")
    async def departments(self, info: Info[Context, Any], site_id: str) -> list[Department]:
        await info.context.require_site(site_id)
        doc = await info.context.store.sites.find_one({"_id": site_id})
        if doc is None:
            raise NotFound("no such site", field="siteId")
        return departments_of(doc)

    @strawberry.field(permission_classes=[IsAdmin], description="Every API key, without secrets.")
    async def api_keys(self, info: Info[Context, Any]) -> list[ApiKey]:
        return [ApiKey.from_doc(d) for d in await list_api_keys(info.context.store)]


@strawberry.type
class AdminMutations:
    @strawberry.mutation(permission_classes=[IsAdmin], description="Register a new site.")
    async def create_site(self, info: Info[Context, Any], input: SiteInput) -> CreatedSite:
        who = await _unscoped_admin(info.context)
        if not SITE_ID.match(input.id):
            raise InvalidInput("a site id is 1-64 of a-z, 0-9, _ and -", field="id")
        name = checked_name(input.name)
        store = info.context.store
        if await store.sites.find_one({"_id": input.id}, projection={"_id": 1}):
            raise InvalidInput("a site with this id exists", field="id")
        site_key = generate_key("site")
        await create_site(
            store,
            input.id,
            name,
            site_key,
            origins=checked_origins(input.origins),
            departments=checked_departments(input.departments),
            retention_days=checked_retention(input.retention_days),
        )
        await write_audit(store, who, "site_created", {"sites": 1}, site_id=input.id)
        doc = await store.sites.find_one({"_id": input.id})
        return CreatedSite(site=Site.from_doc(doc), site_key=site_key)  # type: ignore[arg-type]

    @strawberry.mutation(permission_classes=[IsAdmin], description="Change a site's settings.")
    async def update_site(self, info: Info[Context, Any], id: str, input: SiteUpdate) -> Site:
        who = await info.context.require(Role.ADMIN)
        await info.context.require_site(id)
        changes: dict[str, Any] = {}
        if input.name is not None:
            changes["name"] = checked_name(input.name)
        if input.origins is not None:
            changes["origins"] = checked_origins(input.origins)
        if input.departments is not None:
            changes["departments"] = checked_departments(input.departments)
        if input.retention_days is not None:
            changes["retention_days"] = checked_retention(input.retention_days)
        store = info.context.store
        if changes:
            result = await set_fields(store.sites, {"_id": id}, changes)
            if result.matched_count == 0:
                raise NotFound("no such site", field="id")
            await write_audit(store, who, "site_updated", {"sites": 1}, site_id=id)
        doc = await store.sites.find_one({"_id": id})
        if doc is None:
            raise NotFound("no such site", field="id")
        return Site.from_doc(doc)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Set a site's redaction allow-lists; batches processed from now on use them.",
    )
    async def set_site_redaction(
        self, info: Info[Context, Any], id: str, input: SiteRedactionInput
    ) -> Site:
        who = await info.context.require(Role.ADMIN)
        await info.context.require_site(id)
        choices = {
            "analyze_input_fields": checked_names(
                input.analyzed_input_fields, "analyzedInputFields"
            ),
            "url_allowed_keys": checked_url_keys(input.url_allowed_keys),
        }
        store = info.context.store
        result = await set_fields(store.sites, {"_id": id}, {"redaction": choices})
        if result.matched_count == 0:
            raise NotFound("no such site", field="id")
        counts = {k: len(v) for k, v in choices.items()}
        await write_audit(store, who, "site_redaction_updated", counts, site_id=id)
        doc = await store.sites.find_one({"_id": id})
        if doc is None:
            raise NotFound("no such site", field="id")
        return Site.from_doc(doc)

    @strawberry.mutation(permission_classes=[IsAdmin], description="Create an API key.")
    async def create_api_key(
        self,
        info: Info[Context, Any],
        role: KeyRole,
        name: str,
        site_ids: list[str] | None = None,
    ) -> CreatedApiKey:
        who = await _unscoped_admin(info.context)
        if role is KeyRole.INGEST:
            # A key of this role could do nothing: /collect takes the site's own key.
            raise InvalidInput(
                "ingest keys are site keys: createSite returns one (siteKey)", field="role"
            )
        store = info.context.store
        sites = sorted(set(site_ids or []))
        if sites:
            found = await store.sites.count_documents({"_id": {"$in": sites}})
            if found != len(sites):
                raise InvalidInput("unknown site id", field="siteIds")
        key = await create_api_key(store, Role(role.value), name.strip(), sites)
        key_id = await key_id_of(store, key)
        await write_audit(store, who, "key_created", {"api_keys": 1}, key_id=key_id)
        doc = await store.api_keys.find_one({"key_id": key_id}, projection={"_id": 0})
        return CreatedApiKey(key=key, api_key=ApiKey.from_doc(doc))  # type: ignore[arg-type]

    @strawberry.mutation(permission_classes=[IsAdmin], description="Revoke an API key for good.")
    async def revoke_api_key(self, info: Info[Context, Any], key_id: str) -> ApiKey:
        who = await _unscoped_admin(info.context)
        store = info.context.store
        doc = await revoke_api_key(store, key_id, info.context.key_cache)
        if doc is None:
            raise NotFound("no API key has this id", field="keyId")
        await write_audit(store, who, "key_revoked", {"api_keys": 1}, key_id=key_id)
        return ApiKey.from_doc(doc)
