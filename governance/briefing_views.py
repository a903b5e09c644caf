"""信息通报 pages (/reports/briefings/): the list by period, a draft to complete, issue, correct,
download as .docx. Center staff draft and issue; leaders read. Rules in governance/briefings.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from governance import briefing_documents, briefings
from governance.models import AuditEvent, Briefing
from governance.services import record_audit
from governance.views import nav_required

# --- forms --------------------------------------------------------------------------------------


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), choices=Briefing.Kind.choices)
    day = forms.DateField(
        label=gettext_lazy("所属时段中的任一天"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("请填写日期，格式为 年-月-日（如 2026-03-01）。")},
    )
    place = forms.ChoiceField(label=gettext_lazy("区域"))

    def __init__(self, *args, places: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.code: p for p in places}
        self.fields["place"].choices = [(p.code, p.name) for p in places]
        _styled(self)


class TextForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    dynamics = forms.CharField(label=gettext_lazy("工作动态"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    analysis = forms.CharField(label=gettext_lazy("分析研判"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(
        label=gettext_lazy("下步打算"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    typical_cases = forms.CharField(
        label=gettext_lazy("典型案例（案件编号，每行一个）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    report_to = forms.CharField(label=gettext_lazy("报送"), max_length=200, required=False)
    copy_to = forms.CharField(label=gettext_lazy("抄送"), max_length=200, required=False)
    correction_note = forms.CharField(
        label=gettext_lazy("更正说明（更正了什么）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    def text(self) -> briefings.BriefingText:
        data = self.cleaned_data
        return briefings.BriefingText(
            title=data["title"],
            dynamics=data["dynamics"],
            analysis=data["analysis"],
            next_steps=data["next_steps"],
            report_to=data["report_to"],
            copy_to=data["copy_to"],
            typical_cases=briefings.parse_case_numbers(data["typical_cases"]),
            correction_note=data["correction_note"],
        )


def _styled(form: forms.Form) -> None:
    from disputes.forms import style_widgets  # the Bootstrap classes every form of the site wears

    style_widgets(form, small=True)


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _initial(briefing: Briefing) -> dict:
    fields = ("title", "dynamics", "analysis", "next_steps", "report_to", "copy_to", "correction_note")
    return {**{f: getattr(briefing, f) for f in fields}, "typical_cases": "\n".join(briefing.typical_cases)}


# --- views --------------------------------------------------------------------------------------


def _drafter(request: HttpRequest) -> bool:
    return request.user.has_role(*briefings.DRAFTING_ROLES)


def _refuse_non_drafter(request: HttpRequest) -> None:
    if not _drafter(request):
        record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user)
        raise PermissionDenied


def scoped_briefing(request: HttpRequest, pk: int) -> Briefing:
    """The report if it is of this person's jurisdiction; any other id is a 404."""
    reports = Briefing.objects.visible_to(request.user).select_related(
        "region", "issuing_unit", "created_by", "issued_by", "corrects"
    )
    return get_object_or_404(reports, pk=pk)


def _listed(request: HttpRequest):
    """The reports of the person's jurisdiction, newest period first, without their figures."""
    reports = Briefing.objects.visible_to(request.user).select_related("region", "issued_by").defer("figures")
    return reports.order_by("-period_start", "kind", "-id")


@nav_required("briefings")
def briefing_list(request: HttpRequest) -> HttpResponse:
    """The reports by period, filtered by kind, year and place (a county: itself or a township)."""
    reports = _listed(request)
    kind = request.GET.get("kind", "")
    if kind in Briefing.Kind.values:
        reports = reports.filter(kind=kind)
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4 and 1900 <= int(year) <= 2100:
        reports = reports.filter(period_start__year=int(year))
    places = briefings.places_for(request.user)
    place = request.GET.get("place", "")
    if place in {p.code for p in places}:
        reports = reports.filter(region__code=place)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    form = None
    if _drafter(request):
        form = DraftForm(places=places, initial={"day": timezone.localdate()})
    return _render_list(request, page, kind, form, places=places)


def _render_list(request: HttpRequest, page, kind: str, form, status: int = 200, places=()) -> HttpResponse:
    this_year = timezone.localdate().year
    context = {
        "page": page,
        "kind": kind,
        "kinds": Briefing.Kind.choices,
        "form": form,
        "active_nav": "briefings",
        "years": range(this_year, this_year - 6, -1),
        "places": places if len(places) > 1 else (),
    }
    return render(request, "governance/briefings/briefing_list.html", context, status=status)


@require_POST
@nav_required("briefings")
def briefing_new(request: HttpRequest) -> HttpResponse:
    _refuse_non_drafter(request)
    form = DraftForm(request.POST, places=briefings.places_for(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = briefings.draft_briefing(
                by=request.user, kind=data["kind"], day=data["day"], region=form.places[data["place"]]
            )
        except ValidationError as error:
            form.add_error(None, error)
        except briefings.BriefingRefused as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("briefings-detail", pk=report.pk)
    return _render_list(
        request, Paginator(_listed(request), 50).get_page(1), "", form, status=400, places=list(form.places.values())
    )


@nav_required("briefings")
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = scoped_briefing(request, pk)
    return _render_detail(request, report)


def _render_detail(request: HttpRequest, report: Briefing, form=None, status: int = 200) -> HttpResponse:
    editable = _drafter(request) and not report.is_issued
    if editable and form is None:
        form = TextForm(initial=_initial(report))
    context = {
        "report": report,
        "figures": report.figures,
        "titles": briefing_documents.section_titles(report),
        "summary": briefing_documents.summary_line(report.figures),
        "form": form if editable else None,
        "may_correct": _drafter(request) and report.is_issued,
        "corrections": list(report.corrections.order_by("pk").values("pk", "number", "year", "state")),
        "active_nav": "briefings",
    }
    return render(request, "governance/briefings/briefing_detail.html", context, status=status)


@require_POST
@nav_required("briefings")
def briefing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_non_drafter(request)
    report = scoped_briefing(request, pk)
    form = TextForm(request.POST)
    if form.is_valid():
        try:
            briefings.update_briefing(briefing=report, by=request.user, text=form.text())
        except ValidationError as error:
            _form_errors(form, error)
        except briefings.BriefingRefused as refused:
            messages.error(request, str(refused))
            return redirect("briefings-detail", pk=report.pk)
        else:
            messages.success(request, _("已保存，数据已按最新统计重新生成。"))
            return redirect("briefings-detail", pk=report.pk)
    return _render_detail(request, report, form, status=400)


@require_POST
@nav_required("briefings")
def briefing_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_non_drafter(request)
    report = scoped_briefing(request, pk)
    if "title" in request.POST:  # 保存并签发 from the draft's form: its text is saved first
        form = TextForm(request.POST)
        if not form.is_valid():
            return _render_detail(request, report, form, status=400)
        try:
            report = briefings.update_briefing(briefing=report, by=request.user, text=form.text())
        except ValidationError as error:
            _form_errors(form, error)
            return _render_detail(request, report, form, status=400)
        except briefings.BriefingRefused as refused:
            messages.error(request, str(refused))
            return redirect("briefings-detail", pk=report.pk)
    try:
        report = briefings.issue_briefing(briefing=report, by=request.user)
    except (ValidationError, briefings.BriefingRefused) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("已签发：%(n)s。") % {"n": report.number_label})
    return redirect("briefings-detail", pk=report.pk)


@require_POST
@nav_required("briefings")
def briefing_correct(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_non_drafter(request)
    report = scoped_briefing(request, pk)
    try:
        correction = briefings.correct_briefing(briefing=report, by=request.user)
    except briefings.BriefingRefused as refused:
        messages.error(request, str(refused))
        return redirect("briefings-detail", pk=report.pk)
    messages.info(request, _("已生成更正稿，请填写更正说明后签发。"))
    return redirect("briefings-detail", pk=correction.pk)


@nav_required("briefings")
def briefing_docx(request: HttpRequest, pk: int) -> HttpResponse:
    report = scoped_briefing(request, pk)
    detail = f"信息通报 Word：{report.title} {report.number_label}"
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=detail)
    response = HttpResponse(
        briefing_documents.briefing_docx(report),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition_header(True, briefing_documents.docx_filename(report))
    return response


urlpatterns = [
    path("", briefing_list, name="briefings"),
    path("new/", briefing_new, name="briefings-new"),
    path("<int:pk>/", briefing_detail, name="briefings-detail"),
    path("<int:pk>/edit/", briefing_edit, name="briefings-edit"),
    path("<int:pk>/issue/", briefing_issue, name="briefings-issue"),
    path("<int:pk>/correct/", briefing_correct, name="briefings-correct"),
    path("<int:pk>/document.docx", briefing_docx, name="briefings-docx"),
]
