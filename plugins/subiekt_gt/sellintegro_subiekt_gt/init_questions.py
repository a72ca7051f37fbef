"""The ``[source]`` questions of ``sellintegro init`` (hook ``sellintegro_init_questions``): where the Subiekt GT
database is and which field holds the BaseLinker order number."""

from __future__ import annotations

import json
from typing import Any

from sellintegro_core.api import InitSection, Question, env_name, model_setting

from .fields import MATCH_FIELDS

ORDER_KEYS = ("order_id", "shop_order_id", "external_order_id")
ALL_KINDS = ["FS", "PA", "KFS", "ZW", "FSd"]


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _match_check(build: Any) -> Any:
    def check(value: str, answers: Any) -> None:
        from .config import SubiektConfig

        model_setting(SubiektConfig, "match", lambda v: build(v, answers))(value)
    return check


def _detect_note(answers: Any) -> str:
    return ("Which Subiekt field holds the BaseLinker order number? Not sure? After saving, run:\n"
            f"    sellintegro subiekt detect {answers.get('path', 'SCENARIO')}")


QUESTIONS = (
    Question("dsn", "", "--subiekt-dsn", step=6, asked=False, metavar="DSN",
             help="a DSN without secrets written into the file instead (e.g. sqlite:///demo.sqlite)"),
    Question("dsn_env", "Subiekt GT: environment variable holding the ODBC connection string",
             "--subiekt-dsn-env", default="SUBIEKT_DSN", metavar="VARIABLE", step=6, check=env_name,
             asked=lambda answers: not answers.get("dsn"),
             help="environment variable holding the ODBC connection string (default SUBIEKT_DSN)"),
    Question("match_field", "Field: numer_oryginalny (numer oryginału), podtytul (podtytuł), tytul (tytuł), "
             "uwagi, pole_wlasne:<name> (pole własne)", "--match-field", default="numer_oryginalny",
             metavar="FIELD", step=13, note=_detect_note,
             check_answers=_match_check(lambda v, _a: {"field": v}),
             help="where Subiekt keeps the order number: numer_oryginalny, podtytul, tytul, uwagi or "
                  "pole_wlasne:<name> (default numer_oryginalny)"),
    Question("match_pattern", "Pattern: a regular expression with a group named ref, e.g. ^B_(?P<ref>\\d+)$",
             "--match-pattern", default=r"^B_(?P<ref>\d+)$", metavar="REGEX", step=13,
             check_answers=_match_check(lambda v, a: {"field": a.get("match_field", MATCH_FIELDS[0]),
                                                      "pattern": v}),
             help="regular expression with a group named ref (default ^B_(?P<ref>\\d+)$)"),
    Question("order_key", f"Which BaseLinker number is it: {', '.join(ORDER_KEYS)}", "--order-key",
             default="order_id", choices=ORDER_KEYS, step=13,
             help="which BaseLinker number the reference is (default order_id)"),
    Question("via_order_document", "", "--via-order-document", default=True, boolean=True, step=13,
             help="also look on the ZK the document was issued from (default: yes)"),
)


def render(ans: Any) -> str:
    """``[source]`` and ``[source.match]``; the document kinds are the rule's ``documents`` answer."""
    dsn = (f"dsn = {_toml(ans['dsn'])}" if ans.get("dsn") else
           f"dsn = {{ env = {_toml(ans['dsn_env'])} }}   # ODBC connection string, read-only login")
    return "\n".join([
        "[source]",
        'plugin = "subiekt_gt"',
        dsn,
        f"document_types = {_toml(ans.get('documents') or ALL_KINDS)}",
        "",
        "[source.match]                     # where Subiekt keeps the BaseLinker order (numer oryginału...)",
        f"field = {_toml(ans['match_field'])}",
        f"pattern = {_toml(ans['match_pattern'])}",
        f"via_order_document = {'true' if ans['via_order_document'] else 'false'}   # also the ZK it was issued from",
        f"order_key = {_toml(ans['order_key'])}",
    ])


SECTION = InitSection(kind="source", plugin="subiekt_gt", questions=QUESTIONS, render=render)
