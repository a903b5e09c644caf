"""The demo county's meetings (seed_demo): four meetings held, county and township, with cases and
warnings on their agenda and decisions in every state (closed, open on time, overdue), and one
county meeting still to be held, without decisions.
Idempotent: nothing is added when the county has meetings."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from disputes import meetings as services
from disputes.models import Case, EarlyWarning, Meeting, MeetingDecision
from governance.models import Role, Unit, User
from governance.stats import day_bounds
from grids.models import Region

PLAN = [
    # (days ago, kind, the convener's username or None for the county center, chair, summary)
    (
        40,
        Meeting.Kind.JOINT,
        None,
        "县委政法委副书记",
        "通报上月矛盾纠纷排查化解情况，研判群体性纠纷和越级上报案件，部署春节前欠薪纠纷集中排查。",
    ),
    (
        12,
        Meeting.Kind.CONSULT,
        "township",
        "镇党委副书记",
        "会商研判辖区同类纠纷高发村和反复纠纷当事人，明确包案领导和化解措施。",
    ),
    (
        5,
        Meeting.Kind.JOINT,
        None,
        "县综治中心主任",
        "联席例会：各成员单位通报在办重点案件进展，研判红色案件签收超时问题。",
    ),
    (1, Meeting.Kind.CONSULT, "township", "镇长", "会商研判近期土地承包流转纠纷，拟定分片包干化解方案。"),
    # Still to be held: its agenda is open (a leader puts a warning on it from the warning's page).
    (
        -4,
        Meeting.Kind.JOINT,
        None,
        "县委政法委副书记",
        "月度联席例会（计划）：通报本月矛盾纠纷排查化解情况，研判预警事项。",
    ),
]


def seed_meetings(county: Region) -> int:
    if Meeting.objects.filter(region__code__startswith=county.prefix).exists():
        return 0
    today = timezone.localdate()
    county_clerk = User.objects.with_role(Role.COUNTY_STAFF).filter(unit__region=county, is_active=True).first()
    if county_clerk is None:
        return 0
    made = 0
    for n, (ago, kind, username, chair, summary) in enumerate(PLAN):
        clerk = User.objects.filter(username=username).first() if username else county_clerk
        if clerk is None:
            continue
        # The departments of the convener's jurisdiction attend and own the decisions.
        region = services.jurisdiction(clerk)
        units = list(
            Unit.objects.filter(
                is_active=True, kind=Unit.Kind.DEPARTMENT, region__code__startswith=region.prefix
            ).order_by("code")[:6]
        )
        if not units:
            continue
        # What was known on the meeting's day: cases received by then, warnings raised by then.
        day = today - timedelta(days=ago)
        known = Case.objects.visible_to(clerk).open().filter(received_at__lt=day_bounds(day)[1])
        cases = list(known.order_by("-received_at")[:3])
        warnings = list(EarlyWarning.objects.visible_to(clerk).open().filter(raised_at__lt=day_bounds(day)[1])[:2])
        meeting = services.record_meeting(
            by=clerk,
            data=services.MeetingData(
                kind=kind,
                date=day,
                chair=chair,
                summary=summary,
                units=[clerk.unit, *units[:4]],
                cases=cases,
                warnings=warnings,
            ),
        )
        Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - timedelta(days=max(ago, 0)))
        made += 1
        if ago < 0:
            continue
        owners = units[n % len(units) :] + units[: n % len(units)]
        # The meeting's date is past: its decisions are written as they were then (a deadline that
        # has since passed is what makes one overdue), not through today's checks.
        rows = [
            ("牵头约谈双方当事人，督促履行调解协议", owners[0], ago - 10, True),
            ("对高发村开展集中排查，建立问题清单", owners[1], -3 if ago > 3 else 7, False),
            ("落实包案领导，每周报送化解进展", owners[2], 10, False),
        ]
        for text, owner, days_left, done in rows:
            decision = MeetingDecision.objects.create(
                meeting=meeting, text=text, owner_unit=owner, due=today + timedelta(days=days_left)
            )
            if done:
                MeetingDecision.objects.filter(pk=decision.pk).update(
                    status=MeetingDecision.Status.DONE,
                    answer="已约谈双方，协议已履行完毕。",
                    answered_by=User.objects.filter(unit=owner).first(),
                    closed_at=timezone.now() - timedelta(days=1),
                )
    return made
