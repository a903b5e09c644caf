"""Red cards and the jurisdiction's leaders (disputes/scan.py): a leader gets no notice per red
card; once a day (with the first scan after 08:00) he gets one 领导每日汇总 of the red cards in his
jurisdiction, naming those that turned red that day; the unit head hears of each red card every
day."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from disputes.models import Case, Status
from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan
from tests.factories import make_user


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


MON, THU, FRI = date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 6)  # a deadline of MON is red on THU


@pytest.fixture
def head(org):
    return make_user("police_head", "handler", org.police_a, is_unit_head=True)


def red_titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user, title__startswith="【红牌】").values_list("title", flat=True))


def digests(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user, title__startswith="领导每日汇总").values_list("title", "body"))


def test_leaders_read_red_cards_in_a_daily_summary_not_one_by_one(org, make_case, head):
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=MON)

    run_overdue_scan(at(THU, 9))  # turned red today: to the head; the leaders read it in the summary
    assert len(red_titles(head)) == 1 and case.number in red_titles(head)[0]
    for leader in (org["leader"], org["township_leader"]):
        assert red_titles(leader) == []
        [(title, body)] = digests(leader)
        assert title == "领导每日汇总（03-05）：红牌 1 件，新预警 0 条"
        assert f"今日新转红牌 1 件（{case.number}）" in body

    run_overdue_scan(at(FRI, 9))  # still red: the head hears again, the leaders read the summary
    assert len(red_titles(head)) == 2
    assert red_titles(org["leader"]) == red_titles(org["township_leader"]) == []
    friday = [body for title, body in digests(org["leader"]) if "03-06" in title]
    assert len(friday) == 1 and "今日新转红牌 0 件；" in friday[0] and "持续红牌 1 件" in friday[0]
    assert not Notification.objects.filter(user=org["outsider"]).exists()

    run_overdue_scan(at(FRI, 10))  # once a day
    assert len(digests(org["leader"])) == 2
    assert Reminder.objects.filter(kind="red_digest", day=FRI).count() == 2  # the county's and 甲镇's leaders


def test_a_leader_still_hears_of_a_case_he_listed(org, make_case, head):
    """What he asked for comes one by one: a red card on the case he listed (挂牌督办)."""
    from datetime import timedelta

    from disputes import services
    from disputes.models import Supervision

    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 6, 1))
    services.supervise_case(
        case=case, by=org["leader"], instruction="限期化解", due=timezone.localdate() + timedelta(days=3)
    )
    Supervision.objects.filter(case=case).update(due=MON)
    run_overdue_scan(at(THU, 9))  # the leader's own deadline is past: 红牌 to him, one by one
    assert any(case.number in t for t in red_titles(org["leader"]))
    assert red_titles(org["township_leader"]) == []


def test_each_leader_counts_the_red_cards_of_their_jurisdiction(org, make_case, head):
    for _n in range(3):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=MON)
    elsewhere = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=elsewhere.pk).update(handle_due=MON, township=org.town_b, village=org.village_b1)

    run_overdue_scan(at(THU, 7))  # before 08:00: no summary yet
    assert digests(org["leader"]) == []
    run_overdue_scan(at(THU, 8))
    assert [title for title, _body in digests(org["leader"])] == ["领导每日汇总（03-05）：红牌 4 件，新预警 0 条"]
    assert [title for title, _body in digests(org["township_leader"])] == [
        "领导每日汇总（03-05）：红牌 3 件，新预警 0 条"
    ]
    assert Notification.objects.get(user=org["leader"], title__startswith="领导每日汇总").url == "/cases/supervision/"


def test_the_summary_names_the_first_ten_new_red_cards_by_number(org, make_case, head):
    """Twelve cases of 甲镇 turn red the same day: the summary names the ten lowest numbers and
    says 等; the cases were last touched in the reverse order, so no reading order stands in for
    the numbers'."""
    cases = [make_case(Status.IN_PROGRESS) for _n in range(12)]
    for case in reversed(cases):
        Case.objects.filter(pk=case.pk).update(handle_due=MON)
    numbers = sorted(case.number for case in cases)

    run_overdue_scan(at(THU, 9))
    [(_title, body)] = digests(org["township_leader"])
    assert f"今日新转红牌 12 件（{'、'.join(numbers[:10])}等）" in body
    assert numbers[10] not in body and numbers[11] not in body
