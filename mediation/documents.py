"""The mediation agreement (人民调解协议书) as Word and PDF files, in the standard layout: parties'
basic information; the main facts, the matters in dispute and each party's responsibility; the
agreed content; manner, place and deadline of performance; the copies; signature lines for the
parties and the mediator and the committee's seal (人民调解法 Art. 29, 若干规定 Art. 34).

Personal data appears masked, as on every page. The PDF uses reportlab's built-in Adobe CID font
STSong-Light (GB 2312 glyphs come from the reader's or the printer's CJK font; nothing is read
from the file system), so it works the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Party
from mediation.models import Agreement

FONT = "STSong-Light"


@dataclass
class Block:
    heading: str
    text: str


def party_lines(agreement: Agreement) -> list[tuple[str, str]]:
    """(role, description) for each party: name, ID (masked), address, phone (masked)."""
    lines = []
    for party in agreement.case.parties.all():
        bits = [party.name]
        if party.kind == Party.Kind.PERSON and party.id_number_masked:
            bits.append(_("身份证号 %(v)s") % {"v": party.id_number_masked})
        if party.address:
            bits.append(_("住址 %(v)s") % {"v": party.address})
        if party.phone_masked:
            bits.append(_("联系电话 %(v)s") % {"v": party.phone_masked})
        lines.append((party.get_role_display(), "，".join(bits)))
    return lines


def body_blocks(agreement: Agreement) -> list[Block]:
    obligations = "\n".join(
        _("%(i)d. %(who)s：%(what)s，于%(due)s前履行完毕。")
        % {"i": i, "who": o.obligor, "what": o.content.rstrip("。"), "due": f"{o.due_on:%Y年%m月%d日}"}
        for i, o in enumerate(agreement.obligations.all(), start=1)
    )
    deadline = f"{agreement.performance_deadline:%Y年%m月%d日}" if agreement.performance_deadline else ""
    return [
        Block(_("一、纠纷主要事实"), agreement.facts),
        Block(_("二、争议事项"), agreement.issues),
        Block(_("三、各方责任"), agreement.responsibility),
        Block(_("四、经调解，双方当事人自愿达成如下协议"), agreement.terms),
        Block(
            _("五、履行方式、地点和期限"),
            _("履行方式：%(m)s；履行地点：%(p)s；履行期限：%(d)s前。")
            % {"m": agreement.performance_manner, "p": agreement.performance_place, "d": deadline}
            + ("\n" + obligations if obligations else ""),
        ),
        Block(
            _("六、其他"),
            _(
                "本协议自各方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章之日起生效，"
                "具有法律约束力，当事人应当按照约定履行。双方可自本协议生效之日起三十日内共同向人民法院申请司法确认。"
                "本协议一式三份，双方当事人各执一份，人民调解委员会留存一份。"
            ),
        ),
    ]


def title_lines(agreement: Agreement) -> tuple[str, str, str]:
    org = agreement.organisation.name
    number = agreement.number or _("（草稿，未编号）")
    version = (
        _("第%(v)d版（更正第%(o)d版）") % {"v": agreement.version, "o": agreement.supersedes.version}
        if agreement.supersedes_id
        else ""
    )
    return org, _("人民调解协议书"), f"{number} {version}".strip()


def signature_lines(agreement: Agreement) -> list[str]:
    """A party who confirmed the agreement online is shown as 签字确认（短信验证，time）; every other
    party keeps the blank line to sign on paper: nobody is shown as signed without a signature row."""
    from mediation.online import party_signatures

    lines = []
    for row in party_signatures(agreement, list(agreement.case.parties.all())):
        if row.signature is not None:
            at = f"{timezone.localtime(row.signature.confirmed_at):%Y年%m月%d日 %H:%M}"
            lines.append(_("当事人：%(n)s  签字确认（短信验证，%(t)s）") % {"n": row.party.name, "t": at})
        else:
            lines.append(
                _("当事人（签名、盖章或按指印）：%(n)s ________________    年    月    日") % {"n": row.party.name}
            )
    lines.append(_("人民调解员（签名）：%(n)s ________________    年    月    日") % {"n": agreement.mediator_names})
    signed = f"{agreement.signed_on:%Y年%m月%d日}" if agreement.signed_on else _("    年    月    日")
    lines.append(_("%(org)s（印章）          %(d)s") % {"org": agreement.organisation.name, "d": signed})
    return lines


def agreement_docx(agreement: Agreement) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(3.0)
    section.left_margin = section.right_margin = Cm(2.6)
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    # East Asian text takes the eastAsia font; without it Word falls back to a Latin font.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    def paragraph(text: str, *, size: int = 12, bold: bool = False, center: bool = False, indent: bool = False):
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        run.font.name = "宋体"
        run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
        return p

    org, title, number = title_lines(agreement)
    paragraph(org, size=14, center=True)
    paragraph(title, size=22, bold=True, center=True)
    paragraph(number, size=12, center=True)
    for role, text in party_lines(agreement):
        paragraph(f"{role}：{text}")
    for block in body_blocks(agreement):
        paragraph(block.heading, bold=True)
        for line in block.text.splitlines() or [""]:
            paragraph(line, indent=True)
    document.add_paragraph()
    for line in signature_lines(agreement):
        paragraph(line)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def agreement_pdf(agreement: Agreement) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
    indented = ParagraphStyle("indented", parent=body, firstLineIndent=24)
    heading = ParagraphStyle("heading", parent=body, spaceBefore=6)
    centered = ParagraphStyle("centered", parent=body, alignment=TA_CENTER)
    title_style = ParagraphStyle("title", parent=centered, fontSize=22, leading=32, spaceBefore=4, spaceAfter=4)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    org, title, number = title_lines(agreement)
    story = [
        p(org, ParagraphStyle("org", parent=centered, fontSize=14, leading=20)),
        p(title, title_style),
        p(number, centered),
        Spacer(1, 12),
    ]
    story += [p(f"{role}：{text}", body) for role, text in party_lines(agreement)]
    for block in body_blocks(agreement):
        story.append(p(block.heading, heading))
        story += [p(line, indented) for line in block.text.splitlines() if line.strip()]
    story.append(Spacer(1, 24))
    story += [p(line, ParagraphStyle("sign", parent=body, leading=30)) for line in signature_lines(agreement)]

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=3 * cm,
        bottomMargin=2.5 * cm,
        leftMargin=2.6 * cm,
        rightMargin=2.6 * cm,
        title=f"{title} {agreement.number}",
        author=org,
    )
    doc.build(story)
    return buffer.getvalue()
