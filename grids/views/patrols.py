"""巡查日志 of a grid worker: their own logs, a new log, and reporting a finding as a case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.models import Category
from disputes.services import TransitionRefused
from governance.views import nav_required
from grids.models import PatrolLog
from grids.patrol_forms import PatrolForm, PatrolReportForm
from grids.patrols import record_patrol, report_patrol_finding


@nav_required("patrols")
def patrol_list(request: HttpRequest) -> HttpResponse:
    logs = PatrolLog.objects.filter(worker=request.user).select_related("grid", "case")
    page = Paginator(logs, 20).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "today": today,
        "written_today": logs.filter(date=today).exists(),
        # One list for every log's 上报 form, so the page costs the same for 1 log or 20.
        "categories": list(Category.objects.filter(is_active=True)),
    }
    return render(request, "grids/patrol_list.html", context)


@nav_required("patrols")
def patrol_create(request: HttpRequest) -> HttpResponse:
    form = PatrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            log = record_patrol(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            if log.case is not None:
                messages.success(
                    request,
                    _("巡查日志已保存，发现情况已上报，案件编号 %(n)s，等待镇（街道）综治中心受理。")
                    % {"n": log.case.number},
                )
            else:
                messages.success(request, _("巡查日志已保存。"))
            return redirect("grids-patrols")
    return render(request, "grids/patrol_create.html", {"form": form})


@require_POST
@nav_required("patrols")
def patrol_report(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(PatrolLog.objects.filter(worker=request.user), pk=pk)  # another's log → 404
    form = PatrolReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("所选纠纷类别不存在或已停用，请重新选择。"))
        return redirect("grids-patrols")
    try:
        log = report_patrol_finding(log=log, by=request.user, category=form.cleaned_data["category"])
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("已上报，案件编号 %(n)s，等待镇（街道）综治中心受理。") % {"n": log.case.number})
    return redirect("grids-patrols")
