"""The "my work" lists: what each person has to do next, by role."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from disputes.filters import with_listing
from disputes.models import HANDLING_STATUSES, Case, Status
from disputes.rules import HANDLING_ROLES
from governance.models import Role, User
from governance.scoping import region_q

ROWS_PER_LIST = 20


@dataclass
class Worklist:
    key: str
    title: str
    hint: str
    cases: list[Case]
    total: int


def _worklist(key: str, title: str, hint: str, cases: QuerySet[Case]) -> Worklist:
    cases = with_listing(
        cases.select_related("township", "category", "risk_level", "lead_unit", "intake_unit")
    ).order_by("handle_due", "received_at")
    # Two queries per list whatever the number of cases: the count and one page of rows.
    return Worklist(key, title, hint, list(cases[:ROWS_PER_LIST]), cases.count())


def worklists_for(user: User) -> list[Worklist]:
    lists: list[Worklist] = []
    if user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        center = Case.objects.filter(region_q(user, "township"))
        lists += [
            _worklist(
                "to_accept",
                _("待受理"),
                _("网格上报、热线、网上等渠道提交的，请受理或不予受理"),
                center.filter(status=Status.SUBMITTED),
            ),
            _worklist(
                "to_dispatch",
                _("待分流"),
                _("已受理登记，请确定主办单位和办理期限"),
                center.filter(status=Status.REGISTERED),
            ),
            _worklist(
                "to_review", _("待审核"), _("承办单位已反馈办结，请审核"), center.filter(status=Status.PENDING_REVIEW)
            ),
            _worklist(
                "to_evaluate", _("待评价"), _("已办结，请电话回访当事人并录入评价"), center.filter(status=Status.CLOSED)
            ),
            _worklist("to_visit", _("待回访"), _("已评价，请定期回访后归档"), center.filter(status=Status.EVALUATED)),
        ]
    if user.unit_id is not None and user.has_role(*HANDLING_ROLES):
        mine = Case.objects.filter(lead_unit_id=user.unit_id)
        lists += [
            _worklist(
                "to_sign", _("待签收"), _("中心转办给本单位的案件，请及时签收"), mine.filter(status=Status.DISPATCHED)
            ),
            _worklist("to_handle", _("办理中"), _("本单位主办的案件"), mine.filter(status=Status.IN_PROGRESS)),
            _worklist(
                "co_handling",
                _("协办"),
                _("本单位参与联合调处的案件"),
                Case.objects.filter(co_units=user.unit_id, status__in=HANDLING_STATUSES),
            ),
        ]
    if user.has_role(Role.LEADER):
        lists.append(
            _worklist(
                "overdue", _("逾期案件"), _("本辖区超过办理期限仍未办结的案件"), Case.objects.visible_to(user).overdue()
            )
        )
    return lists
