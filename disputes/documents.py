"""Printable documents of a case: the intake receipt (受理回执) handed to the citizen, with a stub
(存根) for the center's file, and the dispatch order (转办单) sent with the case to its lead unit.

Both are plain HTML laid out for A4 (static/css/print.css); the browser prints them. Personal
data appears masked only, as on every page. Each view runs a fixed number of queries: the case
comes with its parties, co-handling units and timeline prefetched (`scoped_case(detail=True)`)
and everything else is picked from those in Python.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from disputes.citizen import case_code, display_code
from disputes.models import Case, CaseEvent, Party, Status
from disputes.posters import follow_address, qr_svg
from disputes.views import scoped_case
from governance.views import nav_required

# The step that decided on the intake: registered at the desk, accepted, or rejected.
DECISION_ACTIONS = (CaseEvent.Action.REGISTER, CaseEvent.Action.ACCEPT, CaseEvent.Action.REJECT)


def _last_event(case: Case, *actions: str) -> CaseEvent | None:
    """The latest prefetched event with one of these actions (events are ordered by time)."""
    found = None
    for event in case.events.all():
        if event.action in actions:
            found = event
    return found


def _parties(case: Case) -> dict[str, list[Party]]:
    by_role: dict[str, list[Party]] = {role: [] for role in Party.Role.values}
    for party in case.parties.all():
        by_role.setdefault(party.role, []).append(party)
    return by_role


@nav_required("cases")
def case_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """受理回执: for everyone who can see the case (the desk that took it in prints it)."""
    case = scoped_case(request, number, detail=True)
    parties = _parties(case)
    decision = _last_event(case, *DECISION_ACTIONS)
    # The receipt is dated when the center decided on the intake, so a reprint shows the same date.
    issued_at = decision.at if decision else case.received_at
    if case.status == Status.SUBMITTED:
        state = "pending"
    elif case.status == Status.REJECTED:
        state = "rejected"
    else:
        state = "accepted"
    # 一案一码: the case's query code, made the first time the receipt is printed.
    code = case_code(case).code
    return render(
        request,
        "disputes/case_receipt.html",
        {
            "query_code": display_code(code),
            "follow_qr": qr_svg(follow_address(request, code)),
            "case": case,
            "applicants": parties[Party.Role.APPLICANT],
            "respondents": parties[Party.Role.RESPONDENT],
            "state": state,
            "issued_at": issued_at,
            "document_title": _("矛盾纠纷受理回执"),
        },
    )


@nav_required("cases")
def dispatch_order(request: HttpRequest, number: str) -> HttpResponse:
    """转办单: only while the case has a lead unit (never dispatched or returned: there is none)."""
    case = scoped_case(request, number, detail=True)
    if case.lead_unit is None:
        raise Http404(_("该案件尚未分流，没有转办单。"))
    dispatch = _last_event(case, CaseEvent.Action.DISPATCH)
    parties = _parties(case)
    return render(
        request,
        "disputes/case_dispatch_order.html",
        {
            "case": case,
            "dispatch": dispatch,
            # Whoever blew the whistle sends the order: usually the desk that took the case in.
            "from_unit": (dispatch.actor_unit if dispatch and dispatch.actor_unit else case.intake_unit),
            "parties": [party for role in Party.Role.values for party in parties[role]],
            "co_units": list(case.co_units.all()),
            "document_title": _("矛盾纠纷转办单"),
        },
    )
