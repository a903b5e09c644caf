from datetime import timedelta
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from disputes import services
from disputes.models import Case, Status
from disputes.performance import overdue_days, overdue_ledger, unit_performance
from governance.export_jobs import run_export_job
from governance.models import ExportJob


def test_unit_performance_counts(org, make_case):
    today = timezone.localdate()
    make_case(Status.PENDING_REVIEW)  # reported well before its due date
    late = make_case(Status.PENDING_REVIEW)
    Case.objects.filter(pk=late.pk).update(handle_due=today - timedelta(days=3))
    overdue = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=overdue.pk).update(handle_due=today - timedelta(days=1))
    make_case(Status.IN_PROGRESS)  # due in 10 days: neither soon nor overdue
    (row,) = unit_performance(org["county_officer"])
    assert row.unit == org.police_a
    assert (row.dispatched, row.on_time, row.late, row.overdue, row.due_soon) == (4, 1, 1, 1, 0)
    assert row.on_time_rate == "50.0%" and row.days_to_sign is not None
    assert unit_performance(org["outsider"]) == []


def test_ledger_carries_unreported_overdue_cases_into_the_next_month(org, make_case):
    today = timezone.localdate()
    carried = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=carried.pk).update(handle_due=today - timedelta(days=40))
    done = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=done.pk).update(handle_due=today - timedelta(days=40))
    done.refresh_from_db()
    services.report_case(
        case=done, by=org["police"], outcome="resolved", routes=[], summary="迟办结", version=done.version
    )
    this_month = today.replace(day=1)
    numbers = set(overdue_ledger(org["county_officer"], this_month).values_list("number", flat=True))
    # Reported this month (after its due date): in this month's ledger; still open: carried on.
    assert numbers == {carried.number, done.number}
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    later = set(
        overdue_ledger(org["county_officer"], next_month, today=next_month + timedelta(days=3)).values_list(
            "number", flat=True
        )
    )
    assert later == {carried.number}


def test_pages_and_export(org, login, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=5))
    case.refresh_from_db()
    leader = login(org["leader"])
    body = leader.get("/cases/performance/").content.decode()
    assert "甲镇派出所" in body and case.number in body
    # 导出 Excel asks for a background job (governance/export_jobs.py), run here as the worker would.
    month = f"{timezone.localdate():%Y-%m}"
    response = leader.post(f"/cases/overdue-ledger.xlsx?month={month}")
    assert response["Location"] == "/exports/"
    job = ExportJob.objects.get(kind="overdue")
    assert run_export_job(job.pk) == "done"
    response = leader.get(f"/exports/{job.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.active.title == "超期台账"
    assert book.active["B3"].value == case.number
    assert book.active["I3"].value == overdue_days(case, timezone.localdate().replace(day=1))
    assert job.title == f"{timezone.localdate():%Y年%m月}"
    # The outsider of 乙镇 asks for the same month: a file without 甲镇's case.
    outsider = login(org["outsider"])
    outsider.post(f"/cases/overdue-ledger.xlsx?month={month}")
    theirs = ExportJob.objects.get(kind="overdue", user=org["outsider"])
    assert run_export_job(theirs.pk) == "done"
    rows = list(
        load_workbook(
            BytesIO(b"".join(outsider.get(f"/exports/{theirs.pk}/download/").streaming_content))
        ).active.values
    )
    assert len(rows) == 2 and case.number not in str(rows)
    assert login(org["police"]).get("/cases/performance/").status_code == 403
    assert case.number not in login(org["outsider"]).get("/cases/performance/").content.decode()


def test_performance_page_queries_are_fixed(org, login, make_case, django_assert_max_num_queries):
    make_case(Status.IN_PROGRESS)
    leader = login(org["leader"])
    with django_assert_max_num_queries(30) as small:
        leader.get("/cases/performance/")
    for _n in range(6):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=2))
    with django_assert_max_num_queries(len(small.captured_queries)):
        leader.get("/cases/performance/")
