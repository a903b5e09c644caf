from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from disputes import forms, key_persons, services
from disputes.deadlines import standing
from disputes.filters import (
    LIST_ORDER,
    drilled_cases,
    filter_cases,
    filter_data,
    list_queryset,
    list_search,
    search_address,
)
from disputes.listing import ScopedCases, ScopedPaginator
from disputes.models import (
    Attachment,
    Case,
    CaseEvent,
    ExtensionRequest,
    InboundOrder,
    KeyPerson,
    Stage,
    StageLimit,
    Status,
    StatutoryLimit,
    Supervision,
    TimeLimitRule,
)
from disputes.rules import (
    is_case_center,
    keeps_key_persons,
    may_add_materials,
    may_add_progress,
    may_answer_supervision,
    may_mark_key_person,
    may_request_extension,
    may_reveal_personal_data,
    may_supervise,
)
from disputes.worklists import consultation_worklist, worklists_for
from governance.models import Unit
from governance.planner import joins_as_written
from governance.submissions import AlreadySubmitted, already_submitted, repeated_submission, submit_once
from governance.views import month_param, nav_required
from grids.models import Region

# What the case page lists that most cases have none of: (relation, what to read with it, the model
# of its rows, the model it lists). The case's own query says which it has (an EXISTS each); only
# those are asked.
SPARSE_RELATIONS = (
    ("co_units", "co_units", Case.co_units.through, Unit),
    ("attachments", "attachments__uploaded_by", Attachment, Attachment),
    ("extensions", "extensions__requested_by", ExtensionRequest, ExtensionRequest),
    ("supervisions", "supervisions__leader", Supervision, Supervision),
)


def scoped_case(request: HttpRequest, number: str, *, detail: bool = False) -> Case:
    """The case if this person may see it; a guessed number outside their scope is a 404.

    With `detail`, everything the case page shows is read with it: the related rows joined, the
    timeline and parties prefetched, and of the relations most cases have none of (co-units,
    attachments, extension requests, listings) only those the case has."""
    cases = Case.objects.visible_to(request.user).select_related(
        "township", "village", "grid", "category", "risk_level", "lead_unit", "intake_unit", "registered_by"
    )
    if detail:
        # The visit issue a case was turned from, for the banner (visits/_case_origin.html): joined, not asked.
        cases = cases.select_related("visit_issue__visit__village", "visit_issue__visit__center", "visit_issue__leader")
        cases = cases.annotate(
            **{
                f"has_{name}": Exists(rows.objects.filter(case=OuterRef("pk")))
                for name, _lookup, rows, _listed in SPARSE_RELATIONS
            }
        )
    with joins_as_written():  # one case by its unique number: no join order to search (governance/planner.py)
        case = get_object_or_404(cases, number=number)
        if detail:
            prefetch_related_objects(
                [case],
                "parties",
                Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "actor_unit")),
                *(
                    # A none() queryset fills the relation's cache without a query.
                    lookup if getattr(case, f"has_{name}") else Prefetch(name, queryset=listed.objects.none())
                    for name, lookup, _rows, listed in SPARSE_RELATIONS
                ),
            )
    return case


@nav_required("cases")
def case_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # the filter form: the search term goes into the session, not the address
        return redirect(search_address(request, request.path))
    filters = filter_data(request)
    if filters.notice:
        messages.warning(request, filters.notice)
    form = forms.CaseFilterForm(filters.data, user=request.user)
    drilled = drilled_cases(request, Case.objects.visible_to(request.user))
    if drilled.error:
        messages.error(request, drilled.error)
    search = None
    if drilled.drill is None and not drilled.error:
        # Each part of the person's cases from its own index; the count capped (disputes/listing.py),
        # at BROAD_CAP for a term found in too many cases to list them all (disputes/filters.py).
        search = list_search(form)
        scoped = ScopedCases(
            request.user,
            lambda cases: filter_cases(cases, form, search),
            LIST_ORDER,
            **({"cap": search.cap} if search and search.cap else {}),
        )
        page = ScopedPaginator(scoped, 20, list_queryset, whole=bool(search and search.broad)).get_page(
            request.GET.get("page")
        )
    else:  # a dashboard number's cases: bounded by its window, counted exactly like the number
        page = Paginator(list_queryset(filter_cases(drilled.cases, form)), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/case_list.html",
        {"page": page, "form": form, "today": timezone.localdate(), "drilled": drilled, "search": search},
    )


@nav_required("work")
def my_work(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "disputes/case_work.html",
        {
            "worklists": worklists_for(request.user),
            "consultations": consultation_worklist(request.user),
            "today": timezone.localdate(),
        },
    )


@nav_required("intake")
def case_intake(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (earlier := repeated_submission(request)) is not None:
        return earlier
    form = forms.IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    parties = forms.PartyFormSet(request.POST or None, prefix="party", initial=forms.party_initial())
    duplicates = []
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        party_rows = [p.cleaned_data for p in parties.forms if p.cleaned_data]
        duplicates = list(
            services.find_duplicates(
                id_numbers=[p["id_number"] for p in party_rows],
                phones=[p["phone"] for p in party_rows],
                grid=data["grid"],
                category=data["category"],
            )[:10]
        )
        # The same form posted twice at once: the first may have committed while this one was
        # validated, and its case would now be "a duplicate". Go to it instead of warning.
        if duplicates and (earlier := repeated_submission(request)) is not None:
            return earlier
        if not duplicates or data["confirm_not_duplicate"]:
            try:
                case = submit_once(
                    by=request.user,
                    token=data["submission"],
                    url_of=lambda case: reverse("disputes-detail", args=[case.number]),
                    create=lambda: services.intake_case(
                        by=request.user,
                        data=services.IntakeData(
                            channel=data["channel"],
                            source_ref=data["source_ref"],
                            received_at=data["received_at"],
                            township=data["township"],
                            village=data["village"],
                            grid=data["grid"],
                            place=data["place"],
                            category=data["category"],
                            risk_level=data["risk_level"],
                            people_involved=data["people_involved"],
                            amount=data["amount"],
                            summary=data["summary"],
                            demands=data["demands"],
                            may_turn_criminal=data["may_turn_criminal"],
                            major_emergency=data["major_emergency"],
                            parties=[services.PartyData(**row) for row in party_rows],
                            attachments=[(upload, "application") for upload in data["attachments"]],
                            settle=form.settle_data(),
                        ),
                    ),
                )
            except AlreadySubmitted as done:
                return already_submitted(request, done.url)
            except ValidationError as error:
                _attach_errors(form, error)
            except services.TransitionRefused as refused:
                form.add_error(None, str(refused))
            else:
                done = (
                    _("已登记并当场化解办结，案件编号 %(n)s；请在评价、回访后归档。")
                    if case.status == Status.CLOSED
                    else _("已登记，案件编号 %(n)s。")
                )
                messages.success(request, done % {"n": case.number})
                return redirect("disputes-detail", case.number)
        else:
            messages.warning(request, _("发现可能重复的在办案件，请核对后再决定是否登记。"))
    return render(request, "disputes/case_intake.html", {"form": form, "parties": parties, "duplicates": duplicates})


def _attach_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@dataclass(frozen=True)
class Action:
    """A step as the detail page offers it: its form, and the service that takes it."""

    name: str
    label: str
    form: type
    run: Callable
    style: str = "primary"
    confirm: str = ""


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "accept",
            gettext_lazy("受理"),
            forms.AcceptForm,
            lambda case, by, d: services.accept_case(
                case=case, by=by, category=d["category"], risk_level=d["risk_level"], version=d["version"]
            ),
        ),
        Action(
            "reject",
            gettext_lazy("不予受理"),
            forms.RejectForm,
            lambda case, by, d: services.reject_case(
                case=case, by=by, reason=d["reason"], route=d["route"], version=d["version"]
            ),
            "outline-danger",
        ),
        Action(
            "dispatch",
            gettext_lazy("分流转办"),
            forms.DispatchForm,
            lambda case, by, d: services.dispatch_case(
                case=case,
                by=by,
                lead_unit=d["lead_unit"],
                co_units=list(d["co_units"]),
                due=d["due"],
                note=d["note"],
                version=d["version"],
            ),
        ),
        Action(
            "settle",
            gettext_lazy("当场化解"),
            forms.SettleForm,
            lambda case, by, d: services.settle_case(
                case=case, by=by, outcome=d["outcome"], routes=d["routes"], summary=d["summary"], version=d["version"]
            ),
            "outline-success",
        ),
        Action(
            "sign",
            gettext_lazy("签收"),
            forms.SignForm,
            lambda case, by, d: services.sign_case(case=case, by=by, version=d["version"]),
        ),
        Action(
            "return_to_center",
            gettext_lazy("退回中心"),
            forms.ReasonForm,
            lambda case, by, d: services.return_case(case=case, by=by, reason=d["reason"], version=d["version"]),
            "outline-secondary",
            gettext_lazy("确定将本案退回综治中心吗？退回后本单位不再办理此案，由中心重新分流。"),
        ),
        Action(
            "report",
            gettext_lazy("办结反馈"),
            forms.ReportForm,
            lambda case, by, d: services.report_case(
                case=case, by=by, outcome=d["outcome"], routes=d["routes"], summary=d["summary"], version=d["version"]
            ),
        ),
        Action(
            "approve",
            gettext_lazy("审核通过"),
            forms.NoteForm,
            lambda case, by, d: services.approve_case(case=case, by=by, note=d["note"], version=d["version"]),
        ),
        Action(
            "send_back",
            gettext_lazy("审核退回"),
            forms.ReasonForm,
            lambda case, by, d: services.send_back_case(case=case, by=by, reason=d["reason"], version=d["version"]),
            "outline-secondary",
        ),
        Action(
            "evaluate",
            gettext_lazy("录入群众评价"),
            forms.EvaluateForm,
            lambda case, by, d: services.evaluate_case(
                case=case, by=by, satisfaction=d["satisfaction"], note=d["note"], version=d["version"]
            ),
        ),
        Action(
            "visit",
            gettext_lazy("记录回访"),
            forms.VisitForm,
            lambda case, by, d: services.record_visit(
                case=case,
                by=by,
                method=d["method"],
                visited_on=d["visited_on"],
                visitor=d["visitor"],
                came_back=d["came_back"],
                note=d["note"],
                version=d["version"],
            ),
        ),
        Action(
            "archive",
            gettext_lazy("归档"),
            forms.ArchiveForm,
            lambda case, by, d: services.archive_case(case=case, by=by, note=d["note"], version=d["version"]),
        ),
        Action(
            "reopen",
            gettext_lazy("重新办理"),
            forms.ReasonForm,
            lambda case, by, d: services.reopen_case(case=case, by=by, reason=d["reason"], version=d["version"]),
            "outline-danger",
        ),
        Action(
            "pause",
            gettext_lazy("暂停计时"),
            forms.PauseForm,
            lambda case, by, d: services.pause_clock(
                case=case, by=by, reason=d["reason"], note=d["note"], version=d["version"]
            ),
            "outline-secondary",
        ),
        Action(
            "resume",
            gettext_lazy("恢复计时"),
            forms.ResumeForm,
            lambda case, by, d: services.resume_clock(case=case, by=by, note=d["note"], version=d["version"]),
        ),
    )
}


def _action_form(action: Action, case: Case, user, data=None):
    kwargs = {"case": case, "user": user} if action.form is forms.DispatchForm else {}
    form = action.form(data, initial={"version": case.version}, prefix=action.name, **kwargs)
    if action.name == "accept" and data is None:
        form.initial.update(category=case.category_id, risk_level=case.risk_level_id)
    if action.name == "visit":
        if data is None:
            form.initial.update(visited_on=timezone.localdate(), visitor=str(user))
        clock = standing(case)
        if clock is not None:  # when the visit falls due (the matrix's 回访 limit from the closure)
            due = timezone.localtime(clock.due).date()
            form.fields["visited_on"].help_text = _("回访时限：%(d)s 前（%(state)s）") % {
                "d": due,
                "state": clock.label,
            }
    return form


@dataclass(frozen=True)
class Section:
    """One fold of the action area (办理操作): its heading, the template of its body (under
    templates/disputes/actions/) and its form. The page shows the sections in SECTION_ORDER, one
    open at a time."""

    key: str
    label: str
    template: str
    form: object
    action: Action | None = None


# The order of the action area, most used first: with nothing else asked for, the first section the
# person has is the open one (after 签收 the handler lands on 办理进展, not on 退回中心). A decision
# someone waits for comes before one's own step. Steps that undo or refuse come last.
SECTION_ORDER = (
    "decision",
    "answer",
    "accept",
    "dispatch",
    "settle",
    "sign",
    "progress",
    "report",
    "approve",
    "evaluate",
    "visit",
    "archive",
    "resume",
    "supervise",
    "extension",
    "pause",
    "attachment",
    "reopen",
    "send_back",
    "reject",
    "return_to_center",
)

# The side sections (not workflow steps): (key, heading, body template).
SIDE_SECTIONS = {
    "progress": (gettext_lazy("填写办理进展"), "disputes/actions/progress.html"),
    "supervise": (gettext_lazy("挂牌督办"), "disputes/actions/supervise.html"),
    "answer": (gettext_lazy("回复督办"), "disputes/actions/answer.html"),
    "extension": (gettext_lazy("申请延期"), "disputes/actions/extension.html"),
    "decision": (gettext_lazy("审批延期申请"), "disputes/actions/decision.html"),
    "attachment": (gettext_lazy("上传材料"), "disputes/actions/attachment.html"),
}


def action_sections(context: dict) -> list[Section]:
    """The sections this person has on this case, in SECTION_ORDER."""
    sections = {
        action.name: Section(
            action.name,
            action.label,
            f"disputes/actions/{action.name}.html" if action.name == "dispatch" else "disputes/actions/step.html",
            form,
            action,
        )
        for action, form in context["action_forms"]
    }
    for key, (label, template) in SIDE_SECTIONS.items():
        if context.get(f"{key}_form") is not None:
            sections[key] = Section(key, label, template, context[f"{key}_form"])
    order = {key: n for n, key in enumerate(SECTION_ORDER)}
    return sorted(sections.values(), key=lambda section: order.get(section.key, len(order)))


def open_section(sections: list[Section], asked: str = "") -> str:
    """The one section shown open: the one just posted (with its errors), else the first."""
    keys = [section.key for section in sections]
    if asked in keys:
        return asked
    return keys[0] if keys else ""


def _detail_context(request: HttpRequest, case: Case, bound: dict | None = None) -> dict:
    user = request.user
    pending = next((e for e in case.extensions.all() if e.decision == ExtensionRequest.Decision.PENDING), None)
    active = next((s for s in case.supervisions.all() if s.state != Supervision.State.LIFTED), None)
    available = [
        t.name
        for t in (*case.get_available_user_status_transitions(user), *case.get_available_user_hold_transitions(user))
    ]
    action_forms = [
        (ACTIONS[name], (bound or {}).get(name) or _action_form(ACTIONS[name], case, user))
        for name in ACTIONS
        if name in available
    ]
    context = {
        "case": case,
        "action_forms": action_forms,
        "progress_form": (bound or {}).get("progress") or forms.ProgressForm(prefix="progress")
        if may_add_progress(case, user)
        else None,
        "attachment_form": (bound or {}).get("attachment") or forms.AttachmentForm(prefix="attachment")
        if may_add_materials(case, user)
        else None,
        "today": timezone.localdate(),
        # A case from another system (12345, 110 …): its order as the source sent it.
        "work_order": InboundOrder.objects.filter(case=case).select_related("source").first()
        if case.source_ref
        else None,
        "clock": standing(case),
        "changes": _history_changes(case),
        "pending_extension": pending,
        "may_reveal": may_reveal_personal_data(case, user),
        # The parties in the register (the badge) and, for those in the reader's own, the links.
        "key_party_facts": key_persons.key_party_facts(case, case.parties.all(), user),
        "may_mark_key_person": may_mark_key_person(case, user),
        "supervision": active,
        "supervise_form": (bound or {}).get("supervise") or forms.SuperviseForm(prefix="supervise")
        if active is None and may_supervise(case, user)
        else None,
        "answer_form": (bound or {}).get("answer") or forms.SupervisionAnswerForm(prefix="answer")
        if active is not None and may_answer_supervision(case, user)
        else None,
        "may_lift": active is not None and (active.leader_id == user.pk or may_supervise(case, user)),
        "extension_form": (bound or {}).get("extension") or forms.ExtensionRequestForm(prefix="extension")
        if may_request_extension(case, user)
        else None,
        "decision_form": (bound or {}).get("decision")
        or forms.ExtensionDecisionForm(prefix="decision", initial={"days": pending.days if pending else None})
        if pending is not None and is_case_center(case, user)
        else None,
        # The desk's duplicate warning, for a submission the center has yet to accept (网上/扫码, 网格上报).
        "duplicates": list(services.duplicates_of(case)[:10])
        if case.status == Status.SUBMITTED and is_case_center(case, user)
        else [],
    }
    context["sections"] = action_sections(context)
    context["open_section"] = open_section(context["sections"], next(iter(bound or {}), ""))
    return context


def _history_changes(case: Case) -> list[dict]:
    """Field edits from the case's history (one query), newest first."""
    records = list(case.history.select_related("history_user").order_by("history_date", "history_id"))
    changes = []
    for previous, current in pairwise(records):
        delta = current.diff_against(previous)
        fields = [
            str(Case._meta.get_field(change.field).verbose_name)
            for change in delta.changes
            if change.field not in {"status"}
        ]
        if fields:
            changes.append({"at": current.history_date, "user": current.history_user, "fields": fields})
    return list(reversed(changes))


@nav_required("cases")
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    return render(request, "disputes/case_detail.html", _detail_context(request, case))


@require_POST
@nav_required("cases")
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    step = ACTIONS[action]
    case = scoped_case(request, number, detail=True)
    form = _action_form(step, case, request.user, request.POST)
    if form.is_valid():
        try:
            step.run(case, request.user, form.cleaned_data)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("disputes-detail", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            if not Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
                # The step took the case out of this person's hands (a return to the center): the
                # case page would be a 404, so back to the work list, saying where the case went.
                messages.success(
                    request,
                    _("已完成：%(a)s。案件 %(n)s 已转回%(unit)s，不再出现在您的待办中。")
                    % {"a": step.label, "n": case.number, "unit": case.intake_unit.name},
                )
                return redirect("disputes-work")
            messages.success(request, _("已完成：%(a)s。") % {"a": step.label})
            return redirect("disputes-detail", case.number)
    context = _detail_context(request, case, bound={action: form})
    return render(request, "disputes/case_detail.html", context, status=400)


@require_POST
@nav_required("cases")
def case_progress(request: HttpRequest, number: str) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    if (earlier := repeated_submission(request, prefix="progress")) is not None:
        return earlier
    form = forms.ProgressForm(request.POST, prefix="progress")
    if form.is_valid():
        try:
            submit_once(
                by=request.user,
                token=form.cleaned_data["submission"],
                url_of=lambda _event: reverse("disputes-detail", args=[case.number]),
                create=lambda: services.add_progress(case=case, by=request.user, note=form.cleaned_data["note"]),
            )
        except AlreadySubmitted as done:
            return already_submitted(request, done.url)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
        except ValidationError as error:
            _attach_errors(form, error)
            return render(
                request, "disputes/case_detail.html", _detail_context(request, case, {"progress": form}), status=400
            )
        else:
            messages.success(request, _("已记录办理进展。"))
        return redirect("disputes-detail", case.number)
    return render(request, "disputes/case_detail.html", _detail_context(request, case, {"progress": form}), status=400)


@require_POST
@nav_required("cases")
def case_attach(request: HttpRequest, number: str) -> HttpResponse:
    case = scoped_case(request, number, detail=True)
    if (earlier := repeated_submission(request, prefix="attachment")) is not None:
        return earlier
    form = forms.AttachmentForm(request.POST, request.FILES, prefix="attachment")
    if form.is_valid():
        d = form.cleaned_data
        try:
            submit_once(
                by=request.user,
                token=d["submission"],
                url_of=lambda _attachment: reverse("disputes-detail", args=[case.number]),
                create=lambda: services.add_attachment(case=case, by=request.user, upload=d["file"], kind=d["kind"]),
            )
        except AlreadySubmitted as done:
            return already_submitted(request, done.url)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("disputes-detail", case.number)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("材料已上传。"))
            return redirect("disputes-detail", case.number)
    context = _detail_context(request, case, {"attachment": form})
    return render(request, "disputes/case_detail.html", context, status=400)


@nav_required("cases")
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    case = scoped_case(request, number)
    attachment = get_object_or_404(case.attachments, pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@require_POST
@nav_required("cases")
def extension_request(request: HttpRequest, number: str) -> HttpResponse:
    return _form_step(
        request,
        number,
        forms.ExtensionRequestForm,
        "extension",
        lambda case, d: services.request_extension(case=case, by=request.user, days=d["days"], reason=d["reason"]),
        _("延期申请已提交，等待中心审批。"),
    )


@require_POST
@nav_required("cases")
def extension_decide(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _form_step(
        request,
        number,
        forms.ExtensionDecisionForm,
        "decision",
        lambda case, d: services.decide_extension(
            extension=get_object_or_404(case.extensions, pk=pk),
            by=request.user,
            approve=d["approve"],
            days=d["days"],
            note=d["note"],
        ),
        _("已审批延期申请。"),
    )


@nav_required("cases")
def party_reveal(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """GET shows the reason form; POST with a reason shows the full numbers once (not cached)."""
    case = scoped_case(request, number)
    party = get_object_or_404(case.parties, pk=pk)
    form = forms.RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = services.reveal_party(
                case=case, party=party, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("disputes-detail", case.number)
    elif request.method != "POST" and not may_reveal_personal_data(case, request.user):
        messages.error(request, _("您无权查看该当事人的完整身份信息。"))
        return redirect("disputes-detail", case.number)
    response = render(
        request, "disputes/party_reveal.html", {"case": case, "party": party, "form": form, "revealed": revealed}
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@nav_required("key_persons")
def key_person_list(request: HttpRequest) -> HttpResponse:
    """重点人员名单 of the jurisdiction; every view is audited."""
    state = request.GET.get("state", KeyPerson.State.ACTIVE)
    entries = KeyPerson.objects.visible_to(request.user).select_related(
        "case", "township", "party", "marked_by", "removed_by"
    )
    if (entry := request.GET.get("entry", "")).isdigit() and int(entry) <= 2**31 - 1:
        entries, state = entries.filter(pk=entry), "all"  # one entry, as the case page links to it
    elif state in KeyPerson.State.values:
        entries = entries.filter(state=state)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    key_persons.record_register_view(request, len(page.object_list))
    return render(
        request,
        "disputes/key_person_list.html",
        {
            "page": page,
            "state": state,
            "states": KeyPerson.State.choices,
            "may_remove": keeps_key_persons(request.user),
        },
    )


@nav_required("key_persons")
@require_POST
def key_person_check(request: HttpRequest) -> HttpResponse:
    """JSON for the intake form: is the party being typed in the register? (POST: a number never
    travels in an address.) Numbers that are not valid yet answer 400 with the reason."""
    form = forms.KeyPersonCheckForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(m for ms in form.errors.values() for m in ms)}, status=400)
    entries = key_persons.register_matches(request.user, **form.cleaned_data, request=request)
    return JsonResponse(
        {
            "entries": [
                {
                    "name": entry.name,
                    "reason": entry.reason,
                    "township": entry.township.name,
                    "marked_at": timezone.localtime(entry.marked_at).strftime("%Y-%m-%d"),
                    "url": f"{reverse('disputes-key-persons')}?entry={entry.pk}",
                }
                for entry in entries
            ]
        }
    )


def _key_person_step(request: HttpRequest, run: Callable[[], object], done: str) -> None:
    try:
        run()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except key_persons.KeyPersonRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)


@nav_required("cases")
@require_POST
def key_person_mark(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = scoped_case(request, number)
    party = get_object_or_404(case.parties, pk=pk)
    reason = request.POST.get("reason", "")
    _key_person_step(
        request,
        lambda: key_persons.mark_key_person(case=case, party=party, by=request.user, reason=reason, request=request),
        _("已列入重点人员名单。"),
    )
    return redirect("disputes-detail", case.number)


@nav_required("key_persons")
@require_POST
def key_person_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(KeyPerson.objects.visible_to(request.user), pk=pk)
    reason = request.POST.get("reason", "")
    _key_person_step(
        request,
        lambda: key_persons.remove_key_person(entry=entry, by=request.user, reason=reason, request=request),
        _("已撤销重点人员标记。"),
    )
    return redirect("disputes-key-persons")


@nav_required("supervision")
def supervision_list(request: HttpRequest) -> HttpResponse:
    from disputes.supervision import supervision_sections, township_summary
    from governance.scoping import jurisdiction

    # A county's list: each township's counts first, and the list narrowed to one township on
    # request (?township=<id>, one of the jurisdiction's; anything else is no filter).
    region = jurisdiction(request.user)
    townships: list[Region] = []
    if region is not None and region.level == Region.Level.COUNTY:
        townships = list(Region.objects.filter(parent=region, level=Region.Level.TOWNSHIP).order_by("code"))
    raw = request.GET.get("township", "")
    township = next((t for t in townships if raw.isdigit() and t.pk == int(raw[:12])), None)
    listed, sections = supervision_sections(request.user, township=township)
    summary = township_summary(request.user) if townships and township is None else []
    return render(
        request,
        "disputes/supervision_list.html",
        {
            "listed": listed,
            "sections": sections,
            "today": timezone.localdate(),
            "township": township,
            "summary": summary,
            "townships": townships,
        },
    )


def _form_step(request: HttpRequest, number: str, form_class, prefix: str, run, done: str = "") -> HttpResponse:
    """A side step on a case (extension, supervision): validate the form, call the service,
    show its refusal as a message or its errors on the form."""
    case = scoped_case(request, number, detail=True)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            run(case, form.cleaned_data)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("disputes-detail", case.number)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, done or _("已保存。"))
            return redirect("disputes-detail", case.number)
    return render(request, "disputes/case_detail.html", _detail_context(request, case, {prefix: form}), status=400)


@require_POST
@nav_required("cases")
def case_supervise(request: HttpRequest, number: str) -> HttpResponse:
    return _form_step(
        request,
        number,
        forms.SuperviseForm,
        "supervise",
        lambda case, d: services.supervise_case(case=case, by=request.user, instruction=d["instruction"], due=d["due"]),
    )


@require_POST
@nav_required("cases")
def supervision_answer(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _form_step(
        request,
        number,
        forms.SupervisionAnswerForm,
        "answer",
        lambda case, d: services.answer_supervision(
            supervision=get_object_or_404(case.supervisions, pk=pk), by=request.user, answer=d["answer"]
        ),
    )


@require_POST
@nav_required("cases")
def supervision_lift(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = scoped_case(request, number)
    supervision = get_object_or_404(case.supervisions, pk=pk)
    try:
        services.lift_supervision(supervision=supervision, by=request.user)
    except services.TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("已撤销挂牌。"))
    return redirect("disputes-detail", case.number)


LEDGER_ROWS = 50  # of the overdue ledger on the page (each row a status badge); the export holds all


@nav_required("supervision")
def performance(request: HttpRequest) -> HttpResponse:
    from disputes.deadlines import due_soon_working_days
    from disputes.performance import Period, overdue_days, overdue_ledger_page, unit_performance

    month = month_param(request)
    period = Period.of(month, request.GET.get("span", ""))
    rows, total = overdue_ledger_page(request.user, month, LEDGER_ROWS)
    for case in rows:
        case.overdue_working_days = overdue_days(case, month)
    return render(
        request,
        "disputes/performance.html",
        {
            "units": unit_performance(request.user, period),
            "period": period,
            "period_query": f"month={month:%Y-%m}&span={period.span}",
            "month": month,
            "ledger": rows,
            "ledger_total": total,
            "previous": (month - timedelta(days=1)).replace(day=1),
            "due_soon_days": due_soon_working_days(),
        },
    )


@nav_required("supervision")
def performance_cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure of the unit table (disputes.performance.cases_behind): the same
    condition and scope that counted it, so the list adds up to the number clicked."""
    from disputes.performance import MEASURE_LABELS, Period, cases_behind

    month = month_param(request)
    period = Period.of(month, request.GET.get("span", ""))
    measure, unit_id = request.GET.get("measure", ""), request.GET.get("unit", "")
    if measure not in MEASURE_LABELS or not unit_id.isdigit():
        messages.error(request, _("统计项或主办单位无效，请从单位办理情况表中点击数字查看。"))
        return redirect("disputes-performance")
    unit = get_object_or_404(Unit, pk=int(unit_id))
    cases = cases_behind(request.user, measure, unit.pk, period).select_related(
        "township", "lead_unit", "category", "risk_level"
    )
    page = Paginator(cases.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/performance_cases.html",
        {
            "page": page,
            "unit": unit,
            "label": MEASURE_LABELS[measure],
            "live": measure in ("due_soon", "overdue"),
            "period": period,
            "period_query": f"month={month:%Y-%m}&span={period.span}",
            "month": month,
            "today": timezone.localdate(),
            "query": f"measure={measure}&unit={unit.pk}&month={month:%Y-%m}&span={period.span}",
        },
    )


@nav_required("supervision")
@require_POST
def overdue_ledger_export(request: HttpRequest) -> HttpResponse:
    """超期台账 of a month: at a million cases tens of thousands of rows, so a background job
    (governance/export_jobs.py) like the case ledger, then 我的导出."""
    from governance.export_views import ask_for_export

    month = month_param(request)
    back = f"{reverse('disputes-performance')}?month={month:%Y-%m}"
    return ask_for_export(request, "overdue", {"month": f"{month:%Y-%m}"}, f"{month:%Y年%m月}", back=back)


@nav_required("supervision")
def time_limits(request: HttpRequest) -> HttpResponse:
    """时限标准: the matrix and the statutory limits as the scan applies them, for the staff and
    leaders who are chased by them (the system administrator edits them in the admin)."""
    rules = TimeLimitRule.objects.select_related("category", "risk_level").prefetch_related(
        Prefetch("stages", queryset=StageLimit.objects.select_related("statute").order_by("stage"))
    )
    rows = sorted(rules, key=lambda rule: (rule.specificity, str(rule)))
    return render(
        request,
        "disputes/time_limits.html",
        {"rules": rows, "statutes": StatutoryLimit.objects.order_by("code"), "stages": Stage.choices},
    )
