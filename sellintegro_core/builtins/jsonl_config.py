"""Settings of the built-in JSONL source and sink (apart from ``jsonl.py``, so listing them stays cheap)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class JsonlSourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str


class JsonlSinkConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = "actions.jsonl"
    orders: str | None = None
