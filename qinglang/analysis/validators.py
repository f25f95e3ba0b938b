"""Check digits and canonical forms of identifiers (USCC, bank cards, phones, QQ numbers)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

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
    national = _cn_national_digits(text)
    if national is not None:
        # Digits only, or "+86" and digits: what phonenumbers decides, from its own metadata.
        return _cn_phone(national)
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


@dataclass(frozen=True, slots=True)
class _CnPlan:
    """What phonenumbers' metadata for China says, as `parse` and `is_valid_number` read it."""

    international_prefix: re.Pattern[str]
    national_prefix: re.Pattern[str]
    general: re.Pattern[str]
    lengths: frozenset[int]  # the general description's possible lengths
    longest: int
    local_lengths: frozenset[int]
    types: tuple[tuple[re.Pattern[str], frozenset[int]], ...]  # each number type's pattern


_MAX_NATIONAL_LENGTH = 17  # phonenumbers' _MAX_LENGTH_FOR_NSN: parse refuses longer numbers


@functools.cache
def _cn_plan() -> _CnPlan:
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")
    if meta is None or meta.general_desc is None:
        raise RuntimeError("phonenumbers has no metadata for China")
    if meta.national_prefix_transform_rule or not meta.national_prefix_for_parsing:
        # parse would rewrite the national prefix, which the fast path does not do.
        raise RuntimeError("phonenumbers' metadata for China changed shape")
    general = meta.general_desc
    types = []
    for desc in (  # the types mobiles and landlines are, first (any type makes a number valid)
        meta.mobile,
        meta.fixed_line,
        meta.toll_free,
        meta.shared_cost,
        meta.premium_rate,
        meta.voip,
        meta.personal_number,
        meta.pager,
        meta.uan,
        meta.voicemail,
    ):
        if desc is None or not desc.national_number_pattern:
            continue
        types.append((re.compile(desc.national_number_pattern), frozenset(desc.possible_length)))
    return _CnPlan(
        international_prefix=re.compile(str(meta.international_prefix)),
        national_prefix=re.compile(meta.national_prefix_for_parsing),
        general=re.compile(str(general.national_number_pattern)),
        lengths=frozenset(general.possible_length),
        longest=max(general.possible_length),
        local_lengths=frozenset(general.possible_length_local_only),
        types=tuple(types),
    )


def _cn_national_digits(text: str) -> str | None:
    """Return the digits `parse(text, "CN")` reads as China's national number (before the
    national prefix is stripped), or None when `text` is not of the two plain shapes."""
    if not text.isascii():
        return None
    if text.startswith("+86"):
        national = text[3:]
        # After "+", parse takes the country code 86 ("8" is none).
    elif text.startswith("86") or _cn_plan().international_prefix.match(text):
        return None  # parse may read a country code or an international prefix
    else:
        national = text
    return national if len(national) >= 2 and national.isdigit() else None


def _cn_phone(national: str) -> str | None:
    """`parse` + `is_valid_number` + E.164 for China's national number `national`, without
    parsing (phonenumbers' _maybe_strip_national_prefix_carrier_code, _test_number_length and
    _number_type_helper, on its own patterns); tests compare it with phonenumbers."""
    plan = _cn_plan()
    prefix = plan.national_prefix.match(national)
    if prefix is not None:
        rest = national[prefix.end() :]
        kept = plan.general.fullmatch(national) is not None and plan.general.fullmatch(rest) is None
        # The prefix goes only if what remains is long enough for a number.
        n = len(rest)
        if not kept and n not in plan.local_lengths and (n > plan.longest or n in plan.lengths):
            national = rest
    n = len(national)
    if n > _MAX_NATIONAL_LENGTH or n not in plan.lengths:
        return None
    if plan.general.fullmatch(national) is None:
        return None
    for pattern, lengths in plan.types:
        if (not lengths or n in lengths) and pattern.fullmatch(national) is not None:
            return "+86" + national
    return None


def is_mainland_mobile(e164: str) -> bool:
    """Return whether an E.164 number is a mainland mobile (+86 1[3-9]…)."""
    return e164.startswith("+86") and _MOBILE.fullmatch(e164[3:]) is not None


def normalize_qq(value: str) -> str | None:
    """Return a QQ number as 5-11 digits (separators removed), or None."""
    digits = _SEPARATORS.sub("", _fold(value))
    return digits if _QQ.fullmatch(digits) else None
