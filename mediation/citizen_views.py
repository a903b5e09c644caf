"""网上调解, the party's side: public pages under /m/mediation/<token>/ (码上办, no staff session).
The link from the invitation SMS opens a form for the phone and its SMS code; once this browser
proved the invited phone (governance/public_site.py) the party reads and writes the thread, and
confirms the final agreement with another SMS code. Rules: mediation/online.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from disputes.citizen_views import send_code_for
from disputes.services import TransitionRefused
from governance import throttle
from governance.phone_codes import Purpose
from governance.public_site import holds_phone, remember_phone
from mediation import online
from mediation.forms import ConfirmForm, JoinForm, PartyMessageForm
from mediation.models import Invitation, Message


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "citizen/mediation_refused.html", {"message": message}, status=status)


def _invitation(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The open invitation of the link, or the page that says why not. An unknown or expired link
    is counted as a failure (audited; many of them from one address are throttled)."""
    try:
        throttle.check_failures(request=request)
        return online.invitation_for(token)
    except throttle.Throttled as refused:
        return _refused(request, str(refused), 429)
    except online.InvalidLink:
        throttle.note_failure(request=request, detail="mediation link: unknown or expired")
        return _refused(request, _("链接无效或已过期。请联系调解员重新发送邀请短信。"), 404)


def _forms(request: HttpRequest, invitation: Invitation, **bound) -> dict:
    case = invitation.case
    thread = online.thread(case)
    for message in thread:
        message.author_label = online.public_author(message, invitation.party)
        message.mine = message.party_id == invitation.party_id
    agreement = online.open_agreement(case)
    signed = agreement is not None and any(s.party_id == invitation.party_id for s in agreement.signatures.all())
    return {
        "invitation": invitation,
        "token": request.resolver_match.kwargs["token"],
        "case": case,
        "role": invitation.party.get_role_display(),
        "organisation": case.lead_unit.name,
        "thread": thread,
        "open": case.status == "in_progress" and online.is_online(case),
        "agreement": agreement,
        "signed": signed,
        "message_form": bound.get("message_form") or PartyMessageForm(),
        "confirm_form": bound.get("confirm_form")
        or ConfirmForm(initial={"agreement": agreement.pk if agreement else None}),
        "code_message": bound.get("code_message", ""),
        "need_challenge": throttle.needs_challenge(request),
    }


def _thread_page(request: HttpRequest, invitation: Invitation, status: int = 200, **bound) -> HttpResponse:
    response = render(request, "citizen/mediation_thread.html", _forms(request, invitation, **bound), status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def thread(request: HttpRequest, token: str) -> HttpResponse:
    """The thread, or first the phone and its SMS code (Purpose.MEDIATION)."""
    invitation = _invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    if holds_phone(request, invitation.phone_index):
        return _thread_page(request, invitation)
    form = JoinForm(request.POST or None)
    code_message, status = "", 200
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            online.check_party_phone(invitation=invitation, phone=phone, request=request)
            if request.POST.get("send_code"):
                sent, code_message = send_code_for(request, phone=phone, purpose=Purpose.MEDIATION)
                status = 200 if sent else 429
            else:
                online.join(invitation=invitation, phone=phone, code=form.cleaned_data["sms_code"], request=request)
                response = redirect("citizen-mediation", token)
                remember_phone(response, phone)
                return response
        except throttle.Throttled as refused:
            form.add_error(None, str(refused))
            status = 429
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
            status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "role": invitation.party.get_role_display(),
        "organisation": invitation.case.lead_unit.name,
        "code_message": code_message,
        "need_challenge": throttle.needs_challenge(request),
    }
    return render(request, "citizen/mediation_join.html", context, status=status)


def _joined(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    invitation = _invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    if not holds_phone(request, invitation.phone_index):
        return redirect("citizen-mediation", token)
    return invitation


@require_POST
def post(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _joined(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    form = PartyMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            online.post_party_message(
                invitation=invitation,
                text=form.cleaned_data["text"],
                photo=form.cleaned_data["photo"],
                request=request,
            )
        except (TransitionRefused, throttle.Throttled) as refused:
            form.add_error(None, str(refused))
            return _thread_page(request, invitation, status=429, message_form=form)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
        else:
            return redirect(reverse("citizen-mediation", args=[token]) + "#latest")
    return _thread_page(request, invitation, status=400, message_form=form)


@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Send the SMS code for the agreement (its number in the message), or confirm with it."""
    invitation = _joined(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    form = ConfirmForm(request.POST)
    agreement = online.open_agreement(invitation.case)
    if not form.is_valid() or agreement is None or form.cleaned_data["agreement"] != agreement.pk:
        throttle.note_failure(request=request, detail="mediation confirm: not the case's open agreement")
        form.add_error(None, _("该协议书不能确认，请刷新页面查看最新的协议书。"))
        return _thread_page(request, invitation, status=400, confirm_form=form)
    if request.POST.get("send_code"):
        sent, message = send_code_for(
            request, phone=online.party_phone(invitation.party), purpose=Purpose.CONFIRM, context=agreement.number
        )
        return _thread_page(request, invitation, status=200 if sent else 429, code_message=message)
    if not form.cleaned_data["sms_code"]:
        form.add_error("sms_code", _("请输入短信验证码。"))
        return _thread_page(request, invitation, status=400, confirm_form=form)
    try:
        online.confirm_agreement(
            invitation=invitation, agreement=agreement, code=form.cleaned_data["sms_code"], request=request
        )
    except (TransitionRefused, throttle.Throttled) as refused:
        form.add_error(None, str(refused))
        return _thread_page(request, invitation, status=400, confirm_form=form)
    except ValidationError as error:
        for field, errors in error.error_dict.items():
            form.add_error(field, errors)
        return _thread_page(request, invitation, status=400, confirm_form=form)
    return redirect(reverse("citizen-mediation", args=[token]) + "#agreement")


@never_cache
def photo(request: HttpRequest, token: str, pk: int) -> FileResponse:
    """A photo of the thread, to the party of this link only."""
    invitation = _joined(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    message = Message.objects.filter(case=invitation.case, photo_id=pk).select_related("photo").first()
    if message is None:  # another case's photo, or none: counted like a wrong link
        throttle.note_failure(request=request, detail="mediation photo: not of this case")
        raise Http404
    attachment = message.photo
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
