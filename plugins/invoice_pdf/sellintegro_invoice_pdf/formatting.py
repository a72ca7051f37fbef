"""Number, date and amount formatting for the templates (Polish style: ``1 234,56 zł``).

All functions are pure and available in templates as filters (``{{ value|amount }}``,
``{{ value|money(currency) }}``, ``{{ value|price }}``, ``{{ value|qty }}``, ``{{ value|date }}``,
``{{ symbol|rate }}``, ``{{ value|xrate }}``, ``{{ value|words(currency) }}``).
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

NBSP = "\u00a0"
CENT = Decimal("0.01")
CURRENCY_SYMBOLS = {"PLN": "zł"}


def _dec(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return sep.join(reversed(out))


def amount(value: Any, places: int = 2, *, sep: str = NBSP, point: str = ",") -> str:
    """``Decimal("1234.5")`` -> ``"1 234,50"`` (no-break space between thousands, comma before grosze).

    ``None`` gives an empty string; negative values keep a leading minus sign.
    """
    if value is None or value == "":
        return ""
    number = _dec(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):.{places}f}"
    whole, _, frac = text.partition(".")
    return f"{sign}{_group(whole, sep)}{point + frac if places else ''}"


def price(value: Any) -> str:
    """Unit prices: 2 decimal places, up to 4 when the price has them (``0.0125`` -> ``"0,0125"``)."""
    if value is None or value == "":
        return ""
    number = _dec(value)
    exponent = -_exponent(number) if number else 0
    return amount(number, min(4, max(2, exponent)))


def currency_label(currency: str) -> str:
    """``PLN`` -> ``zł``; other currencies keep their ISO code."""
    return CURRENCY_SYMBOLS.get((currency or "PLN").upper(), (currency or "").upper())


def money(value: Any, currency: str = "PLN") -> str:
    """``Decimal("1234.56")``, ``"PLN"`` -> ``"1 234,56 zł"``; ``"EUR"`` -> ``"1 234,56 EUR"``."""
    text = amount(value)
    return f"{text}{NBSP}{currency_label(currency)}" if text else ""


def quantity(value: Any) -> str:
    """Quantities without trailing zeros: ``2.0000`` -> ``"2"``, ``1.5`` -> ``"1,5"``, ``1234.125`` -> ``"1 234,125"``.
    """
    if value is None:
        return ""
    number = _dec(value)
    text = f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:f}".rstrip("0")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    return f"{sign}{_group(whole, NBSP)}{',' + frac if frac else ''}"


def rate(symbol: Any) -> str:
    """VAT rate as printed: ``"23"`` -> ``"23%"``; ``zw``, ``np``, ``oo``, ``0 WDT`` stay as given."""
    text = str(symbol if symbol is not None else "").strip()
    if not text:
        return ""
    try:
        number = Decimal(text.rstrip("%"))
    except InvalidOperation:
        return text
    return f"{quantity(number)}%"


def date(value: Any, lang: str = "pl") -> str:
    """Dates as ``2026-04-15`` (ISO, unambiguous in Polish and English); datetimes lose their time."""
    if value is None or value == "":
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def exchange_rate(value: Any) -> str:
    """Exchange rates with their own precision (4 places at least): ``4.2813`` -> ``"4,2813"``."""
    if value is None:
        return ""
    number = _dec(value)
    places = max(4, -_exponent(number)) if number else 4
    return amount(number, places)


_MINUS = {"pl": "minus", "en": "minus"}


@lru_cache(maxsize=4096)
def _words_cached(value: Decimal, currency: str, lang: str) -> str:
    from num2words import num2words

    number = abs(value).quantize(CENT, rounding=ROUND_HALF_UP)
    prefix = f"{_MINUS.get(lang, 'minus')} " if value < 0 else ""
    if lang == "en" and currency.upper() == "PLN":      # num2words says "groszy": keep it all English
        whole = int(number)
        words_en = num2words(whole, lang="en")
        return prefix + f"{words_en} {'zloty' if whole == 1 else 'zlotys'} {int((number - whole) * 100):02d}/100"
    try:
        text = num2words(number, lang=lang, to="currency", currency=currency.upper(), separator="")
    except (NotImplementedError, KeyError, ValueError, TypeError):
        whole = int(number)
        cents = int((number - whole) * 100)
        try:
            text = f"{num2words(whole, lang=lang)} {currency.upper()} {cents:02d}/100"
        except NotImplementedError:
            text = f"{whole} {currency.upper()} {cents:02d}/100"
    return prefix + " ".join(text.split())


def words(value: Any, currency: str = "PLN", lang: str = "pl") -> str:
    """Amount in words: ``856.28`` -> ``"osiemset pięćdziesiąt sześć złotych dwadzieścia osiem groszy"``.

    English: ``"eight hundred and fifty-six zlotys 28/100"`` (all English); negative amounts start with
    ``minus``. Unknown currency/language pairs fall back to ``"<words> EUR 28/100"``.
    """
    if value is None:
        return ""
    return _words_cached(_dec(value), currency or "PLN", lang)


def _exponent(number: Decimal) -> int:
    """The exponent of ``number`` without trailing zeros (0 for an infinite or NaN value)."""
    exponent = number.normalize().as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
