"""The pages of the work-order interchange (工单接入): each source's figures and last errors, the
orders that could not be mapped (corrected and replayed here), dead callbacks replayed."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from disputes import workorders
from disputes.models import Callback, Category, InboundOrder
from governance.scoping import region_prefix
from governance.views import nav_required
from grids.models import Region


@nav_required("work_orders")
def source_list(request: HttpRequest) -> HttpResponse:
    sources = list(workorders.sources_for(request.user).select_related("center"))
    figures = workorders.source_figures(sources)
    business = workorders.sees_business(request.user)
    ids = [s.pk for s in sources]
    failed = (
        InboundOrder.objects.filter(source_id__in=ids, state=InboundOrder.State.FAILED)
        .select_related("source")
        .order_by("-received_at")[:20]
        if business
        else []
    )
    errors = (
        Callback.objects.filter(order__source_id__in=ids)
        .exclude(last_error="")
        .exclude(state=Callback.State.SENT)
        .select_related("order__source")
        .order_by("-next_attempt_at")[:20]
    )
    return render(
        request,
        "disputes/work_orders.html",
        {
            "rows": [(source, figures[source.pk]) for source in sources],
            "failed": failed,
            "errors": errors,
            "business": business,
            "active_nav": "work_orders",
        },
    )


class CorrectionForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("纠纷类别"), queryset=Category.objects.filter(is_active=True), required=False
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("所属镇（街道）"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = region_prefix(user)
        self.fields["township"].queryset = (
            Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith=prefix).order_by("code")
            if prefix is not None
            else Region.objects.none()
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


def _order(request: HttpRequest, pk: int) -> InboundOrder:
    if not workorders.sees_business(request.user):
        raise Http404
    sources = workorders.sources_for(request.user)
    return get_object_or_404(InboundOrder.objects.select_related("source", "case"), pk=pk, source__in=sources)


@nav_required("work_orders")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = CorrectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if order.state != InboundOrder.State.FAILED:
            messages.error(request, _("该工单已处理，无需重新处理。"))
            return redirect("disputes-work-order", order.pk)
        fix = workorders.Corrections(category=form.cleaned_data["category"], township=form.cleaned_data["township"])
        order = workorders.process(order, fix)
        if order.state == InboundOrder.State.DONE:
            messages.success(request, _("已重新处理，转为案件 %(n)s。") % {"n": order.case.number})
        else:
            messages.error(request, _("仍无法处理：%(r)s") % {"r": order.reason})
        return redirect("disputes-work-order", order.pk)
    try:
        pretty = json.dumps(json.loads(order.body), ensure_ascii=False, indent=2)
    except ValueError:
        pretty = order.body
    return render(
        request,
        "disputes/work_order.html",
        {"order": order, "pretty": pretty, "form": form, "active_nav": "work_orders"},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@nav_required("work_orders")
def callback_replay(request: HttpRequest, pk: int) -> HttpResponse:
    if not workorders.sees_business(request.user):
        raise Http404
    callback = get_object_or_404(Callback, pk=pk, order__source__in=workorders.sources_for(request.user))
    try:
        workorders.replay_callback(callback)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("已重新排队发送。"))
    return redirect("disputes-work-orders")
