"""The demo county 示范县: a fictional county with the shape of a real one (GB/T 2260-style codes
under the unused province code 99, so they can never clash with a real division)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from disputes.models import Category
from governance.models import Notification, Role, User
from grids.models import (
    Grid,
    GridKind,
    GridWorker,
    PatrolLog,
    Region,
    ReportSettings,
    SensitivePeriod,
    ZeroReport,
    ZeroReportItem,
    ZeroReportReminder,
)
from grids.services import worker_units
from grids.zero_report import Calendar, run_zero_report_check

COUNTY_CODE = "990101"
COUNTY_NAME = "示范县"

# (name, kind); 街道 hold 社区, 镇 and 乡 hold 村 (the seat of a 镇 has two 社区 too).
TOWNSHIPS: tuple[tuple[str, str], ...] = (
    ("城关镇", Region.Kind.TOWN),
    ("新华街道", Region.Kind.SUBDISTRICT),
    ("东城街道", Region.Kind.SUBDISTRICT),
    ("青山镇", Region.Kind.TOWN),
    ("白沙镇", Region.Kind.TOWN),
    ("石桥镇", Region.Kind.TOWN),
    ("柳河镇", Region.Kind.TOWN),
    ("龙泉镇", Region.Kind.TOWN),
    ("凤凰镇", Region.Kind.TOWN),
    ("清水镇", Region.Kind.TOWN),
    ("马坪乡", Region.Kind.TOWNSHIP),
    ("桃源乡", Region.Kind.TOWNSHIP),
)
VILLAGES_PER_TOWNSHIP = 13
GRIDS_PER_VILLAGE = 3

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_PLACES = (
    "家庄",
    "家湾",
    "家坪",
    "家寨",
    "岭",
    "家桥",
    "家坝",
    "家冲",
    "家沟",
    "家店",
    "家营",
    "家岗",
    "家院",
)
_COMMUNITIES = (
    "文昌",
    "和平",
    "建设",
    "人民",
    "解放",
    "幸福",
    "向阳",
    "光明",
    "振兴",
    "育才",
    "滨河",
    "金桥",
    "永安",
)
_NUMERALS = "一二三四五六七八九十"


def village_names(township_index: int, kind: str) -> list[tuple[str, str]]:
    """13 names for one township, distinct within it, the same on every run."""
    if kind == Region.Kind.SUBDISTRICT:
        return [(f"{_COMMUNITIES[j]}社区", Region.Kind.COMMUNITY) for j in range(VILLAGES_PER_TOWNSHIP)]
    names: list[tuple[str, str]] = []
    if kind == Region.Kind.TOWN:
        names = [(f"{_COMMUNITIES[township_index % 7 + j]}社区", Region.Kind.COMMUNITY) for j in range(2)]
    j = 0
    while len(names) < VILLAGES_PER_TOWNSHIP:
        surname = _SURNAMES[(township_index * 3 + j) % len(_SURNAMES)]
        place = _PLACES[(township_index + j * 5) % len(_PLACES)]
        names.append((f"{surname}{place}村", Region.Kind.VILLAGE))
        j += 1
    return names


def grid_name(village: Region, number: int) -> str:
    numeral = _NUMERALS[number - 1] if number <= len(_NUMERALS) else str(number)
    return f"{village.name}第{numeral}网格"


def seed_regions(*, scale: int = 1) -> Region:
    """Create what is missing of the county, its townships, villages and grids; return the county."""
    county, _created = Region.objects.get_or_create(
        code=f"{COUNTY_CODE}000000",
        defaults={"name": COUNTY_NAME, "level": Region.Level.COUNTY, "kind": Region.Kind.COUNTY},
    )
    existing = set(Region.objects.within(county).values_list("code", flat=True))
    townships = []
    for i, (name, kind) in enumerate(TOWNSHIPS, start=1):
        code = f"{COUNTY_CODE}{i:03d}000"
        if code not in existing:
            townships.append(Region(code=code, name=name, level=Region.Level.TOWNSHIP, kind=kind, parent=county))
    bulk_create_with_history(townships, Region)

    by_code = {r.code: r for r in Region.objects.within(county).townships()}
    villages = []
    for i, (_name, kind) in enumerate(TOWNSHIPS, start=1):
        township = by_code[f"{COUNTY_CODE}{i:03d}000"]
        for j, (name, village_kind) in enumerate(village_names(i, kind), start=1):
            code = f"{COUNTY_CODE}{i:03d}{j:03d}"
            if code not in existing:
                villages.append(
                    Region(code=code, name=name, level=Region.Level.VILLAGE, kind=village_kind, parent=township)
                )
    bulk_create_with_history(villages, Region)

    existing_grids = set(Grid.objects.within(county).values_list("code", flat=True))
    grids = []
    for village in Region.objects.within(county).villages():
        for n in range(1, GRIDS_PER_VILLAGE * scale + 1):
            code = f"{village.code}{n:03d}"
            if code not in existing_grids:
                grids.append(Grid(code=code, name=grid_name(village, n), village=village))
    bulk_create_with_history(grids, Grid, batch_size=1000)
    return county


# --- Grid workers, grid figures, the zero-report history and patrols ---------------------------
#
# Everything below is drawn from seeded random generators and written in bulk: it runs in the first
# command a newcomer types. Dates are relative to today, so the demo always shows a live quarter.

SEED = 20261123
REPORT_HISTORY_DAYS = 90

_PERSON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_SURNAME_WEIGHTS = [1 / (i + 6) for i in range(len(_PERSON_SURNAMES))]
_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林峰建国志红卫东德福贵才海文武庆生荣春"
_FEMALE = "芳娜敏静丽艳娟霞秀英慧巧美玲桂兰凤洁琳素云莲雪荣爱香月瑞佳嘉琼勤珍莉萍红梅燕玉翠华"
_MOBILE_PREFIXES = tuple(
    str(p)
    for p in (*range(130, 140), *range(150, 160), 166, *range(173, 179), *range(180, 190), 191, 198, 199)
    if p not in (134, 154, 174, 179)
)


def _person_name(rng: random.Random) -> str:
    surname = rng.choices(_PERSON_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    chars = _FEMALE if rng.random() < 0.6 else _MALE  # most grid workers are women
    given = rng.choice(chars) if rng.random() < 0.25 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def seed_grid_figures(county: Region) -> int:
    """Households and population of the grids that have none yet; a few 专属网格. Returns how many."""
    grids = list(Grid.objects.within(county).filter(households=0).select_related("village"))
    for grid in grids:
        rng = random.Random(f"{SEED}:figures:{grid.code}")
        if rng.random() < 0.04:
            grid.kind = GridKind.SPECIAL  # a school, market or industrial park
            grid.households = rng.randint(80, 150)
        elif grid.village.kind == Region.Kind.COMMUNITY:
            grid.households = rng.randint(220, 400)
        else:
            grid.households = rng.randint(80, 260)
        grid.population = round(grid.households * rng.uniform(2.6, 3.4))
    bulk_update_with_history(grids, Grid, ["kind", "households", "population"], batch_size=500)
    return len(grids)


def seed_grid_workers(county: Region) -> int:
    """A grid worker (an account in the 网格员 role, its profile) for every grid nobody covers, and
    a profile for any grid-covering account that has none (the demo `gridworker`). Return how many
    accounts were created. The accounts cannot sign in (no usable password): only demo logins do."""
    prefix = county.prefix
    through = Grid.workers.through
    covered = set(through.objects.filter(grid__code__startswith=prefix).values_list("grid_id", flat=True))
    taken = set(User.objects.filter(username__startswith=f"gw{prefix}").values_list("username", flat=True))
    grids = [
        g
        for g in Grid.objects.within(county).select_related("village").order_by("code")
        if g.pk not in covered and f"gw{g.code}" not in taken
    ]
    units = worker_units({g.village_id: g.village for g in grids}.values())
    # Accounts covering a grid without a profile yet (the demo `gridworker`).
    without_profile = list(User.objects.filter(grids__code__startswith=prefix, grid_worker__isnull=True).distinct())
    users, profiles = [], []
    for grid in grids:
        rng = random.Random(f"{SEED}:worker:{grid.code}")
        employment = GridWorker.Employment.FULL_TIME if rng.random() < 0.7 else GridWorker.Employment.PART_TIME
        # A few have left (离岗) and wait for a successor; never the first grid's, who reports.
        active = grid.code.endswith("001") or rng.random() >= 0.03
        user = User(
            username=f"gw{grid.code}",
            full_name=_person_name(rng),
            phone=_mobile(rng),
            unit=units.get(grid.village_id),
            title=f"{GridWorker.Employment(employment).label}网格员",
            must_change_password=True,
            is_active=active,
        )
        user.set_unusable_password()
        users.append(user)
        profiles.append((employment, active))
    users = bulk_create_with_history(users, User, batch_size=500)

    group, _created = Group.objects.get_or_create(name=Role.GRID_WORKER)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=2000
    )
    through.objects.bulk_create(
        [through(grid_id=g.pk, user_id=u.pk) for g, u in zip(grids, users, strict=True)], batch_size=2000
    )
    workers = [
        GridWorker(user=u, employment=employment, phone=u.phone, is_active=active)
        for u, (employment, active) in zip(users, profiles, strict=True)
    ]
    for user in without_profile:
        rng = random.Random(f"{SEED}:profile:{user.username}")
        part_time = str(GridWorker.Employment.PART_TIME.label) in user.title
        workers.append(
            GridWorker(
                user=user,
                employment=GridWorker.Employment.PART_TIME if part_time else GridWorker.Employment.FULL_TIME,
                phone=user.phone or _mobile(rng),
                is_active=user.is_active,
            )
        )
    bulk_create_with_history(workers, GridWorker, batch_size=500)
    return len(users)


def demo_periods(today: date) -> list[tuple[str, date, date, str]]:
    """The last National Day period that is over, and the next New Year's Day."""
    year = today.year if date(today.year, 10, 8) < today else today.year - 1
    periods = [(f"{year}年国庆节前后", date(year, 9, 28), date(year, 10, 8), "国庆节、中秋节期间每日报送零报告")]
    year = today.year if date(today.year, 12, 31) > today else today.year + 1
    periods.append((f"{year + 1}年元旦", date(year, 12, 31), date(year + 1, 1, 3), "元旦假期前后每日报送零报告"))
    return periods


def seed_sensitive_periods(today: date | None = None) -> int:
    today = today or timezone.localdate()
    created = 0
    for name, start, end, note in demo_periods(today):
        _period, new = SensitivePeriod.objects.get_or_create(
            name=name, defaults={"start": start, "end": end, "note": note}
        )
        created += new
    return created


# Per township (miss rate, late rate); the others (DEFAULT_RATES) report well. The league table of
# the month is not flat: the remote 乡 and one 镇 trail.
TOWNSHIP_RATES = {
    "石桥镇": (0.03, 0.06),
    "凤凰镇": (0.03, 0.06),
    "清水镇": (0.07, 0.09),
    "马坪乡": (0.08, 0.10),
    "桃源乡": (0.06, 0.09),
}
DEFAULT_RATES = (0.012, 0.03)
CHRONIC_VILLAGES = 5  # miss three due days or more in a row: the county center hears of them
FIGURES_SHARE = 0.15  # reports with disputes listed; the rest are 零报告

# (summary, category code); {a} {b} are parties as written in case files (王某), {g} a 村民小组,
# {k} a number of people, {amt} a sum, {estate} {bld} a housing estate and building.
_RURAL_ITEMS = (
    ("{g}组村民{a}与{b}因宅基地界址发生争执，经网格员现场劝解暂时平息，已报村调委会跟进。", "neighbourhood"),
    ("{g}组{a}反映邻居{b}建房占用公共通道，双方发生口角。", "neighbourhood"),
    ("{a}与{b}因承包地边界不清发生争执，需镇村干部现场丈量。", "land_contract"),
    ("{g}组{a}等{k}户村民反映土地流转费尚未结清，情绪较大。", "land_contract"),
    ("{a}反映其子女不履行赡养义务，老人生活困难，要求村里出面协调。", "marriage_family"),
    ("{g}组{a}夫妻因家庭琐事争吵，女方回娘家居住，网格员已上门劝和。", "marriage_family"),
    ("{a}等{k}名村民反映在外地工地务工被拖欠工资约{amt}万元。", "labour"),
    ("{g}组养殖户{a}的养殖场异味扰民，周边村民意见较大。", "environment"),
    ("{a}与{b}因借款{amt}万元到期未还发生纠纷。", "private_lending"),
    ("{g}组{a}与{b}因灌溉用水先后问题发生争执。", "other"),
)
_COMMUNITY_ITEMS = (
    ("{estate}{bld}栋住户{a}反映楼上卫生间漏水，与{b}协商未果。", "neighbourhood"),
    ("{estate}{k}名业主对物业公司调整停车收费有意见，到社区反映。", "property_mgmt"),
    ("{a}反映在辖区家电商城购买的空调质量有问题，商家拒绝退换。", "consumer"),
    ("{a}与前夫{b}因子女抚养费支付问题发生争执。", "marriage_family"),
    ("{estate}{bld}栋居民反映小区广场舞噪音扰民，与组织者{b}发生口角。", "neighbourhood"),
    ("{a}等{k}名装修工人反映被包工头{b}拖欠工资约{amt}万元。", "labour"),
    ("{a}与{b}因电动车剐蹭赔偿问题发生争执。", "traffic"),
    ("{estate}业主反映电梯频繁故障，物业维修不及时。", "property_mgmt"),
)
_ESTATES = ("阳光花园", "锦绣名苑", "滨河家园", "书香华府", "金桥新城", "幸福小区", "文昌苑")
_ZERO_NOTES = ("经排查，辖区内无矛盾纠纷，社会面稳定。", "无事报平安。", "已走访重点户，未发现矛盾纠纷。")


def _item_summary(rng: random.Random, village: Region) -> tuple[str, str]:
    items = _COMMUNITY_ITEMS if village.kind == Region.Kind.COMMUNITY else _RURAL_ITEMS
    text, category = rng.choice(items)
    a, b = rng.sample(_PERSON_SURNAMES[:30], 2)
    return (
        text.format(
            a=f"{a}某",
            b=f"{b}某",
            g=rng.randint(1, 12),
            k=rng.randint(3, 12),
            amt=rng.choice((0.8, 1.2, 2, 3.5, 5, 6.8, 9)),
            estate=rng.choice(_ESTATES),
            bld=rng.randint(1, 18),
        ),
        category,
    )


def _report(rng: random.Random, village: Region, day: date, reporter: User, at: datetime, late: bool):
    """One report with its items (summary, category code), as the filing form would write it."""
    report = ZeroReport(village=village, date=day, reporter=reporter, submitted_at=at, is_late=late, is_zero=True)
    report._history_user, report._history_date = reporter, at
    items = []
    if rng.random() < FIGURES_SHARE:
        items = [_item_summary(rng, village) for _n in range(1 if rng.random() < 0.7 else 2)]
        report.is_zero = False
        report.disputes_found = len(items) + (1 if rng.random() < 0.1 else 0)
        report.disputes_resolved = rng.choice((0, 0, 1, 1, len(items)))
        report.key_persons = 1 if rng.random() < 0.15 else 0
        found, resolved = report.disputes_found, report.disputes_resolved
        if resolved == 0:
            note = f"排查发现矛盾纠纷{found}件，已报村（居）调委会跟进"
        elif resolved >= found:
            note = f"排查发现矛盾纠纷{found}件，均已现场化解"
        else:
            note = f"排查发现矛盾纠纷{found}件，已现场化解{resolved}件，其余已报村（居）调委会跟进"
        if report.key_persons:
            note += f"；关注重点人员{report.key_persons}人"
        report.note = note + "。"
    elif rng.random() < 0.2:
        report.note = rng.choice(_ZERO_NOTES)
    return report, items


def _at(day: date, minute: int, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(minute // 60 % 24, minute % 60, rng.randint(0, 59))))


def _on_time(rng: random.Random, calendar: Calendar, day: date) -> datetime:
    """Mostly in the afternoon before the cutoff; some in the morning, a few in the grace."""
    cutoff, grace_end = calendar.cutoff(day), calendar.grace_end(day)
    r = rng.random()
    if r < 0.15:
        at = _at(day, rng.randint(9 * 60, 11 * 60 + 50), rng)
    elif r < 0.93 or grace_end <= cutoff:
        at = cutoff - timedelta(minutes=rng.randint(2, 180), seconds=rng.randint(0, 59))
    else:
        at = cutoff + timedelta(seconds=rng.randint(0, int((grace_end - cutoff).total_seconds()) - 1))
    return min(at, grace_end)


def _late(rng: random.Random, calendar: Calendar, day: date) -> datetime:
    """After the evening check has reminded them: later that evening or the next morning."""
    if rng.random() < 0.5:
        return calendar.grace_end(day) + timedelta(minutes=rng.randint(35, 210), seconds=rng.randint(0, 59))
    return _at(day + timedelta(days=1), rng.randint(8 * 60, 11 * 60 + 30), rng)


def _check_time(calendar: Calendar, day: date) -> datetime:
    return calendar.grace_end(day) + timedelta(minutes=30)  # the half-hourly beat after the grace


def _reporters(county: Region) -> dict[int, User]:
    """Each village's reporter: the (active) worker of its first grid."""
    rows = (
        Grid.workers.through.objects.filter(grid__code__startswith=county.prefix)
        .order_by("grid__code", "user__username")
        .values_list("grid__village_id", "user_id", "user__is_active")
    )
    chosen: dict[int, tuple[int, bool]] = {}
    for village_id, user_id, active in rows:
        if village_id not in chosen or (active and not chosen[village_id][1]):
            chosen[village_id] = (user_id, active)
    users = User.objects.in_bulk([user_id for user_id, _active in chosen.values()])
    return {village_id: users[user_id] for village_id, (user_id, _active) in chosen.items()}


def _attendance(villages: list[Region], due: list[date], calendar: Calendar):
    """Per village its (miss, late) rates, and the (village, day) pairs of the chronic absentees."""
    rng = random.Random(f"{SEED}:attendance")
    rates = {}
    for village in villages:
        miss, late = TOWNSHIP_RATES.get(village.parent.name, DEFAULT_RATES)
        factor = rng.uniform(0.4, 1.6)
        rates[village.pk] = (miss * factor, late * factor)
    poor = [v for v in villages if v.parent.name in TOWNSHIP_RATES]
    chronic = rng.sample(poor, min(CHRONIC_VILLAGES, len(poor)))
    in_period = [i for i, day in enumerate(due) if calendar.sensitive(day)]
    stretches: set[tuple[int, date]] = set()
    for n, village in enumerate(chronic):
        rates[village.pk] = (0.12, 0.10)
        length = min(rng.randint(3, 5), len(due))
        if n == 0:
            start = len(due) - length  # still missing: escalated on the latest due day
        elif n == 1 and len(in_period) >= length:
            start = rng.choice(in_period[: len(in_period) - length + 1])  # absent over the holiday
        else:
            start = rng.randint(0, len(due) - length)
        stretches.update((village.pk, day) for day in due[start : start + length])
    return rates, stretches


@dataclass
class ReportSeedResult:
    reports: int = 0
    reminders: int = 0


def seed_zero_reports(county: Region, *, now: datetime | None = None) -> ReportSeedResult:
    """The last REPORT_HISTORY_DAYS of 日排查零报告 for every village, and the reminders the
    half-hourly check would have sent. Days that already hold a report of the county are left as
    they are, so a second run adds nothing. Today is left to the demo, except that about half of
    城关镇 has already reported when today is a due day."""
    now = timezone.localtime(now or timezone.now())
    started = timezone.now()
    today = now.date()
    start = today - timedelta(days=REPORT_HISTORY_DAYS)
    # The demo county began its zero-reports when its history begins: no day before is due.
    settings = ReportSettings.current()
    if settings.start_date is None:
        settings.start_date = start
        settings.save(update_fields=["start_date"])
    calendar = Calendar.load()
    due = calendar.due_days_between(start, today - timedelta(days=1))
    villages = list(Region.objects.within(county).villages().select_related("parent").order_by("code"))
    reporters = _reporters(county)
    result = ReportSeedResult()
    if not villages or not reporters:
        return result
    done = set(
        ZeroReport.objects.filter(village__code__startswith=county.prefix, grid=None, date__gte=start)
        .order_by()
        .values_list("date", flat=True)
        .distinct()
    )
    rates, stretches = _attendance(villages, due, calendar)
    days = [day for day in due if day not in done]

    on_time, late = [], []
    for day in days:
        rng = random.Random(f"{SEED}:reports:{day}")
        for village in villages:
            reporter = reporters.get(village.pk)
            r = rng.random()
            if reporter is None or (village.pk, day) in stretches:
                continue
            miss, late_rate = rates[village.pk]
            if r < miss:
                continue
            if r < miss + late_rate:
                at = _late(rng, calendar, day)
                if at <= now:
                    late.append(_report(rng, village, day, reporter, at, late=True))
            else:
                on_time.append(_report(rng, village, day, reporter, _on_time(rng, calendar, day), late=False))

    # Today: half of 城关镇 (not the demo grid worker's village: the demo files that one live).
    if calendar.is_due(today) and today not in done:
        rng = random.Random(f"{SEED}:reports:{today}")
        first = villages[0].parent_id
        others = [v for v in villages if v.parent_id == first][1:]
        opens, closes = _at(today, 8 * 60 + 30, rng), min(calendar.cutoff(today), now - timedelta(minutes=5))
        if closes > opens:
            for village in sorted(rng.sample(others, len(others) // 2), key=lambda v: v.code):
                at = opens + (closes - opens) * rng.uniform(0.3, 1)
                if village.pk in reporters:
                    on_time.append(_report(rng, village, today, reporters[village.pk], at, late=False))

    categories = dict(Category.objects.values_list("code", "pk"))
    result.reports += _create_reports(on_time, categories)
    # The evening check of each day, in order: reminders, escalations and notices as they went out.
    for day in days:
        check_at = _check_time(calendar, day)
        if check_at > now:
            continue
        last_notice = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result.reminders += run_zero_report_check(day, now=check_at).reminded
        ZeroReportReminder.objects.filter(date=day, created_at__gte=started).update(created_at=check_at)
        Notification.objects.filter(pk__gt=last_notice).update(created_at=check_at)
    # Late reports came in after the reminders.
    result.reports += _create_reports(late, categories)
    return result


def _create_reports(drafts: list[tuple[ZeroReport, list[tuple[str, str]]]], categories: dict[str, int]) -> int:
    reports = bulk_create_with_history([report for report, _items in drafts], ZeroReport, batch_size=500)
    ZeroReportItem.objects.bulk_create(
        [
            ZeroReportItem(report_id=report.pk, summary=summary, category_id=categories.get(category))
            for report, (_draft, items) in zip(reports, drafts, strict=True)
            for summary, category in items
        ],
        batch_size=2000,
    )
    return len(reports)


_PATROLS = {
    Region.Kind.COMMUNITY: (
        ("巡查辖区沿街商铺消防通道、电动车充电情况，走访独居老人3户。", ""),
        ("走访{estate}出租房屋，核对流动人口信息，排查矛盾纠纷。", ""),
        (
            "巡查{estate}小区及周边，了解业主与物业公司停车收费分歧情况。",
            "部分业主对停车收费调整意见较大，已告知社区居委会，建议召开业主协商会。",
        ),
        ("入户走访重点关注人员2人，情绪稳定；检查楼道堆放杂物情况。", ""),
        (
            "巡查辖区农贸市场周边，排查占道经营和噪音扰民情况。",
            "两户居民因广场舞噪音发生口角，已现场劝解，双方同意调整活动时间。",
        ),
    ),
    Region.Kind.VILLAGE: (
        ("走访{g}组农户，了解秋收和土地流转费兑付情况。", ""),
        ("巡查村道、河塘和危旧房屋，走访留守老人4户。", ""),
        ("走访{g}组，排查宅基地、邻里矛盾。", "两户村民因排水沟堵塞发生口角，已现场劝解，约定共同疏通。"),
        ("入户走访重点关注人员1人，情绪稳定；宣传防范电信网络诈骗。", ""),
        ("巡查养殖场周边环境，了解群众反映的异味问题。", ""),
    ),
}


def seed_patrols(county: Region, *, now: datetime | None = None) -> int:
    """A week of patrol logs of the demo grid worker, in their first grid (none if they have any)."""
    now = timezone.localtime(now or timezone.now())
    worker = User.objects.filter(username="gridworker").first()
    if worker is None or PatrolLog.objects.filter(worker=worker).exists():
        return 0
    grid = Grid.objects.within(county).filter(workers=worker).select_related("village").order_by("code").first()
    if grid is None:
        return 0
    rng = random.Random(f"{SEED}:patrols")
    texts = _PATROLS[Region.Kind.COMMUNITY if grid.village.kind == Region.Kind.COMMUNITY else Region.Kind.VILLAGE]
    logs = []
    for back, (checked, findings) in zip((6, 5, 4, 2, 1), texts, strict=True):
        day = now.date() - timedelta(days=back)
        log = PatrolLog(
            worker=worker,
            grid=grid,
            date=day,
            checked=checked.format(estate=rng.choice(_ESTATES), g=rng.randint(1, 12)),
            findings=findings,
        )
        log._history_user, log._history_date = worker, _at(day, rng.randint(16 * 60, 18 * 60 + 30), rng)
        logs.append(log)
    logs = bulk_create_with_history(logs, PatrolLog)
    for log in logs:  # 填报时间 as they were written, not now
        PatrolLog.objects.filter(pk=log.pk).update(created_at=log._history_date)
    return len(logs)
