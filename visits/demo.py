"""Demo night visits and reception days of 示范县: leaders of the county and of each township,
visits held over the past months and planned for the coming weeks, their issues ended in each of
the three ways (some as linked cases). Written in bulk with history; one seeded generator; dates
relative to today. Idempotent: nothing is added when the county already has visits."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from itertools import chain

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from disputes.models import Case, Category, Channel
from governance.models import Role, Unit, User
from governance.services import ensure_role_groups
from governance.workdays import add_working_days
from grids.models import Grid, Region
from visits.models import Kind, Visit, VisitIssue, VisitLeader
from visits.services import DEFAULT_ISSUE_WORKING_DAYS

SEED = 20260705
PAST_WEEKS = 12
COMING_WEEKS = 3

# (username, full name, title): county leaders beside the demo login `leader`, one more per township.
COUNTY_LEADERS = (
    ("leader2", "黄振东", "县人大常委会副主任"),
    ("leader3", "林雅琴", "副县长、县公安局局长"),
    ("leader4", "何文涛", "县委政法委副书记（后备干部）"),
)
TOWNSHIP_TITLES = ("镇长", "镇党委委员、政法委员", "副镇长")
ISSUES = (
    ("neighbourhood", "两户因排水沟走向争执，雨天积水漫入邻家院子", "村委会现场协调，约定共同出资改道"),
    ("land", "承包地边界界桩被移动，兄弟两家各执一词", "司法所与村干部现场测量，恢复界桩"),
    ("labour", "在外务工被拖欠工资三个月，包工头联系不上", "告知劳动监察投诉渠道并帮助写投诉材料"),
    ("family", "老人赡养费分摊，子女之间意见不一", "镇调委会约定周末召集子女调解"),
    ("neighbourhood", "广场舞音响扰民，夜间十点后仍未停止", "与舞蹈队负责人商定晚九点半结束"),
    ("property", "小区电梯长期停运，物业与业主互相推诿", "约物业负责人次日到社区说明维修计划"),
    ("land", "村道拓宽占用部分自留地，补偿标准有异议", "解释补偿政策，由镇国土所复核面积"),
    ("family", "婚后住房归属纠纷，双方父母多次争吵", "妇联与调解员上门做工作"),
)
HOURS = (time(19, 0), time(19, 30), time(20, 0))


def seed_visits(county: Region, *, today: date | None = None) -> int:
    """Create the demo visits; return how many (none on a second run)."""
    if Visit.objects.filter(region__code__startswith=county.prefix).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    townships = list(Region.objects.within(county).townships().order_by("code"))
    villages = {t.pk: list(Region.objects.filter(parent=t).order_by("code")) for t in townships}
    units = {u.code: u for u in Unit.objects.filter(code__startswith=county.prefix)}
    county_leaders, township_leaders = _leaders(county, townships, units)
    if not county_leaders:
        return 0
    centers = {t.pk: units.get(f"{t.prefix}-CENTER") for t in townships}
    clerks = {c.unit_id: c for c in User.objects.with_role(Role.TOWNSHIP_STAFF).filter(unit__in=centers.values())}
    county_clerk = User.objects.with_role(Role.COUNTY_STAFF).filter(unit=units.get(f"{county.prefix}-CENTER")).first()
    workers = {g.village_id: g.workers.first() for g in Grid.objects.within(county).prefetch_related("workers")}
    categories = {c.code: c for c in Category.objects.all()}
    owners = {
        t.pk: [units[f"{t.prefix}-{s}"] for s in ("POLICE", "JUSTICE", "MED") if f"{t.prefix}-{s}" in units]
        for t in townships
    }

    visits, rows, booked = [], [], set()
    start = today - timedelta(weeks=PAST_WEEKS)
    day = start
    while day <= today + timedelta(weeks=COMING_WEEKS):
        # Two or three evenings a week, one or two townships each evening.
        if day.weekday() in (1, 3) or (day.weekday() == 4 and rng.random() < 0.5):
            for township in rng.sample(townships, k=min(len(townships), rng.choice((1, 2)))):
                if not villages[township.pk]:
                    continue
                village = rng.choice(villages[township.pk])
                team = [rng.choice(township_leaders.get(township.pk) or county_leaders)]
                if rng.random() < 0.5:
                    team.append(rng.choice(county_leaders))
                team = [u for u in dict.fromkeys(team) if (u.pk, day) not in booked]
                if not team:
                    continue
                booked.update((u.pk, day) for u in team)
                planner = clerks.get(centers[township.pk].pk if centers[township.pk] else None) or county_clerk
                visit = Visit(
                    kind=Kind.NIGHT_VISIT,
                    status=Visit.Status.RECORDED if day < today else Visit.Status.PLANNED,
                    date=day,
                    start_time=rng.choice(HOURS),
                    region=village,
                    village=village,
                    organiser=planner.unit,
                    planned_by=planner,
                    grid_worker=workers.get(village.pk),
                    topic=rng.choice(("土地承包、宅基地纠纷排查", "重点人员走访", "汛期安全和矛盾排查", "")),
                    created_at=_at(day - timedelta(days=7), time(10)),
                )
                if day < today:
                    visit.households_visited = rng.randint(5, 16)
                    visit.people_received = rng.randint(6, 30)
                    visit.people_met = "村“两委”干部、网格员、老党员及部分村民代表"
                    visit.summary = "入户走访并召开院坝会，听取群众意见，对反映问题逐一登记。"
                    visit.recorded_at, visit.recorded_by = _at(day, time(22)), planner
                visits.append(visit)
                rows.append(team)
        day += timedelta(days=1)
    # The demo logins always have something to show this week and next.
    for n, username in enumerate(("leader", "tleader")):
        leader = next(
            (u for u in (*county_leaders, *chain.from_iterable(township_leaders.values())) if u.username == username),
            None,
        )
        township = townships[0]
        for offset in (2 + n, 9 + n):
            when = today + timedelta(days=offset)
            if leader is None or (leader.pk, when) in booked or not villages[township.pk]:
                continue
            booked.add((leader.pk, when))
            village = villages[township.pk][(offset + n) % len(villages[township.pk])]
            planner = clerks.get(centers[township.pk].pk) or county_clerk
            visits.append(
                Visit(
                    kind=Kind.NIGHT_VISIT,
                    date=when,
                    region=village,
                    village=village,
                    organiser=planner.unit,
                    planned_by=planner,
                    grid_worker=workers.get(village.pk),
                    topic="重点人员走访",
                )
            )
            rows.append([leader])
    # A reception day at the county center each month, led by a county leader.
    county_center = units.get(f"{county.prefix}-CENTER")
    for months_back in (2, 1, 0):
        when = (today.replace(day=1) - timedelta(days=28 * months_back)).replace(day=15)
        leader = county_leaders[months_back % len(county_leaders)]
        if county_center is None or county_clerk is None or (leader.pk, when) in booked:
            continue
        visits.append(
            Visit(
                kind=Kind.RECEPTION,
                status=Visit.Status.RECORDED if when < today else Visit.Status.PLANNED,
                date=when,
                start_time=time(9),
                region=county,
                center=county_center,
                organiser=county_center,
                planned_by=county_clerk,
                people_received=rng.randint(8, 20) if when < today else None,
                summary="领导接访日，现场接待来访群众。" if when < today else "",
                recorded_at=_at(when, time(12)) if when < today else None,
                recorded_by=county_clerk if when < today else None,
            )
        )
        rows.append([leader])

    linked = _case_visits(
        visits, rows, booked, county_leaders, township_leaders, clerks, centers, county_clerk, start, today
    )
    visits = bulk_create_with_history(visits, Visit, batch_size=500)
    VisitLeader.objects.bulk_create(
        [
            VisitLeader(visit=v, leader=u, date=v.date, kind=v.kind)
            for v, team in zip(visits, rows, strict=True)
            for u in team
        ]
    )
    _seed_issues(rng, visits, rows, villages, owners, categories, today, linked)
    return len(visits)


def _seed_issues(rng, visits, rows, villages, owners, categories, today, linked) -> None:
    issues: list[VisitIssue] = []
    for i, cases in linked.items():
        visit, team = visits[i], rows[i]
        for case in cases:
            issues.append(
                VisitIssue(
                    visit=visit,
                    village=case.village,
                    category=case.category or next(iter(categories.values())),
                    summary=case.summary,
                    raised_by_name=case.parties.all()[0].name if case.parties.all() else "",
                    leader=team[0],
                    created_by=visit.recorded_by,
                    created_at=_at(visit.date, visit.start_time),
                    status=VisitIssue.Status.CASE,
                    case=case,
                )
            )
    for visit, team in zip(visits, rows, strict=True):
        if visit.status != Visit.Status.RECORDED:
            continue
        village = visit.village or rng.choice(list(chain.from_iterable(villages.values())))
        township_id = village.parent_id
        recorder = visit.recorded_by
        for _n in range(rng.choice((0, 1, 1, 2, 3))):
            code, summary, answer = rng.choice(ISSUES)
            heard = _at(visit.date, visit.start_time)
            name = rng.choice(("王大爷", "李阿姨", "张师傅", "刘女士", "陈先生", "赵大姐"))
            category = categories.get(code) or next(iter(categories.values()))
            fields: dict = {"status": VisitIssue.Status.RESOLVED, "resolution": answer, "closed_at": heard}
            roll = rng.random()
            if roll >= 0.3 and owners.get(township_id):
                due = add_working_days(visit.date, DEFAULT_ISSUE_WORKING_DAYS)
                fields = {
                    "status": VisitIssue.Status.ASSIGNED,
                    "owner_unit": rng.choice(owners[township_id]),
                    "assigned_at": heard,
                    "due": due,
                }
                late = rng.random() < 0.2
                finished = due + timedelta(days=rng.randint(1, 6)) if late else due - timedelta(days=rng.randint(0, 5))
                if finished < today and rng.random() < 0.85:
                    fields.update(
                        status=VisitIssue.Status.CLOSED,
                        answer=answer,
                        answered_by=recorder,
                        closed_at=_at(max(finished, visit.date), time(16)),
                    )
            issue = VisitIssue(
                visit=visit,
                village=village,
                category=category,
                summary=summary,
                raised_by_name=name,
                leader=team[0],
                created_by=recorder,
                created_at=heard,
                **fields,
            )
            issues.append(issue)
    bulk_create_with_history(issues, VisitIssue, batch_size=500)


def _case_visits(visits, rows, booked, county_leaders, township_leaders, clerks, centers, clerk, start, today):
    """The demo year's own 平安夜访 cases (disputes/demo.py) came from visits: each gets a recorded
    visit to its village on the evening it was heard (reusing one planned above), so the case
    figures stay those of the case demo and every such case links back to its visit."""
    index = {(v.village_id, v.date): i for i, v in enumerate(visits) if v.status == Visit.Status.RECORDED}
    linked: dict[int, list[Case]] = {}
    cases = (
        Case.objects.filter(channel=Channel.NIGHT_VISIT, village__isnull=False, visit_issue__isnull=True)
        .filter(received_at__date__gt=start, received_at__date__lt=today)
        .select_related("village", "category")
        .prefetch_related("parties")
        .order_by("received_at")
    )
    for case in cases:
        received = timezone.localtime(case.received_at)
        day = received.date() if received.hour >= 21 else received.date() - timedelta(days=1)
        key = (case.village_id, day)
        if key not in index:
            township_id = case.village.parent_id
            free = [u for u in (*township_leaders.get(township_id, ()), *county_leaders) if (u.pk, day) not in booked]
            if not free:
                continue
            booked.add((free[0].pk, day))
            center = centers.get(township_id)
            planner = clerks.get(center.pk if center else None) or clerk
            visits.append(
                Visit(
                    kind=Kind.NIGHT_VISIT,
                    status=Visit.Status.RECORDED,
                    date=day,
                    start_time=time(19, 30),
                    region=case.village,
                    village=case.village,
                    organiser=planner.unit,
                    planned_by=planner,
                    households_visited=8,
                    people_received=12,
                    people_met="村“两委”干部、网格员及部分村民",
                    summary="入户走访，听取群众意见；一宗纠纷转综治中心受理。",
                    recorded_at=_at(day, time(22)),
                    recorded_by=planner,
                    created_at=_at(day - timedelta(days=7), time(10)),
                )
            )
            rows.append([free[0]])
            index[key] = len(visits) - 1
        linked.setdefault(index[key], []).append(case)
    return linked


def _leaders(
    county: Region, townships: list[Region], units: dict[str, Unit]
) -> tuple[list[User], dict[int, list[User]]]:
    """The demo logins `leader` and `tleader` plus more leaders (without a password: they do not sign in)."""
    group = ensure_role_groups()[Role.LEADER]
    wanted = [
        User(username=u, full_name=n, title=t, unit=units.get(f"{county.prefix}-LEAD"), must_change_password=False)
        for u, n, t in COUNTY_LEADERS
    ]
    surnames = "马高罗梁宋唐韩冯邓曹彭曾"
    for i, township in enumerate(townships):
        wanted.append(
            User(
                username=f"tleader{i + 2}",
                full_name=f"{surnames[i % len(surnames)]}{'建华志明晓东国平'[i % 4 * 2 : i % 4 * 2 + 2]}",
                title=TOWNSHIP_TITLES[i % len(TOWNSHIP_TITLES)],
                unit=units.get(f"{township.prefix}-LEAD"),
                must_change_password=False,
            )
        )
    existing = set(User.objects.filter(username__in=[u.username for u in wanted]).values_list("username", flat=True))
    new = [u for u in wanted if u.username not in existing and u.unit is not None]
    for user in new:
        user.password = make_password(None)
    bulk_create_with_history(new, User)
    group.user_set.add(*User.objects.filter(username__in=[u.username for u in new]))
    leaders = list(
        User.objects.with_role(Role.LEADER).filter(unit__code__startswith=county.prefix).select_related("unit__region")
    )
    county_leaders = [u for u in leaders if u.unit.region_id == county.pk]
    by_township: dict[int, list[User]] = {}
    for user in leaders:
        if user.unit.region_id != county.pk:
            by_township.setdefault(user.unit.region_id, []).append(user)
    return county_leaders, by_township


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))
