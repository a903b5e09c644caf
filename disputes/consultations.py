"""网上咨询 (online enquiries): a citizen asks a question on the public pages; the center of the
place answers it within CITIZEN_CONSULT_WORKING_DAYS working days, or turns it into a dispute
case when it is one. Every step is here, one function each; the public pages
(disputes/citizen_views.py) and the staff pages (disputes/consultation_views.py) call these.
The overdue scan chases unanswered ones (disputes/consultation_scan.py)."""

from __future__ import annotations

import logging
import secrets
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.citizen import ALPHABET, CODE_LENGTH, case_code, display_code, normalise_code
from disputes.models import Case, Consultation, Party
from disputes.services import PartyData, TransitionRefused, register_online_question
from governance import throttle
from governance.crypto import decrypt
from governance.delivery import sms_gateway
from governance.models import Notification, Role, Unit, User
from governance.scoping import region_prefix
from governance.workdays import add_working_days
from grids.models import Region

log = logging.getLogger(__name__)

# The version of the privacy notice (PIPL art. 17) shown on the question form; stored with each
# question, so that what the citizen agreed to can be told later.
NOTICE_VERSION = "2026-12"
QUESTION_MAX = 1000
ANSWER_MAX = 2000


def answer_due_for(received: date) -> date:
    """The answer is due CITIZEN_CONSULT_WORKING_DAYS working days after the day it arrived."""
    return add_working_days(received, settings.CITIZEN_CONSULT_WORKING_DAYS)


def center_for(place: Region | None) -> tuple[Region | None, Region | None, Unit]:
    """(township, village, answering center) of a place the citizen picked: a village or a
    township is answered by its township center; no place (or a township without a center) by
    the county center."""
    township = village = None
    if place is not None and place.level == Region.Level.VILLAGE:
        township, village = place.parent, place
    elif place is not None and place.level == Region.Level.TOWNSHIP:
        township = place
    centers = Unit.objects.filter(is_active=True)
    center = None
    if township is not None:
        center = centers.filter(kind=Unit.Kind.TOWNSHIP_CENTER, region=township).first()
    if center is None:
        center = centers.filter(kind=Unit.Kind.COUNTY_CENTER).order_by("pk").first()
    if center is None:
        raise TransitionRefused(_("暂时无法受理网上咨询，请拨打综治中心电话。"))
    return township, village, center


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def submit_consultation(
    *, name: str, phone: str, place: Region | None, question: str, request: HttpRequest | None
) -> Consultation:
    """A citizen's question, from a phone already proved by SMS code and with the privacy notice
    acknowledged (the view checks both). Limited per phone and address (throttle "consult");
    raises throttle.Throttled. The center is told in its inbox."""
    throttle.take("consult", request=request, phone=phone)  # outside the transaction: a refusal is kept
    township, village, center = center_for(place)
    now = timezone.now()
    consultation = Consultation(
        question=question,
        name=name,
        township=township,
        village=village,
        center=center,
        received_at=now,
        answer_due=answer_due_for(timezone.localtime(now).date()),
        consented_at=now,
        notice_version=NOTICE_VERSION,
    )
    consultation.set_phone(phone)
    for _attempt in range(5):
        consultation.code = _new_code()
        try:
            with transaction.atomic():
                consultation.save()
                url = reverse("disputes-consultation", args=[consultation.pk])
                Notification.objects.create(
                    unit=center,
                    title=_("网上咨询待答复（%(d)s 前）") % {"d": f"{consultation.answer_due:%Y-%m-%d}"},
                    body=question[:200],
                    url=url,
                )
            return consultation
        except IntegrityError:  # the same code drawn twice
            consultation.pk = None
    raise RuntimeError("no free consultation code after 5 draws")


def find_for_phone(code: str, phone_index: str) -> Consultation | None:
    """The question with this code if `phone_index` is the phone that asked it; None otherwise —
    a wrong code and a wrong phone look the same."""
    code = normalise_code(code)
    if not code or not phone_index:
        return None
    consultation = Consultation.objects.filter(code=code).select_related("center", "case__public_code").first()
    if consultation is None or consultation.phone_index != phone_index:
        return None
    return consultation


def may_answer(user: User, consultation: Consultation) -> bool:
    """Center staff whose jurisdiction holds the answering center (the county's for every one)."""
    if not user.is_authenticated or user.unit_id is None or not user.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        return False
    prefix = region_prefix(user)
    return prefix is not None and consultation.center.region.code.startswith(prefix)


def _lock_waiting(consultation: Consultation, by: User) -> Consultation:
    if not may_answer(by, consultation):
        raise TransitionRefused(_("只能答复本辖区综治中心收到的咨询。"))
    locked = Consultation.objects.select_for_update().select_related("center__region").get(pk=consultation.pk)
    if locked.state != Consultation.State.WAITING:  # the loser of a race is told, never overwrites
        raise TransitionRefused(_("该咨询已被他人答复。"))
    return locked


def _text_citizen(consultation: Consultation, text: str) -> None:
    """An SMS once the step is committed; a gateway failure is logged, the step stands."""
    phone = decrypt(consultation.phone_encrypted)

    def send() -> None:
        try:
            sms_gateway().send(phone, text)
        except Exception:  # the answer is recorded and readable online whatever the gateway does
            log.exception("SMS for consultation %s failed", consultation.pk)

    transaction.on_commit(send)


def answer_consultation(*, consultation: Consultation, by: User, answer: str) -> Consultation:
    """答复: once; the citizen is told by SMS that the answer is ready, with the query code."""
    answer = (answer or "").strip()
    if not answer:
        raise TransitionRefused(_("请填写答复内容。"))
    with transaction.atomic():
        locked = _lock_waiting(consultation, by)
        locked.state = Consultation.State.ANSWERED
        locked.answer = answer[:ANSWER_MAX]
        locked.answered_at = timezone.now()
        locked.answered_by = by
        locked._history_user = by
        locked.save(update_fields=["state", "answer", "answered_at", "answered_by"])
        _text_citizen(
            locked,
            _("【%(site)s】您的网上咨询已答复。请在“矛盾纠纷·码上办”点“我要咨询”，凭查询码 %(code)s 查看。")
            % {"site": settings.SITE_TITLE, "code": display_code(locked.code)},
        )
    return locked


def turn_into_case(*, consultation: Consultation, by: User, township: Region | None = None) -> Case:
    """转为纠纷登记: the question is really a dispute. It becomes a case on the channel 网上/扫码,
    waiting for acceptance at the answering center (the intake of disputes/services.py), with the
    citizen as applicant and a query code of its own, sent by SMS. A question asked of the county
    without a place needs the township named (`township`)."""
    with transaction.atomic():
        locked = _lock_waiting(consultation, by)
        place_township = locked.township or township
        if place_township is None or place_township.level != Region.Level.TOWNSHIP:
            raise TransitionRefused(_("请选择纠纷所在的镇（街道）。"))
        case = register_online_question(
            by=by,
            township=place_township,
            village=locked.village if locked.township_id else None,
            summary=locked.question,
            applicant=PartyData(role=Party.Role.APPLICANT, name=locked.name, phone=decrypt(locked.phone_encrypted)),
            intake_unit=locked.center,
        )
        code = case_code(case, consented_at=locked.consented_at, notice_version=locked.notice_version)
        locked.state = Consultation.State.TURNED
        locked.case = case
        locked.answer = _("您反映的问题属于矛盾纠纷，已转为纠纷登记（案件查询码 %(code)s），综治中心将尽快受理。") % {
            "code": display_code(code.code)
        }
        locked.answered_at = timezone.now()
        locked.answered_by = by
        locked._history_user = by
        locked.save(update_fields=["state", "case", "answer", "answered_at", "answered_by"])
        _text_citizen(
            locked,
            _("【%(site)s】您的网上咨询已转为矛盾纠纷登记，查询码 %(code)s，可在“矛盾纠纷·码上办”查询办理进度。")
            % {"site": settings.SITE_TITLE, "code": display_code(code.code)},
        )
    return case
