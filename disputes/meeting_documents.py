"""The minutes (会议纪要) of a meeting as .docx, with the layout of the printed page."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from disputes.models import Case, Meeting

if TYPE_CHECKING:
    from governance.models import User


def minutes_lines(meeting: Meeting, viewer: User | None = None) -> list[tuple[str, str]]:
    """The minutes' heading lines. With a `viewer` (the meeting's page): the cases he may see and no
    warnings line (the page links them for those who see the whole meeting; their titles name
    parties)."""
    cases = meeting.cases.all()
    if viewer is not None:
        cases = cases.filter(pk__in=Case.objects.visible_to(viewer).values("pk"))
    lines = [
        (_("会议类型"), meeting.get_kind_display()),
        (_("会议日期"), f"{meeting.date:%Y年%m月%d日}"),
        (_("召集单位"), meeting.convened_by.name),
        (_("主持人"), meeting.chair),
        (_("参会单位"), "、".join(u.name for u in meeting.units.all())),
        (_("研判案件"), "、".join(c.number for c in cases) or "—"),
    ]
    if viewer is None:
        lines.append((_("研判预警"), "；".join(w.title for w in meeting.warnings.all()) or "—"))
    return lines


def minutes_docx(meeting: Meeting) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("%(k)s纪要") % {"k": meeting.get_kind_display()})
    run.bold, run.font.size = True, Pt(20)
    for label, text in minutes_lines(meeting):
        document.add_paragraph(f"{label}：{text}")
    document.add_paragraph().add_run(_("会议情况")).bold = True
    for line in meeting.summary.splitlines() or [""]:
        document.add_paragraph(line)
    document.add_paragraph().add_run(_("议定事项")).bold = True
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, (_("议定事项"), _("责任单位"), _("办结期限"), _("办理情况")), strict=True
    ):
        cell.text = str(text)
    for d in meeting.decisions.all():
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = d.text, d.owner_unit.name, f"{d.due:%Y-%m-%d}"
        row[3].text = d.answer if d.status == d.Status.DONE else d.get_status_display()
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
