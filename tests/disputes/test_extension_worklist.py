"""Pending extension requests reach the center in its 我的待办 and in its daily digest, not only as a
message (issue 15, finding 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from disputes import services
from disputes.models import Status
from governance.models import Notification
from governance.reminders import run_overdue_scan

MONDAY = datetime(2026, 3, 2, 10)


def at(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def test_a_pending_extension_is_in_the_centers_work_list_until_decided(org, make_case, login):
    case = make_case(Status.IN_PROGRESS)
    extension = services.request_extension(case=case, by=org["police"], days=5, reason="等待鉴定意见")
    work = login(org["township_officer"]).get("/cases/work/").content.decode()
    section = work.split('data-testid="worklist-to_extend"')[1].split("</section>")[0]
    assert "待审批延期" in section and case.number in section
    county = login(org["county_officer"]).get("/cases/work/").content.decode()
    assert case.number in county.split('data-testid="worklist-to_extend"')[1].split("</section>")[0]
    outsider = login(org["outsider"]).get("/cases/work/").content.decode()
    assert case.number not in outsider  # another township's center
    services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=5)
    work = login(org["township_officer"]).get("/cases/work/").content.decode()
    assert case.number not in work.split('data-testid="worklist-to_extend"')[1].split("</section>")[0]


def scan(moment: datetime) -> None:
    with time_machine.travel(at(moment), tick=False):
        run_overdue_scan(at(moment))


def test_a_pending_extension_is_in_the_centers_daily_digest(org, make_case):
    with time_machine.travel(at(MONDAY - timedelta(days=3)), tick=False):
        case = make_case(Status.IN_PROGRESS)
    scan(MONDAY.replace(hour=8, minute=15))  # the day's full pass, nothing asked yet
    digests = Notification.objects.filter(title__startswith="每日待办汇总", unit=org.center_a)
    assert not digests.exists()
    with time_machine.travel(at(MONDAY.replace(hour=9)), tick=False):
        services.request_extension(case=case, by=org["police"], days=5, reason="等待鉴定意见")
    scan(MONDAY.replace(hour=9, minute=30))  # a steady run sees the new request
    assert "延期申请待审批 1 件" in digests.get().body
    scan((MONDAY + timedelta(days=1)).replace(hour=8, minute=15))  # and the next day's full pass
    assert digests.count() == 2 and all("延期申请待审批 1 件" in d.body for d in digests)
