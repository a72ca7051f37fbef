"""Scenario settings of the ``subiekt_gt`` source (the ``[source]`` table without ``plugin``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from sellintegro_core.api import SQLITE_URL_PREFIX, DocumentKind, MaybeEnvSecret, OrderKey, check_timezone, did_you_mean

from .fields import CUSTOM_FIELD_PREFIX, MATCH_FIELDS

SQLITE_PREFIX = SQLITE_URL_PREFIX
DEFAULT_KINDS: tuple[DocumentKind, ...] = ("FS", "PA", "KFS")


def dsn_problem(dsn: str, *, shown: bool = True) -> str | None:
    """What is wrong with a ``source.dsn`` before connecting, worded to follow "source.dsn" (None: nothing seen).
    ``shown=False`` for a DSN read from the environment: it may hold a password, so it is not repeated."""
    dsn = dsn.strip()
    if not dsn:
        return "is empty; give an ODBC connection string or sqlite:///file"
    if dsn.lower().startswith("sqlite:") and not dsn.startswith(SQLITE_PREFIX):
        what = repr(dsn) if shown else "from the environment starts with sqlite: but not sqlite:///"
        return (f"{what}: write sqlite:///relative/path.sqlite or sqlite:////absolute/path.sqlite "
                "(three slashes, then the path)")
    return None


class MatchConfig(BaseModel):
    """Where the BaseLinker order reference lives on Subiekt documents (``[source.match]``)."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(default="numer_oryginalny",
                       description="numer_oryginalny | podtytul | tytul | uwagi | pole_wlasne:<name>")
    pattern: str | None = Field(default=None, description="regex with a group named ref; default: the whole value")
    via_order_document: bool = Field(default=True, description="also look on the ZK the document was issued from")
    order_key: OrderKey = "order_id"

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        value = value.strip()
        if value in MATCH_FIELDS:
            return value
        if value.startswith(CUSTOM_FIELD_PREFIX) and value[len(CUSTOM_FIELD_PREFIX):].strip():
            return CUSTOM_FIELD_PREFIX + value[len(CUSTOM_FIELD_PREFIX):].strip()
        raise ValueError(f"unknown field {value!r}{did_you_mean(value, MATCH_FIELDS)}; use one of "
                         f"{', '.join(MATCH_FIELDS)} or pole_wlasne:<name of the custom field>")

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        compiled = _syntax_checked(value)
        if compiled.groups and "ref" not in compiled.groupindex:
            raise ValueError("the pattern has groups but none is named ref; write (?P<ref>...) around the "
                             "order reference")
        return value

    @property
    def custom_field(self) -> str | None:
        """The custom field's name for ``pole_wlasne:<name>``, else None."""
        if self.field.startswith(CUSTOM_FIELD_PREFIX):
            return self.field[len(CUSTOM_FIELD_PREFIX):]
        return None


class SubiektConfig(BaseModel):
    """``[source]`` with ``plugin = "subiekt_gt"``."""

    model_config = ConfigDict(extra="forbid")

    dsn: MaybeEnvSecret = Field(description='ODBC connection string ({ env = "SUBIEKT_DSN" }) or sqlite:///file')
    document_types: list[DocumentKind] = Field(
        default_factory=lambda: list(DEFAULT_KINDS), min_length=1)
    match: MatchConfig = Field(default_factory=MatchConfig)
    include_drafts: bool = Field(default=False, description="also read documents parked as drafts (dok_Status 3)")
    timezone: str | None = Field(default=None, description="time zone of Subiekt's dates (default: scenario's)")
    encoding: str | None = Field(default=None, description="decode varchar text with this code page, e.g. cp1250")
    page_size: int = Field(default=200, ge=10, le=1000, description="documents read per query")
    timeout_seconds: int = Field(default=15, ge=1, le=600, description="login timeout")

    @field_validator("dsn", mode="before")
    @classmethod
    def _dsn_written(cls, value: object) -> object:
        problem = dsn_problem(value) if isinstance(value, str) else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("dsn")
    @classmethod
    def _dsn_from_env(cls, value: SecretStr | str) -> SecretStr | str:
        problem = dsn_problem(value.get_secret_value(), shown=False) if isinstance(value, SecretStr) else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value) if value else None

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value:
            import codecs

            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r} (Subiekt's text is cp1250)") from None
        return value or None


def _syntax_checked(pattern: str) -> Any:
    """``pattern`` compiled for its syntax and groups. Python's ``re`` checks it first: the ``regex`` module
    (which runs patterns, version 0 = ``re``'s syntax) accepts what ``re`` accepts, and importing it costs a
    command's start-up more than the check itself. What ``re`` refuses, ``regex`` decides (it knows more)."""
    import re

    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        pass
    from .patterns import compile_pattern, regex

    try:
        return compile_pattern(pattern)
    except regex.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
