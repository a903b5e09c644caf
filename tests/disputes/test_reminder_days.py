"""One scan over many deadlines: each case's 临期 and 黄牌 reminder is keyed on the day that case
reached its level, not on another case's day (the scan counts working days once per distinct date)."""

from datetime import date, datetime

from django.utils import timezone

from disputes.deadlines import forget_limit_book
from disputes.models import Case, RiskLevel, StageLimit, Status
from governance.models import Reminder
from governance.reminders import run_overdue_scan


def test_each_case_is_reminded_on_the_day_it_reached_its_level(org, make_case):
    # Default handling thresholds: 临期 2 working days before the deadline, 黄牌 the day after it.
    due_monday, due_tuesday, due_friday = (make_case(Status.IN_PROGRESS) for _ in range(3))
    Case.objects.filter(pk=due_monday.pk).update(handle_due=date(2026, 3, 2))
    Case.objects.filter(pk=due_tuesday.pk).update(handle_due=date(2026, 3, 3))
    Case.objects.filter(pk=due_friday.pk).update(handle_due=date(2026, 2, 27))
    # Early on Monday 2 March, before the digest: Sat 28 Feb was a 调休 working day.
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 2, 7)))
    days = {subject: (level, day) for subject, level, day in Reminder.objects.values_list("subject", "level", "day")}
    assert days[f"case:{due_monday.pk}"] == ("due_soon", date(2026, 2, 27))  # Sat 28 and Mon 2 left
    assert days[f"case:{due_tuesday.pk}"] == ("due_soon", date(2026, 2, 28))  # Mon 2 and Tue 3 left
    assert days[f"case:{due_friday.pk}"] == ("yellow", date(2026, 2, 28))  # the first working day past Fri 27


def red_unsigned(make_case, sign_due: datetime) -> Case:
    """A red-risk case not yet signed for: 签收 within 2 hours, 临期 in the last hour, 红牌 2 hours late."""
    case = make_case(Status.DISPATCHED, risk_level=RiskLevel.objects.get(code="red"))
    Case.objects.filter(pk=case.pk).update(sign_due=sign_due)
    return case


def test_an_hour_clock_is_reminded_on_the_day_its_hour_fell(org, make_case):
    # Due at half past midnight: 临期 began at 23:30 the evening before.
    soon = red_unsigned(make_case, timezone.make_aware(datetime(2026, 3, 3, 0, 30)))
    # Due at 23:30: late from then on, 黄牌 at once (its yellow threshold is 0 hours), on that day.
    late = red_unsigned(make_case, timezone.make_aware(datetime(2026, 3, 2, 23, 30)))
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 3, 0, 10)))
    days = {subject: (level, day) for subject, level, day in Reminder.objects.values_list("subject", "level", "day")}
    assert days[f"case:{soon.pk}"] == ("due_soon", date(2026, 3, 2))
    assert days[f"case:{late.pk}"] == ("yellow", date(2026, 3, 2))


def test_a_return_visit_is_reminded_from_three_days_before_its_thirtieth_day(org, make_case):
    closed = make_case(Status.CLOSED)  # 回访 within 30 calendar days of the closure, 临期 3 days before
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.make_aware(datetime(2026, 3, 2, 10)))
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 30, 7)))  # due 1 April: 2 days left
    assert Reminder.objects.get(subject=f"case:{closed.pk}").day == date(2026, 3, 29)


def test_a_case_late_but_under_its_yellow_threshold_is_reminded_on_the_first_day_past_it(org, make_case):
    StageLimit.objects.filter(rule__risk_level=None, rule__category=None, rule__level="", stage="handle").update(
        yellow_after=2
    )
    forget_limit_book()  # a bulk update sends no signal
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 3, 6))  # a Friday
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 7, 7)))  # Saturday: late, not yet 黄牌
    assert list(Reminder.objects.values_list("level", "day")) == [("due_soon", date(2026, 3, 7))]
