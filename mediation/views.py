"""Mediation pages. Each view: the role check of its menu entry, a scoped fetch (out of scope →
404), a form, one service call. The rules are in rules.py and services.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.models import Case
from disputes.services import TransitionRefused
from disputes.views import _attach_errors, scoped_case
from governance.drill import drill_in_scope, drill_title, place_name
from governance.models import AuditEvent
from governance.services import record_audit
from governance.submissions import AlreadySubmitted, already_submitted, repeated_submission, submit_once
from governance.views import month_param, nav_required
from grids.models import Region
from mediation import forms, online, queries, rules, services
from mediation.models import (
    Agreement,
    Assignment,
    Confirmation,
    FollowUp,
    Mediation,
    Membership,
    Organisation,
    Session,
)
from mediation.stats import drilled_agreements


def _agreements(case: Case) -> list[Agreement]:
    return list(
        case.agreements.select_related("organisation__unit", "supersedes", "confirmation")
        .prefetch_related("obligations__followups", "signatures")
        .order_by("version")
    )


def _context(request: HttpRequest, case: Case, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    mediation = Mediation.objects.filter(case=case).first()
    assignments = list(case.assignments.select_related("mediator").order_by("assigned_at", "pk"))
    agreements = _agreements(case)
    superseded = {a.supersedes_id for a in agreements if a.supersedes_id}
    may_assign = rules.may_assign(case, user)
    may_mediate = rules.may_mediate(case, user)
    draft = next((a for a in agreements if not a.is_final), None)
    has_final = any(a.is_final for a in agreements)
    suggestions = list(queries.suggest_mediators(case)) if may_assign else []
    parties = list(case.parties.all())
    for agreement in agreements:
        if agreement.is_final:  # 网上调解: who confirmed it by SMS code (mediation/online.py)
            agreement.party_signatures = online.party_signatures(agreement, parties)
    return {
        "case": case,
        "mediation": mediation,
        "assignments": assignments,
        "sessions": list(case.sessions.order_by("number")),
        "agreements": agreements,
        "superseded": superseded,
        "draft": draft,
        "may_assign": may_assign,
        "may_mediate": may_mediate,
        "may_session": rules.may_record_session(case, user),
        "may_draft": rules.may_draft_agreement(case, user, has_draft=draft is not None, has_final=has_final),
        "may_fail": rules.may_end_unsettled(case, user, has_mediation=mediation is not None, has_final=has_final),
        "suggestions": suggestions,
        "assign_form": bound.get("assign") or _assign_form(case, may_assign),
        "recuse_form": bound.get("recuse") or forms.RecuseForm(prefix="recuse"),
        "extend_form": bound.get("extend")
        or forms.ExtendForm(
            prefix="extend", initial={"until": mediation.due_on + timedelta(days=15) if mediation else None}
        ),
        "finalize_form": bound.get("finalize")
        or forms.FinalizeForm(prefix="finalize", initial={"signed_on": timezone.localdate()}),
        "correct_form": bound.get("correct") or forms.CorrectForm(prefix="correct"),
        "confirmation_form": bound.get("confirmation")
        or forms.ConfirmationForm(prefix="confirmation", initial={"applied_on": timezone.localdate()}),
        "decision_form": bound.get("decision") or forms.DecisionForm(prefix="decision"),
        "follow_up_form": bound.get("follow_up") or forms.FollowUpForm(prefix="follow_up"),
        "fail_form": bound.get("fail") or forms.FailForm(prefix="fail", initial={"version": case.version}),
        "open_form": next(iter(bound), ""),
        "today": timezone.localdate(),
        "may_read_thread": rules.may_read_thread(case, user),
        "is_online": online.is_online(case),
    }


def _assign_form(case: Case, may_assign: bool) -> forms.AssignForm | None:
    """Offered while someone is left to name; none once every mediator is on the case."""
    if not may_assign:
        return None
    choices = queries.assignable_mediators(case)
    form = forms.AssignForm(choices=choices, prefix="assign")
    return form if form.fields["mediators"].choices else None


def _case(request: HttpRequest, number: str) -> Case:
    return scoped_case(request, number)


@nav_required("cases")
def case_mediation(request: HttpRequest, number: str) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    return render(request, "mediation/case_mediation.html", _context(request, case))


def _step(
    request: HttpRequest,
    number: str,
    form_class: type,
    prefix: str,
    run: Callable,
    done: str,
    form_kwargs: Callable | None = None,
) -> HttpResponse:
    """Validate, call the service; a refusal is a message, bad input stays on the form (400)."""
    case = scoped_case(request, number, detail=True)
    form = form_class(request.POST, prefix=prefix, **(form_kwargs(case) if form_kwargs else {}))
    if form.is_valid():
        try:
            result = run(case, form.cleaned_data)
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("mediation-case", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, done)
            if isinstance(result, HttpResponse):
                return result
            return redirect("mediation-case", case.number)
    return render(request, "mediation/case_mediation.html", _context(request, case, {prefix: form}), status=400)


@require_POST
@nav_required("cases")
def assign(request: HttpRequest, number: str) -> HttpResponse:
    return _step(
        request,
        number,
        forms.AssignForm,
        "assign",
        lambda case, d: services.assign_mediators(
            case=case, by=request.user, mediators=list(d["mediators"]), lead=d["lead"], difficulty=d["difficulty"]
        ),
        _("已指派调解员。"),
        lambda case: {"choices": queries.assignable_mediators(case)},
    )


@require_POST
@nav_required("cases")
def recuse(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.RecuseForm,
        "recuse",
        lambda case, d: services.recuse_mediator(
            assignment=get_object_or_404(Assignment, case=case, pk=pk),
            by=request.user,
            party=d["party"],
            reason=d["reason"],
        ),
        _("调解员已回避，请另行指派。"),
    )


@require_POST
@nav_required("cases")
def extend(request: HttpRequest, number: str) -> HttpResponse:
    return _step(
        request,
        number,
        forms.ExtendForm,
        "extend",
        lambda case, d: services.extend_mediation(
            case=case, by=request.user, until=d["until"], both_agree=d["both_agree"], note=d["note"]
        ),
        _("已延长调解期限。"),
    )


@nav_required("cases")
def session_new(request: HttpRequest, number: str) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    if not rules.may_record_session(case, request.user):
        messages.error(request, _("只有承办该案件的调解员可以记录调解笔录（案件须已签收、在办理中）。"))
        return redirect("mediation-case", case.number)
    names = "、".join(
        a.mediator.name for a in case.assignments.filter(withdrawn_at__isnull=True).select_related("mediator")
    )
    form = forms.SessionForm(
        request.POST or None,
        case=case,
        initial={
            "mediators": names,
            "participants": "、".join(p.name for p in case.parties.all()),
            # A sitting held in the online thread says so (网上调解), as the session's venue.
            "place": _("网上调解")
            if request.GET.get("online") == "1" and online.is_online(case)
            else case.lead_unit.name,
        },
    )
    if request.method == "POST" and (earlier := repeated_submission(request)) is not None:
        return earlier
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            session = submit_once(
                by=request.user,
                token=d["submission"],
                url_of=lambda _session: reverse("mediation-case", args=[case.number]),
                create=lambda: services.record_session(
                    case=case,
                    by=request.user,
                    data=services.SessionData(
                        held_at=d["held_at"],
                        place=d["place"],
                        mediators=d["mediators"],
                        participants=d["participants"],
                        rights_notified=d["rights_notified"],
                        statements=form.statements(),
                        process=d["process"],
                        result=d["result"],
                    ),
                ),
            )
        except AlreadySubmitted as done:
            return already_submitted(request, done.url)
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("mediation-case", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("已保存第%(n)d次调解笔录。") % {"n": session.number})
            return redirect("mediation-case", case.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "mediation/session_form.html", {"case": case, "form": form}, status=status)


@nav_required("cases")
def session_print(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = scoped_case(request, number)
    session = get_object_or_404(Session.objects.select_related("recorded_by"), case=case, pk=pk)
    return render(
        request, "mediation/session_print.html", {"case": case, "session": session, "document_title": _("调解笔录")}
    )


@nav_required("cases")
def rights_notice(request: HttpRequest, number: str) -> HttpResponse:
    """权利义务告知书, handed to the parties before the first session (人民调解法 Art. 23-24)."""
    case = scoped_case(request, number, detail=True)
    org = Organisation.objects.filter(unit_id=case.lead_unit_id).select_related("unit").first()
    if org is None:
        raise Http404(_("该案件未分流到调解组织。"))
    return render(
        request,
        "mediation/rights_notice.html",
        {"case": case, "org": org, "document_title": _("人民调解当事人权利义务告知书")},
    )


@require_POST
@nav_required("cases")
def agreement_draft(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    try:
        agreement = services.draft_agreement(case=case, by=request.user)
    except TransitionRefused as refused:
        messages.error(request, str(refused))
        return redirect("mediation-case", case.number)
    messages.success(request, _("已根据案件和调解笔录生成协议书草稿，请核对补全后签订。"))
    return redirect("mediation-agreement-edit", case.number, agreement.pk)


@nav_required("cases")
def agreement_edit(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    agreement = get_object_or_404(Agreement.objects.prefetch_related("obligations"), case=case, pk=pk)
    if agreement.is_final or not rules.may_mediate(case, request.user):
        messages.error(
            request,
            _("调解协议书已生效，不能修改；如需更正，请制作新版本。")
            if agreement.is_final
            else _("您无权修改该协议书。"),
        )
        return redirect("mediation-case", case.number)
    initial = [{"obligor": o.obligor, "content": o.content, "due_on": o.due_on} for o in agreement.obligations.all()]
    form = forms.AgreementForm(request.POST or None, initial=_agreement_initial(agreement))
    obligations = forms.obligation_formset(extra=max(3 - len(initial), 1))(
        request.POST or None, prefix="obligation", initial=initial or None
    )
    if request.method == "POST" and form.is_valid() and obligations.is_valid():
        try:
            services.update_agreement(
                agreement=agreement,
                by=request.user,
                data=services.AgreementData(
                    **form.cleaned_data,
                    obligations=[
                        services.ObligationData(r["obligor"], r["content"], r["due_on"]) for r in obligations.rows()
                    ],
                ),
            )
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("mediation-case", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("协议书草稿已保存。"))
            return redirect("mediation-case", case.number)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "mediation/agreement_form.html",
        {"case": case, "agreement": agreement, "form": form, "obligations": obligations},
        status=status,
    )


def _agreement_initial(agreement: Agreement) -> dict:
    return {
        name: getattr(agreement, name)
        for name in (
            "facts",
            "issues",
            "responsibility",
            "terms",
            "performance_manner",
            "performance_place",
            "mediator_names",
        )
    }


def _agreement(case: Case, pk: int) -> Agreement:
    return get_object_or_404(Agreement, case=case, pk=pk)


@require_POST
@nav_required("cases")
def agreement_finalize(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.FinalizeForm,
        "finalize",
        lambda case, d: services.finalize_agreement(
            agreement=_agreement(case, pk), by=request.user, signed_on=d["signed_on"]
        ),
        _("调解协议书已签订生效，可下载 Word 和 PDF 文件。"),
    )


@require_POST
@nav_required("cases")
def agreement_correct(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.CorrectForm,
        "correct",
        lambda case, d: redirect(
            "mediation-agreement-edit",
            case.number,
            services.correct_agreement(agreement=_agreement(case, pk), by=request.user, reason=d["reason"]).pk,
        ),
        _("已制作协议书更正版本（草稿），原版本保留不变。"),
    )


def _download(request: HttpRequest, number: str, pk: int, kind: str) -> HttpResponse:
    from mediation.documents import agreement_docx, agreement_pdf

    case = scoped_case(request, number)
    agreement = get_object_or_404(
        Agreement.objects.select_related("organisation__unit", "supersedes", "case").prefetch_related(
            "obligations", "signatures", Prefetch("case__parties")
        ),
        case=case,
        pk=pk,
    )
    if kind == "docx":
        content = agreement_docx(agreement)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        content = agreement_pdf(agreement)
        mime = "application/pdf"
    record_audit(
        AuditEvent.Action.EXPORT,
        request=request,
        user=request.user,
        detail=f"调解协议书 {case.number} v{agreement.version}",
    )
    response = HttpResponse(content, content_type=mime)
    filename = f"人民调解协议书-{case.number}-v{agreement.version}.{kind}"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    patch_cache_control(response, private=True, no_store=True)
    return response


@nav_required("cases")
def agreement_docx(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _download(request, number, pk, "docx")


@nav_required("cases")
def agreement_pdf(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _download(request, number, pk, "pdf")


@require_POST
@nav_required("cases")
def confirmation_apply(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.ConfirmationForm,
        "confirmation",
        lambda case, d: services.apply_confirmation(
            agreement=_agreement(case, pk), by=request.user, court=d["court"], applied_on=d["applied_on"]
        ),
        _("已登记司法确认申请。"),
    )


@require_POST
@nav_required("cases")
def confirmation_decide(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.DecisionForm,
        "decision",
        lambda case, d: services.decide_confirmation(
            confirmation=get_object_or_404(Confirmation, agreement__case=case, pk=pk),
            by=request.user,
            decision=d["decision"],
            decided_on=d["decided_on"],
            note=d["note"],
        ),
        _("已登记法院裁定。"),
    )


@require_POST
@nav_required("cases")
def follow_up(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _step(
        request,
        number,
        forms.FollowUpForm,
        "follow_up",
        lambda case, d: services.record_follow_up(
            follow_up=get_object_or_404(FollowUp, obligation__agreement__case=case, pk=pk),
            by=request.user,
            result=d["result"],
            note=d["note"],
        ),
        _("已记录履行回访。"),
    )


@require_POST
@nav_required("cases")
def fail(request: HttpRequest, number: str) -> HttpResponse:
    return _step(
        request,
        number,
        forms.FailForm,
        "fail",
        lambda case, d: services.fail_mediation(
            case=case, by=request.user, reason=d["reason"], routes=d["routes"], version=d["version"]
        ),
        _("已终止调解并办结反馈，等待中心审核。"),
    )


# --- Lists --------------------------------------------------------------------------------------


@nav_required("mediation")
def work(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "mediation/work.html",
        {
            "sections": queries.work_sections(request.user),
            "today": timezone.localdate(),
        },
    )


@nav_required("mediation_orgs")
def organisation_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    kind = request.GET.get("kind", "")
    orgs = queries.organisations_for(request.user)
    if kind in Organisation.Kind.values:
        orgs = orgs.filter(kind=kind)
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render(
        request, "mediation/organisation_list.html", {"page": page, "kinds": Organisation.Kind.choices, "kind": kind}
    )


@nav_required("mediation_orgs")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(queries.organisations_for(request.user), pk=pk)
    members = org.memberships.select_related("mediator").prefetch_related(
        "mediator__specialties", "mediator__trainings"
    )
    return render(
        request,
        "mediation/organisation_detail.html",
        {"org": org, "members": members, "may_manage": rules.may_manage_roster(org, request.user)},
    )


@nav_required("mediation_orgs")
def expert_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from governance.scoping import jurisdiction

    region = jurisdiction(request.user)
    regions = Region.objects.within(region).exclude(level=Region.Level.VILLAGE) if region else Region.objects.none()
    form = forms.ExpertFilterForm(request.GET or None, regions=regions)
    filters = form.cleaned_data if form.is_valid() else {}
    mediators = queries.expert_pool(
        request.user,
        category=filters.get("category"),
        region=filters.get("region"),
        background=filters.get("background", ""),
        q=(filters.get("q") or "").strip(),
    ).prefetch_related("specialties", Prefetch("memberships", queryset=_memberships()))
    page = Paginator(mediators, 30).get_page(request.GET.get("page"))
    return render(request, "mediation/expert_list.html", {"page": page, "form": form})


def _memberships():
    return Membership.objects.select_related("organisation__unit")


SUBSIDY_ROWS = 200  # the latest closures on the page; the export holds them all


@nav_required("subsidy")
def subsidy(request: HttpRequest) -> HttpResponse:
    from mediation.models import SubsidyRate

    month = month_param(request)
    may_set = rules.may_set_subsidy_rates(request.user)
    form = forms.RateForm(request.POST or None, prefix="rate", initial={"valid_from": month}) if may_set else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, _("补贴标准由县司法局确定，您无权设定。"))
            return redirect("mediation-subsidy")
        if form.is_valid():
            try:
                services.set_subsidy_rate(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _attach_errors(form, error)
            else:
                messages.success(request, _("补贴标准已保存。"))
                return redirect(f"{request.path}?month={month:%Y-%m}")
        status = 400
    cases = queries.subsidised_cases(request.user, month)
    return render(
        request,
        "mediation/subsidy.html",
        {
            "month": month,
            "previous": (month - timedelta(days=1)).replace(day=1),
            "rows": queries.latest_subsidised(cases, SUBSIDY_ROWS),
            "shown": SUBSIDY_ROWS,
            "totals": queries.subsidy_totals(cases),
            "rates": SubsidyRate.objects.select_related("category").order_by(
                "difficulty", "category__order", "-valid_from"
            ),
            "form": form,
        },
        status=status,
    )


@nav_required("subsidy")
@require_POST
def subsidy_export(request: HttpRequest) -> HttpResponse:
    """一案一补 statement of a month: tens of thousands of rows in a busy month at a million cases,
    so a background job (governance/export_jobs.py, mediation.exports.SUBSIDY), then 我的导出."""
    from governance.export_views import ask_for_export

    month = month_param(request)
    back = f"{reverse('mediation-subsidy')}?month={month:%Y-%m}"
    return ask_for_export(request, "subsidy", {"month": f"{month:%Y-%m}"}, f"{month:%Y年%m月}", back=back)


@nav_required("subsidy")
def performance(request: HttpRequest) -> HttpResponse:
    rows = list(queries.mediator_performance(request.user)[:200])
    for m in rows:
        m.success_rate = queries.rate(m.resolved, m.reported)
        m.satisfaction_rate = queries.rate(m.satisfied, m.rated)
        m.average_days = round(m.average.total_seconds() / 86400, 1) if m.average else None
    return render(request, "mediation/performance.html", {"rows": rows})


@nav_required("subsidy")
def agreement_list(request: HttpRequest) -> HttpResponse:
    """调解协议: the signed agreements the person may count, newest first; opened from a dashboard
    number (governance.drill), exactly the agreements behind it, with how many it counted. A
    refused drill lists nothing and says why."""
    agreements = queries.agreements_for(request.user)
    drill, records = None, None
    try:
        drill = drill_in_scope(request.user, request.GET)
        if drill is None:
            agreements = agreements.filter(status=Agreement.Status.FINAL)
        else:
            agreements, records = drilled_agreements(drill, agreements)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        agreements, drill = agreements.none(), None
    agreements = agreements.select_related("case__township", "case__village", "organisation__unit", "confirmation")
    page = Paginator(agreements.order_by("-signed_on", "-pk"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/agreement_list.html",
        {
            "page": page,
            "drill": drill,
            "records": records,
            "title": drill_title(request.GET),
            "place": place_name(drill.prefix) if drill else "",
        },
    )


# --- The roster (调解员名册) -------------------------------------------------------------------------


def _roster_org(request: HttpRequest, pk: int) -> Organisation:
    """The organisation if the person sees it (else 404) and keeps its roster (else 403)."""
    org = get_object_or_404(queries.organisations_for(request.user), pk=pk)
    if not rules.may_manage_roster(org, request.user):
        raise PermissionDenied
    return org


def _mediator_data(data: dict) -> services.MediatorData:
    return services.MediatorData(
        name=data["name"],
        phone=data["phone"],
        employment=data["employment"],
        background=data["background"],
        certificate_no=data["certificate_no"],
        is_active=data["is_active"],
        specialties=list(data["specialties"]),
    )


@nav_required("mediation_orgs")
def mediator_new(request: HttpRequest, pk: int) -> HttpResponse:
    org = _roster_org(request, pk)
    form = forms.MediatorForm(request.POST or None)
    if request.method == "POST" and (earlier := repeated_submission(request)) is not None:
        return earlier
    if request.method == "POST" and form.is_valid():
        try:
            mediator = submit_once(
                by=request.user,
                token=form.cleaned_data["submission"],
                url_of=lambda _mediator: reverse("mediation-organisation", args=[org.pk]),
                create=lambda: services.add_mediator(
                    org=org, by=request.user, data=_mediator_data(form.cleaned_data), role=form.cleaned_data["role"]
                ),
            )
        except AlreadySubmitted as done:
            return already_submitted(request, done.url)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("已将 %(name)s 列入调解员名册。") % {"name": mediator.name})
            return redirect("mediation-organisation", org.pk)
    return render(
        request,
        "mediation/roster_form.html",
        {"org": org, "form": form, "title": _("添加调解员")},
        status=400 if request.method == "POST" else 200,
    )


@nav_required("mediation_orgs")
def mediator_edit(request: HttpRequest, pk: int, mediator_pk: int) -> HttpResponse:
    org = _roster_org(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("mediator"), organisation=org, mediator_id=mediator_pk
    )
    mediator = membership.mediator
    initial = {
        "name": mediator.name,
        "role": membership.role,
        "phone": mediator.phone,
        "employment": mediator.employment,
        "background": mediator.background,
        "specialties": list(mediator.specialties.all()),
        "certificate_no": mediator.certificate_no,
        "is_active": mediator.is_active,
    }
    form = forms.MediatorForm(request.POST or None, initial=initial)
    training = forms.TrainingForm(prefix="training")
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mediator(
                org=org,
                mediator=mediator,
                by=request.user,
                data=_mediator_data(form.cleaned_data),
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("mediation-organisation", org.pk)
    return render(
        request,
        "mediation/roster_form.html",
        {"org": org, "form": form, "mediator": mediator, "training_form": training, "title": mediator.name},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@nav_required("mediation_orgs")
def training_new(request: HttpRequest, pk: int, mediator_pk: int) -> HttpResponse:
    org = _roster_org(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("mediator"), organisation=org, mediator_id=mediator_pk
    )
    mediator = membership.mediator
    training = forms.TrainingForm(request.POST, prefix="training")
    if training.is_valid():
        d = training.cleaned_data
        try:
            submit_once(
                by=request.user,
                token=d["submission"],
                url_of=lambda _training: reverse("mediation-mediator-edit", args=[org.pk, mediator.pk]),
                create=lambda: services.add_training(
                    org=org,
                    mediator=mediator,
                    by=request.user,
                    on=d["date"],
                    title=d["title"],
                    organiser=d["organiser"],
                    hours=d["hours"],
                    certificate=d["certificate"],
                ),
            )
        except AlreadySubmitted as done:
            return already_submitted(request, done.url)
        except ValidationError as error:
            _attach_errors(training, error)
        else:
            messages.success(request, _("已登记培训记录。"))
            return redirect("mediation-mediator-edit", org.pk, mediator.pk)
    initial = {"name": mediator.name, "role": membership.role}
    return render(
        request,
        "mediation/roster_form.html",
        {
            "org": org,
            "form": forms.MediatorForm(initial=initial),
            "mediator": mediator,
            "training_form": training,
            "title": mediator.name,
        },
        status=400,
    )
