"""Validation of method parameters the way a lenient PHP API does it.

Integers accept JSON ints, integral floats and numeric strings; booleans accept ``true``/``false``,
``0``/``1``, ``"0"``/``"1"``, ``"true"``/``"false"``; text limits count characters (§5, §9 #25).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from . import errors
from .errors import ApiError

_MISSING = object()
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")


def as_int(name: str, value: Any) -> int:
    """``value`` as an int, or an ``ERROR_INVALID_PARAMETER``."""
    if isinstance(value, bool):
        raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be an integer")


def as_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be a number")


def as_number(name: str, value: Any) -> int | float:
    """A number kept as the client sent it (int stays int), numeric strings converted."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    f = as_float(name, value)
    return int(f) if f.is_integer() and isinstance(value, str) and "." not in value else f


def as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", ""):
        return value.strip().lower() in ("1", "true")
    raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be a boolean (true/false or 0/1)")


def as_text(name: str, value: Any, limit: int | None = None, *, exact: int | None = None) -> str:
    """Text of at most ``limit`` characters (``exact``: exactly that many, or empty)."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be a text")
    text = value if isinstance(value, str) else str(value)
    if exact is not None and text and len(text) != exact:
        raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must have exactly {exact} characters")
    if limit is not None and len(text) > limit:
        raise ApiError(errors.PARAMETER_TOO_LONG,
                       f"Parameter '{name}' is too long ({len(text)} characters, maximum {limit})")
    return text


def as_int_list(name: str, value: Any) -> list[int]:
    if not isinstance(value, list):
        raise ApiError(errors.INVALID_PARAMETER, f"Parameter '{name}' must be an array")
    return [as_int(f"{name}[{i}]", v) for i, v in enumerate(value)]


def require(params: dict[str, Any], name: str) -> Any:
    """The value of a required parameter (``null`` and ``""`` count as missing)."""
    value = params.get(name, _MISSING)
    if value is _MISSING or value is None or value == "":
        raise ApiError(errors.MISSING_PARAMETER, f"Missing required parameter '{name}'")
    return value


def opt_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return as_int(name, value)


def opt_bool(params: dict[str, Any], name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    return as_bool(name, value)


def decode_file(name: str, value: Any, max_bytes: int, *, allow_jws: bool = False) -> bytes:
    """Decode a BaseLinker file value: ``"data:"`` + plain base64 (not a data-URI).

    With ``allow_jws`` a raw JWS string (e-receipt) is accepted as is (§6.17).
    """
    if not isinstance(value, str) or not value:
        raise ApiError(errors.INVALID_FILE, f"Parameter '{name}' must be a file as \"data:\" + base64")
    if not value.startswith("data:"):
        if allow_jws and _JWS.match(value):
            return value.encode("ascii")
        raise ApiError(errors.INVALID_FILE,
                       f"Parameter '{name}': the file must start with the \"data:\" prefix followed by base64")
    payload = value[5:]
    if payload.startswith(("application/", "image/", "text/")) or ";base64," in payload[:100]:
        raise ApiError(errors.INVALID_FILE,
                       f"Parameter '{name}': send \"data:\" + plain base64, not a data-URI with a MIME type")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        hint = " (a '+' sent unescaped arrives as a space)" if " " in payload else ""
        raise ApiError(errors.INVALID_FILE, f"Parameter '{name}': the file is not valid base64{hint}") from None
    if not data:
        raise ApiError(errors.INVALID_FILE, f"Parameter '{name}': the file is empty")
    if len(data) > max_bytes:
        raise ApiError(errors.INVALID_FILE,
                       f"Parameter '{name}': the file is too large ({len(data)} bytes, maximum {max_bytes})")
    return data
