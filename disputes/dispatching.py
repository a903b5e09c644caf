"""What the dispatch form (分流转办) offers: the units grouped as a clerk looks for them, and the
lead unit this county usually gives such a case to.

The suggestion is learnt from past dispatches, never configured: of the cases of the same category
received in the last year in the same township (else anywhere the person sees), the lead unit most
often chosen among the units the person may dispatch to now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Case
from governance.models import Unit
from grids.models import Region

# How far back the suggestion looks: a year covers every season's disputes once.
SUGGESTION_DAYS = 365


@dataclass(frozen=True)
class Suggestion:
    unit: Unit
    count: int  # past cases of the kind this unit led
    scope: str  # where they were counted, for the sentence under the field

    @property
    def text(self) -> str:
        return _("建议主办：%(unit)s（近一年%(scope)s同类纠纷 %(n)d 件由其主办）") % {
            "unit": self.unit.name,
            "scope": self.scope,
            "n": self.count,
        }


def usual_lead_unit(case: Case, units: Sequence[Unit]) -> Suggestion | None:
    """The lead unit most often chosen for cases like this one (see the module docstring), or None
    when the case has no category yet or no past case of its kind went to one of `units`."""
    if case.category_id is None or not units:
        return None
    by_pk = {unit.pk: unit for unit in units}
    since = timezone.now() - timedelta(days=SUGGESTION_DAYS)
    past = Case.objects.filter(category_id=case.category_id, received_at__gte=since, lead_unit__in=list(by_pk)).exclude(
        pk=case.pk
    )
    scopes = []
    if case.township_id:
        scopes.append((past.filter(township_id=case.township_id), case.township.name))
    scopes.append((past, _("全辖区")))
    for cases, scope in scopes:
        top = cases.values("lead_unit").annotate(n=Count("id")).order_by("-n", "lead_unit")[:1]
        for row in top:
            return Suggestion(by_pk[row["lead_unit"]], row["n"], scope)
    return None


def unit_groups(units: Iterable[Unit]) -> list[tuple[str, list[Unit]]]:
    """The units under headings of place and kind (县直 · 职能部门, 城关镇 · 调解组织…), in the
    order given. A village committee sits under its township."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        region = unit.region
        if region.level == Region.Level.COUNTY:
            place = _("县直")
        elif region.level == Region.Level.VILLAGE and region.parent is not None:
            place = region.parent.name
        else:
            place = region.name
        groups.setdefault(f"{place} · {unit.get_kind_display()}", []).append(unit)
    return list(groups.items())
