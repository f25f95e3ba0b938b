"""Browser: a Beijing officer's triage → case → transfer → close walk, in Chinese and in English,
at a 1366×768 desktop and a 390×844 phone, never meeting a raw code or a sideways scroll.

On every page of the walk: the page is no wider than the window, no ledger code
(`report.received`), stored reference or Python repr is visible, and in Chinese no English
interface word is left over.
"""

from __future__ import annotations

import base64
import re

import pytest

from qinglang.cases.models import Case, Transfer
from qinglang.cases.services import transfers
from qinglang.core.models import Role
from tests.core.factories import UserFactory
from tests.e2e.conftest import sign_in

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
VIEWPORTS = [(1366, 768), (390, 844)]
EVENT_CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a stored choice, e.g. criminal_referral
URL_OR_MAIL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dotted words that are not codes, each with why it may show.
ALLOWED_DOTTED = {
    # Host names of the reported websites and of test e-mail domains are data, not codes.
    "example.cn",
    "bj.cn",
    "news.cn",
    # The English abbreviations "e.g." and "i.e." in help texts.
    "e.g",
    "i.e",
}
DOMAIN_END = re.compile(r"\.(?:cn|com|net|org|gov|html?|png|jpe?g|pdf)$")
REPRS = re.compile(r"\{'|<QuerySet|<[A-Z]\w+: |\bNone\b|\bTrue\b|\bFalse\b")
# A line that is an English sentence starting "None" ("None.", "None signed yet.") says a list is
# empty (Chinese "无。"); it is not a repr.
ENGLISH_NONE = re.compile(r"(?m)^None(?:\.| [a-z][^\n]*\.)$")
ENGLISH_UI_WORDS = re.compile(
    r"\b(?:Sign out|Status|Received|Open|Submitted|Category|Transfer|Transfers|Case|Cases|"
    r"Reporter|System|reporter|system|Timeline|Deadline|Accept|Decline|Evidence|Switch)\b"
)


# The page's width, its visible text and, to say what to fix, the elements sticking out.
WHAT_SHOWS = """() => ({
  sw: document.documentElement.scrollWidth, iw: window.innerWidth,
  text: document.body.innerText,
  wide: [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + "." + e.className + " " + e.textContent.slice(0, 40)),
})"""


def raw_codes(text: str) -> list[str]:
    """Return the dotted code-like words of a page's visible text (URLs and e-mails removed)."""
    text = URL_OR_MAIL.sub(" ", text)
    return [
        m for m in EVENT_CODE.findall(text) if m not in ALLOWED_DOTTED and not DOMAIN_END.search(m)
    ]


def check(page, lang: str, where: str) -> None:  # type: ignore[no-untyped-def]
    """Assert the page reads as words and fits the window, at each viewport (a GET page)."""
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()  # as a phone would load it: charts and scripts size to the window
        state = page.evaluate(WHAT_SHOWS)
        at = f"{where} [{lang} {width}px]"
        assert state["sw"] <= state["iw"], f"{at}: scrolls sideways {state['sw']}px {state['wide']}"
        text = state["text"]
        assert not raw_codes(text), f"{at}: raw codes {raw_codes(text)}"
        snake = SNAKE_CODE.findall(URL_OR_MAIL.sub(" ", text))
        assert not snake, f"{at}: raw choice codes {snake}"
        reprs = REPRS.findall(ENGLISH_NONE.sub("", text))
        assert not reprs, f"{at}: Python reprs {reprs}"
        if lang == "zh":
            left = ENGLISH_UI_WORDS.findall(text)
            assert not left, f"{at}: English words in Chinese {left}"
    page.set_viewport_size({"width": 1366, "height": 768})


def file_report(page) -> str:  # type: ignore[no-untyped-def]
    page.goto("/report/")
    page.check("input[name=category][value=paid_deletion]")
    page.fill("#id_targets-0-url", "https://news.example-bj.cn/a/789.html")
    page.fill("#id_targets-0-website_name", "京华资讯网")
    page.fill("#id_targets-0-icp_number", "京ICP备87654321号-1")
    page.fill(
        "#id_description",
        "该网站编辑联系我公司，称可有偿删除负面报道，每条收费八千元，微信转账，先删后付。",
    )
    page.set_input_files(
        "#id_evidence", files=[{"name": "聊天截图.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("form.report-form button[type=submit]")
    page.wait_for_url("**/report/done/**")
    return page.inner_text("#tracking-code").strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_walk_shows_words_not_codes(new_page, world, console_errors, lang):
    officer_user = UserFactory(
        username=f"t-beijing-walk-{lang}",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        display_name="北京市网信办受理员",
    )
    code = file_report(new_page())
    office = new_page(locale="zh-CN" if lang == "zh" else "en-US")
    office.set_viewport_size({"width": 1366, "height": 768})
    sign_in(office, officer_user)
    check(office, lang, "workbench")

    office.goto("/cases/triage/")
    check(office, lang, "triage queue")
    office.click(f"text={code}")
    office.wait_for_url("**/cases/triage/*/")
    check(office, lang, "report")
    with office.expect_navigation():
        office.click("form[action$='/accept/'] button[type=submit]")
    case = Case.objects.get(reports__tracking_code=code)
    office.goto(f"/cases/{case.pk}/")
    check(office, lang, "new case")

    office.goto(f"/cases/{case.pk}/tasks/")
    check(office, lang, "handling")
    office.click("#new-transfer")
    office.wait_for_url(f"**/cases/{case.pk}/transfers/new/")
    check(office, lang, "transfer form")
    office.select_option("#id_kind", "criminal_referral")
    office.select_option("#id_recipient", str(world.police.pk))
    office.fill("#id_instructions", "涉嫌以删帖为名敲诈勒索，请依法立案侦查并反馈。")
    office.check("input[name=reports]")
    office.check("input[name=evidence]")
    office.click("#transfer-form button[type=submit]")
    office.wait_for_url("**/cases/transfers/*/")
    transfer = Transfer.objects.get(pk=int(office.url.rstrip("/").rsplit("/", 1)[1]))
    check(office, lang, "transfer sent")

    transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    transfers.submit_feedback(
        transfer, summary="已立案侦查，涉案人员已到案。", acting_user=world.police_user
    )
    office.goto("/cases/transfers/")
    check(office, lang, "transfers")
    office.goto(f"/cases/transfers/{transfer.pk}/")
    check(office, lang, "transfer answered")
    office.click("#close-transfer")
    office.wait_for_selector("[data-status=closed]")
    check(office, lang, "transfer closed")

    office.goto(f"/cases/{case.pk}/")
    check(office, lang, "case with transfer")
    decide = office.locator("form[action$='/decide/']")
    decide.locator("select[name=outcome]").select_option("violation_confirmed")
    decide.locator("input[name=measures][value=criminal_referral]").check()
    decide.locator("textarea[name=public_result]").fill("经查属实，已移送公安机关依法处理。")
    decide.locator("input[name=close_now]").check()
    with office.expect_navigation():
        decide.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert case.status == "closed"
    office.goto(f"/cases/{case.pk}/")
    check(office, lang, "closed case")
    # The timeline reads as words; the codes stay in the markup for machines.
    assert office.locator("#timeline [data-action='case.closed']").count() == 1
    assert office.locator("#timeline [data-action='transfer.answered']").count() == 1
    office.goto(f"/evidence/packages/case/{case.number}/custody/")
    check(office, lang, "chain of custody")
    office.goto("/cases/deadlines/")
    check(office, lang, "deadlines")
    office.goto("/cases/")
    check(office, lang, "case list")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_staff_page_in_the_menu_fits_and_reads_as_words(new_page, world, lang):
    head = UserFactory(
        username=f"t-beijing-sweep-{lang}",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        display_name="北京市网信办负责人",
    )
    page = new_page(locale="zh-CN" if lang == "zh" else "en-US")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, head)
    links = page.eval_on_selector_all("#nav a.nav-link", "els => els.map(e => e.pathname)")
    assert len(links) >= 10, links
    for path in links:
        page.goto(path)
        check(page, lang, path)
