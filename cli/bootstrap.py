"""First-run setup for development: the demo site and an admin API key."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from api.auth import Role, create_api_key, create_site
from api.settings import Settings
from storage.mongo import Store

logger = logging.getLogger(__name__)

DEMO_SITE_ID = "demo"
DEMO_DEPARTMENTS = {
    "/permits": "Building and Permits",
    "/water": "Water Utility",
    "/streets": "Streets and Transportation",
}


def _read_or_create(path: Path, make: str) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(make)
    return make


async def bootstrap_development(store: Store, settings: Settings, origins: list[str]) -> str:
    """Create the demo site and an admin key (kept in data_dir) and return the admin key."""
    await store.ensure_indexes()
    await create_site(
        store,
        DEMO_SITE_ID,
        "Demo City",
        settings.demo_site_key,
        origins=origins,
        departments=DEMO_DEPARTMENTS,
    )
    from api.auth import generate_key

    admin_key = settings.admin_key or _read_or_create(
        Path(settings.data_dir) / "admin.key", generate_key("sp")
    )
    await create_api_key(store, Role.ADMIN, "development admin", key=admin_key)
    return admin_key
