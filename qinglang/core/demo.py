"""Demo organizations and users (one per role), each with an authenticator and backup codes.

Idempotent: a second run finds everything by name, keeps passwords and TOTP secrets, and only
tops up backup codes that were used. Other apps' demo data find these organizations through
the demo users (`User.objects.get(username="demo-beijing").organization`).
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core import services
from qinglang.core.models import (
    AgencyType,
    OfficeLevel,
    Organization,
    OrganizationKind,
    Region,
    Role,
    User,
)
from qinglang.core.twofactor import AUTHENTICATOR_NAME, BACKUP_NAME, totp_secret

BACKUP_CODES_KEPT = 5
PASSWORD_FILE = "demo_password"  # noqa: S105 - a file name, not a password


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: str
    region: str | None = None
    level: str = ""
    agency_type: str = ""
    parent: str | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    org: str
    role: str


ORGANIZATIONS = [
    DemoOrg(
        "national", "国家网信办", OrganizationKind.REGULATOR_OFFICE, None, OfficeLevel.NATIONAL
    ),
    DemoOrg(
        "beijing",
        "北京市网信办",
        OrganizationKind.REGULATOR_OFFICE,
        "110000",
        OfficeLevel.PROVINCIAL,
        parent="national",
    ),
    DemoOrg(
        "guangdong",
        "广东省网信办",
        OrganizationKind.REGULATOR_OFFICE,
        "440000",
        OfficeLevel.PROVINCIAL,
        parent="national",
    ),
    DemoOrg(
        "shenzhen",
        "深圳市网信办",
        OrganizationKind.REGULATOR_OFFICE,
        "440300",
        OfficeLevel.MUNICIPAL,
        parent="guangdong",
    ),
    DemoOrg(
        "police",
        "北京市公安局",
        OrganizationKind.PARTNER_AGENCY,
        "110000",
        agency_type=AgencyType.PUBLIC_SECURITY,
    ),
    DemoOrg(
        "telecom",
        "北京市通信管理局",
        OrganizationKind.PARTNER_AGENCY,
        "110000",
        agency_type=AgencyType.TELECOM,
    ),
    DemoOrg(
        "press",
        "北京市新闻出版局",
        OrganizationKind.PARTNER_AGENCY,
        "110000",
        agency_type=AgencyType.PRESS,
    ),
    DemoOrg("website", "示例资讯网", OrganizationKind.WEBSITE_OPERATOR, "110000"),
    DemoOrg("enterprise", "示例食品有限公司", OrganizationKind.ENTERPRISE, "440300"),
    DemoOrg("inspection", "驻国家网信办纪检监察组", OrganizationKind.DISCIPLINE_INSPECTION),
]

USERS = [
    DemoUser("demo-national", "国家网信办受理员", "national", Role.TRIAGE_OFFICER),
    DemoUser("demo-beijing", "北京市网信办受理员", "beijing", Role.TRIAGE_OFFICER),
    DemoUser("demo-beijing-lead", "北京市网信办负责人", "beijing", Role.OFFICE_HEAD),
    DemoUser("demo-guangdong", "广东省网信办受理员", "guangdong", Role.TRIAGE_OFFICER),
    DemoUser("demo-shenzhen", "深圳市网信办办案员", "shenzhen", Role.CASE_HANDLER),
    DemoUser("demo-police", "北京市公安局民警", "police", Role.AGENCY_OFFICER),
    DemoUser("demo-telecom", "北京市通信管理局干部", "telecom", Role.AGENCY_OFFICER),
    DemoUser("demo-press", "北京市新闻出版局干部", "press", Role.AGENCY_OFFICER),
    DemoUser("demo-website", "示例资讯网合规专员", "website", Role.WEBSITE_OFFICER),
    DemoUser("demo-enterprise", "示例食品有限公司法务", "enterprise", Role.ENTERPRISE_USER),
    DemoUser("demo-inspector", "纪检监察组干部", "inspection", Role.INSPECTOR),
]


def demo_password() -> str:
    """Return QINGLANG_DEMO_PASSWORD, else a password generated once and kept in QINGLANG_HOME."""
    if settings.QINGLANG_DEMO_PASSWORD:
        return settings.QINGLANG_DEMO_PASSWORD
    path = settings.QINGLANG_HOME / PASSWORD_FILE
    if not path.exists():
        path.write_text(f"qinglang-{secrets.token_urlsafe(9)}\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _organization(spec: DemoOrg, parent: Organization | None) -> Organization:
    org = Organization.objects.filter(name=spec.name, kind=spec.kind).first()
    if org is not None:
        return org
    return services.create_organization(
        spec.name,
        kind=spec.kind,
        acting_user=None,
        actor_label="demo",
        level=spec.level,
        agency_type=spec.agency_type,
        region=Region.objects.get(code=spec.region) if spec.region else None,
        parent=parent,
        email=f"{spec.key}@demo.qinglang.invalid",
    )


def _user(spec: DemoUser, org: Organization, password: str) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        return services.create_user(
            spec.username,
            acting_user=None,
            actor_label="demo",
            organization=org,
            role=spec.role,
            display_name=spec.display_name,
            email=f"{spec.username}@demo.qinglang.invalid",
            password=password,
        )
    if not user.check_password(password):
        services.set_user_password(user, password=password, acting_user=None)
    return user


def _second_factor(user: User) -> tuple[str, list[str]]:
    """Return the stable TOTP secret and the unused backup codes (topped up to a few)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
    backup, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    missing = BACKUP_CODES_KEPT - backup.token_set.count()
    if missing > 0:
        StaticToken.objects.bulk_create(
            StaticToken(device=backup, token=StaticToken.random_token()) for _ in range(missing)
        )
    codes = list(backup.token_set.order_by("pk").values_list("token", flat=True))
    return totp_secret(device), codes[:3]


def _width(text: str) -> int:
    """Return the width of `text` in a terminal (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@transaction.atomic
def load(stdout: TextIO) -> None:
    """Create the demo organizations and users and print everyone's sign-in details."""
    password = demo_password()
    orgs: dict[str, Organization] = {}
    for spec in ORGANIZATIONS:
        orgs[spec.key] = _organization(spec, orgs.get(spec.parent) if spec.parent else None)
    users = [_user(person, orgs[person.org], password) for person in USERS]
    _print_logins(stdout, users, password)


@transaction.atomic
def summary(stdout: TextIO) -> None:
    """Print every demo user's sign-in details (no password is hashed: cheap on each start).

    Core's users come first, in their order, then those of other apps' demo data.
    """
    order = {person.username: n for n, person in enumerate(USERS)}
    users = sorted(
        User.objects.select_related("organization").filter(username__startswith="demo-"),
        key=lambda user: (order.get(user.username, len(order)), user.username),
    )
    _print_logins(stdout, users, demo_password())


def _print_logins(stdout: TextIO, users: list[User], password: str) -> None:
    rows = []
    for user in users:
        secret, codes = _second_factor(user)
        org_name = user.organization.name if user.organization else ""
        rows.append((user.username, user.role, org_name, password, secret, " ".join(codes)))
    stdout.write(f"\n清朗 demo logins — password for every demo user / 演示账号密码: {password}\n")
    stdout.write(
        "Sign in at /staff/login/, then enter the code your authenticator app shows "
        "for the TOTP secret (or one backup code; each works once).\n\n"
    )
    header = (
        "username",
        "role",
        "organization",
        "password",
        "TOTP secret (base32)",
        "backup codes",
    )
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (str(v) + " " * (w - _width(str(v))) for v, w in zip(row, widths, strict=True))
        stdout.write("  ".join(cells).rstrip() + "\n")
    stdout.write("\n")
