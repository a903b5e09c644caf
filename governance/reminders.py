"""The overdue scan (跟踪督办): reminders derived from the database on every run.

Each app that owns deadlines contributes a *scanner* (listed in settings.OVERDUE_SCANNERS): a
function that, given the moment of the scan, reads its open items and yields a `Due` for every
reminder it owes right now. This module turns those into `Reminder` rows and inbox notices, each
(subject, kind, level, day) once. Nothing is queued between runs, so a scan after hours of
Redis or worker downtime simply finds what is owed now and sends it.

Levels follow practice: 临期 (due soon) to the handler; 黄牌 at the yellow threshold to the
handler and the unit head; 红牌 at the red threshold to the unit head and the jurisdiction's
leaders, again every day while red. Scanners key 临期 and 黄牌 on the day the threshold was
crossed (so they go out once) and 红牌 on the day of the scan (so it nags daily).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from governance.models import Heartbeat, Notification, Reminder

SCAN_NAME = "overdue_scan"

KIND_LABELS = {
    "sign": _("签收"),
    "handle": _("办理"),
    "review": _("审核"),
    "visit": _("回访"),
    "supervision": _("挂牌督办"),
    "visit_issue": _("夜访问题"),
    "meeting_decision": _("会议议定事项"),
    "consultation": _("网上咨询"),
    "digest": _("每日汇总"),
    "red_digest": _("领导每日汇总"),
    "report_table": _("统计报表"),
}


@dataclass(frozen=True)
class Due:
    """One reminder a scanner says is owed now."""

    subject: str  # "case:123"
    kind: str  # a key of KIND_LABELS
    level: str  # Reminder.Level
    day: date  # the day the reminder is keyed on (see the module docstring)
    title: str
    body: str = ""
    url: str = ""
    units: tuple[int, ...] = ()  # notices to everyone in these units
    users: tuple[int, ...] = ()  # notices to these people

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.subject, self.kind, self.level, self.day)


@runtime_checkable
class DueSet(Protocol):
    """Many reminders owed at once (the cases' clocks: 200,000 open cases at a large county),
    which a scanner yields instead of one `Due` each. The scan writes the new ones and their
    notices in one statement without reading the rows into Python (`_deliver_in_sql`), or, where
    the database cannot run the SQL (`owed_sql()` is None), takes them one by one from `dues()`.
    Its keys must not be keys of the scanner's other dues (the cases' stages are kinds of their own)."""

    def dues(self) -> Iterator[Due]: ...

    def owed_sql(self) -> tuple[str, list] | None:
        """A SELECT of (subject, kind, level, day, units bigint[], users bigint[], and whatever
        `worded_sql` needs), one row per reminder owed."""

    def worded_sql(self, owed: str) -> tuple[str, list]:
        """A SELECT of `owed`.* with their title, body and url, for the rows of the relation named
        `owed` (the new ones: the wording is read only for what is sent)."""

    @property
    def since(self) -> datetime | None:
        """None when the set covers everything owed; else a steady run's: only the subjects changed
        since then (the rest owe nothing they did not owe at the last full pass)."""

    def delivered(self) -> None:
        """Called in the scan's transaction once the set is delivered (a full pass records itself)."""


Scanner = Callable[[datetime], Iterable[Due | DueSet]]


# --- Items with an owner unit and a deadline (night-visit issues, meeting decisions) ------------
# One rule for both: 临期 in the last ITEM_DUE_SOON working days, keyed on the day the threshold
# was crossed; 黄牌 once the deadline has passed, keyed on the first overdue day; 红牌 from
# ITEM_RED_AFTER working days overdue, keyed on the scan day so it repeats daily. Only the current
# level is owed, so a scan after an outage sends it once, not a backlog.
ITEM_DUE_SOON_WORKING_DAYS = 2
ITEM_RED_AFTER_WORKING_DAYS = 3


@dataclass(frozen=True)
class ItemLevel:
    level: str
    day: date  # the reminder's key day
    late: int  # working days past the deadline (0 before it)


def item_level(due: date, today: date) -> ItemLevel | None:
    """The level an item due on `due` owes today, or None."""
    from governance.workdays import add_working_days, working_days_between

    if today > due:
        late = working_days_between(due, today)
        if late >= ITEM_RED_AFTER_WORKING_DAYS:
            return ItemLevel(Reminder.Level.RED, today, late)
        return ItemLevel(Reminder.Level.YELLOW, due + timedelta(days=1), late)
    crossed = add_working_days(due, -ITEM_DUE_SOON_WORKING_DAYS)
    return ItemLevel(Reminder.Level.DUE_SOON, crossed, 0) if crossed <= today else None


def item_candidates_due_by(today: date) -> date:
    """The latest deadline whose 临期 threshold may have been crossed today (the scanners' filter)."""
    from governance.workdays import add_working_days

    return add_working_days(today, ITEM_DUE_SOON_WORKING_DAYS)


def unit_heads(unit_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """The active heads of each unit, by unit id (one query)."""
    from governance.models import User

    heads: dict[int, list[int]] = {}
    for user_id, unit_id in User.objects.filter(
        unit_id__in=set(unit_ids), is_unit_head=True, is_active=True
    ).values_list("pk", "unit_id"):
        heads.setdefault(unit_id, []).append(user_id)
    return {unit_id: tuple(users) for unit_id, users in heads.items()}


@dataclass
class ScanResult:
    at: datetime
    owed: int = 0  # reminders owed now, sent before or in this run
    sent: Counter = field(default_factory=Counter)  # (kind, level) -> reminders sent in this run
    notices: int = 0
    since: datetime | None = None  # a steady run: only what changed since then was read

    def lines(self) -> list[str]:
        levels = dict(Reminder.Level.choices)
        rows = [
            f"{KIND_LABELS.get(kind, kind)} {levels.get(level, level)}: {n}"
            for (kind, level), n in sorted(self.sent.items())
        ]
        steady = []
        if self.since is not None:
            since = timezone.localtime(self.since).strftime("%Y-%m-%d %H:%M")
            steady = [str(_("增量检查：只读取 %(since)s 以来变动的案件（应提醒数仅含这些案件）。")) % {"since": since}]
        return [
            *rows,
            *steady,
            str(_("应提醒 %(owed)d 条，本次发出 %(sent)d 条，通知 %(notices)d 条。"))
            % {"owed": self.owed, "sent": sum(self.sent.values()), "notices": self.notices},
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def scanners() -> list[Scanner]:
    return [import_string(path) for path in settings.OVERDUE_SCANNERS]


def run_overdue_scan(now: datetime | None = None) -> ScanResult:
    """What the command and the beat task both call. Scans are serialised on a row lock, so two
    runs at once (a manual run during a beat run) cannot send the same reminder twice."""
    now = now or timezone.now()
    result = ScanResult(at=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Short set-based queries over many rows: compiling them (JIT) costs more than it
            # saves, and their groups and hashes fit in memory rather than in temporary files.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        Heartbeat.objects.get_or_create(name=SCAN_NAME, defaults={"at": now})
        Heartbeat.objects.select_for_update().filter(name=SCAN_NAME).first()
        dues: dict[tuple, Due] = {}
        in_sql: list[tuple[DueSet, str, list]] = []
        sets: list[DueSet] = []
        for scanner in scanners():
            for item in scanner(now):
                if isinstance(item, DueSet):
                    sets.append(item)
                    if item.since is not None:
                        result.since = min(result.since or item.since, item.since)
                    owed = item.owed_sql()
                    if owed is not None:
                        in_sql.append((item, *owed))
                        continue
                    for due in item.dues():
                        dues.setdefault(due.key, due)
                else:
                    dues.setdefault(item.key, item)
        result.owed = len(dues)
        _deliver(list(dues.values()), now, result)
        for due_set, sql, params in in_sql:
            _deliver_in_sql(due_set, sql, params, now, result)
        for due_set in sets:
            due_set.delivered()
        Heartbeat.objects.filter(name=SCAN_NAME).update(at=timezone.now())
    return result


def _deliver(dues: list[Due], now: datetime, result: ScanResult) -> None:
    if not dues:
        return
    # One query for what was already sent: per level, only the days and subjects this scan keys
    # on (not every red card of today, which the cases' `DueSet` wrote).
    keys_by_level: dict[str, tuple[set[date], set[str]]] = {}
    for due in dues:
        days, subjects = keys_by_level.setdefault(due.level, (set(), set()))
        days.add(due.day)
        subjects.add(due.subject)
    sent_before = Q(pk__in=[])
    for level, (days, subjects) in keys_by_level.items():
        sent_before |= Q(level=level, day__in=sorted(days), subject__in=sorted(subjects))
    existing = set(Reminder.objects.filter(sent_before).values_list("subject", "kind", "level", "day"))
    new = [due for due in dues if due.key not in existing]
    Reminder.objects.bulk_create(
        [Reminder(subject=d.subject, kind=d.kind, level=d.level, day=d.day, created_at=now) for d in new],
        batch_size=2000,
    )
    notices = [
        Notification(unit_id=unit_id, title=d.title, body=d.body, url=d.url, created_at=now)
        for d in new
        for unit_id in d.units
    ] + [
        Notification(user_id=user_id, title=d.title, body=d.body, url=d.url, created_at=now)
        for d in new
        for user_id in d.users
    ]
    Notification.objects.bulk_create(notices, batch_size=2000)
    result.sent.update((d.kind, d.level) for d in new)
    result.notices = len(notices)


def _deliver_in_sql(due_set: DueSet, owed_sql: str, owed_params: list, now: datetime, result: ScanResult) -> None:
    """What `_deliver` does, for a `DueSet`'s SELECT, in one statement: the reminders not sent
    before (under the scan's lock, as there) are inserted with their notices."""
    reminders, notices = Reminder._meta.db_table, Notification._meta.db_table
    worded_sql, worded_params = due_set.worded_sql("fresh")
    # What was sent before is left out by the unique key itself (ON CONFLICT probes its index row
    # by row): a NOT EXISTS was planned from the table's statistics, and with stale ones (a table
    # emptied or just filled) compared every owed row with every reminder (8 s for 600 rows).
    sql = f"""
        WITH owed AS MATERIALIZED ({owed_sql}),
        new AS (
            INSERT INTO {reminders} (subject, kind, level, day, created_at)
            SELECT subject, kind, level, day, %s FROM owed
            ON CONFLICT (subject, kind, level, day) DO NOTHING
            RETURNING subject, kind, level, day
        ),
        fresh AS MATERIALIZED (
            SELECT owed.* FROM owed JOIN new USING (subject, kind, level, day)
        ),
        worded AS MATERIALIZED ({worded_sql}),
        notices AS (
            INSERT INTO {notices} (unit_id, user_id, title, body, url, created_at)
            SELECT recipient.unit_id, recipient.user_id, worded.title, worded.body, worded.url, %s
            FROM worded CROSS JOIN LATERAL (
                SELECT unit_id, NULL::bigint AS user_id FROM unnest(worded.units) AS unit_id
                UNION ALL
                SELECT NULL::bigint, user_id FROM unnest(worded.users) AS user_id
            ) AS recipient
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM owed),
               (SELECT count(*) FROM notices),
               (SELECT coalesce(json_agg(json_build_array(kind, level, n)), '[]')
                  FROM (SELECT kind, level, count(*) AS n FROM new GROUP BY kind, level) AS per_level)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*owed_params, now, *worded_params, now])
        owed, notified, per_level = cursor.fetchone()
    result.owed += owed
    result.notices += notified
    result.sent.update({(kind, level): n for kind, level, n in per_level})
