"""The overdue scan's part for 网上咨询 (online enquiries), listed in settings.OVERDUE_SCANNERS.

The levels are the night-visit issues' and meeting decisions' (`governance.reminders.item_level`):
临期 to the answering center; 黄牌 to the center and its heads; 红牌, every day, to its heads (to the
center itself when it has none on record) and, for a township center, to the county center above
it. Two or three queries whatever the number of questions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Consultation
from governance.models import Reminder, Unit
from governance.reminders import Due, item_candidates_due_by, item_level, unit_heads


def consultation_dues(now: datetime) -> Iterator[Due]:
    today = timezone.localdate(now)
    candidates = list(
        Consultation.objects.filter(state=Consultation.State.WAITING, answer_due__lte=item_candidates_due_by(today))
        .select_related("center")
        .only("question", "answer_due", "center__name", "center__kind")
        .order_by("answer_due", "pk")
    )
    if not candidates:
        return
    heads = unit_heads(c.center_id for c in candidates)
    county = Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER, is_active=True).order_by("pk").first()
    for consultation in candidates:
        due = _due(consultation, today, heads.get(consultation.center_id, ()), county)
        if due is not None:
            yield due


def _due(consultation: Consultation, today: date, heads: tuple[int, ...], county: Unit | None) -> Due | None:
    owed = item_level(consultation.answer_due, today)
    if owed is None:
        return None
    common = {
        "subject": f"consultation:{consultation.pk}",
        "kind": "consultation",
        "level": owed.level,
        "day": owed.day,
        "url": reverse("disputes-consultation", args=[consultation.pk]),
        "body": consultation.question[:500],
    }
    what = {"s": consultation.question[:30], "d": f"{consultation.answer_due:%Y-%m-%d}", "u": consultation.center.name}
    if owed.level == Reminder.Level.RED:
        units = () if heads else (consultation.center_id,)
        if county is not None and county.pk != consultation.center_id:
            units += (county.pk,)
        return Due(
            title=_("【红牌】网上咨询超过答复期限%(n)d个工作日未答复（%(u)s）：%(s)s") % {**what, "n": owed.late},
            units=units,
            users=heads,
            **common,
        )
    if owed.level == Reminder.Level.YELLOW:
        return Due(
            title=_("【黄牌】网上咨询已超过答复期限%(d)s（%(u)s）：%(s)s") % what,
            units=(consultation.center_id,),
            users=heads,
            **common,
        )
    return Due(title=_("【临期】网上咨询须于%(d)s前答复：%(s)s") % what, units=(consultation.center_id,), **common)
