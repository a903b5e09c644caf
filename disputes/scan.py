"""The cases' part of the overdue scan (governance/reminders.py): which reminders the open cases
owe right now, from the time-limit matrix and the stored deadlines.

A fixed number of queries whatever the number of cases: the matrix, one query for the candidate
cases (those near or past a deadline; the rest are filtered out by indexed conditions in SQL),
one for open listed supervisions, two for the recipients (unit heads, leaders) and a few
aggregates for the daily digest. The clock of each candidate is then measured in Python by
`disputes.deadlines.standing`, the same function the pages use.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.deadlines import Clock, Limit, LimitBook, due_soon_working_days, end_of_day, measure, standing
from disputes.models import Case, Hold, LimitUnit, Stage, Status, Supervision
from governance.models import Reminder, Role, User
from governance.reminders import Due
from governance.workdays import WorkdayMemo
from grids.models import PREFIX_LENGTH

L = Reminder.Level
# A leader's listed supervision runs on the leader's own deadline.
SUPERVISION_LIMIT = Limit("supervision", 0, LimitUnit.WORKING_DAYS, due_soon=1, yellow_after=0, red_after=2)
# The digest goes out with the first scan after this local time.
DIGEST_AFTER = time(8, 0)
# Candidates: a case is read only if some clock of it can have reached a level by now.
LOOKAHEAD_DAYS = 21

STAGE_TITLES = {
    (Stage.SIGN, L.DUE_SOON): gettext_lazy("【临期】%(n)s 即将超过签收时限，请及时签收"),
    (Stage.SIGN, L.YELLOW): gettext_lazy("【黄牌】%(n)s 超过签收时限未签收"),
    (Stage.SIGN, L.RED): gettext_lazy("【红牌】%(n)s 超过签收时限 %(d)s 仍未签收"),
    (Stage.HANDLE, L.DUE_SOON): gettext_lazy("【临期】%(n)s 办理期限将至（%(due)s）"),
    (Stage.HANDLE, L.YELLOW): gettext_lazy("【黄牌】%(n)s 已超过办理期限"),
    (Stage.HANDLE, L.RED): gettext_lazy("【红牌】%(n)s 超过办理期限 %(d)s，请督促办结"),
    (Stage.REVIEW, L.DUE_SOON): gettext_lazy("【临期】%(n)s 办结反馈待审核，审核时限将至"),
    (Stage.REVIEW, L.YELLOW): gettext_lazy("【黄牌】%(n)s 办结反馈超过审核时限未审核"),
    (Stage.REVIEW, L.RED): gettext_lazy("【红牌】%(n)s 办结反馈超过审核时限 %(d)s"),
    (Stage.VISIT, L.DUE_SOON): gettext_lazy("【临期】%(n)s 应于 %(due)s 前回访"),
    (Stage.VISIT, L.YELLOW): gettext_lazy("【黄牌】%(n)s 已超过回访时限"),
    (Stage.VISIT, L.RED): gettext_lazy("【红牌】%(n)s 超过回访时限 %(d)s 仍未回访"),
    ("supervision", L.DUE_SOON): gettext_lazy("【临期】挂牌督办 %(n)s 应于 %(due)s 前回复"),
    ("supervision", L.YELLOW): gettext_lazy("【黄牌】挂牌督办 %(n)s 已过督办期限未回复"),
    ("supervision", L.RED): gettext_lazy("【红牌】挂牌督办 %(n)s 超过督办期限 %(d)s 未回复"),
}


def _candidates(now: datetime) -> Q:
    today = timezone.localtime(now).date()
    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    return (
        Q(status=Status.DISPATCHED, sign_due__lte=now + timedelta(days=LOOKAHEAD_DAYS))
        | Q(status=Status.IN_PROGRESS, hold=Hold.RUNNING, handle_due__lte=horizon)
        | Q(status=Status.PENDING_REVIEW)
        | Q(status__in=[Status.CLOSED, Status.EVALUATED], visited_at__isnull=True)
    )


@dataclass(frozen=True)
class UnitRow:
    kind: str
    sector: str


@dataclass
class CaseRow:
    """What the scan reads of a case: plain values, no model instances (200,000 of those cost
    seconds). `standing()` reads these attributes just as it reads a Case."""

    pk: int
    number: str
    status: str
    hold: str
    summary: str
    sign_due: datetime | None
    handle_due: date | None
    reported_at: datetime | None
    closed_at: datetime | None
    visited_at: datetime | None
    category_id: int | None
    risk_level_id: int | None
    intake_unit_id: int
    intake_kind: str
    lead_unit_id: int | None
    lead_kind: str | None
    lead_sector: str | None
    township_code: str
    township_name: str

    @property
    def intake_unit(self) -> UnitRow:
        return UnitRow(self.intake_kind, "")

    @property
    def lead_unit(self) -> UnitRow | None:
        return UnitRow(self.lead_kind, self.lead_sector or "") if self.lead_unit_id else None

    @property
    def township(self) -> SimpleNamespace:
        return SimpleNamespace(code=self.township_code, name=self.township_name)


ROW_FIELDS = (
    "pk",
    "number",
    "status",
    "hold",
    "summary",
    "sign_due",
    "handle_due",
    "reported_at",
    "closed_at",
    "visited_at",
    "category_id",
    "risk_level_id",
    "intake_unit_id",
    "intake_unit__kind",
    "lead_unit_id",
    "lead_unit__kind",
    "lead_unit__sector",
    "township__code",
    "township__name",
)


class Recipients:
    """Unit heads and leaders, read once per scan."""

    def __init__(self) -> None:
        self.heads: dict[int, list[int]] = defaultdict(list)
        for unit_id, user_id in User.objects.filter(is_unit_head=True, is_active=True, unit__isnull=False).values_list(
            "unit_id", "pk"
        ):
            self.heads[unit_id].append(user_id)
        self.leaders: list[tuple[str, int]] = [
            (code[: PREFIX_LENGTH[level]], pk)
            for pk, code, level in User.objects.filter(groups__name=Role.LEADER, is_active=True, unit__isnull=False)
            .values_list("pk", "unit__region__code", "unit__region__level")
            .distinct()
        ]

    def leaders_of(self, township_code: str) -> tuple[int, ...]:
        return tuple(pk for prefix, pk in self.leaders if township_code.startswith(prefix))

    def for_level(self, level: str, unit_id: int | None, township_code: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(units, users): 临期 to the handling unit; 黄牌 to it and its head; 红牌 to the head
        and the jurisdiction's leaders (to the unit itself when it has no head on record)."""
        heads = tuple(self.heads.get(unit_id, ())) if unit_id else ()
        unit = (unit_id,) if unit_id else ()
        if level == L.DUE_SOON:
            return unit, ()
        if level == L.YELLOW:
            return unit, heads
        return (() if heads else unit), heads + self.leaders_of(township_code)


class Texts:
    """The translated templates, looked up once per scan rather than once per reminder."""

    def __init__(self) -> None:
        self.titles = {key: str(value) for key, value in STAGE_TITLES.items()}
        self.body = _("%(township)s　%(summary)s")
        self.citation = _("依据：%(c)s")
        self.units = {unit: str(label) for unit, label in UNIT_WORDS.items()}
        self.tz = timezone.get_current_timezone()
        self.case_prefix = reverse("disputes-detail", args=["0"]).removesuffix("0/")


UNIT_WORDS = {
    LimitUnit.WORKING_DAYS: gettext_lazy("个工作日"),
    LimitUnit.HOURS: gettext_lazy("小时"),
    LimitUnit.CALENDAR_DAYS: gettext_lazy("天"),
    LimitUnit.MONTHS: gettext_lazy("天"),
}


def _due(
    case: CaseRow | Case, clock: Clock, kind: str, unit_id: int | None, recipients: Recipients, today, texts: Texts
) -> Due:
    units, users = recipients.for_level(clock.level, unit_id, case.township.code)
    over = f"{clock.left} {texts.units[clock.unit]}"
    due_text = clock.due.astimezone(texts.tz).strftime(
        "%Y-%m-%d %H:%M" if clock.unit == LimitUnit.HOURS else "%Y-%m-%d"
    )
    title = texts.titles[(kind, clock.level)] % {"n": case.number, "d": over, "due": due_text}
    body = texts.body % {"township": case.township.name, "summary": case.summary[:80]}
    if clock.citation:
        body += "\n" + texts.citation % {"c": clock.citation}
    return Due(
        subject=f"case:{case.pk}",
        kind=kind,
        level=clock.level,
        # 临期 and 黄牌 once, keyed on the day they were reached; 红牌 every day while red.
        day=today if clock.level == L.RED else clock.crossed,
        title=title,
        body=body,
        url=f"{texts.case_prefix}{case.number}/",
        units=units,
        users=users,
    )


def case_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localtime(now).date()
    book = LimitBook.from_database()
    memo = WorkdayMemo()
    recipients = Recipients()
    texts = Texts()
    rows = Case.objects.filter(_candidates(now)).values_list(*ROW_FIELDS)
    for values in rows.iterator(chunk_size=5000):
        case = CaseRow(*values)
        clock = standing(case, now, book, memo)
        if clock is None or not clock.level:
            continue
        owner = case.lead_unit_id if clock.stage in (Stage.SIGN, Stage.HANDLE) else case.intake_unit_id
        yield _due(case, clock, clock.stage, owner, recipients, today, texts)

    for supervision in (
        Supervision.objects.filter(state=Supervision.State.OPEN, due__lte=today + timedelta(days=LOOKAHEAD_DAYS))
        .select_related("case__township")
        .only(
            "due",
            "leader_id",
            "case__number",
            "case__summary",
            "case__lead_unit",
            "case__intake_unit",
            "case__township__code",
            "case__township__name",
        )
    ):
        clock = measure("supervision", end_of_day(supervision.due), SUPERVISION_LIMIT, now, memo=memo)
        if not clock.level:
            continue
        case = supervision.case
        owner = case.lead_unit_id or case.intake_unit_id
        due = _due(case, clock, "supervision", owner, recipients, today, texts)
        # The leader who listed it hears of a red card on their own listing.
        if clock.level == L.RED and supervision.leader_id not in due.users:
            due = Due(**{**due.__dict__, "users": (*due.users, supervision.leader_id)})
        yield due

    if timezone.localtime(now).time() >= DIGEST_AFTER:
        yield from _digests(now, memo)


def _digests(now: datetime, memo: WorkdayMemo) -> Iterator[Due]:
    """每日待办汇总: one notice a day to every unit that owes something."""
    today = timezone.localtime(now).date()
    soon = memo.add_working_days(today, due_soon_working_days())
    handling = Q(status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
    owed: dict[int, Counter] = defaultdict(Counter)
    lead = (
        Case.objects.filter(handling, lead_unit__isnull=False)
        .values("lead_unit_id")
        .annotate(
            to_sign=Count("pk", filter=Q(status=Status.DISPATCHED)),
            overdue=Count("pk", filter=Q(status=Status.IN_PROGRESS, handle_due__lt=today)),
            due_soon=Count("pk", filter=Q(status=Status.IN_PROGRESS, handle_due__gte=today, handle_due__lte=soon)),
            paused=Count("pk", filter=Q(status=Status.IN_PROGRESS) & ~Q(hold=Hold.RUNNING)),
        )
    )
    for row in lead:
        owed[row.pop("lead_unit_id")].update({k: v for k, v in row.items() if v})
    center = (
        Case.objects.filter(
            Q(status__in=[Status.SUBMITTED, Status.REGISTERED, Status.PENDING_REVIEW])
            | Q(status__in=[Status.CLOSED, Status.EVALUATED], visited_at__isnull=True)
        )
        .values("intake_unit_id")
        .annotate(
            to_accept=Count("pk", filter=Q(status=Status.SUBMITTED)),
            to_dispatch=Count("pk", filter=Q(status=Status.REGISTERED)),
            to_review=Count("pk", filter=Q(status=Status.PENDING_REVIEW)),
            to_visit=Count("pk", filter=Q(status__in=[Status.CLOSED, Status.EVALUATED])),
        )
    )
    for row in center:
        owed[row.pop("intake_unit_id")].update({k: v for k, v in row.items() if v})
    supervised = (
        Supervision.objects.filter(state=Supervision.State.OPEN, case__lead_unit__isnull=False)
        .values("case__lead_unit_id")
        .annotate(n=Count("pk"))
    )
    for row in supervised:
        owed[row["case__lead_unit_id"]]["supervisions"] += row["n"]

    labels = {
        "to_accept": _("待受理 %(n)d 件"),
        "to_dispatch": _("待分流 %(n)d 件"),
        "to_sign": _("待签收 %(n)d 件"),
        "overdue": _("办理逾期 %(n)d 件"),
        "due_soon": _("办理临期 %(n)d 件"),
        "paused": _("暂停计时 %(n)d 件"),
        "supervisions": _("挂牌督办待回复 %(n)d 件"),
        "to_review": _("办结待审核 %(n)d 件"),
        "to_visit": _("待回访 %(n)d 件"),
    }
    url = reverse("disputes-work")
    title = _("每日待办汇总（%(d)s）") % {"d": today.strftime("%m-%d")}
    for unit_id, counts in owed.items():
        if not counts:
            continue
        body = "；".join(labels[key] % {"n": counts[key]} for key in labels if counts.get(key))
        yield Due(f"unit:{unit_id}", "digest", L.DIGEST, today, title, body, url, units=(unit_id,))
