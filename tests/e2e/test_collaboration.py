"""Browser: a Beijing officer assigns a case to the office head and mentions her in a note;
the head (reading in English) sees both notifications, in her language, and the note."""

from __future__ import annotations

from qinglang.cases.models import Case
from qinglang.core.models import Notification, Role
from tests.cases.factories import make_case
from tests.core.factories import UserFactory
from tests.e2e.conftest import sign_in


def test_assign_and_mention_reach_the_colleague(new_page, world, console_errors):
    lead = UserFactory(
        username="t-beijing-lead",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        display_name="北京负责人",
    )
    case = make_case(world.beijing_user, title="京华论坛有偿删帖")

    officer = new_page()
    sign_in(officer, world.beijing_user)
    officer.goto(f"/cases/{case.pk}/")
    officer.select_option("#assign-form select[name=owner]", str(lead.pk))
    officer.check(f"#assign-form input[name=assignees][value='{world.beijing_user.pk}']")
    with officer.expect_navigation():
        officer.click("#assign-form button[type=submit]")
    assert "北京负责人" in officer.inner_text("#case-owner")
    officer.fill("#note-form textarea[name=text]", "@t-beijing-lead 请审核处置意见，网站已删帖。")
    with officer.expect_navigation():
        officer.click("#note-form button[type=submit]")
    assert "请审核处置意见" in officer.inner_text("#timeline")

    head = new_page(locale="en-US")
    sign_in(head, lead)
    assert head.inner_text("#unread-count").strip() == "2"
    assert "1" in head.inner_text("#assigned-to-me")
    head.goto("/staff/notifications/?unread=1")
    inbox = head.inner_text("main")
    assert f"Case {case.number} assigned to you" in inbox
    assert f"mentioned you on case {case.number}" in inbox
    assert "已指派给您" not in inbox  # stored once, read in the reader's language
    head.click("text=Mentions")
    head.wait_for_url("**category=mention**")
    head.click("main li form button[type=submit]")  # open the mention
    head.wait_for_url(f"**/cases/{case.pk}/")
    assert "请审核处置意见" in head.inner_text("#timeline")
    head.goto("/cases/?assignee=me")
    assert case.number in head.inner_text("main")
    assert Notification.objects.filter(recipient_user=lead, read_at__isnull=False).count() == 1
    assert Case.objects.get(pk=case.pk).owner == lead
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
