"""The 情况说明 a grid worker writes with the day's zero-report: kept with the report, shown on it,
and replaced when the report is amended."""

from django.utils import timezone

from grids.models import ZeroReport


def filing(note: str, **extra) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "is_zero": "on",
        "disputes_found": "0",
        "disputes_resolved": "0",
        "key_persons": "0",
        "note": note,
        "item-TOTAL_FORMS": "2",
        "item-INITIAL_FORMS": "0",
        **extra,
    }


def test_the_note_is_shown_on_the_report_and_an_amendment_replaces_it(org, login):
    worker = login(org["grid_worker"])
    url = f"/grids/reports/file/?village={org.village_a1.pk}"
    assert worker.post(url, filing("本周走访12户，邻里和睦，无矛盾纠纷")).status_code == 302
    report = ZeroReport.objects.get()
    officer = login(org["township_officer"])
    page = officer.get(f"/grids/reports/{report.pk}/").content.decode()
    assert "情况说明" in page and "本周走访12户，邻里和睦，无矛盾纠纷" in page

    amended = filing("补充：5组两户因宅基地界址有口角，已当场劝解", version=str(report.version))
    assert worker.post(url, amended).status_code == 302
    page = officer.get(f"/grids/reports/{report.pk}/").content.decode()
    assert "补充：5组两户因宅基地界址有口角，已当场劝解" in page
    assert "本周走访12户" not in page
