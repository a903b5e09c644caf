"""网上咨询 on the staff site: the list of the jurisdiction's questions, and one question with its
answer form and 转为纠纷登记. The rules are in disputes/consultations.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.consultation_forms import AnswerForm, ConsultationFilterForm, TurnForm
from disputes.consultations import answer_consultation, may_answer, turn_into_case
from disputes.models import Consultation
from disputes.services import TransitionRefused
from governance.views import nav_required

Show = ConsultationFilterForm.Show


def _listed(user, show: str, today):
    consultations = Consultation.objects.visible_to(user)
    if show == Show.WAITING:
        return consultations.filter(state=Consultation.State.WAITING).order_by("answer_due", "received_at", "id")
    if show == Show.OVERDUE:
        return consultations.overdue(today).order_by("answer_due", "received_at", "id")
    if show == Show.ANSWERED:
        return consultations.exclude(state=Consultation.State.WAITING).order_by("-answered_at", "-id")
    return consultations.order_by("-received_at", "-id")


@nav_required("consultations")
def consultation_list(request: HttpRequest) -> HttpResponse:
    form = ConsultationFilterForm(request.GET or None)
    show = form.cleaned_data["show"] if form.is_valid() and form.cleaned_data["show"] else Show.WAITING
    today = timezone.localdate()
    listed = _listed(request.user, show, today).select_related("center", "township", "village", "case")
    page = Paginator(listed, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/consultation_list.html",
        {"page": page, "show": show, "shows": form.fields["show"].choices, "today": today},
    )


def _scoped(request: HttpRequest, pk: int) -> Consultation:
    return get_object_or_404(
        Consultation.objects.visible_to(request.user).select_related(
            "center__region", "township", "village", "answered_by", "case"
        ),
        pk=pk,
    )


@nav_required("consultations")
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _scoped(request, pk)
    answering = consultation.state == Consultation.State.WAITING and may_answer(request.user, consultation)
    return render(
        request,
        "disputes/consultation_detail.html",
        {
            "consultation": consultation,
            "answering": answering,
            "answer_form": AnswerForm() if answering else None,
            "turn_form": TurnForm(user=request.user) if answering and consultation.township_id is None else None,
            "today": timezone.localdate(),
        },
    )


@require_POST
@nav_required("consultations")
def consultation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _scoped(request, pk)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        answer_consultation(consultation=consultation, by=request.user, answer=form.cleaned_data["answer"])
    except (ValidationError, TransitionRefused) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(request, _("已答复，短信已通知咨询人。"))
    return redirect("disputes-consultation", consultation.pk)


@require_POST
@nav_required("consultations")
def consultation_turn(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _scoped(request, pk)
    form = TurnForm(request.POST, user=request.user)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择纠纷所在的镇（街道）。"))
        case = turn_into_case(consultation=consultation, by=request.user, township=form.cleaned_data["township"])
    except (ValidationError, TransitionRefused) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return redirect("disputes-consultation", consultation.pk)
    messages.success(request, _("已转为纠纷登记（待受理），短信已告知咨询人查询码。"))
    return redirect("disputes-detail", case.number)
