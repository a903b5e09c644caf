"""Every route of the URLconf × every persona: allowed, refused (403) or not found (404), never a
500, and never business data for the three administrators.

ROUTES is the one table of expectations: each route name (or, for an unnamed pattern, the pattern)
with the roles that may use it and the object its path names. A route of the URLconf missing from
the table fails `test_every_route_is_in_the_table`, so a new view cannot ship untested: add one
line. Each route is requested by every persona (and anonymously), GET and an empty POST (the point
is who gets in, not validation), with its path filled from a small county seeded once for the
module: the persona's own object (甲镇; 乙镇 for the outsider), the other township's object, and for
a path naming two objects, the persona's case with the other township's attachment, agreement….
Every request runs in a savepoint that is rolled back, so an empty POST that does change
something (mark read, lift a supervision) leaves the county as it was for the next one.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from governance.models import ADMIN_ROLES, Role
from governance.navigation import NAV_BY_KEY, NAV_ITEMS
from tests.factories import PERSONAS, Org, build_org, make_user

R = Role
ALL = frozenset(Role.values)
ADMINS = frozenset(ADMIN_ROLES)
NOBODY: frozenset[str] = frozenset()
CENTER = frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF})
WATCH = CENTER | {R.LEADER}  # supervision, the zero-report board, night visits
CASES = WATCH | {R.HANDLER, R.MEDIATOR}
MEDIATION = WATCH | {R.MEDIATOR}  # organisations, experts, subsidy and performance
GRID = frozenset({R.GRID_WORKER})


@dataclass(frozen=True)
class Route:
    roles: frozenset[str]  # may use it: a page, a download, or the route's own redirect
    subject: str = ""  # what its path names, scoped by jurisdiction (see SEES)
    pk: str = ""  # for a case subject: which of the case's objects `pk` names
    post: frozenset[str] | None = None  # may POST, when narrower than `roles` (view-only admin)
    public: bool = False  # anonymous too: login pages, the health check, the language switch


def admin_model(label: str, *, view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY, history=True) -> dict:
    """The routes the admin site makes for one registered model, from what each role may do."""
    app, model = label.split(".")
    see = frozenset(view) | frozenset(change)
    name = f"admin:{app}_{model}"
    routes = {
        f"{name}_changelist": Route(see, "admin"),
        f"{name}_add": Route(frozenset(add), "admin"),
        f"{name}_change": Route(see, "admin", post=frozenset(change)),
        f"{name}_history": Route(see, "admin"),
        f"{name}_delete": Route(frozenset(delete), "admin"),
        # Django's redirect from the old change URL, answered to anyone before any check.
        f"admin/{app}/{model}/<path:object_id>/": Route(NOBODY, "admin", public=True),
    }
    if history:  # django-simple-history's view of one past version
        routes[f"{name}_simple_history"] = Route(see, "admin", post=frozenset(change))
    return routes


SA, SEC, AUD = R.SYSADMIN, R.SECURITY_ADMIN, R.AUDITOR
CONFIG = {"view": {SA}, "add": {SA}, "change": {SA}}  # configuration the system administrator keeps

ROUTES: dict[str, Route] = {
    # --- governance --------------------------------------------------------------------------------
    "home": Route(ALL),
    "login": Route(ALL, public=True),
    "logout": Route(ALL, public=True),
    "password_change": Route(ALL),
    "set_language": Route(ALL, public=True),
    "healthz": Route(ALL, public=True),
    # The work-order API: signed requests from other systems, no session (a refusal is a 4xx).
    "api-openapi": Route(ALL, public=True),
    "api-inbound-orders": Route(ALL, "api", public=True),
    "api-inbound-order": Route(ALL, "api", public=True),
    # 工单接入: the figures for center staff and the two administrators; orders and callbacks for
    # the staff of the receiving center's jurisdiction only.
    "disputes-work-orders": Route(CENTER | {SA, SEC}),
    "disputes-work-order": Route(CENTER, "work_order"),
    "disputes-callback-replay": Route(CENTER, "callback"),
    # The public pages (码上办): anyone, signed in or not, sees the same public page (a staff
    # session is not read there: governance/public_site.py).
    "citizen-home": Route(ALL, public=True),
    "citizen-challenge": Route(ALL, public=True),
    "citizen-send-code": Route(ALL, public=True),
    # 查询进度 / 评价: a staff session opens nothing there (no proved phone: back to the query form).
    "citizen-follow": Route(ALL, public=True),
    "citizen-case": Route(ALL, "citizen", public=True),
    "citizen-rate": Route(ALL, "citizen", public=True),
    "citizen-note": Route(ALL, "citizen", public=True),
    "citizen-report": Route(ALL, public=True),
    "citizen-report-done": Route(ALL, public=True),
    "citizen-ask": Route(ALL, public=True),
    "citizen-ask-detail": Route(ALL, public=True),  # shows a question only to the browser that proved its phone
    # 网上调解, the party's side: the invitation link's token, then the phone proved by SMS code.
    "citizen-mediation": Route(ALL, "invitation", public=True),
    "citizen-mediation-post": Route(ALL, "invitation", public=True),
    "citizen-mediation-confirm": Route(ALL, "invitation", public=True),
    "citizen-mediation-photo": Route(ALL, "invitation", public=True),
    # The second factor's pages, for every signed-in person (REQUIRE_2FA off here: they still answer).
    "twofactor-setup": Route(ALL),
    "twofactor-verify": Route(ALL),
    "twofactor-recovery": Route(ALL),
    "twofactor-codes": Route(ALL),
    "governance-regions": Route(WATCH | GRID),
    # 我的导出: whoever may ask for an export; a job's status and file: its owner only, 404 to anyone else.
    "governance-exports": Route(CASES),
    "governance-export-status": Route(ALL, "export"),
    "governance-export-download": Route(ALL, "export"),
    "governance-region": Route(WATCH | GRID, "region"),
    "governance-units": Route(WATCH | {SA, SEC}),
    "governance-audit": Route(frozenset({AUD, SEC})),
    "dashboard": Route(WATCH),
    "dashboard-export": Route(WATCH),
    "dashboard-brief": Route(WATCH),
    # 信息通报: leaders read, center staff draft, edit, issue and correct.
    "briefings": Route(WATCH),
    "briefings-new": Route(CENTER),
    "briefings-detail": Route(WATCH, "briefing"),
    "briefings-edit": Route(CENTER, "briefing"),
    "briefings-issue": Route(CENTER, "briefing"),
    "briefings-correct": Route(CENTER, "briefing"),
    "briefings-docx": Route(WATCH, "briefing"),
    "report-tables": Route(WATCH),
    "report-table": Route(WATCH, "table"),
    "report-table-print": Route(WATCH, "table"),
    "report-table-export": Route(WATCH, "table"),
    "report-table-submit": Route(WATCH, "table", post=CENTER),  # leaders read, the centers file
    "report-table-regenerate": Route(WATCH, "table", post=CENTER),
    "inbox": Route(ALL),
    "inbox-read": Route(ALL - ADMINS, "notice"),  # administrators have no notices at all (三权分立)
    "inbox-read-all": Route(ALL),
    # --- disputes ----------------------------------------------------------------------------------
    "disputes-list": Route(CASES),
    "disputes-work": Route(CASES),
    "disputes-intake": Route(CENTER),
    # 码上办 posters: center staff and leaders, each place of their jurisdiction only.
    "disputes-posters": Route(WATCH),
    "disputes-poster": Route(WATCH, "region"),
    "disputes-export": Route(CASES),
    "disputes-supervision": Route(WATCH),
    "disputes-performance": Route(WATCH),
    "disputes-performance-cases": Route(WATCH),
    "disputes-time-limits": Route(WATCH),
    "disputes-online": Route(WATCH),  # 网上受理统计 (issue 16)
    "disputes-overdue-ledger": Route(WATCH),
    "disputes-detail": Route(CASES, "case"),
    "disputes-action": Route(CASES, "case"),
    "disputes-progress": Route(CASES, "case"),
    "disputes-attach": Route(CASES, "case"),
    "disputes-attachment": Route(CASES, "case", "attachment"),
    "disputes-extension": Route(CASES, "case"),
    "disputes-extension-decide": Route(CASES, "case", "extension"),
    "disputes-reveal": Route(CASES, "case", "party"),
    "disputes-supervise": Route(CASES, "case"),
    "disputes-supervision-answer": Route(CASES, "case", "supervision"),
    "disputes-supervision-lift": Route(CASES, "case", "supervision"),
    "disputes-receipt": Route(CASES, "case"),
    "disputes-dispatch-order": Route(CASES, "case"),
    "disputes-key-persons": Route(WATCH),
    # Offered to center staff on the case page; anyone else's post is refused by the service with a message.
    "disputes-key-person-mark": Route(CASES, "case", "party"),
    "disputes-key-person-remove": Route(WATCH, "key_person"),
    "disputes-key-person-check": Route(WATCH),  # JSON for the intake form, POST
    # 预警: center staff and leaders of the jurisdiction; closing is refused by the service to a leader.
    "disputes-warnings": Route(WATCH),
    "disputes-warning": Route(WATCH, "warning"),
    "disputes-warning-close": Route(WATCH, "warning"),
    "disputes-warning-agenda": Route(WATCH, "warning"),  # the service says which meetings may take it
    # 网上咨询: center staff and leaders of the jurisdiction; a leader's answer is refused by the service.
    "disputes-consultations": Route(WATCH),
    "disputes-consultation": Route(WATCH, "consultation"),
    "disputes-consultation-answer": Route(WATCH, "consultation"),
    "disputes-consultation-turn": Route(WATCH, "consultation"),
    # --- meetings (联席例会、会商研判) -------------------------------------------------------------------
    "meetings-list": Route(CASES),
    "meetings-new": Route(CENTER),
    "meetings-detail": Route(CASES, "meeting"),
    "meetings-decision-add": Route(CASES, "meeting"),  # the service refuses anyone but the center, with a message
    "meetings-minutes": Route(WATCH, "meeting"),  # a unit given a decision sees only its own part
    "meetings-docx": Route(WATCH, "meeting"),
    "meetings-decision-answer": Route(CASES, "decision"),
    # --- grids -------------------------------------------------------------------------------------
    "grids-list": Route(CENTER),
    "grids-create": Route(CENTER),
    "grids-edit": Route(CENTER, "grid"),
    "grids-workers": Route(CENTER),
    "grids-worker-create": Route(CENTER),
    "grids-worker-edit": Route(CENTER, "worker"),
    "grids-import": Route(CENTER),
    "grids-import-template": Route(CENTER),
    "grids-patrols": Route(GRID),
    "grids-patrol-create": Route(GRID),
    "grids-patrol-report": Route(GRID, "patrol"),
    "grids-reports": Route(GRID),
    "grids-report-file": Route(GRID),
    "grids-report-detail": Route(WATCH, "report"),
    "grids-item-to-case": Route(WATCH, "item"),
    "grids-board": Route(WATCH),
    "grids-league": Route(WATCH),
    "grids-board-export": Route(WATCH),
    # --- mediation ---------------------------------------------------------------------------------
    "mediation-work": Route(frozenset({R.MEDIATOR})),
    "mediation-organisations": Route(MEDIATION),
    "mediation-organisation": Route(MEDIATION, "org"),
    "mediation-mediator-new": Route(CENTER, "org"),  # the roster: the center of the jurisdiction
    "mediation-mediator-edit": Route(CENTER, "org"),
    "mediation-training-new": Route(CENTER, "org"),
    "mediation-experts": Route(MEDIATION),
    "mediation-subsidy": Route(MEDIATION),
    "mediation-subsidy-export": Route(MEDIATION),
    "mediation-performance": Route(MEDIATION),
    "mediation-agreements": Route(MEDIATION),
    "mediation-case": Route(CASES, "case"),
    "mediation-assign": Route(CASES, "case"),
    "mediation-recuse": Route(CASES, "case", "assignment"),
    "mediation-extend": Route(CASES, "case"),
    "mediation-fail": Route(CASES, "case"),
    "mediation-notice": Route(CASES, "case"),
    "mediation-session-new": Route(CASES, "case"),
    "mediation-session": Route(CASES, "case", "session"),
    "mediation-agreement-draft": Route(CASES, "case"),
    "mediation-agreement-edit": Route(CASES, "case", "agreement"),
    "mediation-agreement-finalize": Route(CASES, "case", "agreement"),
    "mediation-agreement-correct": Route(CASES, "case", "agreement"),
    "mediation-agreement-docx": Route(CASES, "case", "agreement"),
    "mediation-agreement-pdf": Route(CASES, "case", "agreement"),
    "mediation-confirmation": Route(CASES, "case", "agreement"),
    "mediation-confirmation-decide": Route(CASES, "case", "confirmation"),
    "mediation-follow-up": Route(CASES, "case", "follow_up"),
    # 网上调解: the organisation's mediators and the center; a co-handling unit or a leader gets 404.
    "mediation-online": Route(CENTER | {R.MEDIATOR}, "case"),
    "mediation-online-switch": Route(CENTER | {R.MEDIATOR}, "case"),
    "mediation-online-invite": Route(CENTER | {R.MEDIATOR}, "case"),
    # --- visits ------------------------------------------------------------------------------------
    "visits-calendar": Route(WATCH),
    "visits-new": Route(CENTER),  # leaders are scheduled, they do not schedule
    "visits-coverage": Route(WATCH),
    "visits-coverage-export": Route(WATCH),
    "visits-issues": Route(CASES),
    "visits-issue": Route(CASES, "issue"),
    "visits-issue-close": Route(CASES, "issue"),
    "visits-issue-convert": Route(CASES, "issue"),
    "visits-detail": Route(WATCH, "visit"),
    "visits-brief": Route(WATCH, "visit"),
    "visits-record": Route(WATCH, "visit"),
    "visits-cancel": Route(WATCH, "visit"),
    "visits-issue-add": Route(WATCH, "visit"),
    # --- the admin site (三权分立: configuration, accounts, the audit log; never business data) ---------
    "admin:index": Route(ADMINS),
    "admin:login": Route(ALL, public=True),
    "admin:logout": Route(ALL, public=True),
    "admin:password_change": Route(ADMINS),
    "admin:password_change_done": Route(ADMINS),
    "admin:autocomplete": Route(NOBODY),  # refused to all without its query parameters
    "admin:jsi18n": Route(ADMINS),
    "admin:view_on_site": Route(NOBODY, "admin_site"),  # no model has get_absolute_url
    "admin:app_list": Route(frozenset({SA}), "admin_app"),  # the 网格 app's page
    "admin/(?P<url>.*)$": Route(NOBODY, "admin_any"),  # the admin's catch-all 404
    "admin:auth_user_password_change": Route(frozenset({SEC}), "admin_user"),
    **admin_model("auth.group", view={SEC}, history=False),
    **admin_model("axes.accessattempt", view={SEC, AUD}, delete={SEC}, history=False),
    **admin_model("axes.accesslog", view={SEC, AUD}, history=False),
    **admin_model("axes.accessfailurelog", view={AUD}, history=False),
    **admin_model("governance.user", view={SEC}, add={SEC}, change={SEC}),
    **admin_model("governance.unit", view={SA, SEC}, add={SA}, change={SA}),
    **admin_model("governance.auditevent", view={AUD}, history=False),
    **admin_model("governance.calendarday", **CONFIG, delete={SA}),
    **admin_model("governance.calendaryear", **CONFIG, delete={SA}),
    **admin_model("governance.indicator", **CONFIG),
    **admin_model("governance.scoreband", **CONFIG, delete={SA}),
    **admin_model("governance.reportform", **CONFIG),
    **admin_model("grids.region", **CONFIG),
    **admin_model("grids.grid", **CONFIG),
    **admin_model("grids.reportsettings", view={SA}, change={SA}),
    **admin_model("grids.sensitiveperiod", **CONFIG, delete={SA}),
    **admin_model("disputes.category", **CONFIG),
    **admin_model("disputes.risklevel", **CONFIG),
    **admin_model("disputes.timelimitrule", **CONFIG, delete={SA}),
    **admin_model("disputes.statutorylimit", view={SA}, change={SA}),
    **admin_model("disputes.warningrule", **CONFIG, delete={SA}),
    # 工单来源: their secrets and mappings are the security administrator's.
    **admin_model("disputes.workordersource", view={SEC}, add={SEC}, change={SEC}),
    **admin_model("mediation.organisation", **CONFIG),
    **admin_model("mediation.mediator"),
    **admin_model("mediation.subsidyrate"),
    **admin_model("visits.visit"),
    **admin_model("visits.visitissue"),
}


# --- The URLconf --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Walked:
    key: str  # the route's name with its namespace, or its pattern when unnamed
    name: str | None
    pattern: str
    params: tuple[str, ...]
    positional: int  # unnamed regex groups (django-simple-history's version page)
    callback: object


def _params(pattern) -> tuple[tuple[str, ...], int]:
    regex = pattern.regex
    return tuple(regex.groupindex), regex.groups - len(regex.groupindex)


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "", params=(), positional=0):
    """Every route of the URLconf, included app URLconfs and the admin site."""
    for entry in (resolver or get_resolver()).url_patterns:
        named, unnamed = _params(entry.pattern)
        if isinstance(entry, URLResolver):
            space = ":".join(filter(None, (namespace, entry.namespace)))
            yield from walk(entry, prefix + str(entry.pattern), space, params + named, positional + unnamed)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            pattern = prefix + str(entry.pattern)
            yield Walked(name or pattern, name, pattern, params + named, positional + unnamed, entry.callback)


WALKED = {route.key: route for route in walk()}


# --- The county ---------------------------------------------------------------------------------

OTHER_SIDE = {"A": "B", "B": "A"}
COUNTY_WIDE = {"county_officer", "leader"}
SEEN_A = COUNTY_WIDE | {"township_officer", "township_leader"}
SEEN_B = COUNTY_WIDE | {"outsider"}
# Who may see each side's object of a subject (whatever their role allows them to open).
SEES: dict[str, dict[str, set[str]]] = {
    "case": {"A": SEEN_A | {"police", "mediator"}, "B": SEEN_B},  # A: led by 调委会, police co-handle
    "region": {"A": SEEN_A | {"grid_worker"}, "B": SEEN_B},
    "grid": {"A": SEEN_A | {"grid_worker"}, "B": SEEN_B},
    "worker": {"A": SEEN_A, "B": SEEN_B},
    "patrol": {"A": {"grid_worker"}, "B": set()},  # one's own logs only
    "report": {"A": SEEN_A, "B": SEEN_B},
    "item": {"A": SEEN_A, "B": SEEN_B},
    "org": {"A": SEEN_A | {"police", "mediator", "grid_worker"}, "B": SEEN_B},
    "visit": {"A": SEEN_A, "B": SEEN_B},
    "issue": {"A": SEEN_A | {"police"}, "B": SEEN_B},  # A's issue is owned by the police station
    "key_person": {"A": SEEN_A, "B": SEEN_B},  # the register: center staff and leaders
    "export": {"A": {"township_officer"}, "B": {"outsider"}},  # a ledger export: its owner only
    "briefing": {"A": SEEN_A, "B": SEEN_B},  # a township's report: its center, the county, leaders
    "warning": {"A": SEEN_A, "B": SEEN_B},  # 预警: center staff and leaders
    # A's meeting gave the police station a decision: the station sees that meeting.
    "meeting": {"A": SEEN_A | {"police"}, "B": SEEN_B},
    "decision": {"A": SEEN_A | {"police"}, "B": SEEN_B},
    # A work order of the township center's source: its center and the county center.
    "work_order": {"A": {"county_officer", "township_officer"}, "B": {"county_officer", "outsider"}},
    "callback": {"A": {"county_officer", "township_officer"}, "B": {"county_officer", "outsider"}},
    "consultation": {"A": SEEN_A, "B": SEEN_B},  # 网上咨询: the centers and leaders of the place
}


@dataclass
class County:
    org: Org
    side: dict[str, dict[str, object]]  # "A"/"B" → subject or case object name → object
    notices: dict[str, object]  # persona → a notice addressed to them
    markers: dict[str, list[str]]  # "A", "B", "county" → business text only those in scope may read
    sessions: dict[str, str] = field(default_factory=dict)  # persona → session key


def home_side(persona: str) -> str:
    return "B" if persona == "outsider" else "A"


def foreign_markers(county: County, persona: str) -> list[str]:
    """Business text this persona must never be shown, whatever the page."""
    markers = county.markers
    if persona in {"sysadmin", "security_admin", "auditor"}:
        return markers["A"] + markers["B"] + markers["county"]
    if persona == "county_officer":
        return []
    if persona == "leader":  # sees the whole county, but not the county center's own inbox
        return markers["county"]
    return markers["county"] + markers[OTHER_SIDE[home_side(persona)]]


def _side(org: Org, side: str, clerk, mediator_user, mediation_unit, grid_worker, leader) -> dict[str, object]:
    """One township's business: a case handled by its mediation committee with every object a case
    route can name, a held night visit with an issue, a zero report, a patrol log."""
    from disputes import key_persons
    from disputes import meetings as meeting_services
    from disputes import services as case_services
    from disputes.models import Attachment, Category, EarlyWarning, Party, RiskLevel, WarningKind
    from governance.export_jobs import request_export, run_export_job
    from grids.models import Grid, PatrolLog, ZeroReport, ZeroReportItem
    from mediation import services as med_services
    from mediation.models import FollowUp, Organisation
    from tests.mediation.conftest import agreement_data, mediator
    from visits import services as visit_services
    from visits.models import Kind

    town, village = (org.town_a, org.village_a1) if side == "A" else (org.town_b, org.village_b1)
    label = "甲镇" if side == "A" else "乙镇"
    today = timezone.localdate()
    neighbourhood = Category.objects.get(code="neighbourhood")
    organisation = Organisation.objects.create(unit=mediation_unit, kind=Organisation.Kind.TOWNSHIP, region=town)
    profile = mediator(f"{label}调解员", organisation, "neighbourhood", user=mediator_user, role="director")
    case = case_services.intake_case(
        by=clerk,
        data=case_services.IntakeData(
            channel="visit",
            township=town,
            village=village,
            summary=f"{label}排水沟纠纷",
            category=neighbourhood,
            risk_level=RiskLevel.objects.get(code="blue"),
            parties=[
                case_services.PartyData(role=Party.Role.APPLICANT, name=f"{label}当事人甲某", phone="13800138000"),
                case_services.PartyData(role=Party.Role.RESPONDENT, name=f"{label}当事人乙某"),
            ],
        ),
    )
    co_units = [org.police_a] if side == "A" else []
    case = case_services.dispatch_case(
        case=case, by=clerk, lead_unit=mediation_unit, co_units=co_units, due=today + timedelta(days=20), version=1
    )
    case = case_services.sign_case(case=case, by=mediator_user, version=case.version)
    (assignment,) = med_services.assign_mediators(case=case, by=mediator_user, mediators=[profile], lead=profile)
    from disputes.citizen import case_code
    from mediation import online

    case_code(case, mediation="online")  # 网上调解: the applicant invited by SMS link
    _invitation, invitation_token = online.invite_party(case=case, party=case.parties.first(), by=mediator_user)
    session = med_services.record_session(
        case=case,
        by=mediator_user,
        data=med_services.SessionData(
            held_at=timezone.now() - timedelta(hours=1),
            place=f"{label}调委会",
            mediators=profile.name,
            participants="双方当事人",
            rights_notified=True,
            statements=[(f"{label}当事人甲某", "要求清理排水沟")],
            process="释法说理",
            result="agreed",
        ),
    )
    agreement = med_services.draft_agreement(case=case, by=mediator_user)
    agreement = med_services.update_agreement(agreement=agreement, by=mediator_user, data=agreement_data())
    agreement = med_services.finalize_agreement(agreement=agreement, by=mediator_user, signed_on=today)
    confirmation = med_services.apply_confirmation(
        agreement=agreement, by=mediator_user, court=f"{label}人民法庭", applied_on=today
    )
    case.refresh_from_db()
    extension = case_services.request_extension(case=case, by=mediator_user, days=5, reason="等待鉴定")
    supervision = case_services.supervise_case(
        case=case, by=org["leader"], instruction="请尽快化解", due=today + timedelta(days=5)
    )
    attachment = Attachment.objects.create(
        case=case,
        file=ContentFile(b"%PDF-1.4\n", name="evidence.pdf"),
        original_name="证据.pdf",
        size=9,
        content_type="application/pdf",
        uploaded_by=clerk,
    )
    case.refresh_from_db()
    key_person = key_persons.mark_key_person(case=case, party=case.parties.first(), by=clerk, reason=f"{label}多次上访")

    day = today - timedelta(days=1)
    with time_machine.travel(timezone.make_aware(datetime.combine(day, time(9))), tick=False):
        visit = visit_services.plan_visit(by=clerk, kind=Kind.NIGHT_VISIT, date=day, village=village, leaders=[leader])
    visit = visit_services.record_visit(
        visit=visit, by=clerk, households_visited=6, people_received=9, people_met="村两委", summary="走访6户"
    )
    issue = visit_services.raise_issue(
        visit=visit,
        by=clerk,
        village=village,
        category=neighbourhood,
        summary=f"{label}夜访问题：路灯损坏",
        leader=leader,
        ending=visit_services.Ending.ASSIGN,
        owner_unit=org.police_a if side == "A" else org.center_b,
    )

    from governance.briefings import draft_briefing

    briefing = draft_briefing(by=clerk, kind="daily", day=today - timedelta(days=1), region=town)
    export, _created = request_export(user=clerk, kind="ledger", params={"query": ""}, title="全部案件", request=None)
    run_export_job(export.pk)

    grid = Grid.objects.get(code=f"{village.code}001")
    report = ZeroReport.objects.create(
        village=village, date=today, reporter=grid_worker, submitted_at=timezone.now(), note=f"{label}零报告备注"
    )
    item = ZeroReportItem.objects.create(report=report, summary=f"{label}零报告所列纠纷", category=neighbourhood)
    patrol = PatrolLog.objects.create(
        worker=grid_worker, grid=grid, date=today, checked="巡查", findings=f"{label}巡查发现"
    )
    warning = EarlyWarning.objects.create(
        kind=WarningKind.GROUP, key=f"group:{case.pk}", subject=f"group:{case.pk}", township=town, title=f"{label}预警"
    )
    warning.cases.add(case)
    meeting = meeting_services.record_meeting(
        by=clerk,
        data=meeting_services.MeetingData(
            kind="joint",
            date=today,
            chair=f"{label}主持人",
            summary=f"{label}联席会议情况",
            units=[org.police_a if side == "A" else org.center_b],
            cases=[case],
            warnings=[warning],
        ),
    )
    decision = meeting_services.add_decision(
        meeting=meeting,
        by=clerk,
        text=f"{label}议定事项",
        owner_unit=org.police_a if side == "A" else org.center_b,
        due=today + timedelta(days=5),
    )
    from disputes.models import Callback, InboundOrder, WorkOrderSource

    source = WorkOrderSource.objects.create(
        code=f"src-{side.lower()}", name=f"{side}工单来源", channel="hotline_12345", center=clerk.unit
    )
    work_order = InboundOrder.objects.create(
        source=source, order_id=f"{label}工单号", body="{}", body_sha256="-", state="failed", reason=f"{label}工单失败"
    )
    callback = Callback.objects.create(
        order=work_order, step="accept", payload={}, state="dead", last_status=503, last_error=f"{label}回调错误"
    )
    from disputes.consultations import submit_consultation

    consultation = submit_consultation(
        name=f"{label}咨询人",
        phone="13700137001" if side == "A" else "13700137002",
        place=village,
        question=f"{label}网上咨询问题",
        request=None,
    )
    return {
        "work_order": work_order,
        "callback": callback,
        "consultation": consultation,
        "meeting": meeting,
        "decision": decision,
        "warning": warning,
        "case": case,
        "attachment": attachment,
        "party": case.parties.first(),
        "extension": extension,
        "supervision": supervision,
        "assignment": assignment,
        "session": session,
        "agreement": agreement,
        "confirmation": confirmation,
        "follow_up": FollowUp.objects.filter(obligation__agreement=agreement).first(),
        "invitation_token": invitation_token,
        "region": village,
        "grid": grid,
        "worker": grid_worker,
        "patrol": patrol,
        "report": report,
        "item": item,
        "org": organisation,
        "mediator": profile,
        "visit": visit,
        "issue": issue,
        "key_person": key_person,
        "export": export,
        "briefing": briefing,
        "markers": [
            case.number,
            f"{label}当事人甲某",
            f"{label}排水沟纠纷",
            f"{label}夜访问题",
            f"{label}零报告备注",
            f"{label}零报告所列纠纷",
            f"{label}巡查发现",
            f"{label}调解员",
            f"{label}中心业务通知",
            f"{label}预警",
            f"{label}联席会议情况",
            f"{label}议定事项",
            f"{label}工单号",
            f"{label}工单失败",
            f"{label}回调错误",
            f"{label}网上咨询问题",
        ],
    }


def build_county() -> County:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from governance.models import AuditEvent, CalendarDay, CalendarYear, Heartbeat, Notification, Unit
    from grids.models import Grid, ReportSettings, SensitivePeriod
    from mediation.models import SubsidyRate

    org = build_org()
    UK = Unit.Kind
    med_b = Unit.objects.create(code="B-MED", name="乙镇人民调解委员会", kind=UK.MEDIATION, region=org.town_b)
    committee_b = Unit.objects.create(code="B1-VC", name="乙镇一村村民委员会", kind=UK.VILLAGE, region=org.village_b1)
    worker_b = make_user("grid_worker_b", R.GRID_WORKER, committee_b)
    Grid.objects.get(code=f"{org.village_b1.code}001").workers.add(worker_b)
    side_a = _side(
        org, "A", org["township_officer"], org["mediator"], org.mediation_a, org["grid_worker"], org["township_leader"]
    )
    mediator_b = make_user("mediator_b", R.MEDIATOR, med_b)
    side_b = _side(org, "B", org["outsider"], mediator_b, med_b, worker_b, org["leader"])

    notices = {p: Notification.objects.create(user=org[p], title=f"个人通知 {p}") for p in PERSONAS}
    from disputes.models import WarningRule

    WarningRule.objects.create(county=org.county, kind="spike", threshold=3, days=7)
    Notification.objects.create(unit=org.center_a, title="甲镇中心业务通知", url="/cases/")
    Notification.objects.create(unit=org.center_b, title="乙镇中心业务通知", url="/cases/")
    Notification.objects.create(unit=org.county_center, title="县中心业务通知：案件逾期红牌", url="/cases/")

    # One row of each configuration or security model, for the admin's object pages.
    AuditEvent.objects.create(action=AuditEvent.Action.LOGIN, username="auditor")
    CalendarDay.objects.create(date=date(2031, 1, 2), is_working_day=False, name="测试假日")
    CalendarYear.objects.create(year=2032, source="测试通知")
    Heartbeat.objects.create(name="heartbeat", at=timezone.now())  # a live scheduler: /healthz answers 200
    SensitivePeriod.objects.create(name="测试敏感期", start=date(2031, 3, 1), end=date(2031, 3, 5))
    ReportSettings.objects.get_or_create(pk=1)
    SubsidyRate.objects.create(
        difficulty="simple", amount=100, valid_from=date(2026, 1, 1), set_by=org["county_officer"]
    )
    axes_row = {"username": "someone", "ip_address": "127.0.0.1", "user_agent": "t", "path_info": "/login/"}
    AccessAttempt.objects.create(**axes_row, failures_since_start=1, get_data="", post_data="")
    AccessLog.objects.create(**axes_row)
    AccessFailureLog.objects.create(**axes_row)
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first()
        if hasattr(model, "history") and first is not None and not first.history.exists():
            first.save()  # reference data is bulk-loaded: give django-simple-history's page a version
    return County(
        org,
        {"A": side_a, "B": side_b},
        notices,
        {"A": side_a.pop("markers"), "B": side_b.pop("markers"), "county": ["县中心业务通知"]},
    )


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The county, built once; each test's `db` transaction is a savepoint inside this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_county()
        for persona in PERSONAS:
            client = Client()
            client.force_login(world.org[persona])
            world.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield world
        transaction.set_rollback(True)


# --- Asking -------------------------------------------------------------------------------------


def _admin_object(key: str):
    """The first row of the model an admin route is about."""
    if key.startswith("admin/"):  # the unnamed redirect: admin/<app>/<model>/<path:object_id>/
        return apps.get_model(*key.split("/")[1:3])._default_manager.order_by("pk").first()
    stem = key.removeprefix("admin:")
    for model in admin.site._registry:
        if stem.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model._default_manager.order_by("pk").first()
    raise LookupError(key)


def path_for(county: County, walked: Walked, route: Route, persona: str, variant: str) -> str:
    """The route's path for `variant`: "own" (the persona's township), "other" (the other
    township's object), "mixed" (the persona's case or organisation, the other's object in it)."""
    side = home_side(persona)
    first = OTHER_SIDE[side] if variant == "other" else side
    second = OTHER_SIDE[side] if variant in ("other", "mixed") else side
    values: dict[str, object] = {}
    args: list[object] = []
    objects = county.side
    if route.subject == "case":
        values = {"number": objects[first]["case"].number, "action": "accept"}
        if route.pk:
            values["pk"] = objects[second][route.pk].pk
    elif route.subject == "org":
        values = {"pk": objects[first]["org"].pk, "mediator_pk": objects[second]["mediator"].pk}
    elif route.subject in ("region", "grid"):
        values = {"code": objects[first][route.subject].code}
    elif route.subject == "invitation":  # a public link: the token, and a photo of that case
        values = {"token": objects[first]["invitation_token"], "pk": objects[first]["attachment"].pk}
    elif route.subject in SEES:
        values = {"pk": objects[first][route.subject].pk}
    elif route.subject == "table":
        values = {
            "code": "disputes-survey",
            "kind": "month",
            "period": f"{date.today().replace(day=1) - timedelta(1):%Y-%m}",
        }
    elif route.subject == "notice":
        if variant == "own" and persona != "anonymous":
            owner = persona
        else:
            owner = "township_officer" if persona == "outsider" else "outsider"
        values = {"pk": county.notices[owner].pk}
    elif route.subject == "admin":
        obj = _admin_object(walked.key)
        values = {"object_id": obj.pk}
        if walked.positional:  # /<object_id>/history/<history_id>/
            record = obj.history.order_by("history_id").first()
            args = [obj.pk, record.history_id]
    elif route.subject == "admin_user":
        values = {"id": county.org["police"].pk}
    elif route.subject == "admin_site":
        case = objects[side]["case"]
        values = {"content_type_id": ContentType.objects.get_for_model(case).pk, "object_id": case.pk}
    elif route.subject == "api":
        values = {"source": "src-a", "order_id": "GD"}
    elif route.subject == "admin_app":
        values = {"app_label": "grids"}
    elif route.subject == "admin_any":
        values = {"url": "no-such-page/"}
    elif route.subject == "citizen":  # a query code (public pages: opened only by a proved phone)
        values = {"code": "K7M4Q9XP"}
    if route.public and "code" in walked.params:  # a public page's query code (码上办): any well-formed one
        values.setdefault("code", "K7M4Q9XP")
    if walked.name is None:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), walked.pattern)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), path)
        return "/" + path.replace("^", "").replace("$", "")
    if args:
        return reverse(walked.name, args=args)
    return reverse(walked.name, kwargs={name: values[name] for name in walked.params})


def visible(route: Route, persona: str, variant: str) -> bool:
    if variant == "mixed":
        return False  # the other township's object is never part of one's own case
    if route.subject in SEES:
        side = home_side(persona) if variant == "own" else OTHER_SIDE[home_side(persona)]
        return persona in SEES[route.subject][side]
    return variant == "own"


def variants(route: Route, walked: Walked, post_only: bool) -> tuple[str, ...]:
    # "mixed" needs a GET: an empty POST is refused by the form before the second object is looked up.
    two_objects = (route.subject == "case" and route.pk) or (route.subject == "org" and "mediator_pk" in walked.params)
    if two_objects and not post_only:
        return ("own", "other", "mixed")
    if route.subject in SEES or route.subject == "notice":
        return ("own", "other")
    return ("own",)


def text_of(response) -> str:
    """What a person would read: the page, or the text inside an .xlsx/.docx download."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def verdict(route: Route, roles: frozenset[str], persona: str, method: str, variant: str, response) -> str:
    """'' when the answer is what the table expects, else what is wrong."""
    status = response.status_code
    to_login = status == 302 and "login" in response.get("Location", "")
    if status >= 500:
        return f"{status}"
    if route.public:
        return ""
    if persona == "anonymous":
        return "" if to_login or status == 405 else f"{status}, expected a redirect to the login page"
    allowed = route.post if method == "post" and route.post is not None else route.roles
    if roles & allowed:
        if status == 405:
            return ""
        if not visible(route, persona, variant):
            return "" if status == 404 else f"{status}, expected 404 (not in this person's scope)"
        if status == 200 or (status == 302 and not to_login) or (status == 400 and method == "post"):
            return ""
        return f"{status}, expected the page (allowed role, object in scope)"
    if status in (403, 404, 405) or to_login:
        return ""
    return f"{status}, expected 403/404 (role not allowed)"


def ask(county: County, client: Client, persona: str, method: str, path: str):
    """One request, a POST in a savepoint rolled back afterwards; the session cookie restored first
    (an earlier request may have been a logout)."""
    client.cookies.clear()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = county.sessions[persona]
    if method == "get":
        response = client.get(path)
        return response, text_of(response) if response.status_code == 200 else ""
    with transaction.atomic():
        try:
            response = client.post(path)
            text = text_of(response) if response.status_code == 200 else ""
        finally:
            transaction.set_rollback(True)
    return response, text


# --- The tests ----------------------------------------------------------------------------------


def test_every_route_is_in_the_table():
    missing = sorted(set(WALKED) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(WALKED))
    assert not missing, f"routes without a row in ROUTES (add who may use them): {missing}"
    assert not stale, f"rows in ROUTES for routes that no longer exist: {stale}"


def test_menu_and_page_checks_agree_with_the_table():
    """A menu entry never leads to a refusal; a page guarded by `nav_required(key)` allows no role
    beyond the menu entry's (it may narrow: only center staff plan visits), and the entry's own
    page allows exactly the entry's roles."""
    for item in NAV_ITEMS:
        assert item.roles <= ROUTES[item.url_name].roles, item.key
    for key, walked in WALKED.items():
        nav_key = getattr(walked.callback, "nav_key", None)
        if nav_key is None:
            continue
        assert ROUTES[key].roles <= NAV_BY_KEY[nav_key].roles, (key, nav_key)
        if NAV_BY_KEY[nav_key].url_name == key:
            assert ROUTES[key].roles == NAV_BY_KEY[nav_key].roles, (key, nav_key)


@pytest.fixture
def quiet_refusals():
    """403/404/405 are what most requests here should get: not worth a logged traceback each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("key", sorted(WALKED))
def test_route_answers_every_persona(key, county, db, quiet_refusals):
    assert key in ROUTES, f"{key} has no row in ROUTES"
    walked, route = WALKED[key], ROUTES[key]
    client = Client()
    # A refusal does not depend on the method (the role check comes first); it is asked with the
    # method the route answers, POST when a GET is refused as 405 before anything else.
    first = path_for(county, walked, route, "anonymous", "own")
    post_only = ask(county, client, "anonymous", "get", first)[0].status_code == 405
    refusal_method = "post" if post_only else "get"
    failures = []
    for persona in ("anonymous", *PERSONAS):
        roles = frozenset() if persona == "anonymous" else county.org[persona].role_codes
        allowed = bool(roles & (route.roles | (route.post or NOBODY)))
        forbidden = foreign_markers(county, persona) if persona != "anonymous" else []
        for variant in variants(route, walked, post_only) if allowed else ("own",):
            path = path_for(county, walked, route, persona, variant)
            in_scope = allowed and visible(route, persona, variant)
            downloads = False
            methods = ("post",) if post_only else ("get", "post") if in_scope or route.public else (refusal_method,)
            for method in methods:
                if method == "post" and downloads:
                    continue  # a download is read-only: the same file whatever the method
                try:
                    response, text = ask(county, client, persona, method, path)
                except Exception as error:  # a 500: name it and go on with the others
                    failures.append(f"{persona} {method.upper()} {path} ({variant}): 500 {error!r}")
                    continue
                downloads = method == "get" and "attachment" in response.get("Content-Disposition", "")
                problem = verdict(route, roles, persona, method, variant, response)
                leaked = [marker for marker in forbidden if marker in text]
                if leaked:
                    problem = f"{problem} shows business data out of scope: {leaked}".strip()
                if problem:
                    failures.append(f"{persona} {method.upper()} {path} ({variant}): {problem}")
    assert not failures, f"{key}:\n" + "\n".join(failures)
