"""Detector settings: per-site and per-page-template threshold overrides.

Stored in ``detector_settings`` as ``{_id: "<site>|*" or "<site>|<template>", site_id,
template (None for the whole site), overrides {name: value}, version, updated_at, updated_by}``.
The worker resolves them with ``signals.thresholds.resolve_thresholds(site, template)``.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import InvalidInput
from schema.audit_log import write_audit
from schema.context import Context, IsAdmin, IsAnalyst
from schema.types import json_value, ms_to_datetime
from signals.errors import InvalidThresholds
from signals.thresholds import DEFAULT_THRESHOLDS, RULES_VERSION, Thresholds, resolve_thresholds
from storage.mongo import Store

COLLECTION = "detector_settings"
SITE_WIDE = "*"


def settings_id(site_id: str, template: str | None) -> str:
    return f"{site_id}|{template or SITE_WIDE}"


@strawberry.type(description="One page template's overrides and the thresholds then in force.")
class TemplateThresholds:
    template: str
    overrides: JSON
    effective: JSON
    version: str
    updated_at: datetime | None


@strawberry.type(description="A site's detector thresholds: defaults, overrides, what applies.")
class DetectorSettings:
    site_id: str
    rules_version: str
    defaults: JSON
    site_overrides: JSON
    effective: JSON
    version: str
    templates: list[TemplateThresholds]


def _resolved(site: dict[str, Any], template: dict[str, Any] | None = None) -> Thresholds:
    try:
        return resolve_thresholds(site, template)
    except InvalidThresholds as err:
        if err.problem == "unknown threshold":
            # The name is the client's input, not one of ours: not quoted back.
            message = "an unknown threshold name; detectorSettings.defaults lists the names"
            raise InvalidInput(message, field="overrides") from err
        raise InvalidInput(f"threshold {err.field}: {err.problem}", field="overrides") from err


async def load_settings(store: Store, site_id: str) -> DetectorSettings:
    docs = await store.db[COLLECTION].find({"site_id": site_id}).to_list(None)
    site_doc = next((d for d in docs if d.get("template") is None), None)
    site = (site_doc or {}).get("overrides") or {}
    effective = _resolved(site)
    templates = []
    for doc in sorted((d for d in docs if d.get("template") is not None), key=lambda d: d["_id"]):
        resolved = _resolved(site, doc.get("overrides") or {})
        templates.append(
            TemplateThresholds(
                template=doc["template"],
                overrides=json_value(doc.get("overrides") or {}),
                effective=json_value(resolved.to_dict()),
                version=resolved.version,
                updated_at=ms_to_datetime(doc.get("updated_at")),
            )
        )
    return DetectorSettings(
        site_id=site_id,
        rules_version=RULES_VERSION,
        defaults=json_value(DEFAULT_THRESHOLDS.to_dict()),
        site_overrides=json_value(site),
        effective=json_value(effective.to_dict()),
        version=effective.version,
        templates=templates,
    )


async def _check_combinations(
    store: Store, site_id: str, template: str | None, overrides: dict[str, Any]
) -> Thresholds:
    """Validate the new overrides together with every stored combination they take part in."""
    docs = await store.db[COLLECTION].find({"site_id": site_id}).to_list(None)
    if template is None:
        for doc in docs:
            if doc.get("template") is not None:
                _resolved(overrides, doc.get("overrides") or {})
        return _resolved(overrides)
    site_doc = next((d for d in docs if d.get("template") is None), None)
    return _resolved((site_doc or {}).get("overrides") or {}, overrides)


@strawberry.type
class DetectorQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="A site's detector thresholds.")
    async def detector_settings(self, info: Info[Context, Any], site_id: str) -> DetectorSettings:
        await info.context.require_site(site_id)
        return await load_settings(info.context.store, site_id)


@strawberry.type
class DetectorMutations:
    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Set threshold overrides for a site, or for one of its page templates "
        "(`template`). An empty object removes the overrides. Applies to newly processed data.",
    )
    async def set_detector_thresholds(
        self,
        info: Info[Context, Any],
        site_id: str,
        overrides: JSON,
        template: str | None = None,
    ) -> DetectorSettings:
        who = await info.context.principal()
        await info.context.require_site(site_id)
        if not isinstance(overrides, dict):
            raise InvalidInput("overrides must be an object of threshold names", field="overrides")
        if template is not None and not template.startswith("/"):
            raise InvalidInput("a page template starts with /", field="template")
        store = info.context.store
        if not await store.sites.find_one({"_id": site_id}, projection={"_id": 1}):
            raise InvalidInput("no such site", field="siteId")

        resolved = await _check_combinations(store, site_id, template, overrides)
        doc_id = settings_id(site_id, template)
        if overrides:
            # Store the checked values (whole numbers as ints, lists trimmed), not the raw input.
            values = resolved.to_dict()
            doc = {
                "_id": doc_id,
                "site_id": site_id,
                "template": template,
                "overrides": {name: values[name] for name in sorted(overrides)},
                "version": resolved.version,
                "updated_at": int(time.time() * 1000),
                "updated_by": who.key_id,
            }
            await store.db[COLLECTION].replace_one({"_id": doc_id}, doc, upsert=True)
        else:
            await store.db[COLLECTION].delete_one({"_id": doc_id})
        await write_audit(
            store, who, "thresholds_set", {"overrides": len(overrides)}, site_id=site_id
        )
        return await load_settings(store, site_id)
