"""``[sink]`` settings of the ``baselinker`` sink (validated with ``extra="forbid"``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sellintegro_core.api import EnvSecret

DEFAULT_URL = "https://api.baselinker.com/connector.php"
MAX_REQUESTS_PER_MINUTE = 100

NameOrId = str | int


class BaseLinkerConfig(BaseModel):
    """The scenario's ``[sink]`` table for ``plugin = "baselinker"``.

    Series, statuses and fields are given by name (resolved once per run) or by numeric id.
    """

    model_config = ConfigDict(extra="forbid")

    token: EnvSecret = Field(description='API token from "Moje konto -> API", as { env = "BASELINKER_TOKEN" }')
    url: str = Field(DEFAULT_URL, description="connector.php URL (the emulator's URL in tests and the demo)")
    requests_per_minute: int = Field(60, description="our share of the token's 100 calls/minute budget (1-100)")
    invoice_series: NameOrId | None = Field(None, description="INVOICE series for placeholder invoices")
    receipt_series: NameOrId | None = Field(None, description="RECEIPT series; the account default if unset")
    correction_series: NameOrId | None = Field(None, description="CORRECTION series; series default if unset")
    ksef_number_field: NameOrId | None = Field(None, description="order extra field that receives the KSeF number")
    timeout: float = Field(30.0, description="seconds one call may take, its whole answer included (wall clock)")
    max_answer_mb: float = Field(5.0, description="largest answer accepted, in MB; a larger one is refused unread")
    max_retries: int = Field(3, description="retries of one call after a transport failure (5xx, timeout...)")
    retry_max_seconds: float = Field(120.0, description="total time one call may spend in retries")
    include_unconfirmed: bool = Field(False, description="also read unconfirmed orders (not recommended)")
    existing_documents: Literal["batched", "per_order"] = Field(
        "batched", description="how to learn what the account already holds: 'batched' (one paged getInvoices "
        "and getReceipts read per run) or 'per_order' (a read of the order before every placeholder)")
    instance: str | None = Field(None, description="this scenario's claim tag on BaseLinker documents (default: "
                                 "<scenario>@<host>#<id of host+folder>); keep it when moving the scenario")
    rate_window_seconds: float = Field(60.0, description="length of the rate-limit window; change only for an "
                                       "emulator started with a time scale")

    @model_validator(mode="after")
    def _real_window(self) -> BaseLinkerConfig:
        host = self.url.split("://", 1)[-1].split("/", 1)[0].lower()
        if self.rate_window_seconds < 60 and (host.endswith("baselinker.com") or host.endswith("base.com")):
            raise ValueError("rate_window_seconds below 60 is only for a time-scaled emulator; BaseLinker counts "
                             "calls per real minute (remove the setting)")
        return self

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an http(s) URL; use {DEFAULT_URL} (or the emulator's URL)")
        return value

    @field_validator("requests_per_minute")
    @classmethod
    def _rpm(cls, value: int) -> int:
        if not 1 <= value <= MAX_REQUESTS_PER_MINUTE:
            raise ValueError(f"must be between 1 and {MAX_REQUESTS_PER_MINUTE}: BaseLinker allows 100 calls a "
                             "minute per token, shared by every integration using it (60 leaves room for them)")
        return value

    @field_validator("invoice_series", "receipt_series", "correction_series", "ksef_number_field", mode="before")
    @classmethod
    def _name_or_id(cls, value: NameOrId | None) -> NameOrId | None:
        if isinstance(value, bool):
            raise ValueError("give a name (text) or a numeric id")
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("must not be empty; give a name or a numeric id, or remove the setting")
            if value.isdigit():
                return int(value)
        if isinstance(value, int) and value <= 0:
            raise ValueError("an id must be a positive number")
        return value

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 1 <= value <= 600:
            raise ValueError("must be between 1 and 600 seconds")
        return value

    @field_validator("max_answer_mb")
    @classmethod
    def _max_answer(cls, value: float) -> float:
        if not 0.1 <= value <= 200:
            raise ValueError("must be between 0.1 and 200 (MB); the default 5 holds a full page of 100 orders "
                             "many times over")
        return value

    @property
    def max_answer_bytes(self) -> int:
        return int(self.max_answer_mb * 1024 * 1024)

    @field_validator("max_retries")
    @classmethod
    def _retries(cls, value: int) -> int:
        if not 0 <= value <= 10:
            raise ValueError("must be between 0 and 10")
        return value

    @field_validator("retry_max_seconds")
    @classmethod
    def _retry_seconds(cls, value: float) -> float:
        if not 0 <= value <= 3600:
            raise ValueError("must be between 0 and 3600 seconds")
        return value

    @field_validator("rate_window_seconds")
    @classmethod
    def _window(cls, value: float) -> float:
        if not 0.05 <= value <= 60:
            raise ValueError("must be between 0.05 and 60 seconds (60 for the real BaseLinker)")
        return value
