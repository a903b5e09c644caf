"""The overdue scan's notices on cases as the people who get them read them: who reads each level
of a listed supervision (挂牌督办), what a notice quotes of the case, and how the leaders' daily
summary names the cases that turned red."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import Case, EarlyWarning, Status, Supervision, WarningKind
from governance.models import Notification, Role, Unit
from governance.reminders import run_overdue_scan
from tests.factories import make_user

DUE = date(2026, 3, 2)  # a Monday
# The supervision's own clock: 临期 from one working day before (Saturday 2-28 is a 调休 working
# day), 黄牌 the day after, 红牌 two working days after.
SOON, YELLOW, RED = date(2026, 2, 28), date(2026, 3, 3), date(2026, 3, 4)


def early(day: date) -> datetime:
    """07:00, before the daily digests."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, 7))


@pytest.fixture
def head(org):
    return make_user("police_head", "handler", org.police_a, is_unit_head=True)


@pytest.fixture
def listed(org, make_case):
    """A case 甲镇派出所 handles, listed by the county leader with a reply due on DUE."""
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=date(2026, 9, 1))
    services.supervise_case(
        case=case, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
    )
    Supervision.objects.filter(case=case).update(due=DUE)
    return case


def readers(title_start: str) -> set[tuple[str, str]]:
    notices = Notification.objects.filter(title__startswith=title_start)
    return {("unit", n.unit.name) if n.unit_id else ("user", n.user.username) for n in notices}


def inbox(login, user) -> str:
    return login(user).get("/inbox/").content.decode()


def test_each_level_of_a_listed_supervision_reaches_its_readers(org, login, listed, head):
    for day in (SOON, YELLOW, RED):
        run_overdue_scan(early(day))
    n = listed.number
    assert readers("【临期】挂牌督办") == {("unit", "甲镇派出所")}
    assert readers("【黄牌】挂牌督办") == {("unit", "甲镇派出所"), ("user", "police_head")}
    # Red: the head answers for the unit, and the leader who listed it hears of it himself.
    assert readers("【红牌】挂牌督办") == {("user", "police_head"), ("user", "leader")}

    police = inbox(login, org["police"])
    assert f"【临期】挂牌督办 {n} 应于 2026-03-02 前回复" in police
    assert f"【黄牌】挂牌督办 {n} 已过督办期限未回复" in police
    assert "【红牌】" not in police
    assert f"【红牌】挂牌督办 {n} 超过督办期限 2 个工作日 未回复" in inbox(login, org["leader"])
    assert set(Notification.objects.values_list("url", flat=True)) == {f"/cases/{n}/"}  # each opens the case


def test_a_supervision_notice_quotes_the_township_and_80_characters_of_the_case(org, listed):
    summary = "村民反映邻里排水沟堵塞，雨天积水倒灌入户，" * 10
    Case.objects.filter(pk=listed.pk).update(summary=summary)
    run_overdue_scan(early(SOON))
    notice = Notification.objects.get(title__startswith="【临期】挂牌督办")
    assert notice.body == f"甲镇　{summary[:80]}"


def test_the_leaders_summary_names_ten_new_red_cards_and_says_there_are_more(org, make_case):
    cases = [make_case(Status.IN_PROGRESS) for _n in range(11)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(handle_due=DUE)
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))  # three working days late: red today
    numbers = sorted(c.number for c in cases)
    body = Notification.objects.get(user=org["township_leader"], title__startswith="领导每日汇总").body
    assert (
        body
        == f"今日新转红牌 11 件（{'、'.join(numbers[:10])}等）；持续红牌 0 件，每日提醒主办单位负责人。\n详见督办清单和预警页面。"
    )
    assert numbers[10] not in body


def test_each_leader_is_told_the_numbers_of_his_townships_new_red_cards(org, make_case):
    # 甲镇 has many more cases turning red today than 乙镇: 乙镇's leader still reads the number of
    # 乙镇's one, and the county leader ten of the county's (甲镇's first, by number) and 等.
    lead_b = Unit.objects.create(code="B-LEAD", name="乙镇党委政府", kind=Unit.Kind.LEADERSHIP, region=org.town_b)
    leader_b = make_user("township_leader_b", Role.LEADER, lead_b)
    in_a = [make_case(Status.IN_PROGRESS) for _n in range(21)]
    in_b = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=in_b.pk).update(township=org.town_b, village=org.village_b1)
    Case.objects.filter(pk__in=[c.pk for c in (*in_a, in_b)]).update(handle_due=DUE)
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))

    def summary(user) -> str:
        return Notification.objects.get(user=user, title__startswith="领导每日汇总").body

    assert f"今日新转红牌 1 件（{in_b.number}）；持续红牌 0 件" in summary(leader_b)
    numbers = sorted(c.number for c in in_a)
    assert f"今日新转红牌 21 件（{'、'.join(numbers[:10])}等）；" in summary(org["township_leader"])
    assert f"今日新转红牌 22 件（{'、'.join(numbers[:10])}等）；" in summary(org["leader"])


def test_the_leaders_summary_names_the_five_newest_warnings_of_the_last_day(org):
    now = timezone.make_aware(datetime(2026, 3, 5, 9))

    def warning(title: str, hours_ago: float) -> None:
        EarlyWarning.objects.create(
            kind=WarningKind.GROUP,
            key=title,
            subject=title,
            township=org.town_a,
            title=title,
            raised_at=now - timedelta(hours=hours_ago),
        )

    for n in (1, 6, 3, 2, 5, 4):  # raised n hours before the scan, written in no particular order
        warning(f"第{n}条预警", n)
    warning("前天的预警", 25)
    warning("扫描之后的预警", -1)
    run_overdue_scan(now)
    title, body = Notification.objects.filter(user=org["township_leader"]).values_list("title", "body").get()
    assert title == "领导每日汇总（03-05）：红牌 0 件，新预警 6 条"
    assert body == (
        "今日新转红牌 0 件；持续红牌 0 件，每日提醒主办单位负责人。\n"
        "近一天新预警 6 条：第1条预警；第2条预警；第3条预警；第4条预警；第5条预警等。\n"
        "详见督办清单和预警页面。"
    )


def test_a_summary_of_five_warnings_or_fewer_names_them_all(org):
    now = timezone.make_aware(datetime(2026, 3, 5, 9))
    for n in (1, 2, 3, 4, 5):
        EarlyWarning.objects.create(
            kind=WarningKind.GROUP,
            key=f"w{n}",
            subject=f"w{n}",
            township=org.town_a,
            title=f"第{n}条预警",
            raised_at=now - timedelta(hours=n),
        )
    run_overdue_scan(now)
    body = Notification.objects.get(user=org["township_leader"]).body
    assert "\n近一天新预警 5 条：第1条预警；第2条预警；第3条预警；第4条预警；第5条预警。\n" in body


def test_the_daily_digest_counts_each_thing_a_unit_owes(org, make_case):
    def handling(due: date) -> Case:
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=due)
        case.refresh_from_db()
        return case

    for due in (date(2026, 3, 2), date(2026, 3, 6)):  # not signed yet: to sign, whatever its handling deadline
        unsigned = make_case(Status.DISPATCHED)
        Case.objects.filter(pk=unsigned.pk).update(handle_due=due)
    handling(date(2026, 3, 2))  # overdue on 5 March
    handling(date(2026, 3, 6))  # due within two working days
    # Paused: counted as paused, and past or near its deadline also as 逾期/临期 — the lists' rule
    # (`overdue_q`: the 逾期案件 of the work page this digest opens counts a paused case too).
    for due in (date(2026, 4, 30), date(2026, 3, 2), date(2026, 3, 6)):
        paused = handling(due)
        services.pause_clock(case=paused, by=org["police"], reason="appraisal", note="伤情鉴定", version=None)
    listed = handling(date(2026, 4, 30))
    services.supervise_case(
        case=listed, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
    )
    services.request_extension(case=listed, by=org["police"], days=3, reason="需补充鉴定")
    handling(date(2026, 4, 30))  # owes nothing yet
    make_case(Status.SUBMITTED)
    not_dispatched = make_case(Status.REGISTERED)  # supervised before dispatch: the center answers
    services.supervise_case(
        case=not_dispatched, by=org["leader"], instruction="尽快分流", due=timezone.localdate() + timedelta(days=3)
    )
    make_case(Status.PENDING_REVIEW)
    make_case(Status.CLOSED)  # to visit
    make_case(Status.EVALUATED)
    visited = make_case(Status.CLOSED)
    Case.objects.filter(pk=visited.pk).update(visited_at=timezone.now())

    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))
    digests = dict(Notification.objects.filter(title="每日待办汇总（03-05）").values_list("unit__name", "body"))
    assert digests == {
        "甲镇派出所": "待签收 2 件；办理逾期 2 件；办理临期 2 件；暂停计时 3 件；挂牌督办待回复 1 件",
        "甲镇综治中心": "待受理 1 件；待分流 1 件；挂牌督办待回复 1 件；办结待审核 1 件；延期申请待审批 1 件；待回访 2 件",
    }


def test_the_digest_leaves_out_answered_supervisions_and_decided_extensions_and_opens_the_work_page(org, make_case):
    listed = make_case(Status.IN_PROGRESS)
    supervision = services.supervise_case(
        case=listed, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=3)
    )
    services.answer_supervision(supervision=supervision, by=org["police"], answer="已约双方调解")
    extension = services.request_extension(case=listed, by=org["police"], days=3, reason="需补充鉴定")
    services.decide_extension(extension=extension, by=org["township_officer"], approve=True, days=3)
    make_case(Status.REGISTERED)  # the center still owes something

    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))
    digests = Notification.objects.filter(title="每日待办汇总（03-05）")
    assert list(digests.values_list("unit__name", "body", "url")) == [("甲镇综治中心", "待分流 1 件", "/cases/work/")]


def test_a_deactivated_head_or_leader_is_told_nothing_and_the_unit_reads_the_red_card(org, make_case):
    make_user("police_head_gone", "handler", org.police_a, is_unit_head=True, is_active=False)
    gone = make_user("township_leader_gone", Role.LEADER, org["township_leader"].unit, is_active=False)
    make_user("leader_without_unit", Role.LEADER, None)  # an account not yet placed: no jurisdiction, no summary
    case = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(handle_due=DUE)
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))
    assert readers(f"【红牌】{case.number}") == {("unit", "甲镇派出所")}
    assert not Notification.objects.filter(user__is_active=False).exists()
    assert Notification.objects.filter(user=org["township_leader"], title__startswith="领导每日汇总").exists()
    assert gone.pk not in Notification.objects.values_list("user_id", flat=True)


def test_a_mediation_committee_s_reminder_cites_the_statute_that_limits_it(org, make_case):
    case = make_case(Status.IN_PROGRESS, summary="邻里因排水沟堵塞发生争执")
    Case.objects.filter(pk=case.pk).update(lead_unit=org.mediation_a, handle_due=date(2026, 3, 6))
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))
    notice = Notification.objects.get(title__startswith=f"【临期】{case.number}")
    assert notice.unit == org.mediation_a
    assert notice.body == "甲镇　邻里因排水沟堵塞发生争执\n依据：《人民调解工作若干规定》第三十六条"


def test_a_red_card_reaches_each_of_two_heads_and_quotes_80_characters_of_the_case(org, make_case):
    second = make_user("police_head_2", "handler", org.police_a, is_unit_head=True)
    first = make_user("police_head_1", "handler", org.police_a, is_unit_head=True)
    summary = "甲" * 79 + "乙丙"
    case = make_case(Status.IN_PROGRESS, summary=summary)
    Case.objects.filter(pk=case.pk).update(handle_due=DUE)
    run_overdue_scan(timezone.make_aware(datetime(2026, 3, 5, 9)))
    assert readers(f"【红牌】{case.number}") == {("user", first.username), ("user", second.username)}
    assert {n.body for n in Notification.objects.filter(title__startswith=f"【红牌】{case.number}")} == {
        "甲镇　" + "甲" * 79 + "乙"
    }
