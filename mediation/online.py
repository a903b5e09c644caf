"""网上调解 (online mediation, issue 16): when the citizen chose it (their case code says
`online`) or a mediator switched the case to it, the mediators and the parties talk in a thread on
the case. A party is invited by an SMS carrying a link with a random token, proves by SMS code
the phone the case has for them, reads and writes the thread, and confirms the final agreement
with another SMS code: that confirmation is kept on the agreement as the party's signature.

Every rule of it is here; the staff pages (mediation/online_views.py) and the public pages
(mediation/citizen_views.py) call these functions and nothing else. What a party sees of the
other side is said here too: 调解员 and, if the county allows, the mediator's name; the other
party by role (申请人/被申请人), never a name or a phone; never another staff member.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.citizen import case_code
from disputes.models import Attachment, Case, CaseCode, CaseEvent, Party, Status
from disputes.services import TransitionRefused, check_citizen_photo, store_attachment
from governance import throttle
from governance.crypto import blind_index, decrypt, mask
from governance.delivery import sms_gateway
from governance.models import User
from governance.network import client_ip
from governance.phone_codes import Purpose, check_code, use_code
from mediation import rules
from mediation.models import Agreement, Invitation, Message, Signature
from mediation.services import _event, _lock_case


class InvalidLink(Exception):
    """An invitation link that is unknown, expired, replaced by a newer one, or whose party's phone
    changed since it was sent."""


# --- Whether a case is mediated online ------------------------------------------------------------


def is_online(case: Case) -> bool:
    """The citizen chose online mediation when reporting, or a mediator switched the case to it."""
    try:
        return case.public_code.mediation == CaseCode.Mediation.ONLINE
    except ObjectDoesNotExist:
        return False


def switch_to_online(*, case: Case, by: User) -> Case:
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_talk_online(case, by):
            raise TransitionRefused(_("只有承办该案件的调解员可以改为网上调解（案件须在办理中）。"))
        code = case_code(case)
        if code.mediation == CaseCode.Mediation.ONLINE:
            raise TransitionRefused(_("该案件已是网上调解。"))
        code.mediation = CaseCode.Mediation.ONLINE
        code.save(update_fields=["mediation"])
        _event(case, by, _("改为网上调解"), mediation="online")
    return case


# --- Messages -------------------------------------------------------------------------------------


def _clean_text(text: str, has_photo: bool) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) > settings.MEDIATION_MESSAGE_MAX_CHARS:
        raise ValidationError(
            {"text": _("消息不能超过 %(n)d 字，请分几条发送。") % {"n": settings.MEDIATION_MESSAGE_MAX_CHARS}}
        )
    if not text and not has_photo:
        raise ValidationError({"text": _("请输入消息内容或选择一张照片。")})
    return text


def _check_photo(upload: UploadedFile) -> str:
    """The citizen-photo rule of the public pages (disputes.services.check_citizen_photo), its
    message on the form's photo field."""
    try:
        return check_citizen_photo(upload)
    except ValidationError as refused:
        raise ValidationError({"photo": refused.messages}) from refused


def _store_photo(case: Case, upload: UploadedFile, mime: str, by: User | None) -> Attachment:
    return store_attachment(case, by, upload, Attachment.Kind.PHOTO, mime=mime)


def post_message(*, case: Case, by: User, text: str, photo: UploadedFile | None = None) -> Message:
    """A mediator writes to the thread."""
    text = _clean_text(text, photo is not None)
    mime = _check_photo(photo) if photo is not None else ""
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_talk_online(case, by):
            raise TransitionRefused(_("只有承办该案件的调解员可以在网上调解中发言（案件须在办理中）。"))
        if not is_online(case):
            raise TransitionRefused(_("该案件不是网上调解，请先改为网上调解。"))
        attachment = _store_photo(case, photo, mime, by) if photo is not None else None
        return Message.objects.create(case=case, author=by, text=text, photo=attachment)


def post_party_message(
    *, invitation: Invitation, text: str, photo: UploadedFile | None, request: HttpRequest | None
) -> Message:
    """A party writes to the thread: bounded, the photo sniffed, counted against the limits."""
    text = _clean_text(text, photo is not None)
    mime = _check_photo(photo) if photo is not None else ""
    case = invitation.case
    if case.status != Status.IN_PROGRESS or not is_online(case):
        raise TransitionRefused(_("调解已结束，不能再发送消息。"))
    throttle.take("mediation", request=request, phone=party_phone(invitation.party))
    with transaction.atomic():
        attachment = _store_photo(case, photo, mime, None) if photo is not None else None
        message = Message.objects.create(case=case, party=invitation.party, text=text, photo=attachment)
        _tell_mediators(
            case,
            _("网上调解：%(role)s发来新消息（%(number)s）")
            % {"role": invitation.party.get_role_display(), "number": case.number},
            coalesce=True,
        )
    return message


def _tell_mediators(case: Case, title: str, *, coalesce: bool) -> None:
    """An in-app notice to the case's mediators (their unit when none has an account), after the
    commit. With `coalesce`, not again while an earlier notice of the thread is still unread: a
    party writing ten messages is one notice (and at most one SMS through the delivery run)."""
    from governance.models import Notification, NotificationRead

    url = reverse("mediation-online", args=[case.number])
    users = list(
        User.objects.filter(
            mediator_profile__assignments__case=case, mediator_profile__assignments__withdrawn_at__isnull=True
        ).distinct()
    )

    def send() -> None:
        if not users:
            Notification.objects.create(unit_id=case.lead_unit_id, title=title, url=url)
            return
        for user in users:
            unread = Notification.objects.filter(user=user, url=url).exclude(
                pk__in=NotificationRead.objects.filter(user=user).values("notification_id")
            )
            if not (coalesce and unread.exists()):
                Notification.objects.create(user=user, title=title, url=url)

    transaction.on_commit(send)


def thread(case: Case) -> list[Message]:
    return list(
        Message.objects.filter(case=case)
        .select_related("author__mediator_profile", "party", "photo")
        .order_by("at", "id")
    )


def _mediator_name(message: Message) -> str:
    try:
        profile = message.author.mediator_profile
    except ObjectDoesNotExist:
        return ""
    return profile.name if profile is not None else ""


def public_author(message: Message, viewer: Party) -> str:
    """Who wrote a message, as a party reads it: 我, the other party's role, or 调解员 (with the
    mediator's name where MEDIATION_SHOW_MEDIATOR_NAME allows)."""
    if message.party_id is not None:
        return _("我") if message.party_id == viewer.pk else message.party.get_role_display()
    name = _mediator_name(message) if settings.MEDIATION_SHOW_MEDIATOR_NAME else ""
    return _("调解员 %(name)s") % {"name": name} if name else _("调解员")


def staff_author(message: Message) -> str:
    """Who wrote a message, as the mediators and the center read it."""
    if message.party_id is not None:
        return f"{message.party.get_role_display()}：{message.party.name}"
    name = _mediator_name(message) or message.author.get_full_name() or message.author.username
    return _("调解员 %(name)s") % {"name": name}


# --- Invitations ----------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def party_phone(party: Party) -> str:
    return decrypt(party.phone_encrypted)


def invite_party(*, case: Case, party: Party, by: User) -> tuple[Invitation, str]:
    """Send the party an SMS with the link to the thread; returns the invitation and the link's
    token (kept nowhere but in the SMS). An earlier link of the same party stops working."""
    with transaction.atomic():
        case = _lock_case(case)
        if not rules.may_talk_online(case, by):
            raise TransitionRefused(_("只有承办该案件的调解员可以邀请当事人（案件须在办理中）。"))
        if not is_online(case):
            raise TransitionRefused(_("该案件不是网上调解，请先改为网上调解。"))
        party = Party.objects.filter(case=case, pk=party.pk).first()
        if party is None:
            raise TransitionRefused(_("该当事人不属于本案件。"))
        phone = party_phone(party)
        if not phone or not party.phone_index:
            raise ValidationError({"party": _("该当事人未登记手机号码，无法发送邀请短信。")})
        now = timezone.now()
        Invitation.objects.filter(party=party, revoked_at__isnull=True).update(revoked_at=now)
        token = secrets.token_urlsafe(24)
        invitation = Invitation.objects.create(
            case=case,
            party=party,
            token_hash=_token_hash(token),
            phone_index=party.phone_index,
            sent_by=by,
            sent_at=now,
            expires_at=now + timedelta(days=settings.MEDIATION_LINK_DAYS),
        )
        link = settings.SITE_URL.rstrip("/") + reverse("citizen-mediation", args=[token])
        text = _(
            "【%(site)s】%(org)s邀请您参加网上调解。请在 %(days)d 天内打开 %(link)s ，用本手机号接收验证码后进入。"
        ) % {
            "site": settings.SITE_TITLE,
            "org": case.lead_unit.name,
            "days": settings.MEDIATION_LINK_DAYS,
            "link": link,
        }
        try:
            sms_gateway().send(phone, text)
        except Exception as failed:  # the invitation is not kept: the mediator is told to try again
            raise TransitionRefused(_("邀请短信发送失败，请稍后再试。")) from failed
        _event(
            case,
            by,
            _("邀请%(role)s%(name)s参加网上调解（短信发至 %(phone)s）")
            % {"role": party.get_role_display(), "name": party.name, "phone": party.phone_masked},
            mediation="invite",
            party=party.pk,
        )
    return invitation, token


def invitation_for(token: str) -> Invitation:
    """The open invitation of this link, or InvalidLink."""
    token = (token or "").strip()
    if not token or len(token) > 100:
        raise InvalidLink
    invitation = (
        Invitation.objects.select_related("case__lead_unit", "case__public_code", "party")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or invitation.party.phone_index != invitation.phone_index:
        raise InvalidLink
    return invitation


def check_party_phone(*, invitation: Invitation, phone: str, request: HttpRequest | None) -> None:
    """The phone typed must be the one the invitation went to; another is refused and counted."""
    throttle.check_failures(request=request, phone=phone)
    if blind_index(phone) != invitation.phone_index:
        throttle.note_failure(request=request, phone=phone, detail="mediation link: not the invited party's phone")
        raise ValidationError({"phone": _("该手机号不是本次受邀当事人的手机号，请用收到邀请短信的手机号。")})


def join(*, invitation: Invitation, phone: str, code: str, request: HttpRequest | None) -> Invitation:
    """The party proves the phone (Purpose.MEDIATION); raises ValidationError or throttle.Throttled."""
    check_party_phone(invitation=invitation, phone=phone, request=request)
    if not check_code(phone=phone, purpose=Purpose.MEDIATION, code=code, request=request):
        raise ValidationError({"sms_code": _("验证码不正确或已过期，请重新获取。")})
    if invitation.joined_at is None:
        invitation.joined_at = timezone.now()
        Invitation.objects.filter(pk=invitation.pk, joined_at__isnull=True).update(joined_at=invitation.joined_at)
    return invitation


# --- The agreement and its confirmation by SMS code -------------------------------------------------


def open_agreement(case: Case) -> Agreement | None:
    """The agreement the parties confirm: the newest final version not corrected since."""
    return (
        Agreement.objects.filter(case=case, status=Agreement.Status.FINAL, superseded_by__isnull=True)
        .prefetch_related("obligations", "signatures")
        .order_by("-version")
        .first()
    )


def confirm_agreement(
    *, invitation: Invitation, agreement: Agreement, code: str, request: HttpRequest | None
) -> Signature:
    """The party confirms the final agreement with an SMS code (Purpose.CONFIRM): a signature row
    with the time, the masked phone, the code used and the address."""
    party = invitation.party
    if (
        agreement.case_id != invitation.case_id
        or not agreement.is_final
        or Agreement.objects.filter(supersedes=agreement).exists()
    ):
        throttle.note_failure(request=request, detail=f"mediation confirm: agreement {agreement.pk} not open")
        raise TransitionRefused(_("该协议书不能确认，请刷新页面查看最新的协议书。"))
    if Signature.objects.filter(agreement=agreement, party=party).exists():
        raise TransitionRefused(_("您已确认过该协议书。"))
    phone = party_phone(party)
    used = use_code(phone=phone, purpose=Purpose.CONFIRM, code=code, request=request)
    if used is None:
        raise ValidationError({"sms_code": _("验证码不正确或已过期，请重新获取。")})
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                agreement=agreement,
                party=party,
                phone_masked=mask(phone),
                phone_code=used,
                code_hash=used.code_hash,
                ip_address=client_ip(request),
            )
            CaseEvent.objects.create(
                case_id=agreement.case_id,
                action=CaseEvent.Action.PROGRESS,
                note=_("%(role)s%(name)s通过短信验证确认调解协议书（%(number)s）")
                % {"role": party.get_role_display(), "name": party.name, "number": agreement.number},
                data={"mediation": "signature", "agreement": agreement.pk, "party": party.pk},
            )
            _tell_mediators(
                invitation.case,
                _("网上调解：%(role)s已通过短信验证确认调解协议书（%(number)s）")
                % {"role": party.get_role_display(), "number": agreement.number},
                coalesce=False,
            )
    except IntegrityError as twice:  # a second tab confirmed at the same moment
        raise TransitionRefused(_("您已确认过该协议书。")) from twice
    return signature


@dataclass
class PartySignature:
    party: Party
    signature: Signature | None


def party_signatures(agreement: Agreement, parties: list[Party]) -> list[PartySignature]:
    """Each party of the case and their confirmation of `agreement`, if any: only a party with a
    signature row is shown as having signed."""
    signed = {s.party_id: s for s in agreement.signatures.all()}
    return [PartySignature(p, signed.get(p.pk)) for p in parties]
