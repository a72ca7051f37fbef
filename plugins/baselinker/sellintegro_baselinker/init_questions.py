"""The ``[sink]`` questions of ``sellintegro init`` (hook ``sellintegro_init_questions``): the BaseLinker
account (token variable, API address) and the series of the placeholder documents."""

from __future__ import annotations

import json
from typing import Any

from sellintegro_core.api import InitSection, Question, env_name, http_url, required

API_URL = "https://api.baselinker.com/connector.php"


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _or_none(value: str) -> str | None:
    return value or None


QUESTIONS = (
    Question("token_env", "BaseLinker: environment variable holding the API token (token API)", "--token-env",
             default="BASELINKER_TOKEN", metavar="VARIABLE", step=5, check=env_name,
             help="environment variable holding the BaseLinker API token (default BASELINKER_TOKEN)"),
    Question("baselinker_url", "BaseLinker API URL", "--baselinker-url", default=API_URL, metavar="URL", step=5,
             check=http_url, help=f"BaseLinker API address, http(s)://... (default {API_URL})"),
    Question("invoice_series", "BaseLinker invoice series for placeholder invoices (seria numeracji faktur), NOT "
             "the one sent to KSeF; name or id", "--invoice-series", metavar="NAME|ID", step=12,
             check=required("the invoice series (name or id of a BaseLinker INVOICE series)"),
             help="BaseLinker INVOICE series for placeholder invoices, not the one sent to KSeF (required)"),
    Question("receipt_series", "Receipt series (seria paragonów); empty = the account's default",
             "--receipt-series", metavar="NAME|ID", step=12, convert=_or_none,
             help="BaseLinker RECEIPT series (default: the account's default)"),
    Question("correction_series", "Correction series (seria korekt); empty = the corrected invoice's series",
             "--correction-series", metavar="NAME|ID", step=12, convert=_or_none,
             help="BaseLinker CORRECTION series (default: the corrected invoice's series)"),
)


def render(ans: Any) -> str:
    """``[sink]``: the token stays in its environment variable."""
    lines = [
        "[sink]",
        'plugin = "baselinker"',
        f"token = {{ env = {_toml(ans['token_env'])} }}",
        f"url = {_toml(ans['baselinker_url'])}",
        "requests_per_minute = 60          # BaseLinker allows 100 per token, shared with other integrations",
    ]
    for key in ("invoice_series", "receipt_series", "correction_series"):
        if ans.get(key):
            lines.append(f"{key} = {_toml(ans[key])}")
    return "\n".join(lines)


SECTION = InitSection(kind="sink", plugin="baselinker", questions=QUESTIONS, render=render)
