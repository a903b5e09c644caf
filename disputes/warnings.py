"""预警: the rules that look across cases, run by the periodic warning scan, and closing a warning.

Five kinds (`WarningKind`), each with its county's thresholds (`WarningRule`, or `DEFAULT_RULES`):

- 同类纠纷短期高发: `threshold` or more cases of one category in one village within `days` days;
- 群体性纠纷: an open case involving `threshold` or more people;
- 当事人反复纠纷: one party (the same ID number or phone, matched by their blind indexes; the
  numbers themselves are encrypted) in `threshold` or more cases within `days` days;
- 越级上报: within `days` days, a case reported up to the county center (the REPORT_UPWARD step),
  or a walk-in at the county center's desk that went over the township's head: a group of five or
  more (越级集体访), a major emergency, or a party (the same ID number or phone) whose dispute the
  township took in during the PRIOR_DAYS before. An ordinary first walk-in at the county desk is
  not a warning: the county may take in any case (统一受理);
- 红色案件超时未签收: a red case dispatched more than `hours` hours ago and still unsigned.

Each warning is raised once: its `key` is unique in the database, and a spike or a repeated party
(which are about a window, not one case) is not raised again for the same village and category, or
the same person, while an earlier warning of theirs is younger than the window. A new warning goes
to the township's center and the county center (inbox notices) and into the daily summary of the
leaders whose jurisdiction holds it, and stays on the dashboard and the supervision list until a
center closes it with a note.

The scan reads a fixed number of queries whatever the number of cases: two per rule at most, then
one for what was raised before, the inserts, and two for the recipients.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import (
    GROUP_PEOPLE,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Channel,
    EarlyWarning,
    Party,
    Status,
    WarningKind,
    WarningRule,
)
from governance.models import Heartbeat, Notification, Role, Unit, User
from grids.models import PREFIX_LENGTH, Region

SCAN_NAME = "warning_scan"
K = WarningKind

# (threshold, days, hours) for a county without its own row of that kind.
DEFAULT_RULES: dict[str, tuple[int, int, int]] = {
    K.SPIKE: (3, 7, 0),
    K.GROUP: (10, 0, 0),
    K.REPEAT_PARTY: (3, 90, 0),
    K.UPWARD: (0, 30, 0),
    K.RED_UNSIGNED: (0, 0, 4),
}
RED_RISK_CODE = "red"
# The parties' blind indexes a repeated party is matched by (their numbers are encrypted).
PARTY_INDEXES = {"id": "id_number_index", "phone": "phone_index"}
# 越级来访: how far back a township's earlier case of the same party is looked for.
PRIOR_DAYS = 365


@dataclass
class Candidate:
    kind: str
    key: str
    subject: str
    township_id: int
    title: str
    case_ids: list[int]
    village_id: int | None = None
    window_days: int = 0  # a windowed warning: not again for its subject within this many days


@dataclass
class WarningScanResult:
    at: datetime
    raised: dict[str, int] = field(default_factory=dict)
    notices: int = 0

    def __str__(self) -> str:
        labels = dict(WarningKind.choices)
        rows = [f"{labels[kind]}: {n}" for kind, n in sorted(self.raised.items())]
        total = sum(self.raised.values())
        return "\n".join([*rows, _("新预警 %(n)d 条，通知 %(notices)d 条。") % {"n": total, "notices": self.notices}])


def rules_in_force() -> list[WarningRule]:
    """Every county's rule of every kind: its own row, or the default (unsaved). Two queries."""
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))
    own = {(r.county_id, r.kind): r for r in WarningRule.objects.all()}
    rules = []
    for county in counties:
        for kind, (threshold, days, hours) in DEFAULT_RULES.items():
            rule = own.get((county.pk, kind)) or WarningRule(
                county=county, kind=kind, threshold=threshold, days=days, hours=hours
            )
            rule.county = county
            if rule.is_active:
                rules.append(rule)
    return rules


def run_warning_scan(now: datetime | None = None) -> WarningScanResult:
    """What the beat task and the command call. Serialised on a row lock like the overdue scan, so
    a manual run during a beat run cannot raise the same warning twice."""
    now = now or timezone.now()
    result = WarningScanResult(at=now)
    with transaction.atomic():
        Heartbeat.objects.get_or_create(name=SCAN_NAME, defaults={"at": now})
        Heartbeat.objects.select_for_update().filter(name=SCAN_NAME).first()
        candidates: list[Candidate] = []
        for rule in rules_in_force():
            candidates += DETECTORS[rule.kind](rule, now)
        warnings, result.notices = raise_warnings(candidates, now)
        for w in warnings:
            result.raised[w.kind] = result.raised.get(w.kind, 0) + 1
        Heartbeat.objects.filter(name=SCAN_NAME).update(at=timezone.now())
    return result


def raise_warnings(candidates: list[Candidate], now: datetime) -> tuple[list[EarlyWarning], int]:
    """The candidates not raised before, inserted with their cases and notified; the scan's lock
    must be held (a caller outside the scan takes it too). Returns the warnings and the notices."""
    new = _not_raised_before(candidates, now)
    warnings = EarlyWarning.objects.bulk_create(
        [
            EarlyWarning(
                kind=c.kind,
                key=c.key,
                subject=c.subject,
                township_id=c.township_id,
                village_id=c.village_id,
                title=c.title[:200],
                raised_at=now,
            )
            for c in new
        ]
    )
    through = EarlyWarning.cases.through
    through.objects.bulk_create(
        [
            through(earlywarning_id=w.pk, case_id=case_id)
            for w, c in zip(warnings, new, strict=True)
            for case_id in c.case_ids
        ]
    )
    return warnings, _notify(warnings, now)


def _not_raised_before(candidates: list[Candidate], now: datetime) -> list[Candidate]:
    """One query: the candidates whose key was raised before, or whose subject was raised within
    its window, are left out."""
    if not candidates:
        return []
    windowed = [c for c in candidates if c.window_days]
    since = now - timedelta(days=max((c.window_days for c in windowed), default=0))
    condition = Q(key__in=[c.key for c in candidates])
    if windowed:
        condition |= Q(subject__in=[c.subject for c in windowed], raised_at__gt=since)
    keys, last_raised = set(), {}
    for key, subject, raised_at in EarlyWarning.objects.filter(condition).values_list("key", "subject", "raised_at"):
        keys.add(key)
        last_raised[subject] = max(raised_at, last_raised.get(subject, raised_at))
    new, seen = [], set()
    for c in candidates:
        recent = c.window_days and c.subject in last_raised and last_raised[c.subject] > now - timedelta(c.window_days)
        if c.key in keys or c.key in seen or recent:
            continue
        seen.add(c.key)
        new.append(c)
    return new


def _notify(warnings: list[EarlyWarning], now: datetime) -> int:
    """To the township's center and the county center, who act on it. The leaders over the
    township read new warnings in their daily summary (disputes/scan.py `_leader_digests`), not one
    notice each. Two queries for the recipients (the townships, the centers), one insert."""
    if not warnings:
        return 0
    townships = {r.pk: r for r in Region.objects.filter(pk__in={w.township_id for w in warnings})}
    centers: dict[str, list[int]] = defaultdict(list)  # region prefix -> center units
    for pk, code, level in Unit.objects.filter(
        # A county center of another county has a prefix no township here starts with.
        Q(kind=Unit.Kind.TOWNSHIP_CENTER, region__in=townships.values()) | Q(kind=Unit.Kind.COUNTY_CENTER),
        is_active=True,
    ).values_list("pk", "region__code", "region__level"):
        centers[code[: PREFIX_LENGTH[level]]].append(pk)
    notices = []
    for w in warnings:
        code = townships[w.township_id].code
        url = reverse("disputes-warning", args=[w.pk])
        title = _("【预警】%(t)s") % {"t": w.title}
        units = [u for prefix, ids in centers.items() if code.startswith(prefix) for u in ids]
        notices += [Notification(unit_id=u, title=title[:120], body=w.title, url=url, created_at=now) for u in units]
    Notification.objects.bulk_create(notices, batch_size=2000)
    return len(notices)


# --- The rules ------------------------------------------------------------------------------------


def _cases_of(rule: WarningRule):
    return Case.objects.filter(township__code__startswith=rule.county.prefix).exclude(status=Status.REJECTED)


def _already_warned(kind: str, **extra) -> Exists:
    return Exists(EarlyWarning.cases.through.objects.filter(case_id=OuterRef("pk"), earlywarning__kind=kind, **extra))


def detect_spikes(rule: WarningRule, now: datetime) -> list[Candidate]:
    """Two queries: the groups at the threshold, then their cases."""
    window = _cases_of(rule).filter(
        received_at__gt=now - timedelta(days=rule.days), village__isnull=False, category__isnull=False
    )
    groups = list(
        window.order_by()
        .values("village", "category")
        .annotate(n=Count("pk"))
        .filter(n__gte=rule.threshold)
        .values_list("village", "category")
    )
    if not groups:
        return []
    cases: dict[tuple[int, int], list[tuple[int, int, str, str]]] = defaultdict(list)
    rows = (
        window.filter(village__in={v for v, _c in groups}, category__in={c for _v, c in groups})
        .order_by("received_at", "pk")
        .values_list("pk", "village", "category", "township", "village__name", "category__name")
    )
    for pk, village, category, township, village_name, category_name in rows:
        if (village, category) in groups:
            cases[village, category].append((pk, township, village_name, category_name))
    day = timezone.localdate(now)
    found = []
    for (village, category), rows_of in cases.items():
        subject = f"spike:{village}:{category}"
        found.append(
            Candidate(
                kind=K.SPIKE,
                key=f"{subject}:{day:%Y%m%d}",
                subject=subject,
                township_id=rows_of[0][1],
                village_id=village,
                title=_("%(v)s近%(d)d天发生同类纠纷%(n)d件（%(c)s）")
                % {"v": rows_of[0][2], "d": rule.days, "c": rows_of[0][3], "n": len(rows_of)},
                case_ids=[r[0] for r in rows_of],
                window_days=rule.days,
            )
        )
    return found


def detect_groups(rule: WarningRule, now: datetime) -> list[Candidate]:
    """One query: open cases at the threshold not warned before."""
    rows = (
        _cases_of(rule)
        .filter(status__in=OPEN_STATUSES, people_involved__gte=rule.threshold)
        .exclude(_already_warned(K.GROUP))
        .order_by("pk")
        .values_list("pk", "number", "township", "village", "people_involved", "township__name")
    )
    return [
        Candidate(
            kind=K.GROUP,
            key=f"group:{pk}",
            subject=f"group:{pk}",
            township_id=township,
            village_id=village,
            title=_("群体性纠纷：%(t)s案件%(no)s涉及%(n)d人") % {"t": name, "no": number, "n": people},
            case_ids=[pk],
        )
        for pk, number, township, village, people, name in rows
    ]


def detect_repeat_parties(rule: WarningRule, now: datetime) -> list[Candidate]:
    """Three queries: the ID indexes and the phone indexes at the threshold, then their parties.
    A person found by both is warned once (by ID number)."""
    parties = Party.objects.filter(
        case__township__code__startswith=rule.county.prefix, case__received_at__gt=now - timedelta(days=rule.days)
    ).exclude(case__status=Status.REJECTED)
    repeated = {
        name: set(
            parties.exclude(**{column: ""})
            .order_by()
            .values(column)
            .annotate(n=Count("case", distinct=True))
            .filter(n__gte=rule.threshold)
            .values_list(column, flat=True)
        )
        for name, column in PARTY_INDEXES.items()
    }
    if not repeated["id"] and not repeated["phone"]:
        return []
    people: dict[tuple[str, str], dict] = {}
    rows = (
        parties.filter(Q(id_number_index__in=repeated["id"]) | Q(phone_index__in=repeated["phone"]))
        .order_by("case__received_at", "pk")
        .values_list("id_number_index", "phone_index", "case", "case__township", "name")
    )
    for id_index, phone_index, case_id, township, name in rows:
        for column, index in (("id", id_index), ("phone", phone_index)):
            if index in repeated[column]:
                person = people.setdefault((column, index), {"cases": [], "name": name, "township": township})
                if case_id not in person["cases"]:
                    person["cases"].append(case_id)
                person["township"] = township  # the latest case's township
    found, by_id = [], [set(p["cases"]) for (column, _i), p in people.items() if column == "id"]
    for (column, index), person in people.items():
        if column == "phone" and set(person["cases"]) in by_id:
            continue
        subject = f"repeat:{column}:{index[:64]}"
        found.append(
            Candidate(
                kind=K.REPEAT_PARTY,
                key=f"{subject}:{timezone.localdate(now):%Y%m%d}",
                subject=subject,
                township_id=person["township"],
                title=_("当事人%(p)s近%(d)d天涉及纠纷%(n)d件")
                % {"p": person["name"], "d": rule.days, "n": len(person["cases"])},
                case_ids=person["cases"],
                window_days=rule.days,
            )
        )
    return found


def detect_upward(rule: WarningRule, now: datetime) -> list[Candidate]:
    """One query: cases reported up to the county center, or brought to its desk over the township's
    head, in the window."""
    since = now - timedelta(days=rule.days)
    reported = Exists(
        CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseEvent.Action.REPORT_UPWARD, at__gt=since)
    )
    # A party of the case met before in a case the township took in (by ID number or phone).
    same_person = Q(id_number_index=OuterRef("id_number_index"), id_number_index__gt="") | Q(
        phone_index=OuterRef("phone_index"), phone_index__gt=""
    )
    earlier_at_township = Party.objects.filter(
        same_person,
        case__received_at__lt=OuterRef("case__received_at"),
        case__received_at__gt=since - timedelta(days=PRIOR_DAYS),
        case__intake_unit__kind=Unit.Kind.TOWNSHIP_CENTER,
    )
    went_before = Exists(Party.objects.filter(case=OuterRef("pk")).filter(Exists(earlier_at_township)))
    at_county_desk = Q(intake_unit__kind=Unit.Kind.COUNTY_CENTER, channel=Channel.VISIT, received_at__gt=since) & (
        Q(people_involved__gte=GROUP_PEOPLE) | Q(major_emergency=True) | went_before
    )
    rows = (
        _cases_of(rule)
        .filter(reported | at_county_desk)
        .exclude(_already_warned(K.UPWARD))
        .annotate(reported=reported)
        .order_by("pk")
        .values_list("pk", "number", "township", "village", "township__name", "reported")
    )
    return [
        Candidate(
            kind=K.UPWARD,
            key=f"upward:{pk}",
            subject=f"upward:{pk}",
            township_id=township,
            village_id=village,
            title=(
                _("越级上报：%(t)s案件%(no)s已上报县综治中心")
                if was_reported
                else _("越级来访：%(t)s案件%(no)s直接到县综治中心反映")
            )
            % {"t": name, "no": number},
            case_ids=[pk],
        )
        for pk, number, township, village, name, was_reported in rows
    ]


def detect_red_unsigned(rule: WarningRule, now: datetime) -> list[Candidate]:
    """One query: red cases dispatched more than `hours` ago, unsigned, not warned since dispatch."""
    rows = (
        _cases_of(rule)
        .filter(
            status=Status.DISPATCHED,
            risk_level__code=RED_RISK_CODE,
            dispatched_at__lte=now - timedelta(hours=rule.hours),
        )
        .exclude(_already_warned(K.RED_UNSIGNED, earlywarning__raised_at__gte=OuterRef("dispatched_at")))
        .order_by("pk")
        .values_list("pk", "number", "township", "village", "dispatched_at", "lead_unit__name")
    )
    return [
        Candidate(
            kind=K.RED_UNSIGNED,
            key=f"red_unsigned:{pk}:{int(dispatched.timestamp())}",
            subject=f"red_unsigned:{pk}",
            township_id=township,
            village_id=village,
            title=_("红色案件%(no)s分流超过%(h)d小时未签收（%(u)s）")
            % {"no": number, "h": rule.hours, "u": unit or "—"},
            case_ids=[pk],
        )
        for pk, number, township, village, dispatched, unit in rows
    ]


DETECTORS = {
    K.SPIKE: detect_spikes,
    K.GROUP: detect_groups,
    K.REPEAT_PARTY: detect_repeat_parties,
    K.UPWARD: detect_upward,
    K.RED_UNSIGNED: detect_red_unsigned,
}


# --- Closing --------------------------------------------------------------------------------------


def close_warning(*, warning: EarlyWarning, by: User, note: str) -> EarlyWarning:
    """处置: a center closes the warning with what was done. Only center staff of its jurisdiction."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写处置情况。")})
    if not by.has_role(Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        raise ValidationError(_("只有综治中心工作人员可以处置预警。"))
    with transaction.atomic():
        warning = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        if warning.state != EarlyWarning.State.OPEN:
            raise ValidationError(_("该预警已处置。"))
        warning.state = EarlyWarning.State.CLOSED
        warning.closed_by, warning.closed_at, warning.close_note = by, timezone.now(), note[:2000]
        warning.save(update_fields=["state", "closed_by", "closed_at", "close_note"])
    return warning


# --- Showing ----------------------------------------------------------------------------------------


@dataclass
class OpenWarnings:
    rows: list[EarlyWarning]
    total: int


def open_warnings(user: User, limit: int = 5) -> OpenWarnings:
    """The newest open warnings of the person's jurisdiction and how many there are: two queries
    (none for a person who sees no warnings)."""
    warnings = EarlyWarning.objects.visible_to(user).open()
    rows = list(warnings.select_related("township", "village").order_by("-raised_at", "-pk")[:limit])
    total = len(rows) if len(rows) < limit else warnings.count()
    return OpenWarnings(rows, total)
