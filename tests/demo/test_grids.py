"""The grid work of the demo county loaded by `seed_demo` (grids/demo.py): a worker for every grid,
a quarter of zero reports with realistic gaps, the reminders the check would have sent, patrols."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from governance.models import Notification, Role, Unit, User
from grids.demo import REPORT_HISTORY_DAYS
from grids.models import (
    Grid,
    GridKind,
    GridWorker,
    PatrolLog,
    Region,
    SensitivePeriod,
    ZeroReport,
    ZeroReportItem,
    ZeroReportReminder,
)
from grids.zero_report import Calendar, league_for, may_file


def counts():
    return (
        User.objects.count(),
        User.history.count(),
        GridWorker.objects.count(),
        Grid.workers.through.objects.count(),
        Grid.history.count(),
        SensitivePeriod.objects.count(),
        ZeroReport.objects.count(),
        ZeroReport.history.count(),
        ZeroReportItem.objects.count(),
        ZeroReportReminder.objects.count(),
        Notification.objects.count(),
        PatrolLog.objects.count(),
    )


def test_every_grid_has_a_worker_and_a_second_run_adds_nothing(seeded):
    grids = Grid.objects.all()
    assert grids.count() == 468
    # Every grid is covered by someone with a worker profile (active or not), in the 网格员 role.
    assert not grids.exclude(workers__grid_worker__isnull=False).exists()
    assert not User.objects.filter(grids__isnull=False).exclude(groups__name=Role.GRID_WORKER).exists()
    assert User.objects.with_role(Role.GRID_WORKER).count() == 468  # the demo login covers one grid

    profiles = GridWorker.objects.all()
    assert profiles.count() == 468
    full_time = profiles.filter(employment=GridWorker.Employment.FULL_TIME).count()
    assert 0.6 < full_time / profiles.count() < 0.8
    inactive = profiles.filter(is_active=False)
    assert 0 < inactive.count() < 30
    assert not inactive.filter(user__is_active=True).exists()  # 离岗: the account is off too

    for user in User.objects.filter(username__startswith="gw").select_related("unit").prefetch_related("grids"):
        (grid,) = user.grids.all()
        assert user.username == f"gw{grid.code}"
        assert user.unit.kind == Unit.Kind.VILLAGE and user.unit.region_id == grid.village_id
        assert len(user.full_name) in (2, 3, 4)
        assert user.phone[0] == "1" and user.phone[1] in "3456789" and len(user.phone) == 11
        assert user.must_change_password and not user.has_usable_password()
    assert len(set(User.objects.filter(username__startswith="gw").values_list("full_name", flat=True))) > 300

    # Only the demo login signs in; it keeps its one grid and got a profile.
    demo = User.objects.get(username="gridworker")
    assert demo.check_password("Shifan@2026") and demo.grids.count() == 1
    assert demo.grid_worker.is_active

    for grid in grids:
        assert 80 <= grid.households <= 400
        assert 2.5 * grid.households <= grid.population <= 3.5 * grid.households
    assert 0 < grids.filter(kind=GridKind.SPECIAL).count() < 0.1 * grids.count()

    # One sensitive period over, one to come; a week of the demo worker's patrols.
    today = timezone.localdate()
    assert SensitivePeriod.objects.filter(end__lt=today).exists()
    assert SensitivePeriod.objects.filter(start__gt=today).exists()
    patrols = PatrolLog.objects.filter(worker=demo)
    assert 3 <= patrols.count() <= 7
    assert all(today - timedelta(days=7) <= p.date < today for p in patrols)
    assert all(p.grid.workers.filter(pk=demo.pk).exists() for p in patrols)
    assert all(timezone.localtime(p.created_at).date() == p.date for p in patrols)

    before = counts()
    call_command("seed_demo", stats_days=0)
    assert counts() == before


def test_a_quarter_of_zero_reports_with_gaps_and_the_reminders_they_caused(seeded):
    now = timezone.now()
    today = timezone.localdate(now)
    calendar = Calendar.load()
    villages = list(Region.objects.villages().select_related("parent"))
    reports = ZeroReport.objects.all()
    assert not reports.filter(grid__isnull=False).exists()

    # Due days only, none in the future; the past ones all in the last quarter.
    dates = set(reports.values_list("date", flat=True))
    assert all(calendar.is_due(day) for day in dates)
    assert max(dates) <= today
    past_due = calendar.due_days_between(today - timedelta(days=REPORT_HISTORY_DAYS), today - timedelta(days=1))
    assert len(past_due) >= 12
    assert {day for day in dates if day < today} == set(past_due)
    # Today is left to the demo: at most half of 城关镇 has reported, never the demo worker's village.
    today_reports = reports.filter(date=today)
    assert set(today_reports.values_list("village__parent__name", flat=True)) <= {"城关镇"}
    assert today_reports.count() <= 6
    demo = User.objects.get(username="gridworker")
    assert not today_reports.filter(village__grids__workers=demo).exists()

    # One report per village per day, filed by someone who reports for the village.
    assert not reports.values("village", "date").annotate(n=Count("id")).filter(n__gt=1).exists()
    for report in reports.select_related("reporter", "village").filter(date=past_due[-1]):
        assert may_file(report.reporter, report.village)
    assert reports.filter(reporter=demo).count() >= len(past_due) * 0.8

    # ~92 % on time, ~5 % late, the rest missing.
    past = reports.filter(date__lt=today)
    owed = len(villages) * len(past_due)
    late = past.filter(is_late=True).count()
    missing = owed - past.count()
    assert 0.02 < late / owed < 0.08
    assert 0.015 < missing / owed < 0.06
    for report in past.only("date", "submitted_at", "is_late"):
        assert report.submitted_at <= now
        assert report.is_late == (report.submitted_at > calendar.grace_end(report.date))
    on_time_hours = Counter(timezone.localtime(r.submitted_at).hour for r in past.filter(is_late=False))
    assert sum(n for hour, n in on_time_hours.items() if hour >= 12) > 0.6 * sum(on_time_hours.values())

    # Most are 零报告; about one in seven lists disputes, each with a category.
    zero = past.filter(is_zero=True)
    assert 0.75 < zero.count() / past.count() < 0.92
    assert not ZeroReportItem.objects.filter(report__is_zero=True).exists()
    assert not zero.exclude(disputes_found=0, disputes_resolved=0, key_persons=0).exists()
    with_figures = past.filter(is_zero=False).annotate(n=Count("items"))
    assert not with_figures.filter(n=0).exists() and not with_figures.filter(n__gt=2).exists()
    assert not ZeroReportItem.objects.filter(category__isnull=True).exists()
    assert ZeroReportItem.objects.values("category").distinct().count() >= 6
    for report in with_figures:
        assert report.disputes_found >= report.n and report.disputes_resolved <= report.disputes_found

    # Some townships do worse: the league table is not flat.
    per_township = Counter(past.values_list("village__parent__name", flat=True))
    rates = [n / (13 * len(past_due)) for n in per_township.values()]
    assert len(rates) == 12 and max(rates) - min(rates) > 0.04
    _days, rows = league_for(User.objects.get(username="county"), past_due[-1], today=today - timedelta(days=1))
    assert len(rows) == 12 and rows[0].rate >= rows[-1].rate

    # Every unit missing or late on a past due day was reminded once, and no one who reported in time.
    reminders = ZeroReportReminder.objects.all()
    reminded = set(reminders.values_list("village_id", "date"))
    assert len(reminded) == reminders.count()
    on_time = set(past.filter(is_late=False).values_list("village_id", "date"))
    owed_pairs = {(v.pk, day) for v in villages for day in past_due}
    assert reminded == owed_pairs - on_time
    assert not reminders.filter(date__gte=today).exists()
    for reminder in reminders:
        assert timezone.localtime(reminder.created_at).date() == reminder.date  # the evening check
    # Villages missing again and again reach the county center.
    county = reminders.filter(level=ZeroReportReminder.Level.COUNTY)
    assert county.exists()
    assert not county.filter(misses_in_a_row__lt=3).exists()
    assert county.filter(date=past_due[-1]).exists()  # one is still missing
    center = Unit.objects.get(kind=Unit.Kind.COUNTY_CENTER)
    assert Notification.objects.filter(unit=center, title__contains="零报告").count() == county.count()
    assert not Notification.objects.filter(created_at__gt=now).exists()
