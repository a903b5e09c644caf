"""我的导出: the person's export jobs, their progress as JSON for the page's script, the download.

Every lookup is the person's own jobs (`ExportJob.objects.filter(user=…)`): another person's job
answers 404 whoever asks, the administrators included (they may ask for no export, so have none;
the list page refuses them with 403 like every business page)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from governance.export_jobs import ExportRefused, downloadable, export_kind, may_export, request_export
from governance.models import AuditEvent, ExportJob
from governance.services import record_audit

# Jobs listed on the page; older ones are still kept (HISTORY_DAYS) but not shown.
LISTED = 30


def exporter_required(view):
    """Signed in with a role that may ask for some export; others (the three administrators, grid
    workers) get 403, audited, as on every page their menu does not offer."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_export(request.user):
            record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user)
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def own_jobs(request: HttpRequest) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(user=request.user)


def job_status(job: ExportJob, user) -> dict:
    """What the page shows of a job; the same for its first render and for each poll."""
    ready = downloadable(job, user)
    # A written file past its day, or asked under a post the person no longer holds: 已失效.
    stale = job.state == ExportJob.State.DONE and not ready
    state_label = _("已失效") if stale else job.get_state_display()
    if job.rows_total is None:
        rows = _("正在统计行数…") if job.state == ExportJob.State.RUNNING else ""
    else:
        rows = _("%(done)s / %(total)s 行") % {"done": f"{job.rows_written:,}", "total": f"{job.rows_total:,}"}
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": state_label,
        "live": job.state in ExportJob.LIVE_STATES,
        "percent": job.percent,
        "rows": rows,
        "error": _(job.error) if job.error else "",
        "download_url": reverse("governance-export-download", args=[job.pk]) if ready else "",
        "file": f"{job.filename}（{filesizeformat(job.file_size)}）" if ready else "",
        "expires": (
            _("保留至 %(time)s") % {"time": f"{timezone.localtime(job.expires_at):%Y-%m-%d %H:%M}"} if ready else ""
        ),
    }


def ask_for_export(request: HttpRequest, kind: str, params: dict, title: str, *, back: str) -> HttpResponse:
    """What an export button's POST answers: the job asked for (or the same one already under
    way), then 我的导出; a refusal goes back to `back` with its reason."""
    try:
        job, created = request_export(user=request.user, kind=kind, params=params, title=title, request=request)
    except ExportRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    if not created:
        messages.info(request, _("相同条件的导出正在进行，请等待其完成。"))
    elif job.error:
        messages.warning(request, _(job.error))
    else:
        messages.success(request, _("已开始导出，完成后可在本页下载。"))
    return redirect("governance-exports")


@exporter_required
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = list(own_jobs(request)[:LISTED])
    rows = [(job, export_kind(job.kind).label, job_status(job, request.user)) for job in jobs]
    return render(request, "governance/export_list.html", {"rows": rows, "keep_hours": settings.EXPORT_KEEP_HOURS})


@login_required
def export_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(own_jobs(request), pk=pk)
    return JsonResponse(job_status(job, request.user))


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_object_or_404(own_jobs(request), pk=pk)
    if not downloadable(job, request.user):
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    label = export_kind(job.kind).label
    record_audit(
        AuditEvent.Action.EXPORT,
        request=request,
        user=request.user,
        detail=f"下载导出{label}（任务 {job.pk}）{job.rows_written} 条",
    )
    response = FileResponse(handle, as_attachment=True, filename=job.filename)
    # Names of the parties are personal data: no shared or browser cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
