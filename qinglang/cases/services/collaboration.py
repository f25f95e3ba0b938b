"""Collaboration on a case: its owner and assignees, internal notes with @mentions."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.cases.events import CASE_ASSIGNED, CASE_NOTE_ADDED
from qinglang.cases.models import Case, CaseNote
from qinglang.cases.selectors.cases import can_handle_case, cases_visible_to
from qinglang.cases.selectors.collaboration import list_assignable_users
from qinglang.cases.services.tasks import MAX_MENTIONS, MENTION_RE
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.messages import message
from qinglang.core.models import User
from qinglang.core.services import notify

MAX_NOTE = 10_000


def _ensure_can_work(user: User, case: Case) -> None:
    if not can_handle_case(user, case):
        raise NotPermitted(_("You may not work on this case."))


@transaction.atomic
def assign_case(
    case: Case, *, owner: User | None, assignees: Sequence[User], acting_user: User
) -> Case:
    """Give a case its owner and assignees (people of its lead and co-handling offices).

    Newly assigned people are notified; someone from another office is refused and nothing
    changes.
    """
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _ensure_can_work(acting_user, case)
    allowed = set(list_assignable_users(case).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    outsider = _("%(name)s does not work in the lead or a co-handling office of this case.")
    if owner is not None and owner.pk not in allowed:
        errors["owner"] = [outsider % {"name": owner}]
    strangers = [u for u in assignees if u.pk not in allowed]
    if strangers:
        errors["assignees"] = [outsider % {"name": u} for u in strangers]
    if errors:
        raise DomainError(errors)
    people = list({u.pk: u for u in assignees}.values())
    before = {case.owner_id, *case.assignees.values_list("pk", flat=True)}
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    case.assignees.set(people)
    ledger.append(
        case,
        action=CASE_ASSIGNED,
        actor=acting_user,
        data={
            "owner": owner.username if owner else None,
            "assignees": sorted(u.username for u in people),
        },
    )
    newcomers = {u.pk: u for u in [*([owner] if owner else []), *people]}
    for user in newcomers.values():
        if user.pk in before or user.pk == acting_user.pk:
            continue
        notify(
            user=user,
            verb="case.assigned",
            link=case.get_absolute_url(),
            title=message(gettext_noop("Case %(number)s assigned to you"), number=case.number),
            body=message(
                gettext_noop("%(actor)s assigned you to the case “%(case_title)s”."),
                actor=str(acting_user),
                case_title=case.title,
            ),
        )
    return case


def _mentioned(text: str, case: Case, author: User) -> list[User]:
    """Return the active colleagues named with @username who may see the case."""
    names = list(dict.fromkeys(MENTION_RE.findall(text)))[:MAX_MENTIONS]
    found = User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk)
    return [u for u in found if cases_visible_to(u).filter(pk=case.pk).exists()]


@transaction.atomic
def add_case_note(case: Case, *, text: str, acting_user: User) -> CaseNote:
    """Add an internal note to a case's timeline; notify the colleagues it @mentions.

    Internal: never shown to the reporter or to the recipients of the case's transfers.
    """
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _ensure_can_work(acting_user, case)
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise DomainError({"text": [_("Write the note first.")]})
    if len(text) > MAX_NOTE:
        raise DomainError({"text": [_("At most %(n)s characters.") % {"n": MAX_NOTE}]})
    note = CaseNote.objects.create(case=case, author=acting_user, text=text)
    mentioned = _mentioned(text, case, acting_user)
    note.mentions.set(mentioned)
    ledger.append(
        case,
        action=CASE_NOTE_ADDED,
        actor=acting_user,
        data={
            "note_id": note.pk,
            "note": text,
            "mentions": [u.username for u in mentioned],
        },
    )
    for user in mentioned:
        notify(
            user=user,
            verb="case.mentioned",
            link=case.get_absolute_url(),
            title=message(
                gettext_noop("%(author)s mentioned you on case %(number)s"),
                author=str(acting_user),
                number=case.number,
            ),
            body=text[:500],
        )
    return note
