"""One scan over many deadlines: each case's 临期 and 黄牌 reminder is keyed on the day that case
reached its level, not on another case's day (the scan counts working days once per distinct date)."""

from datetime import date, datetime

from django.utils import timezone

from disputes.models import Case, Status
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
