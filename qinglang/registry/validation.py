"""Validate and normalise registry values (check digits come from analysis.validators)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from qinglang.analysis.domains import registrable_domain
from qinglang.analysis.filings import parse_icp, parse_psb
from qinglang.analysis.validators import (
    is_valid_bank_card,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_phone,
    normalize_qq,
)
from qinglang.core.exceptions import DomainError

__all__ = [
    "IDENTIFIER_KINDS",
    "identity_hash",
    "is_valid_bank_card",
    "is_valid_uscc",
    "normalize_domain",
    "normalize_icp",
    "normalize_identifier",
    "normalize_identity_number",
    "normalize_phone",
    "normalize_press_card",
    "normalize_psb",
    "normalize_uscc",
]

IDENTIFIER_KINDS = (
    "qq",
    "wechat",
    "phone",
    "email",
    "url",
    "domain",
    "bank_card",
    "alipay",
    "uscc",
    "icp",
    "psb",
    "account",
)

_WECHAT = re.compile(r"[a-zA-Z][-_a-zA-Z0-9]{5,19}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def normalize_uscc(value: str) -> str:
    """Return the USCC upper-cased, or raise DomainError on a bad check digit."""
    folded = _fold(value).upper()
    if not is_valid_uscc(folded):
        raise DomainError(_("Not a valid unified social credit code (check digit or format)."))
    return folded


def normalize_icp(value: str) -> str:
    """Return an ICP number in canonical form (with its site suffix), or raise DomainError."""
    parsed = parse_icp(value)
    if parsed is None:
        raise DomainError(_("Not a valid ICP filing number (e.g. 京ICP备12345678号)."))
    return str(parsed)


def normalize_psb(value: str) -> str:
    """Return a public-security filing number in canonical form, or raise DomainError."""
    parsed = parse_psb(value)
    if parsed is None:
        raise DomainError(
            _("Not a valid public-security filing number (e.g. 京公网安备11010502030143号).")
        )
    return parsed.canonical


def normalize_domain(value: str) -> str:
    """Return the registrable domain of a host or URL, or raise DomainError."""
    domain = registrable_domain(_fold(value))
    if not domain:
        raise DomainError(_("Not a valid domain name: %(value)s") % {"value": value})
    return domain


def normalize_identifier(kind: str, value: str) -> str:
    """Return the canonical value of an identifier of `kind`, or raise DomainError."""
    text = _fold(value)
    if kind not in IDENTIFIER_KINDS:
        raise DomainError(_("Unknown identifier kind."))
    if kind == "qq":
        qq = normalize_qq(text)
        if qq is None:
            raise DomainError(_("A QQ number has 5 to 11 digits."))
        return qq
    if kind == "wechat":
        if not _WECHAT.fullmatch(text):
            raise DomainError(_("Not a valid WeChat ID."))
        return text.lower()
    if kind == "phone":
        phone = normalize_phone(text)
        if phone is None:
            raise DomainError(_("Not a valid phone number."))
        return phone
    if kind in {"email", "alipay"} and "@" in text:
        if not _EMAIL.fullmatch(text):
            raise DomainError(_("Not a valid e-mail address."))
        return text.lower()
    if kind == "alipay":
        phone = normalize_phone(text)
        if phone is None:
            raise DomainError(_("An Alipay account is an e-mail address or a phone number."))
        return phone
    if kind == "email":
        raise DomainError(_("Not a valid e-mail address."))
    if kind == "domain":
        return normalize_domain(text)
    if kind == "bank_card":
        if not is_valid_bank_card(text):
            raise DomainError(_("Not a valid bank card number (Luhn check failed)."))
        return re.sub(r"\D", "", text)
    if kind == "uscc":
        return normalize_uscc(text)
    if kind == "icp":
        parsed = parse_icp(text)
        if parsed is None:
            raise DomainError(_("Not a valid ICP filing number (e.g. 京ICP备12345678号)."))
        return parsed.canonical
    if kind == "psb":
        return normalize_psb(text)
    if not text:
        raise DomainError(_("This value is empty."))
    return text.lower() if kind == "url" else text


def identity_hash(identity_number: str) -> str:
    """Return the keyed HMAC-SHA256 of an identity number (never stored in clear).

    The key is QINGLANG_IDENTITY_HASH_KEY; unset (embedded mode), one is derived from
    SECRET_KEY, so set it explicitly in production, where SECRET_KEY may be rotated.
    """
    key = settings.QINGLANG_IDENTITY_HASH_KEY
    if not key:
        if not settings.SECRET_KEY:
            raise ImproperlyConfigured("QINGLANG_IDENTITY_HASH_KEY must be set")
        key = hmac.new(
            settings.SECRET_KEY.encode(), b"qinglang.identity-hash", hashlib.sha256
        ).hexdigest()
    return hmac.new(key.encode(), identity_number.encode(), hashlib.sha256).hexdigest()


def normalize_identity_number(value: str) -> str:
    """Return an 18-character resident identity number with a valid check digit."""
    text = _fold(value).upper().replace(" ", "")
    if not is_valid_resident_id(text):
        raise DomainError(_("Not a valid resident identity number."))
    return text


def normalize_press_card(value: str) -> str:
    """Return a press card number (letters and digits, upper-case), or raise DomainError."""
    text = re.sub(r"[\s-]", "", _fold(value)).upper()
    if not re.fullmatch(r"[A-Z0-9]{8,20}", text):
        raise DomainError(_("A press card number has 8 to 20 letters and digits."))
    return text
