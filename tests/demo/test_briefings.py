"""seed_demo gives the county and 城关镇 issued weekly and monthly reports (信息通报) whose figures
are the dashboard's for the same window, and a draft; a second run adds none."""

from datetime import date
from io import BytesIO

from django.core.management import call_command

from governance.indicators import Window, evaluate
from governance.models import Briefing, Indicator


def test_seed_demo_issues_weekly_and_monthly_reports_once(seeded):
    issued = Briefing.objects.filter(state=Briefing.State.ISSUED).select_related("region")
    for name in ("示范县", "城关镇"):
        mine = issued.filter(region__name=name)
        assert mine.filter(kind=Briefing.Kind.WEEKLY).count() == 4, name
        assert mine.filter(kind=Briefing.Kind.MONTHLY).count() == 2, name
        # Issued in order of their periods, all this year: 第1期 to 第4期.
        assert sorted(mine.filter(kind=Briefing.Kind.WEEKLY).values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Briefing.objects.filter(state=Briefing.State.DRAFT, kind=Briefing.Kind.DAILY).count() == 2

    received = Indicator.objects.get(code="received")
    for report in issued:
        window = Window(date.fromisoformat(report.figures["window"]["start"]), report.period_end)
        (result,) = evaluate([received], window, prefix=report.region.prefix)
        shown = next(i for i in report.figures["indicators"] if i["code"] == "received")
        assert shown["display"] == result.display, report.title
        assert result.value, report.title  # the demo county receives cases every week
    assert any(r.figures["typical"] for r in issued)

    count = Briefing.objects.count()
    call_command("seed_demo", force=True, stats_days=0)
    assert Briefing.objects.count() == count


def test_a_demo_report_downloads_as_a_word_file(seeded, client):
    from docx import Document

    from governance.models import User

    report = Briefing.objects.filter(state=Briefing.State.ISSUED, kind=Briefing.Kind.MONTHLY).first()
    client.force_login(User.objects.get(username="leader"))
    response = client.get(f"/reports/briefings/{report.pk}/document.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert report.number_label in text and "下步打算" in text
