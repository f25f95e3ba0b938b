"""State changes in core: reference data, users and organizations, tokens, notifications, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Literal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.events import (
    API_TOKEN_CREATED,
    ORGANIZATION_CREATED,
    ORGANIZATION_DEACTIVATED,
    ORGANIZATION_DETAILS_CHANGED,
    ORGANIZATION_KIND_CHANGED,
    ORGANIZATION_PARENT_CHANGED,
    ORGANIZATION_REACTIVATED,
    ORGANIZATION_REGION_CHANGED,
    USER_CREATED,
    USER_DEACTIVATED,
    USER_DETAILS_CHANGED,
    USER_MOVED,
    USER_PASSWORD_SET,
    USER_REACTIVATED,
    USER_ROLE_CHANGED,
)
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.messages import Message, as_message, message, render
from qinglang.core.models import (
    ApiToken,
    IdentityAccessLog,
    InitRecord,
    Notification,
    OfficeLevel,
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    Role,
    User,
)
from qinglang.core.office_users import ensure_can_assign, ensure_can_manage_member
from qinglang.core.regions import PROVINCE_ABBREVIATIONS, load_divisions

audit_log = logging.getLogger("qinglang.audit")


@transaction.atomic
def load_regions() -> int:
    """Create or update all provinces and prefecture-level divisions; return how many exist."""
    existing = {r.code: r for r in Region.objects.all()}
    for division in load_divisions():
        parent = existing.get(division.parent_code) if division.parent_code else None
        defaults = {
            "name": division.name,
            "level": division.level,
            "parent": parent,
            "abbreviation": PROVINCE_ABBREVIATIONS.get(division.code[:2], "")
            if division.level == RegionLevel.PROVINCE
            else "",
        }
        region = existing.get(division.code)
        if region is None:
            existing[division.code] = Region.objects.create(code=division.code, **defaults)
        elif any(getattr(region, k) != v for k, v in defaults.items()):
            for key, value in defaults.items():
                setattr(region, key, value)
            region.save()
    return len(existing)


def record_init(fingerprint: str, *, name: str = "init") -> InitRecord:
    """Record that `qinglang init` completed with inputs of `fingerprint` (its skip test)."""
    record, _created = InitRecord.objects.update_or_create(
        name=name, defaults={"fingerprint": fingerprint, "completed_at": timezone.now()}
    )
    return record


@transaction.atomic
def create_api_token(user: User, *, name: str = "", acting_user: User | None = None) -> str:
    """Create a bearer token for a staff user and return it (shown once, stored as a digest).

    Citizen supervisors belong to no organization but file reports through the API too.
    """
    member = user.organization_id is not None or user.role == Role.CITIZEN_SUPERVISOR
    if not member or not user.is_active:
        raise NotPermitted(_("API tokens are issued only to active members of an organization."))
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=hashlib.sha256(raw.encode()).hexdigest(), prefix=raw[:8]
    )
    ledger.append(
        token,
        action=API_TOKEN_CREATED,
        actor=acting_user,
        data={"user": user.username, "prefix": token.prefix, "name": name},
    )
    return raw


def notify(
    *,
    title: str | Promise | Message,
    verb: str,
    body: str | Promise | Message = "",
    link: str = "",
    user: User | None = None,
    organization: Organization | None = None,
) -> Notification:
    """Put a message in an inbox; e-mail goes out after commit.

    Pass `title` and `body` as `message(...)` (or lazy strings) so each reader gets them in their
    own language; plain text is stored as it is.
    """
    title_msg, body_msg = as_message(title), as_message(body)
    params = {**(body_msg.params if body_msg else {}), **(title_msg.params if title_msg else {})}
    default = settings.LANGUAGE_CODE

    def fallback(text: str | Promise | Message, msg: Message | None) -> str:
        return render(msg.key, params, default) if msg is not None else str(text)

    note = Notification.objects.create(
        recipient_user=user,
        recipient_organization=organization,
        verb=verb,
        title_key=title_msg.key if title_msg else "",
        body_key=body_msg.key if body_msg else "",
        params=params,
        title=fallback(title, title_msg)[:200],
        body=fallback(body, body_msg),
        link=link,
    )
    if organization is not None or user is not None:
        from qinglang.core.tasks import send_notification_email

        enqueue_after_commit(send_notification_email, notification_id=note.pk)
    return note


# A ledger integrity failure, by where it was found: the sealer (every 30 s), the checkpoint
# endpoints (asked by anyone), `qinglang ledger verify`. The finding itself stays in English, as
# `verify_log` words it; the sentence around it is translated for each reader.
LEDGER_ALERT_VERB = "ledger.integrity"
LEDGER_ALERT_REPEAT = dt.timedelta(hours=24)
LedgerAlertSource = Literal["seal", "serve", "verify"]
_LEDGER_ALERT_BODIES: dict[str, str] = {
    "seal": gettext_noop(
        "Sealing stopped: %(problem)s. No checkpoint was signed over this entry, and later "
        "events stay unsealed until it is resolved. Run “qinglang ledger verify” and investigate."
    ),
    "serve": gettext_noop(
        "A ledger checkpoint could not be served: %(problem)s. Readers of the public checkpoint "
        "are told to contact the operator until it is resolved. Run “qinglang ledger verify” "
        "and investigate."
    ),
    "verify": gettext_noop(
        "Ledger verification failed: %(problem)s. Run “qinglang ledger verify” to see every "
        "finding, and investigate."
    ),
}
ledger_log = logging.getLogger("qinglang.ledger")


def alert_ledger_integrity(problem: str, *, source: LedgerAlertSource) -> int:
    """Log a ledger integrity failure and tell the platform's operators (active superusers).

    Each operator is told once a day per problem, in the inbox and by e-mail (the sealer retries
    every 30 s, the public checkpoint is asked all the time); return how many were told now.
    Never raises for the database: the log line is written first.
    """
    ledger_log.error("ledger integrity failure (%s): %s", source, problem)
    text = problem.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    text = text[:1000]
    since = timezone.now() - LEDGER_ALERT_REPEAT
    told = 0
    try:
        with transaction.atomic():
            for user in User.objects.filter(is_active=True, is_superuser=True).order_by("pk"):
                seen = Notification.objects.filter(
                    recipient_user=user,
                    verb=LEDGER_ALERT_VERB,
                    params__problem=text,
                    created_at__gte=since,
                )
                if seen.exists():
                    continue
                notify(
                    user=user,
                    verb=LEDGER_ALERT_VERB,
                    title=message(gettext_noop("The ledger failed an integrity check")),
                    body=message(_LEDGER_ALERT_BODIES[source], problem=text),
                )
                told += 1
    except DatabaseError:
        ledger_log.exception("the ledger integrity alert could not be stored")
        return 0
    return told


def requeue_unmailed_notifications(
    *,
    older_than: dt.timedelta = dt.timedelta(minutes=10),
    within: dt.timedelta = dt.timedelta(days=3),
    limit: int = 1000,
) -> int:
    """Send again the e-mail of notifications still unmailed after `older_than`; return how many.

    Their message was lost between commit and the broker (an outage), or is still waiting in a
    backlog: one the embedded broker holds is left alone (a copy each run would pile up while
    the worker is down); with another broker the first of two deliveries mails and the other
    finds it done. Older than `within`, a notification is left to the inbox and the daily
    digest rather than mailed late.
    """
    from qinglang.core.aftercommit import send_now
    from qinglang.core.broker import not_waiting
    from qinglang.core.selectors import notifications_awaiting_mail
    from qinglang.core.tasks import notification_task_id, send_notification_email

    due = notifications_awaiting_mail(older_than=older_than, within=within)
    ids = not_waiting(due.values_list("pk", flat=True)[:limit], notification_task_id)
    for notification_id in ids:
        send_now(send_notification_email, notification_id=notification_id)
    return len(ids)


def set_language_preference(user: User, *, language: str, acting_user: User) -> bool:
    """Remember the language a user reads messages in; return whether it changed.

    Only the user sets their own; an unknown language is ignored (the switch still works).
    """
    if acting_user.pk != user.pk or language not in dict(settings.LANGUAGES):
        return False
    return bool(
        User.objects.filter(pk=user.pk).exclude(language=language).update(language=language)
    )


def log_identity_access(
    *,
    user: User,
    object_type: str,
    object_id: str | int,
    purpose: str = "",
    ip_address: str | None = None,
) -> IdentityAccessLog:
    """Record that `user` viewed someone's identity details (invariant 5)."""
    entry = IdentityAccessLog.objects.create(
        user=user,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        ip_address=ip_address,
    )
    audit_log.info("identity viewed by %s: %s:%s", user.username, object_type, object_id)
    return entry


def mark_notifications_read(notifications: QuerySet[Notification], *, acting_user: User) -> int:
    """Mark messages from the acting user's inbox read; return how many changed."""
    from qinglang.core.selectors import list_notifications_for

    inbox = list_notifications_for(acting_user).filter(read_at__isnull=True)
    return inbox.filter(pk__in=notifications.values("pk")).update(read_at=timezone.now())


# --- Users and organizations: who belongs where decides what everyone may see ---------------


def ensure_can_administer(acting_user: User | None, permission: str) -> None:
    """Allow the system (None: commands, demo data) or an active staff user holding `permission`."""
    if acting_user is None:
        return
    if not (
        acting_user.is_authenticated
        and acting_user.is_active
        and acting_user.is_staff
        and acting_user.has_perm(permission)
    ):
        raise NotPermitted(_("You may not change users or organizations."))


def _org_ref(org: Organization | None) -> dict[str, object] | None:
    return None if org is None else {"id": org.pk, "name": org.name}


def _region_ref(region: Region | None) -> dict[str, object] | None:
    return None if region is None else {"code": region.code, "name": region.name}


def _locked_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _locked_org(org: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=org.pk)


def _label(acting_user: User | None, actor_label: str) -> str:
    return actor_label or ("" if acting_user is not None else "system")


def _valid_role(role: str) -> str:
    if role and role not in Role.values:
        raise DomainError({"role": [_("Unknown role.")]})
    return role


@transaction.atomic
def create_user(
    username: str,
    *,
    acting_user: User | None,
    organization: Organization | None = None,
    role: str = "",
    display_name: str = "",
    email: str = "",
    password: str | None = None,
    is_staff: bool = False,
    actor_label: str = "",
) -> User:
    """Create a user (unusable password unless one is given) and record it in the ledger."""
    ensure_can_assign(
        acting_user,
        organization=organization,
        role=role,
        permission="core.add_user",
        is_staff=is_staff,
    )
    username = (username or "").strip()
    if not username:
        raise DomainError({"username": [_("A user name is required.")]})
    if User.objects.filter(username=username).exists():
        raise DomainError({"username": [_("This user name is taken.")]})
    user = User(
        username=username,
        organization=organization,
        role=_valid_role(role),
        display_name=display_name,
        email=email,
        is_staff=is_staff,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    ledger.append(
        user,
        action=USER_CREATED,
        actor=acting_user,
        actor_label=_label(acting_user, actor_label),
        data={
            "username": user.username,
            "organization": organization.name if organization else None,
            "organization_id": organization.pk if organization else None,
            "role": user.role,
            "is_staff": is_staff,
        },
    )
    return user


@transaction.atomic
def change_role(user: User, *, role: str, acting_user: User | None) -> User:
    """Give a user another role in their organization."""
    ensure_can_manage_member(acting_user, user, permission="core.change_user")
    user = _locked_user(user)
    ensure_can_assign(
        acting_user, organization=user.organization, role=role, permission="core.change_user"
    )
    old = user.role
    user.role = _valid_role(role)
    if old != user.role:
        user.save(update_fields=["role"])
        ledger.append(
            user,
            action=USER_ROLE_CHANGED,
            actor=acting_user,
            data={"username": user.username, "from": old, "to": user.role},
        )
    return user


@transaction.atomic
def move_user(user: User, *, organization: Organization | None, acting_user: User | None) -> User:
    """Move a user to another organization (office), which changes everything they may see."""
    ensure_can_administer(acting_user, "core.change_user")
    user = _locked_user(user)
    old = user.organization
    if old != organization:
        user.organization = organization
        user.save(update_fields=["organization"])
        ledger.append(
            user,
            action=USER_MOVED,
            actor=acting_user,
            data={"username": user.username, "from": _org_ref(old), "to": _org_ref(organization)},
        )
    return user


@transaction.atomic
def deactivate_user(user: User, *, acting_user: User | None, reason: str = "") -> User:
    """Stop a user from signing in (rows stay: the ledger and cases refer to them)."""
    ensure_can_manage_member(acting_user, user, permission="core.change_user")
    if acting_user is not None and acting_user.pk == user.pk:
        raise NotPermitted(_("You cannot deactivate yourself."))
    user = _locked_user(user)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        ledger.append(
            user,
            action=USER_DEACTIVATED,
            actor=acting_user,
            data={"username": user.username, "reason": reason[:500]},
        )
        from qinglang.core.services_accounts import end_all_sessions

        end_all_sessions(user, acting_user=acting_user, reason="deactivated")
    return user


@transaction.atomic
def reactivate_user(user: User, *, acting_user: User | None) -> User:
    """Let a deactivated user sign in again."""
    ensure_can_manage_member(acting_user, user, permission="core.change_user")
    user = _locked_user(user)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        ledger.append(
            user, action=USER_REACTIVATED, actor=acting_user, data={"username": user.username}
        )
    return user


@transaction.atomic
def set_user_password(user: User, *, password: str, acting_user: User | None) -> User:
    """Set a user's password (administrators and demo data; people use the change form)."""
    ensure_can_administer(acting_user, "core.change_user")
    user = _locked_user(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ledger.append(
        user, action=USER_PASSWORD_SET, actor=acting_user, data={"username": user.username}
    )
    return user


USER_DETAIL_FIELDS = (
    "username",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_superuser",
)


@transaction.atomic
def update_user_details(user: User, *, acting_user: User | None, **changes: object) -> User:
    """Change names, e-mail or admin rights (`USER_DETAIL_FIELDS`); the ledger keeps old and new."""
    unknown = set(changes) - set(USER_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"not a user detail: {sorted(unknown)}")
    ensure_can_administer(acting_user, "core.change_user")
    if "is_superuser" in changes and acting_user is not None and not acting_user.is_superuser:
        raise NotPermitted(_("Only a superuser may grant or withdraw superuser rights."))
    user = _locked_user(user)
    diff = {
        name: {"from": getattr(user, name), "to": value}
        for name, value in changes.items()
        if getattr(user, name) != value
    }
    if diff:
        for name, change in diff.items():
            setattr(user, name, change["to"])
        user.save(update_fields=list(diff))
        ledger.append(
            user,
            action=USER_DETAILS_CHANGED,
            actor=acting_user,
            data={"username": user.username, "changes": diff},
        )
    return user


def _check_office_shape(kind: str, level: str) -> None:
    if kind not in OrganizationKind.values:
        raise DomainError({"kind": [_("Unknown kind of organization.")]})
    if level and level not in OfficeLevel.values:
        raise DomainError({"level": [_("Unknown office level.")]})
    if kind == OrganizationKind.REGULATOR_OFFICE and not level:
        raise DomainError({"level": [_("A regulator office needs its level.")]})


@transaction.atomic
def create_organization(
    name: str,
    *,
    kind: str,
    acting_user: User | None,
    level: str = "",
    agency_type: str = "",
    region: Region | None = None,
    parent: Organization | None = None,
    uscc: str = "",
    email: str = "",
    actor_label: str = "",
) -> Organization:
    """Create an organization (office, agency, website operator…) and record it in the ledger."""
    ensure_can_administer(acting_user, "core.add_organization")
    name = (name or "").strip()
    if not name:
        raise DomainError({"name": [_("A name is required.")]})
    _check_office_shape(kind, level)
    org = Organization.objects.create(
        name=name,
        kind=kind,
        level=level,
        agency_type=agency_type,
        region=region,
        parent=parent,
        uscc=uscc,
        email=email,
    )
    ledger.append(
        org,
        action=ORGANIZATION_CREATED,
        actor=acting_user,
        actor_label=_label(acting_user, actor_label),
        data={
            "name": org.name,
            "kind": org.kind,
            "level": org.level,
            "region": _region_ref(region),
            "parent": _org_ref(parent),
        },
    )
    return org


@transaction.atomic
def change_office_region(
    org: Organization, *, region: Region | None, acting_user: User | None
) -> Organization:
    """Move an office to another region: its jurisdiction follows."""
    ensure_can_administer(acting_user, "core.change_organization")
    org = _locked_org(org)
    old = org.region
    if old != region:
        org.region = region
        org.save(update_fields=["region"])
        ledger.append(
            org,
            action=ORGANIZATION_REGION_CHANGED,
            actor=acting_user,
            data={"name": org.name, "from": _region_ref(old), "to": _region_ref(region)},
        )
    return org


def check_parent(org: Organization, parent: Organization | None) -> None:
    """Refuse a superior that is the organization itself or one of its subordinates."""
    ancestor, seen = parent, set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == org.pk:
            raise DomainError({"parent": [_("An organization cannot be its own superior.")]})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


@transaction.atomic
def change_office_parent(
    org: Organization, *, parent: Organization | None, acting_user: User | None
) -> Organization:
    """Put an office under another superior (escalation and oversight follow the chain)."""
    ensure_can_administer(acting_user, "core.change_organization")
    org = _locked_org(org)
    check_parent(org, parent)
    old = org.parent
    if old != parent:
        org.parent = parent
        org.save(update_fields=["parent"])
        ledger.append(
            org,
            action=ORGANIZATION_PARENT_CHANGED,
            actor=acting_user,
            data={"name": org.name, "from": _org_ref(old), "to": _org_ref(parent)},
        )
    return org


@transaction.atomic
def change_organization_kind(
    org: Organization, *, kind: str, level: str = "", acting_user: User | None
) -> Organization:
    """Change what an organization is (and an office's level): its members' access follows."""
    ensure_can_administer(acting_user, "core.change_organization")
    _check_office_shape(kind, level)
    org = _locked_org(org)
    old = {"kind": org.kind, "level": org.level}
    if old != {"kind": kind, "level": level}:
        org.kind, org.level = kind, level
        org.save(update_fields=["kind", "level"])
        ledger.append(
            org,
            action=ORGANIZATION_KIND_CHANGED,
            actor=acting_user,
            data={"name": org.name, "from": old, "to": {"kind": kind, "level": level}},
        )
    return org


@transaction.atomic
def set_organization_active(
    org: Organization, *, active: bool, acting_user: User | None
) -> Organization:
    """Deactivate an organization (or bring it back); rows that refer to it stay."""
    ensure_can_administer(acting_user, "core.change_organization")
    org = _locked_org(org)
    if org.is_active != active:
        org.is_active = active
        org.save(update_fields=["is_active"])
        ledger.append(
            org,
            action=ORGANIZATION_REACTIVATED if active else ORGANIZATION_DEACTIVATED,
            actor=acting_user,
            data={"name": org.name},
        )
    return org


ORGANIZATION_DETAIL_FIELDS = ("name", "agency_type", "uscc", "email")


@transaction.atomic
def update_organization_details(
    org: Organization, *, acting_user: User | None, **changes: object
) -> Organization:
    """Change an organization's name, agency type, USCC or e-mail; the ledger keeps both."""
    unknown = set(changes) - set(ORGANIZATION_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"not an organization detail: {sorted(unknown)}")
    ensure_can_administer(acting_user, "core.change_organization")
    org = _locked_org(org)
    diff = {
        name: {"from": getattr(org, name), "to": value}
        for name, value in changes.items()
        if getattr(org, name) != value
    }
    if diff:
        for name, change in diff.items():
            setattr(org, name, change["to"])
        org.save(update_fields=list(diff))
        ledger.append(
            org,
            action=ORGANIZATION_DETAILS_CHANGED,
            actor=acting_user,
            data={"name": org.name, "changes": diff},
        )
    return org
