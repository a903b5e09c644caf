"""Demo 信息通报: the county's and 城关镇's weekly reports of the last four weeks and monthly
reports of the last two months, issued by the demo clerks `county` and `township`, and
yesterday's 日报 left as a draft. Made through the services, after seed_demo has filled the daily
statistics, so their figures are the dashboard's."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from governance import briefings
from governance.models import Briefing, Role, User

WEEKS, MONTHS = 4, 2
DYNAMICS = (
    "本期组织开展矛盾纠纷集中排查，各镇（街道）综治中心落实日排查零报告制度，"
    "对排查出的纠纷逐件登记、分流交办。\n召开矛盾纠纷排查调处联席例会，会商研判重点纠纷。"
)
ANALYSIS = (
    "从类别看，邻里、婚姻家庭和土地纠纷仍占多数；从趋势看，新受理数量与上期基本持平。"
    "部分承办单位存在超期未办结情况，需加强督办。"
)
NEXT_STEPS = "一是对超期案件逐件督办，限期办结；二是加强重点人员稳控；三是督促漏报村（社区）按时报送零报告。"


def _periods(kind: str, today: date) -> list[date]:
    """The first day of each of the last whole periods of `kind`, oldest first."""
    days = []
    if kind == Briefing.Kind.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        days = [monday - timedelta(weeks=n) for n in range(WEEKS, 0, -1)]
    else:
        first = today.replace(day=1)
        for _n in range(MONTHS):
            first = (first - timedelta(days=1)).replace(day=1)
            days.insert(0, first)
    return days


def _typical(region, start: date, end: date) -> list[str]:
    from disputes.models import Case, Status

    cases = Case.objects.filter(
        township__code__startswith=region.prefix,
        status__in=[Status.CLOSED, Status.EVALUATED],
        received_at__date__gte=start,
        received_at__date__lte=end,
    ).order_by("received_at", "pk")
    return list(cases.values_list("number", flat=True)[:2])


def seed_briefings(county, *, today: date | None = None) -> int:
    """Issue the demo reports; return how many were made (none on a second run)."""
    from grids.models import Region

    today = today or timezone.localdate()
    clerks = [
        (county, User.objects.with_role(Role.COUNTY_STAFF).filter(username="county").first()),
        (
            Region.objects.filter(parent=county, name="城关镇").first(),
            User.objects.with_role(Role.TOWNSHIP_STAFF).filter(username="township").first(),
        ),
    ]
    made = 0
    for region, clerk in clerks:
        if region is None or clerk is None or Briefing.objects.filter(region=region).exists():
            continue
        for kind in (Briefing.Kind.WEEKLY, Briefing.Kind.MONTHLY):
            for first in _periods(kind, today):
                start, end = briefings.period_of(kind, first)
                report = briefings.draft_briefing(by=clerk, kind=kind, day=first, region=region, today=today)
                text = briefings.BriefingText(
                    title=report.title,
                    dynamics=DYNAMICS,
                    analysis=ANALYSIS,
                    next_steps=NEXT_STEPS,
                    report_to=report.report_to,
                    copy_to="各成员单位" if region == county else "各村（社区）",
                    typical_cases=_typical(region, start, end),
                )
                report = briefings.update_briefing(briefing=report, by=clerk, text=text)
                briefings.issue_briefing(briefing=report, by=clerk)
                made += 1
        # Yesterday's 日报, left as a draft for the clerk to complete.
        briefings.draft_briefing(
            by=clerk, kind=Briefing.Kind.DAILY, day=today - timedelta(days=1), region=region, today=today
        )
        made += 1
    return made
