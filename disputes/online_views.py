"""网上受理统计 (/cases/online/): the monthly count of online submissions by outcome."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.online_stats import online_counts
from governance.views import nav_required

YEARS_SHOWN = 5


@nav_required("online")
def online_submissions(request: HttpRequest) -> HttpResponse:
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - YEARS_SHOWN, -1))
    year = this_year
    raw = request.GET.get("year", "")
    if raw:
        if raw.isdigit() and int(raw) in years:
            year = int(raw)
        else:
            messages.warning(request, _("年份无效，已显示 %(y)d 年。") % {"y": this_year})
    months, total = online_counts(request.user, year)
    return render(
        request, "disputes/online_counts.html", {"year": year, "years": years, "months": months, "total": total}
    )
