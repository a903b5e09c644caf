"""网上调解, the staff side: the case's thread under /mediation/cases/<number>/online/, read by the
organisation's mediators and the center, written by the case's mediators. The rules are in
mediation/online.py and mediation/rules.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.models import Case
from disputes.services import TransitionRefused
from disputes.views import _attach_errors, scoped_case
from governance.views import nav_required
from mediation import online, rules
from mediation.forms import InviteForm, MessageForm
from mediation.models import Invitation


def _thread_case(request: HttpRequest, number: str) -> Case:
    """The case if this person may read its thread; anyone else (another organisation, a
    co-handling unit, a leader) gets the same 404 as for a case out of scope."""
    case = scoped_case(request, number)
    if not rules.may_read_thread(case, request.user):
        raise Http404(_("没有找到该网上调解。"))
    return case


def _page(
    request: HttpRequest,
    case: Case,
    *,
    message_form: MessageForm | None = None,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    parties = list(case.parties.all())
    invitations = {i.party_id: i for i in Invitation.objects.filter(case=case, revoked_at__isnull=True)}
    thread = online.thread(case)
    for message in thread:
        message.author_label = online.staff_author(message)
    agreement = online.open_agreement(case)
    return render(
        request,
        "mediation/online_thread.html",
        {
            "case": case,
            "is_online": online.is_online(case),
            "may_talk": rules.may_talk_online(case, request.user),
            "parties": [(p, invitations.get(p.pk)) for p in parties],
            "thread": thread,
            "agreement": agreement,
            "signing": online.party_signatures(agreement, parties) if agreement else [],
            "message_form": message_form or MessageForm(),
            "invite_form": invite_form or InviteForm(case=case),
        },
        status=status,
    )


@nav_required("cases")
def thread(request: HttpRequest, number: str) -> HttpResponse:
    case = _thread_case(request, number)
    if request.method != "POST":
        return _page(request, case)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            online.post_message(
                case=case, by=request.user, text=form.cleaned_data["text"], photo=form.cleaned_data["photo"]
            )
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("mediation-online", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return redirect("mediation-online", case.number)
    return _page(request, case, message_form=form, status=400)


@require_POST
@nav_required("cases")
def switch(request: HttpRequest, number: str) -> HttpResponse:
    case = _thread_case(request, number)
    try:
        online.switch_to_online(case=case, by=request.user)
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("已改为网上调解，可以邀请当事人加入。"))
    return redirect("mediation-online", case.number)


@require_POST
@nav_required("cases")
def invite(request: HttpRequest, number: str) -> HttpResponse:
    case = _thread_case(request, number)
    form = InviteForm(request.POST, case=case)
    if form.is_valid():
        party = form.cleaned_data["party"]
        try:
            online.invite_party(case=case, party=party, by=request.user)
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("mediation-online", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(
                request,
                _("已向%(role)s%(name)s发送邀请短信（%(phone)s）。")
                % {"role": party.get_role_display(), "name": party.name, "phone": party.phone_masked},
            )
            return redirect("mediation-online", case.number)
    return _page(request, case, invite_form=form, status=400)
