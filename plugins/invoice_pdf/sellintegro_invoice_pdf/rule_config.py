"""Configuration model of the ``invoice_pdf`` rule (the scenario's ``[rule]`` table without ``plugin``).

Example (every option; docs/rule.md explains each one)::

    [rule]
    plugin = "invoice_pdf"
    statuses = "all"                                # or ["Nowe", 12345]
    on_success = "keep"                             # or { status = "Faktura wysłana" }
    on_failure = { status = "Błąd faktury" }        # optional
    no_document = { after_hours = 48, status = "Brak faktury" }   # optional
    documents = ["FS", "PA", "KFS", "FSd"]
    paragon_with_invoice = "invoice"                # or "receipt"
    wait_for_ksef = "b2b"                           # "no" | "b2b" | "all"
    ksef_wait_max_hours = 24
    send_without_ksef_number = false                # true: after the wait, upload online-sent invoices anyway
    template = "pl"                                 # "pl" | "en" | folder with your own templates
    foreign_buyer_template = "en"                   # default: the same as template
    write_ksef_number = false                       # true: SetField(field="ksef_number") after the attach
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sellintegro_core.api import DOCUMENT_KINDS

BUILTIN_TEMPLATES = ("pl", "en")
MAX_WAIT_HOURS = 24 * 31           # a month: KSeF numbers never take longer than that
MAX_NO_DOCUMENT_HOURS = 24 * 150   # the longest window (150 days with si_extender)

_KIND_HINTS = {
    "PAI": 'a PAi (paragon imienny) is read and sent as "PA"',
    "FSD": '"FSd" (invoice issued to a receipt) is written with a small d',
    "FV": 'an invoice is "FS" in Subiekt GT',
    "KFSD": 'a correction of an FSd is a "KFS"',
}


def _status_value(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{where}: a BaseLinker status is a name (text) or an id (number), not {value!r}")
    text = str(value).strip()
    if not text:
        raise ValueError(f"{where}: the status name is empty")
    return text


class StatusChange(BaseModel):
    """``{ status = "Faktura wysłana" }`` or ``{ status = 12345 }`` (a BaseLinker status name or id)."""

    model_config = ConfigDict(extra="forbid")

    status: str

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        return _status_value(value, "status")


class NoDocument(StatusChange):
    """``{ after_hours = 48, status = "Brak faktury" }``: status for scanned orders still without a document."""

    after_hours: float = Field(default=48, ge=0, le=MAX_NO_DOCUMENT_HOURS)


def _status_change(value: Any, option: str, example: str) -> Any:
    """``"keep"`` -> None; a table stays a table (validated by the model); anything else -> clear error."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "keep"):
        return None
    if isinstance(value, str):
        raise ValueError(f'{option} must be "keep" or a table like {{ status = "{example}" }}; '
                         f'to move orders to the status {value!r} write {option} = {{ status = "{value}" }}')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f'{option} must be "keep" or a table like {{ status = {value} }} (a status id)')
    return value


class RuleConfig(BaseModel):
    """``[rule] plugin = "invoice_pdf"``: which orders to look at, what to send and which statuses to set."""

    model_config = ConfigDict(extra="forbid")

    statuses: Literal["all"] | list[str] = "all"
    on_success: StatusChange | None = None
    on_failure: StatusChange | None = None
    no_document: NoDocument | None = None
    documents: list[str] = Field(default_factory=lambda: ["FS", "FSd", "PA", "KFS"])
    paragon_with_invoice: Literal["invoice", "receipt"] = "invoice"
    wait_for_ksef: Literal["no", "b2b", "all"] = "b2b"
    ksef_wait_max_hours: float = Field(default=24, gt=0, le=MAX_WAIT_HOURS)
    send_without_ksef_number: bool = False          # after the wait, upload an online-sent invoice without it
    template: str = "pl"
    foreign_buyer_template: str | None = None       # None: the same as ``template``
    write_ksef_number: bool = False

    @field_validator("statuses", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().lower() in ("all", "wszystkie"):
                return "all"
            raise ValueError(f'statuses must be "all" or a list of BaseLinker status names/ids, e.g. '
                             f'["{value}"] (got the text {value!r})')
        if isinstance(value, int) and not isinstance(value, bool):
            return [str(value)]
        if not isinstance(value, list):
            raise ValueError('statuses must be "all" or a list of BaseLinker status names/ids')
        if not value:
            raise ValueError('statuses is an empty list: no order would be scanned; use "all" or name the '
                             'statuses')
        out: list[str] = []
        for item in value:
            text = _status_value(item, "statuses")
            if text.casefold() not in {o.casefold() for o in out}:
                out.append(text)
        return out

    @field_validator("on_success", mode="before")
    @classmethod
    def _on_success(cls, value: Any) -> Any:
        return _status_change(value, "on_success", "Faktura wysłana")

    @field_validator("on_failure", mode="before")
    @classmethod
    def _on_failure(cls, value: Any) -> Any:
        return _status_change(value, "on_failure", "Błąd faktury")

    @field_validator("no_document", mode="before")
    @classmethod
    def _no_document(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("off", "keep", "no"):
            return None
        if isinstance(value, str):
            raise ValueError(f'no_document must be a table like {{ after_hours = 48, status = "{value}" }}')
        return value

    @field_validator("documents", mode="before")
    @classmethod
    def _documents(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"documents must be a list of document kinds from {', '.join(DOCUMENT_KINDS)}")
        if not value:
            raise ValueError("documents is empty: nothing would ever be sent; "
                             f"choose from {', '.join(DOCUMENT_KINDS)}")
        out: list[str] = []
        by_upper = {kind.upper(): kind for kind in DOCUMENT_KINDS}
        for item in value:
            text = str(item).strip()
            kind = text if text in DOCUMENT_KINDS else None
            if kind is None:
                hint = _KIND_HINTS.get(text.upper())
                if hint is None and text.upper() in by_upper:
                    hint = f'write it as "{by_upper[text.upper()]}"'
                raise ValueError(f"unknown document kind {text!r}; the kinds are "
                                 f"{', '.join(DOCUMENT_KINDS)}" + (f" ({hint})" if hint else ""))
            if kind not in out:
                out.append(kind)
        return out

    @field_validator("template", "foreign_buyer_template", mode="before")
    @classmethod
    def _template(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError('a template is "pl", "en" or the path of a folder with your own templates')
        text = value.strip()
        return text.lower() if text.lower() in BUILTIN_TEMPLATES else text

    def scans_all_statuses(self) -> bool:
        return self.statuses == "all"
