"""Check digits and canonical forms of identifiers (USCC, bank cards, phones, QQ numbers)."""

from __future__ import annotations

import functools
import re
import unicodedata

# phonenumbers and python-stdnum load on first use: the command-line extractor starts without them
# unless the text holds a candidate.

_SEPARATORS = re.compile(r"[\s\-.·_()（）]")
_QQ = re.compile(r"[1-9]\d{4,10}")
_CARD = re.compile(r"\d{13,19}")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def is_valid_uscc(value: str) -> bool:
    """Return whether `value` is a unified social credit code with a valid GB 32100 check digit."""
    text = _SEPARATORS.sub("", _fold(value)).upper()
    if len(text) != 18:
        return False
    from stdnum.cn import uscc as stdnum_uscc

    return bool(stdnum_uscc.is_valid(text))


def is_valid_bank_card(value: str) -> bool:
    """Return whether `value` is a 13-19 digit card number that passes the Luhn check."""
    digits = _SEPARATORS.sub("", _fold(value))
    return digits.isascii() and _CARD.fullmatch(digits) is not None and _luhn_valid(digits)


def _luhn_valid(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812) of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_valid_resident_id(value: str) -> bool:
    """Return whether `value` is a resident identity number (to tell it from bank cards)."""
    text = _SEPARATORS.sub("", _fold(value)).upper()
    if len(text) != 18:
        return False
    from stdnum.cn import ric as stdnum_ric

    return bool(stdnum_ric.is_valid(text))


def normalize_phone(value: str) -> str | None:
    """Return a phone number (mainland by default) in E.164, or None if it is not valid."""
    text = _fold(value)
    if not text or len(text) > 40:
        return None
    if len(text) == 14 and text.isascii() and text.startswith("+86") and _MOBILE.fullmatch(text, 3):
        # "+86" and a mainland mobile: what phonenumbers decides, from its own patterns.
        return text if _cn_mobile_valid(text[3:]) else None
    return _parse_phone(text)


@functools.lru_cache(maxsize=4096)
def _parse_phone(text: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.cache
def _cn_eleven_digit_patterns() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """Return phonenumbers' general pattern for China and those of its 11-digit number types."""
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")
    if meta is None or meta.general_desc is None:
        raise RuntimeError("phonenumbers has no metadata for China")
    types = []
    for desc in (
        meta.premium_rate,
        meta.toll_free,
        meta.shared_cost,
        meta.voip,
        meta.personal_number,
        meta.pager,
        meta.uan,
        meta.voicemail,
        meta.fixed_line,
        meta.mobile,
    ):
        if desc is None or desc.national_number_pattern is None:
            continue
        if desc.possible_length and 11 not in desc.possible_length:
            continue
        types.append(re.compile(desc.national_number_pattern))
    return re.compile(str(meta.general_desc.national_number_pattern)), tuple(types)


def _cn_mobile_valid(national: str) -> bool:
    """phonenumbers.is_valid_number for +86 and 11 digits 1[3-9]…, without parsing.

    parse() keeps such a number whole (the carrier prefixes it strips, 1[12]xx and 179xx, would
    leave six digits, too short), so it is valid when it fits the general pattern and the
    pattern of one number type, as in phonenumbers' _number_type_helper.
    """
    general, types = _cn_eleven_digit_patterns()
    return general.fullmatch(national) is not None and any(
        t.fullmatch(national) is not None for t in types
    )


def is_mainland_mobile(e164: str) -> bool:
    """Return whether an E.164 number is a mainland mobile (+86 1[3-9]…)."""
    return e164.startswith("+86") and _MOBILE.fullmatch(e164[3:]) is not None


def normalize_qq(value: str) -> str | None:
    """Return a QQ number as 5-11 digits (separators removed), or None."""
    digits = _SEPARATORS.sub("", _fold(value))
    return digits if _QQ.fullmatch(digits) else None
