"""信息通报 as a Word file laid out as an official 通报 (red head with the title and 期号, 编发单位,
date and 签发人, a red rule, the title, the ten sections with their tables, 报送 / 抄送 and the
印发 line), and the lines the page shares with it. Everything is read from the report's frozen
figures and text (governance/briefings.py)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.indicators import DASH
from governance.models import Briefing


def summary_line(figures: dict) -> str:
    """The overview's lead sentence, from the frozen figures (the page and the .docx both show it)."""
    found = {i["code"]: i for i in figures.get("indicators", [])}

    def count(code: str, side: str = "display") -> str:
        value = found.get(code, {}).get(side)
        return DASH if value is None else str(value)

    return _(
        "本期新受理矛盾纠纷 %(received)s 件，办结 %(closed)s 件，其中调解成功 %(resolved)s 件（化解率 %(rate)s）；"
        "期末在办 %(open)s 件，其中超期 %(overdue)s 件、红牌 %(red)s 件。"
    ) % {
        "received": count("received"),
        "closed": count("closed"),
        "resolved": count("resolution_rate", "numerator"),
        "rate": count("resolution_rate"),
        "open": count("open"),
        "overdue": count("overdue"),
        "red": count("red_cards"),
    }


def section_titles(briefing: Briefing) -> list[str]:
    return [
        _("一、总体情况"),
        _("二、各地情况"),
        _("三、承办单位情况（新受理、办结、超期与红牌）"),
        _("四、热点类别"),
        _("五、重点人员与重复纠纷"),
        _("六、日排查零报告"),
        _("七、典型案例"),
        _("八、工作动态"),
        _("九、分析研判"),
        _("十、下步打算"),
    ]


def briefing_docx(briefing: Briefing) -> bytes:
    """The report as an official 通报: red head (title, 期号, 编发单位, date), a red rule, the title,
    the sections with their tables, and the 报送 / 抄送 lines."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    red = RGBColor(0xC0, 0x00, 0x00)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = "FangSong"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    normal.font.size = Pt(14)

    def paragraph(text: str, *, size: int = 14, bold=False, center=False, colour=None, font="仿宋", indent=False):
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        run.font.name = font
        run._element.rPr.rFonts.set(qn("w:eastAsia"), font)
        if colour is not None:
            run.font.color.rgb = colour
        return p

    def rule(p) -> None:
        """A red line under the paragraph (the 红头's separator)."""
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "C00000")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        p._p.get_or_add_pPr().append(borders)

    def table(header: list[str], rows: list[list[object]]) -> None:
        if not rows:
            paragraph(_("（无）"), indent=True)
            return
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = str(text)
        for row in rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = DASH if value is None else str(value)

    figures = briefing.figures
    kind = Briefing.Kind(briefing.kind).label
    paragraph(
        _("矛盾纠纷排查化解%(k)s") % {"k": kind}, size=26, bold=True, center=True, colour=red, font="方正小标宋简体"
    )
    paragraph(briefing.number_label, center=True)
    day = timezone.localtime(briefing.issued_at).date() if briefing.issued_at else timezone.localdate()
    head = paragraph(
        _("编发单位：%(u)s　　　　%(d)s") % {"u": briefing.issuing_unit.name, "d": f"{day:%Y年%m月%d日}"}, center=True
    )
    if briefing.issued_by_id:
        head.add_run("　　　　" + _("签发人：%(n)s") % {"n": briefing.issued_by}).font.size = Pt(14)
    rule(head)
    paragraph(briefing.title, size=18, bold=True, center=True, font="黑体")
    if briefing.corrects_id:
        paragraph(
            _("（本期更正%(n)s：%(note)s）") % {"n": briefing.corrects.number_label, "note": briefing.correction_note},
            indent=True,
        )
    titles = section_titles(briefing)
    window = figures.get("window", {})
    paragraph(titles[0], bold=True, font="黑体")
    paragraph(
        _("统计时段：%(s)s至%(e)s；区域：%(p)s。")
        % {"s": window.get("start"), "e": window.get("end"), "p": figures.get("place", {}).get("name", "")},
        indent=True,
    )
    paragraph(summary_line(figures), indent=True)
    table(
        [_("指标"), _("本期"), _("上期"), _("环比"), _("去年同期"), _("同比")],
        [
            [i["name"], i["display"], i["previous"], i["mom"], i["year_earlier"], i["yoy"]]
            for i in figures.get("indicators", [])
        ],
    )
    paragraph(titles[1], bold=True, font="黑体")
    table(
        [_("地区"), _("新受理"), _("办结"), _("在办超期"), _("红牌")],
        [
            [p["name"], p.get("received"), p.get("closed"), p.get("overdue"), p.get("red_cards")]
            for p in figures.get("places", [])
        ],
    )
    paragraph(titles[2], bold=True, font="黑体")
    table(
        [_("承办单位"), _("新受理"), _("办结"), _("在办超期"), _("红牌")],
        [
            [u["unit"], u.get("received", "—"), u.get("closed", "—"), u["overdue"], u["red"]]
            for u in figures.get("units", [])
        ],
    )
    paragraph(titles[3], bold=True, font="黑体")
    table(
        [_("类别"), _("本期新受理"), _("上期"), _("环比"), _("去年同期"), _("同比")],
        [
            [c["name"], c["current"], c["previous"], c["mom"], c["year_earlier"], c["yoy"]]
            for c in figures.get("categories", [])
        ],
    )
    persons = figures.get("persons", {})
    paragraph(titles[4], bold=True, font="黑体")
    paragraph(
        _("本期新列入重点人员 %(k)d 人，因一年内涉及3件及以上纠纷列入 %(r)d 人。")
        % {"k": persons.get("key_count", 0), "r": persons.get("repeat_count", 0)},
        indent=True,
    )
    table(
        [_("姓名"), _("镇（街道）"), _("列入理由")],
        [[p["name"], p["township"], p["reason"]] for p in persons.get("key", []) + persons.get("repeat", [])],
    )
    gaps = figures.get("zero_reports", {})
    paragraph(titles[5], bold=True, font="黑体")
    paragraph(
        _("本期有 %(v)d 个村（社区）漏报 %(m)d 次。") % {"v": gaps.get("villages", 0), "m": gaps.get("missed", 0)},
        indent=True,
    )
    if gaps.get("rows"):
        table(
            [_("村（社区）"), _("镇（街道）"), _("漏报次数")],
            [[g["village"], g["township"], g["missed"]] for g in gaps["rows"]],
        )
    paragraph(titles[6], bold=True, font="黑体")
    for i, case in enumerate(figures.get("typical", []), start=1):
        paragraph(
            _("%(i)d. %(n)s（%(t)s，%(c)s，%(s)s）：%(summary)s")
            % {
                "i": i,
                "n": case["number"],
                "t": case["township"],
                "c": case["category"],
                "s": case["status"],
                "summary": case["summary"],
            },
            indent=True,
        )
    if not figures.get("typical"):
        paragraph(_("（无）"), indent=True)
    for title, text in zip(titles[7:], (briefing.dynamics, briefing.analysis, briefing.next_steps), strict=True):
        paragraph(title, bold=True, font="黑体")
        for line in (text or _("（无）")).splitlines():
            if line.strip():
                paragraph(line.strip(), indent=True)
    foot = paragraph("")
    rule(foot)
    paragraph(_("报送：%(v)s") % {"v": briefing.report_to}, size=12)
    paragraph(_("抄送：%(v)s") % {"v": briefing.copy_to}, size=12)
    issued = paragraph(
        _("%(u)s　　　　%(d)s印发") % {"u": briefing.issuing_unit.name, "d": f"{day:%Y年%m月%d日}"}, size=12
    )
    rule(issued)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def docx_filename(briefing: Briefing) -> str:
    label = Briefing.Kind(briefing.kind).label
    number = f"{briefing.year}-{briefing.number}" if briefing.number else _("草稿")
    return f"{label}-{briefing.region.name}-{number}.docx"
