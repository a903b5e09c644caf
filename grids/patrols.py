"""巡查日志: a grid worker records each patrol, and a finding may become a dispute case (网格上报).

The rules live here — which days may be written, which grids, once-only reporting — so the
views only parse and show.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.rules import may_report_from_grid
from disputes.services import TransitionRefused, submit_grid_issue
from grids.models import Grid, PatrolLog

if TYPE_CHECKING:
    from disputes.models import Category
    from governance.models import User

# A log may be written late, but only for the last week: older memories are not a record.
BACKFILL_DAYS = 7


def earliest_patrol_date(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=BACKFILL_DAYS)


# What a grid worker writes when the patrol found nothing: no case to report.
NOTHING_FOUND = frozenset(
    {"无", "没有", "暂无", "未发现", "未发现问题", "无问题", "无异常", "正常", "一切正常", "没发现", "无情况"}
)


def found_something(findings: str) -> bool:
    """Whether a patrol's 发现情况 names something to report (not blank, not "无" and the like)."""
    text = findings.strip().strip("。.！!，,、 ")
    return bool(text) and text not in NOTHING_FOUND


def patrol_errors(
    *, by: User, grid: Grid | None, day: date | None, checked: str, findings: str, report: bool
) -> dict[str, str]:
    """What is wrong with a patrol log, field by field. The form shows all of it at once (a value
    it could not parse is None and skipped here); `record_patrol` refuses any of it."""
    errors = {}
    today = timezone.localdate()
    if day is not None and day > today:
        errors["date"] = _("巡查日期不能晚于今天（%(today)s）。") % {"today": today.isoformat()}
    elif day is not None and day < earliest_patrol_date(today):
        errors["date"] = _("只能补填最近 %(n)d 天的巡查日志，巡查日期不能早于 %(earliest)s。") % {
            "n": BACKFILL_DAYS,
            "earliest": earliest_patrol_date(today).isoformat(),
        }
    if grid is not None and not may_report_from_grid(by, grid):
        errors["grid"] = _("只能填写本人负责网格的巡查日志。")
    if not checked.strip():
        errors["checked"] = _("请填写巡查内容。")
    if report and not found_something(findings):
        errors["findings"] = _("勾选了“立即上报”，请填写发现的矛盾纠纷情况。")
    return errors


def record_patrol(
    *,
    by: User,
    grid: Grid,
    date: date,
    checked: str,
    findings: str = "",
    report: bool = False,
    category: Category | None = None,
    people_involved: int | None = None,
) -> PatrolLog:
    """Write a patrol log; with `report`, its findings go to the township center as a case in the
    same transaction, so there is never a log that says "reported" without its case, or the reverse."""
    if errors := patrol_errors(by=by, grid=grid, day=date, checked=checked, findings=findings, report=report):
        raise ValidationError(errors)
    with transaction.atomic():
        log = PatrolLog(worker=by, grid=grid, date=date, checked=checked.strip(), findings=findings.strip())
        log._history_user = by
        log.save()
        if report:
            extra = {"people_involved": people_involved} if people_involved else {}
            log.case = submit_grid_issue(by=by, grid=grid, summary=log.findings, category=category, **extra)
            log.save(update_fields=["case"])
    return log


def report_patrol_finding(
    *, log: PatrolLog, by: User, category: Category | None = None, people_involved: int | None = None
) -> PatrolLog:
    """上报: turn a log's findings into a submitted case, once. The log row is locked, so two presses
    at the same moment make one case; the second is told it is already reported."""
    with transaction.atomic():
        # No join to the case here: when the lock is granted after another press, PostgreSQL re-reads
        # the log row but not the rows joined to it, so a joined case would still look missing.
        log = PatrolLog.objects.select_for_update().get(pk=log.pk)
        if log.worker_id != by.pk:
            raise TransitionRefused(_("只能上报本人的巡查发现。"))
        if log.case_id is not None:
            raise TransitionRefused(_("该巡查发现已上报（案件编号 %(n)s），无需重复上报。") % {"n": log.case.number})
        if not found_something(log.findings):
            raise TransitionRefused(_("该巡查日志没有填写发现情况，无法上报。"))
        extra = {"people_involved": people_involved} if people_involved else {}
        log.case = submit_grid_issue(by=by, grid=log.grid, summary=log.findings, category=category, **extra)
        log._history_user = by
        log.save(update_fields=["case"])
    return log
