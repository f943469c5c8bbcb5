"""Configuration, read from ``OPENBSS_*`` environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the server; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="OPENBSS_", extra="ignore")

    database_url: str = Field("sqlite:///openbss.db", description="SQLAlchemy URL of the database")
    auth: Literal["on", "off"] = Field("on", description="'off' disables authentication (local trials only)")
    jwt_secret: str = Field(
        "change-me-openbss-development-secret-key",
        description="HMAC key that signs bearer tokens; set a long random value in production",
    )
    jwt_issuer: str = "openbss"
    token_ttl_seconds: int = 30 * 24 * 3600
    test_clock: Literal["on", "off"] = Field("off", description="'on' lets an admin move the clock")
    reference_check: Literal["strict", "off"] = Field(
        "strict",
        description="'strict' refuses references to parties/customers that do not exist here",
    )
    default_phone_region: str = Field("GB", description="region for phone numbers written without +")
    max_page_limit: int = Field(1000, description="largest 'limit' a list request may ask for")
    default_page_limit: int = Field(100, description="page size when a list request gives no 'limit'")
    webhook_secret: str = Field(
        "change-me-openbss-webhook-signing-key", description="HMAC key that signs event deliveries"
    )
    hub_blocked_networks: str = Field(
        "0.0.0.0/8,169.254.0.0/16,224.0.0.0/3,fe80::/10,ff00::/8,::/128",
        description="networks /hub callbacks may not point to (comma-separated CIDR); see docs/events.md",
    )
    dispatch_interval_seconds: float = 1.0
    dispatch_max_attempts: int = 10
    dispatch_backoff_seconds: float = 2.0
    dispatch_timeout_seconds: float = 10.0
    embedded_worker: Literal["on", "off"] = Field(
        "on", description="run the job worker inside 'openbss serve' (embedded deployments)"
    )
    # retention (see docs/retention.md); 0 keeps that kind of row for ever
    idempotency_key_hours: int = Field(
        24, ge=0, description="how long an Idempotency-Key is remembered; after that the key creates anew"
    )
    retention_event_days: int = Field(
        30, ge=0, description="outbox events (with their deliveries) are deleted this long after they occurred"
    )
    retention_done_job_days: int = Field(7, ge=0, description="finished jobs are deleted after this many days")
    retention_failed_job_days: int = Field(90, ge=0, description="failed jobs are deleted after this many days")
    retention_process_run_days: int = Field(
        30, ge=0, description="process runs older than this are folded into per-process totals and deleted"
    )
    retention_interval_seconds: float = Field(3600.0, gt=0, description="how often the retention job runs")
    # shopping cart (TMF663)
    cart_validity_days: int = Field(30, ge=1, description="a cart expires this many days after its last change")
    cart_self_service_channel: str = Field(
        "selfService", description="sales channel id of carts changed by customer or partner tokens"
    )
    cart_assisted_channel: str = Field("assisted", description="sales channel id of carts changed by staff")
    # southbound service ordering (TMF641), see docs/oss.md
    oss_url: str = Field(
        "http://127.0.0.1:8641/tmf-api/serviceOrdering/v4", description="TMF641 base URL of the network OSS"
    )
    oss_timeout_seconds: float = Field(10.0, description="HTTP timeout of one call to the OSS")
    oss_listener_url: str = Field(
        "http://127.0.0.1:8000", description="our own base URL, as the OSS reaches it, for its event callbacks"
    )
    oss_event_secret: str = Field(
        "change-me-openbss-oss-event-secret",
        description="HMAC key that OSS events must be signed with; empty accepts unsigned events",
    )
    # order handling (TMF622), see docs/ordering.md
    order_jeopardy_sweep_seconds: float = Field(60.0, description="how often the jeopardy sweep runs")
    order_southbound_poll_seconds: float = Field(
        30.0, description="how often service orders without news are polled at the OSS (events are the main path)"
    )

    @field_validator("hub_blocked_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError: a clear start-up error
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
