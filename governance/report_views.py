"""Pages of the report tables (/reports/tables/): the list, a unit's table for a period (fill and
submit, or the frozen version and its history), 重新生成, print and .xlsx. Rules live in
governance/report_tables.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import report_tables as rt
from governance.models import AuditEvent, ReportFiling, ReportForm, ReportVersion, Role
from governance.services import record_audit
from governance.views import nav_required

# Leaders read the tables; the centers' staff fill and submit them.
FILER_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
RECENT_PERIODS = 12


@dataclass
class Page:
    form: ReportForm
    period: rt.Period
    region: object
    filing: ReportFiling | None
    version: ReportVersion | None
    table: rt.Table
    can_file: bool


def _region(request: HttpRequest, own):
    """The person's own region, or (`?of=<code>`) a township under it: a county reads its townships'
    tables. Outside the person's jurisdiction: 404."""
    code = request.GET.get("of", "").strip()
    if not code or code == own.code:
        return own
    from grids.models import Region

    return get_object_or_404(Region, code=code[:12], level=Region.Level.TOWNSHIP, code__startswith=own.prefix)


def _page(request: HttpRequest, code: str, kind: str, slug: str) -> Page:
    own = rt.filer_region(request.user)
    if own is None:
        raise Http404
    form = get_object_or_404(ReportForm, code=code, active=True)
    period = rt.parse_period(form, kind, slug)
    region = _region(request, own)
    filing = ReportFiling.objects.filter(form=form, region=region, kind=kind, start=period.start).first()
    version = None
    if filing is not None:
        versions = filing.versions.select_related("submitted_by")
        wanted = request.GET.get("v", "")
        version = (
            versions.filter(number=int(wanted)).first() if wanted.isdigit() and len(wanted) < 5 else None
        ) or versions.first()
        table = rt.frozen_table(version, period)
    else:
        table = rt.live_table(form, period, region)
    can_file = region == own and bool(request.user.role_codes & FILER_ROLES)
    return Page(form, period, region, filing, version, table, can_file)


@nav_required("report_tables")
def table_list(request: HttpRequest) -> HttpResponse:
    """The forms, each with its recent periods and this unit's filing state (and, for the county,
    how many townships filed)."""
    region = rt.filer_region(request.user)
    if region is None:
        raise Http404
    forms = list(ReportForm.objects.filter(active=True))
    townships = list(rt.townships_of(region)) if region.level == "county" else []
    filings = {
        (f.form_id, f.kind, f.start, f.region_id): f
        for f in ReportFiling.objects.filter(form__in=forms, region__in=[region, *townships])
    }
    today = timezone.localdate()
    listing = []
    for form in forms:
        for kind in rt.form_kinds(form):
            period, periods = rt.last_complete(kind, today), []
            for _n in range(RECENT_PERIODS if kind == "month" else 4):
                if period.start.year < 2000:
                    break
                mine = filings.get((form.pk, kind, period.start, region.pk))
                filed = sum(1 for t in townships if (form.pk, kind, period.start, t.pk) in filings)
                periods.append(
                    {
                        "period": period,
                        "filing": mine,
                        "overdue": mine is None
                        and bool(form.filing_from)
                        and period.start >= form.filing_from
                        and today > period.due(form),
                        "filed": filed,
                        "due": period.due(form),
                    }
                )
                period = period.previous()
            listing.append({"form": form, "kind": kind, "kind_label": rt.KIND_LABELS[kind], "periods": periods})
    return render(
        request,
        "governance/reports/table_list.html",
        {"region": region, "listing": listing, "townships": len(townships)},
    )


def _bad_period(request: HttpRequest, error: ValidationError) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect("report-tables")


@nav_required("report_tables")
def table_detail(request: HttpRequest, code: str, kind: str, period: str) -> HttpResponse:
    try:
        page = _page(request, code, kind, period)
    except ValidationError as error:
        return _bad_period(request, error)
    return render(request, "governance/reports/table_detail.html", _context(page))


def _context(page: Page, **extra) -> dict:
    top, second = rt.column_heads(page.table.layout)
    rows = list(zip(rt.row_heads(page.table.layout), page.table.grid(), strict=True))
    missing, filed, townships = page.table.missing, page.table.filed, page.table.townships
    if page.region.level == "county" and filed is None:
        missing, filed, townships = rt.missing_and_filed(page.form, page.period, page.region)
    # A county's page: each township's table, its state and a link to read it.
    townships = [(t, filed.get(t.pk)) for t in townships or ()]
    versions = list(page.filing.versions.select_related("submitted_by")) if page.filing else []
    return {
        "page": page,
        "top": top,
        "second": second,
        "rows": rows,
        "missing": missing,
        "townships": townships,
        "versions": versions,
        "due": page.period.due(page.form),
        "today": timezone.localdate(),
        "typed_keys": {key for key, _r, _c in rt.typed_keys(page.table.layout, page.region.level)},
        "links": True,
        **extra,
    }


def _filer(request: HttpRequest) -> None:
    if not request.user.role_codes & FILER_ROLES:
        record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user)
        raise PermissionDenied


@require_POST
@nav_required("report_tables")
def table_submit(request: HttpRequest, code: str, kind: str, period: str) -> HttpResponse:
    """上报: freeze this unit's table for the period."""
    _filer(request)
    page = None
    try:
        page = _page(request, code, kind, period)
        rt.submit_table(
            form=page.form,
            period=page.period,
            region=page.region,
            user=request.user,
            data=request.POST,
            preparer=request.POST.get("preparer", ""),
            signer=request.POST.get("signer", ""),
            remark=request.POST.get("remark", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if page is not None and page.filing is None and page.can_file:
            # The form again with what was typed, so one bad cell does not cost the others.
            for key, _row, _column in rt.typed_keys(page.table.layout, page.region.level):
                page.table.cells[key].value = request.POST.get(key, "")[:20]
            return render(
                request, "governance/reports/table_detail.html", _context(page, posted=request.POST), status=400
            )
    else:
        messages.success(request, _("%(p)s的%(f)s已上报。") % {"p": page.period.label, "f": page.form.name})
    return redirect("report-table", code=code, kind=kind, period=period)


@require_POST
@nav_required("report_tables")
def table_regenerate(request: HttpRequest, code: str, kind: str, period: str) -> HttpResponse:
    """重新生成: count the submitted table again, as a new version with the reason."""
    _filer(request)
    try:
        page = _page(request, code, kind, period)
        if page.filing is None:
            raise ValidationError(_("本期报表尚未上报，请先上报。"))
        rt.regenerate_table(
            filing=page.filing,
            user=request.user,
            data=request.POST,
            preparer=request.POST.get("preparer", ""),
            signer=request.POST.get("signer", ""),
            reason=request.POST.get("reason", ""),
            remark=request.POST.get("remark", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已重新生成，原版本保留在历史中。"))
    return redirect("report-table", code=code, kind=kind, period=period)


@nav_required("report_tables")
def table_print(request: HttpRequest, code: str, kind: str, period: str) -> HttpResponse:
    try:
        page = _page(request, code, kind, period)
    except ValidationError as error:
        return _bad_period(request, error)
    return render(request, "governance/reports/table_print.html", _context(page))


@nav_required("report_tables")
def table_export(request: HttpRequest, code: str, kind: str, period: str) -> HttpResponse:
    try:
        page = _page(request, code, kind, period)
    except ValidationError as error:
        return _bad_period(request, error)
    version = page.version
    title = f"{page.form.name}（{page.period.label}）"
    content = rt.workbook(
        page.table,
        title=title,
        unit=version.filing.unit.name if version else page.region.name,
        preparer=version.preparer if version else "",
        signer=version.signer if version else "",
        when=timezone.localtime(version.submitted_at).strftime("%Y-%m-%d") if version else "",
        remark=version.remark if version else "",
    )
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=f"{title} {page.region.name}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{title}-{page.region.name}.xlsx")
    patch_cache_control(response, private=True, no_store=True)
    return response
