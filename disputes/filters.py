"""The case list's filters, shared by the list page and the ledger export."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from disputes.forms import CaseFilterForm
from disputes.models import HANDLING_STATUSES, Case, Party, Supervision
from governance.crypto import blind_index
from governance.validators import normalise_id_number, normalise_phone


def text_condition(q: str) -> Q:
    """Case number, summary or party name; a full ID or phone number matches through its blind index."""
    condition = Q(number__icontains=q) | Q(summary__icontains=q)
    names = Party.objects.filter(name__icontains=q).values("case_id")
    condition |= Q(pk__in=names)
    indexes = {blind_index(normalise_id_number(q)), blind_index(normalise_phone(q))}
    matches = Party.objects.filter(Q(id_number_index__in=indexes) | Q(phone_index__in=indexes)).values("case_id")
    return condition | Q(pk__in=matches)


def filter_cases(cases: QuerySet[Case], form: CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return cases
    data = form.cleaned_data
    if data["q"].strip():
        cases = cases.filter(text_condition(data["q"].strip()))
    for name in ("status", "channel"):
        if data[name]:
            cases = cases.filter(**{name: data[name]})
    for name in ("township", "category", "risk_level", "lead_unit"):
        if data[name] is not None:
            cases = cases.filter(**{name: data[name]})
    if data["overdue"]:
        cases = cases.filter(status__in=HANDLING_STATUSES, handle_due__lt=timezone.localdate())
    if data["date_from"]:
        cases = cases.filter(received_at__date__gte=data["date_from"])
    if data["date_to"]:
        cases = cases.filter(received_at__date__lte=data["date_to"])
    return cases


def with_listing(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Mark 挂牌督办 cases (a subquery, so lists stay one query)."""
    active = Supervision.objects.filter(case=OuterRef("pk")).exclude(state=Supervision.State.LIFTED)
    return cases.annotate(is_listed=Exists(active))


def list_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    return with_listing(
        cases.select_related("township", "village", "category", "risk_level", "lead_unit", "intake_unit").order_by(
            "-received_at", "-id"
        )
    )
