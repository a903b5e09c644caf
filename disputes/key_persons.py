"""重点人员名单: marking a party as a key person, removing the mark, and reading the register.

A party becomes a key person by the rule at intake (three or more cases within a year with the
same ID or phone number) or by a center clerk with a reason; a mark is removed with a reason, never
deleted. Who may see or change the register: `disputes.rules`. Every mark, removal and view of the
register writes an `AuditEvent`; the entry itself keeps its history (django-simple-history)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Case, KeyPerson, Party
from disputes.rules import may_mark_key_person, may_view_key_persons
from governance.crypto import blind_index
from governance.models import AuditEvent, User
from governance.services import record_audit

# 重点人员: a party who appears in this many cases within a year (the new one included).
KEY_PERSON_CASES_PER_YEAR = 3
# Of a key person's other cases, the case page lists this many (the newest) and counts the rest.
OTHER_CASES_SHOWN = 5


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


# --- At intake and on the case page (issue 15, finding 8) ----------------------------------------


def register_matches(
    user: User, *, id_number: str = "", phone: str = "", request: HttpRequest | None = None
) -> list[KeyPerson]:
    """The active register entries of the person's jurisdiction with this (normalised) ID or phone
    number: what the intake form flags as the clerk types, before saving. Scoped and audited like
    the register itself; the audit row names how many entries were found, never the number."""
    same = Q(pk__in=[])
    if id_number:
        same |= Q(id_number_index=blind_index(id_number))
    if phone:
        same |= Q(phone_index=blind_index(phone))
    entries = list(KeyPerson.objects.visible_to(user).active().filter(same).select_related("township")[:5])
    record_audit(
        AuditEvent.Action.KEY_PERSON_VIEW, request=request, user=user, detail=f"受理时核对重点人员 {len(entries)} 条"
    )
    return entries


@dataclass
class KeyPartyFacts:
    """What the case page says of a party in the register: his entry, and when the entry is in the
    reader's register (his jurisdiction), his other cases the reader may see (the newest first) and
    the last contact, the newest of them."""

    entry: KeyPerson
    in_register: bool = False
    other_cases: list[Case] = field(default_factory=list)
    other_count: int = 0

    @property
    def last_contact(self) -> Case | None:
        return self.other_cases[0] if self.other_cases else None


def key_party_facts(case: Case, parties: Iterable[Party], user: User) -> dict[int, KeyPartyFacts]:
    """For each party of the case in the register, for a person allowed to know (else none). One
    query when nobody is listed (the badge's), four however many parties and cases otherwise."""
    if not may_view_key_persons(user):
        return {}
    parties = list(parties)
    entries = list(KeyPerson.objects.active().matching(parties)) if parties else []
    facts: dict[int, KeyPartyFacts] = {}
    for party in parties:
        for entry in entries:
            numbers = {entry.id_number_index, entry.phone_index} - {""}
            if entry.party_id == party.pk or {party.id_number_index, party.phone_index} & numbers:
                facts[party.pk] = KeyPartyFacts(entry)
                break
    if not facts:
        return facts
    in_register = set(
        KeyPerson.objects.visible_to(user)
        .filter(pk__in=[f.entry.pk for f in facts.values()])
        .values_list("pk", flat=True)
    )
    for fact in facts.values():
        fact.in_register = fact.entry.pk in in_register
    own = {
        party.pk: {party.id_number_index, party.phone_index, *_entry_numbers(facts[party.pk])} - {""}
        for party in parties
        if party.pk in facts and facts[party.pk].in_register
    }
    numbers = set().union(*own.values()) if own else set()
    rows = Party.objects.filter(Q(id_number_index__in=numbers) | Q(phone_index__in=numbers)).exclude(case=case)
    case_numbers: dict[int, set[str]] = {}
    for case_id, id_index, phone_index in (
        rows.values_list("case_id", "id_number_index", "phone_index") if numbers else ()
    ):
        case_numbers.setdefault(case_id, set()).update(k for k in (id_index, phone_index) if k)
    if not case_numbers:
        return facts
    cases = Case.objects.visible_to(user).filter(pk__in=case_numbers).order_by("-received_at")
    for other in cases.only("pk", "number", "received_at", "channel", "status"):
        for party_pk, party_numbers in own.items():
            if party_numbers & case_numbers[other.pk]:
                fact = facts[party_pk]
                fact.other_count += 1
                if len(fact.other_cases) < OTHER_CASES_SHOWN:
                    fact.other_cases.append(other)
    return facts


def _entry_numbers(fact: KeyPartyFacts) -> tuple[str, str]:
    return fact.entry.id_number_index, fact.entry.phone_index
