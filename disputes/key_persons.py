"""重点人员名单: marking a party as a key person, removing the mark, and reading the register.

A party becomes a key person by the rule at intake (three or more cases within a year with the
same ID or phone number) or by a center clerk with a reason; a mark is removed with a reason, never
deleted. Who may see or change the register: `disputes.rules`. Every mark, removal and view of the
register writes an `AuditEvent`; the entry itself keeps its history (django-simple-history)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Case, KeyPerson, Party
from disputes.rules import may_mark_key_person, may_view_key_persons
from governance.models import AuditEvent, User
from governance.services import record_audit

# 重点人员: a party who appears in this many cases within a year (the new one included).
KEY_PERSON_CASES_PER_YEAR = 3


class KeyPersonRefused(Exception):
    """The person may not change the register (the message says why)."""


def _entry(party: Party, case: Case, **fields) -> KeyPerson:
    return KeyPerson(
        party=party,
        case=case,
        township_id=case.township_id,
        name=party.name,
        id_number_index=party.id_number_index,
        phone_index=party.phone_index,
        **fields,
    )


def is_repeat_party(party: Party, since) -> bool:
    """The intake rule: this party's ID or phone number is in enough cases received since `since`."""
    same = Q(pk__in=[])
    if party.id_number_index:
        same |= Q(id_number_index=party.id_number_index)
    if party.phone_index:
        same |= Q(phone_index=party.phone_index)
    earlier = Party.objects.filter(same, case__received_at__gte=since).exclude(case=party.case_id)
    return earlier.values("case_id").distinct().count() + 1 >= KEY_PERSON_CASES_PER_YEAR


def mark_repeat_parties(case: Case, parties: Iterable[Party]) -> list[KeyPerson]:
    """At intake: list the case's parties whom the rule makes key persons, unless already listed."""
    since = case.received_at - timedelta(days=365)
    repeat = [p for p in parties if p.kind == Party.Kind.PERSON and is_repeat_party(p, since)]
    listed = KeyPerson.objects.active().matching(repeat)
    known = {k for e in listed for k in (e.id_number_index, e.phone_index) if k}
    entries = [
        _entry(p, case, source=KeyPerson.Source.RULE, reason=_("一年内涉及3件及以上纠纷"))
        for p in repeat
        if not {p.id_number_index, p.phone_index} & known
    ]
    return KeyPerson.objects.bulk_create(entries)


def key_party_ids(parties: Iterable[Party], user: User) -> set[int]:
    """Which of these parties stand in the register, for a person allowed to know (else none)."""
    return listed_party_ids(parties) if may_view_key_persons(user) else set()


def listed_party_ids(parties: Iterable[Party]) -> set[int]:
    """Which of these parties stand in the register: the party marked, or the same ID or phone."""
    parties = list(parties)
    if not parties:
        return set()
    entries = list(KeyPerson.objects.active().matching(parties))
    ids = {e.party_id for e in entries}
    numbers = {k for e in entries for k in (e.id_number_index, e.phone_index) if k}
    return {p.pk for p in parties if p.pk in ids or {p.id_number_index, p.phone_index} & numbers}


def mark_key_person(*, case: Case, party: Party, by: User, reason: str, request: HttpRequest | None = None):
    if not reason.strip():
        raise ValidationError({"reason": _("请写明列为重点人员的理由。")})
    if party.case_id != case.pk or not may_mark_key_person(case, by):
        raise KeyPersonRefused(_("只有本辖区综治中心工作人员可以标记重点人员。"))
    try:
        with transaction.atomic():
            entry = _entry(party, case, source=KeyPerson.Source.MANUAL, reason=reason.strip(), marked_by=by)
            entry._history_user = by
            entry.save()
            # The audit log names the register entry, not the person or the reason: the auditor
            # reads the log and sees no business data (三权分立); the entry keeps them, with history.
            record_audit(AuditEvent.Action.KEY_PERSON, request=request, user=by, detail=f"列入 重点人员登记#{entry.pk}")
    except IntegrityError as exc:  # the unique active mark: someone marked this party meanwhile
        raise KeyPersonRefused(_("该当事人已在重点人员名单中。")) from exc
    return entry


def remove_key_person(*, entry: KeyPerson, by: User, reason: str, request: HttpRequest | None = None) -> KeyPerson:
    if not reason.strip():
        raise ValidationError({"reason": _("请写明撤销的理由。")})
    with transaction.atomic():
        entry = KeyPerson.objects.select_for_update().select_related("case__township").get(pk=entry.pk)
        if not may_mark_key_person(entry.case, by):
            raise KeyPersonRefused(_("只有本辖区综治中心工作人员可以撤销重点人员标记。"))
        if entry.state != KeyPerson.State.ACTIVE:
            raise KeyPersonRefused(_("该标记已被撤销。"))
        entry.state = KeyPerson.State.REMOVED
        entry.removed_by, entry.removed_at, entry.removal_reason = by, timezone.now(), reason.strip()
        entry._history_user = by
        entry.save(update_fields=["state", "removed_by", "removed_at", "removal_reason"])
        record_audit(
            AuditEvent.Action.KEY_PERSON,
            request=request,
            user=by,
            detail=f"撤销 重点人员登记#{entry.pk}",
        )
    return entry


def record_register_view(request: HttpRequest, shown: int) -> None:
    record_audit(
        AuditEvent.Action.KEY_PERSON_VIEW, request=request, user=request.user, detail=f"重点人员名单 {shown} 条"
    )
