"""Check digits and canonical forms of identifiers (USCC, bank cards, phones, QQ numbers)."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

_SEPARATORS = re.compile(r"[\s\-.·_()（）]")
_QQ = re.compile(r"[1-9]\d{4,10}")
_CARD = re.compile(r"\d{13,19}")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def is_valid_uscc(value: str) -> bool:
    """Return whether `value` is a unified social credit code with a valid GB 32100 check digit."""
    text = _SEPARATORS.sub("", _fold(value)).upper()
    return len(text) == 18 and stdnum_uscc.is_valid(text)


def is_valid_bank_card(value: str) -> bool:
    """Return whether `value` is a 13-19 digit card number that passes the Luhn check."""
    digits = _SEPARATORS.sub("", _fold(value))
    return _CARD.fullmatch(digits) is not None and luhn.is_valid(digits)


def is_valid_resident_id(value: str) -> bool:
    """Return whether `value` is a resident identity number (to tell it from bank cards)."""
    text = _SEPARATORS.sub("", _fold(value)).upper()
    return len(text) == 18 and stdnum_ric.is_valid(text)


def normalize_phone(value: str) -> str | None:
    """Return a phone number (mainland by default) in E.164, or None if it is not valid."""
    text = _fold(value)
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mainland_mobile(e164: str) -> bool:
    """Return whether an E.164 number is a mainland mobile (+86 1[3-9]…)."""
    return e164.startswith("+86") and _MOBILE.fullmatch(e164[3:]) is not None


def normalize_qq(value: str) -> str | None:
    """Return a QQ number as 5-11 digits (separators removed), or None."""
    digits = _SEPARATORS.sub("", _fold(value))
    return digits if _QQ.fullmatch(digits) else None
