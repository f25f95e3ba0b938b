"""Guidance for victim enterprises, written by the team, and the evidence checklist as PDF."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

# Debian packages fonts-noto-cjk and fonts-wqy-* install these; none is downloaded at run time.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)

SECTIONS = [
    {
        "id": "do-not-pay",
        "title": _("Do not pay"),
        "paragraphs": [
            _(
                "Paying does not make the problem go away: those who are paid once usually come "
                'back for more, and "deletion" bought from a broker is illegal and often '
                "undone a few days later."
            ),
            _(
                "You are the victim. Demanding money with a threat to publish or to keep "
                "negative posts online is extortion; selling deletion is illegal business. "
                "Reporting it is safe and costs nothing."
            ),
            _(
                "Do not argue with them or threaten them. If you must answer, say only that you "
                "need time; keep every message."
            ),
        ],
    },
    {
        "id": "evidence",
        "title": _("Keep the evidence"),
        "paragraphs": [
            _(
                "Before anything disappears, keep screenshots that show the date, the account "
                "and the address of the page, and save chat records and call logs. Tick what you "
                "have on the checklist and download it to keep with your files."
            ),
        ],
    },
    {
        "id": "official-channels",
        "title": _("Ask for deletion through the official channel"),
        "paragraphs": [
            _(
                "Every platform must keep a visible complaint entry for infringing content and "
                "answer within its published time limit. Use that entry with your business "
                "licence and the address of the content; it is free."
            ),
            _(
                'Never use a "PR" or "public-opinion" company that offers '
                "deletion for a fee, and do not believe anyone who claims an inside contact at a "
                "platform. Websites can check with us whether someone truly speaks for you: list "
                "your authorised contacts on your dashboard."
            ),
        ],
    },
    {
        "id": "next",
        "title": _("What happens next, and how long it takes"),
        "paragraphs": [
            _(
                "The cyberspace office of your region reads your report. When the "
                "extortionist's deadline is less than three days away we treat it as urgent: an "
                "officer acts within one day. Otherwise we answer within five working days."
            ),
            _(
                "The office can ask the website for an interim measure within 24 hours (a "
                "dispute label, a time-limited private setting, or stopping reposts), pass the "
                "case to the police, and order the website to act. You follow every step on "
                "your dashboard; internal notes stay internal."
            ),
        ],
    },
]

EVIDENCE_ITEMS = [
    ("screenshots", _("Screenshots of the posts, with date, account and address visible")),
    ("chats", _("Chat records with the extortionist or broker (WeChat, QQ, SMS)")),
    ("calls", _("Call logs and any recordings of calls")),
    ("payment", _("Payment requests: amount, account or QR code they sent")),
    ("accounts", _("Names and IDs of the accounts and websites involved")),
    ("urls", _("Addresses (URLs) of every page concerned")),
    ("licence", _("Your business licence and proof of what is true in the posts")),
    ("timeline", _("A short timeline: first contact, demands, deadlines")),
]


def cjk_font() -> Path | None:
    """Return an installed CJK font file, or None (then the PDF is written in English)."""
    for candidate in CJK_FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def checklist_pdf(ticked: set[str], *, font: Path | None = None) -> bytes:
    """Return the evidence checklist as PDF, ticked items marked [x]."""
    from fpdf import FPDF  # heavy: imported only when a PDF is asked for

    font = font if font is not None else cjk_font()
    pdf = FPDF()
    pdf.add_page()
    if font is not None:
        pdf.add_font("cjk", fname=str(font))
        pdf.set_font("cjk", size=12)
        return _write(pdf, ticked)
    # Without a CJK font the core fonts only cover Latin-1: write the English text.
    pdf.set_font("helvetica", size=12)
    with override("en"):
        return _write(pdf, ticked)


def _write(pdf: object, ticked: set[str]) -> bytes:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)  # noqa: S101 - typed for the checker
    pdf.set_font_size(16)
    pdf.multi_cell(0, 10, str(_("Evidence checklist")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(11)
    for code, label in EVIDENCE_ITEMS:
        mark = "[x]" if code in ticked else "[ ]"
        pdf.multi_cell(0, 8, f"{mark} {label}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 7, str(SECTIONS[0]["paragraphs"][0]), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
