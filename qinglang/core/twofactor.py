"""Second factor for staff: authenticator (TOTP) enrolment, backup codes and code checks."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core import ledger
from qinglang.core.events import USER_OTP_RESET
from qinglang.core.exceptions import DomainError
from qinglang.core.models import User

AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup"
BACKUP_CODE_COUNT = 10


def normalize_code(raw: str) -> str:
    """Return a typed code without spaces or dashes, lower-case (backup codes are base32)."""
    return "".join(raw.split()).replace("-", "").lower()


def has_confirmed_device(user: User) -> bool:
    """Return whether the user can complete a sign-in with a second factor."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or (
        StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()
    )


def totp_secret(device: TOTPDevice) -> str:
    """Return the device key in base32, as authenticator apps expect it typed in."""
    return b32encode(device.bin_key).decode()


def qr_data_uri(device: TOTPDevice) -> str:
    """Return the otpauth:// enrolment URL as an SVG QR code data URI (no script, no request)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def start_enrolment(user: User) -> TOTPDevice:
    """Return the user's pending (unconfirmed) authenticator, creating it the first time."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False, name=AUTHENTICATOR_NAME)
        .order_by("pk")
        .first()
    )
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def confirm_enrolment(device: TOTPDevice, *, token: str, acting_user: User) -> list[str]:
    """Confirm a pending authenticator with a code from it; return fresh backup codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.user_id != acting_user.pk or device.confirmed:
        raise DomainError(_("This enrolment is no longer valid. Sign in again."))
    if not device.verify_token(normalize_code(token)):
        raise DomainError({"token": _("That code is not valid. Check the time on your phone.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=acting_user, confirmed=False).delete()
    ledger.append(
        acting_user,
        action="user.otp_enrolled",
        actor=acting_user,
        data={"device": device.persistent_id},
    )
    return issue_backup_codes(acting_user, acting_user=acting_user)


@transaction.atomic
def issue_backup_codes(
    user: User, *, acting_user: User | None, count: int = BACKUP_CODE_COUNT
) -> list[str]:
    """Replace the user's backup codes with `count` new one-time codes and return them."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    ledger.append(user, action="user.backup_codes_issued", actor=acting_user, data={"count": count})
    return codes


def verify_second_factor(user: User, code: str) -> Device | None:
    """Return the confirmed device that accepts `code` (6 digits: authenticator, else backup).

    Each device throttles failures itself, so guessing slows down exponentially.
    """
    code = normalize_code(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


# A mistyped code costs nothing the first few times (a wrong code must never block the next
# right one); after that every further attempt waits a delay that doubles, capped.
FREE_WRONG_CODES = 5
MAX_WAIT_SECONDS = 15 * 60


def _device_wait(device: Device) -> int:
    failures = device.throttling_failure_count  # type: ignore[attr-defined]
    last = device.throttling_failure_timestamp  # type: ignore[attr-defined]
    if failures < FREE_WRONG_CODES or last is None:
        return 0
    delay = min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_WRONG_CODES + 1))
    return max(0, int((last - timezone.now()).total_seconds() + delay + 0.999))


def second_factor_wait(user: User, code: str) -> int:
    """Return the seconds to wait when every device that could take `code` is throttled."""
    code = normalize_code(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    waits = [_device_wait(d) for d in model.objects.filter(user=user, confirmed=True)]
    return min(waits) if waits and all(waits) else 0


def check_second_factor(user: User, code: str) -> tuple[Device | None, int]:
    """Return (device that accepted `code`, 0) or (None, seconds to wait; 0 = just wrong)."""
    wait = second_factor_wait(user, code)
    if wait:
        return None, wait
    return verify_second_factor(user, code), 0


@transaction.atomic
def reset_second_factor(user: User, *, acting_user: User | None, reason: str = "") -> User:
    """Remove a user's authenticator and backup codes: the next sign-in enrols a new device."""
    from qinglang.core.office_users import ensure_can_manage_member

    ensure_can_manage_member(acting_user, user, permission="core.change_user")
    user = User.objects.select_for_update().get(pk=user.pk)
    removed = (
        TOTPDevice.objects.filter(user=user).count()
        + StaticDevice.objects.filter(user=user).count()
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ledger.append(
        user,
        action=USER_OTP_RESET,
        actor=acting_user,
        data={"username": user.username, "devices": removed, "reason": reason[:500]},
    )
    from qinglang.core.services_accounts import end_all_sessions

    end_all_sessions(user, acting_user=acting_user, reason="second_factor_reset")
    return user


def count_backup_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
