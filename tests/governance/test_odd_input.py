"""No input gives a 500: every URL pattern of the URLconf, filled with real objects of a small county
and with odd values, and every field of the forms those pages render, filled with odd values
(NUL, 100,000 characters, dates and months at the ends of the calendar, huge, negative and
non-numeric numbers), as the people who use those forms.

The county is seeded once for the module (inside a transaction rolled back at the end); each test
is one URL pattern for one person, in its own savepoint, so a form that succeeds changes nothing
for the next test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from disputes import key_persons
from disputes import services as case_services
from disputes.models import Status
from governance.models import Heartbeat, Notification, User
from grids.models import Grid, ZeroReport
from mediation import services as mediation_services
from tests.disputes.conftest import advance, intake
from tests.factories import PASSWORD, build_org
from tests.mediation.conftest import agreement_data, dispatch_to_mediation, mediator, session_data
from tests.visits.conftest import held, issue

# The county and township officers walk every pattern; the mediator walks the mediation pages, whose
# session and agreement forms only a mediator is shown.
PERSONAS = ("county_officer", "township_officer", "mediator")
SKIPPED_PREFIXES = ("admin/", "i18n/")  # Django's own apps

HUGE = "99999999999999999999"
LONG = "x" * 100_000
ODD_DATES = ("0001-01-01", "9999-12-31")
ODD_DATETIMES = ("0001-01-01T00:00", "9999-12-31T23:59")
ODD_NUMBERS = ("-1", HUGE, "abc", "1e400")
# Every query parameter a view reads, with odd values sent together (views read them independently):
# everything at the top of its range, at the bottom, then malformed.
DAY_NAMES = ("day", "date", "date_from", "date_to", "start", "end")
OTHER_NAMES = ("page", "view", "show", "kind", "village", "township", "action", "username", "q", "status", "unit")
ODD_QUERIES = [
    [("month", "9999-12"), *[(n, "9999-12-31") for n in DAY_NAMES], *[(n, HUGE) for n in OTHER_NAMES]],
    [("month", "0001-01"), *[(n, "0001-01-01") for n in DAY_NAMES], *[(n, "-1") for n in OTHER_NAMES]],
    [("month", "2026-13"), *[(n, "2026-02-30") for n in DAY_NAMES], *[(n, LONG) for n in OTHER_NAMES]],
]
ODD_PATH_VALUES = {"str": ("x" * 300, "%E4%B8%AD"), "int": (HUGE,), "slug": ("x" * 300, "9" * 40, "2026-13")}
NUL = "\x00"


def patterns(resolvers=None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every pattern of the URLconf, routes joined across includes."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from patterns(entry.url_patterns, route)
        else:
            yield route, entry


ROUTES = {pattern.name: route for route, pattern in patterns() if pattern.name}  # not DEBUG's media


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def seed() -> dict[str, list[dict[str, str]]]:
    """A small county with one object behind every URL pattern; returns the real path values per URL name."""
    org = build_org()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    township = org["township_officer"]
    registered = intake(org)
    submitted = intake(org, channel="hotline_12345")
    in_progress = advance(org, intake(org), Status.IN_PROGRESS)
    closed = advance(org, intake(org), Status.CLOSED)
    attachment = case_services.add_attachment(
        case=registered, by=township, upload=SimpleUploadedFile("证据.png", png, "image/png"), kind="evidence"
    )
    extension = case_services.request_extension(case=in_progress, by=org["police"], days=5, reason="需鉴定")
    supervision = case_services.supervise_case(
        case=in_progress, by=org["leader"], instruction="限期办结", due=timezone.localdate() + timedelta(days=5)
    )
    # Mediation: 甲镇人民调解委员会, a case with a session, a signed agreement and a confirmation.
    from mediation.models import Assignment, FollowUp, Organisation

    med_org = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    zhao = mediator("赵调解", med_org, "neighbourhood", user=org["mediator"], role="director", employment="full")
    mediated = dispatch_to_mediation(org, intake(org))
    mediated = case_services.sign_case(case=mediated, by=org["mediator"], version=mediated.version)
    mediation_services.assign_mediators(case=mediated, by=org["mediator"], mediators=[zhao], lead=zhao)
    # 网上调解: the applicant invited by SMS link, a message with a photo in the thread.
    from disputes.citizen import case_code
    from mediation import online

    case_code(mediated, mediation="online")
    _invitation, token = online.invite_party(case=mediated, party=mediated.parties.first(), by=org["mediator"])
    photo = online.post_message(
        case=mediated, by=org["mediator"], text="照片", photo=SimpleUploadedFile("现场.png", png, "image/png")
    ).photo
    session = mediation_services.record_session(
        case=mediated,
        by=org["mediator"],
        data=session_data(),
    )
    agreement = mediation_services.draft_agreement(case=mediated, by=org["mediator"])
    agreement = mediation_services.update_agreement(agreement=agreement, by=org["mediator"], data=agreement_data())
    agreement = mediation_services.finalize_agreement(
        agreement=agreement, by=org["mediator"], signed_on=timezone.localdate()
    )
    confirmation = mediation_services.apply_confirmation(
        agreement=agreement, by=org["mediator"], court="甲镇人民法庭", applied_on=timezone.localdate()
    )
    follow_up = FollowUp.objects.filter(obligation__agreement=agreement).first()
    draft_case = dispatch_to_mediation(org, intake(org))
    draft_case = case_services.sign_case(case=draft_case, by=org["mediator"], version=draft_case.version)
    mediation_services.assign_mediators(case=draft_case, by=org["mediator"], mediators=[zhao], lead=zhao)
    draft = mediation_services.draft_agreement(case=draft_case, by=org["mediator"])
    # Grids: a patrol log and a zero-report with a listed dispute.
    from grids.patrols import record_patrol
    from grids.zero_report import ReportData, file_report

    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    patrol = record_patrol(by=org["grid_worker"], grid=grid, date=timezone.localdate(), checked="巡查了村道")
    report = file_report(
        by=org["grid_worker"],
        village=org.village_a1,
        day=timezone.localdate(),
        data=ReportData(is_zero=False, disputes_found=1, items=[("邻里争吵", None)]),
    )
    item = ZeroReport.objects.get(pk=report.pk).items.first()
    # Visits: a held night visit with an assigned issue.
    visit = held(org, days_ago=1)
    visit_issue = issue(org, visit)
    notice = Notification.objects.create(unit=org.center_a, title="新案件", url=f"/cases/{registered.number}/")
    assert follow_up is not None
    key_person = key_persons.mark_key_person(
        case=registered, party=registered.parties.first(), by=org["township_officer"], reason="多次来访"
    )
    Heartbeat.objects.create(name="heartbeat", at=timezone.now())  # a live scheduler: /healthz answers 200
    # 信息通报: yesterday's daily report of township A, a draft.
    from governance.briefings import draft_briefing

    briefing = draft_briefing(
        by=township, kind="daily", day=timezone.localdate() - timedelta(days=1), region=org.town_a
    )
    # 统计报表: last month's table of the default form (loaded by the data migration).
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    # 预警 and a meeting with a decision.
    from disputes import meetings as meeting_services
    from disputes.models import EarlyWarning

    warning = EarlyWarning.objects.create(
        kind="group", key="group:odd", subject="group:odd", township=org.town_a, title="预警"
    )
    meeting = meeting_services.record_meeting(
        by=township,
        data=meeting_services.MeetingData(
            kind="joint", date=timezone.localdate(), chair="主持人", summary="会议", units=[org.police_a]
        ),
    )
    decision = meeting_services.add_decision(
        meeting=meeting, by=township, text="议定", owner_unit=org.police_a, due=timezone.localdate()
    )
    from governance.export_jobs import fingerprint, scope_of
    from governance.models import ExportJob

    export = ExportJob.objects.create(
        user=org["county_officer"],
        kind="ledger",
        fingerprint=fingerprint("ledger", {}),
        scope=scope_of(org["county_officer"]),
        state=ExportJob.State.FAILED,
        error="测试",
    )

    from disputes.consultations import submit_consultation

    consultation = submit_consultation(
        name="咨询人", phone="13700137009", place=org.village_a1, question="网上咨询的问题", request=None
    )
    followed = case_code(closed).code  # 一案一码: the closed case, followed and rated on 码上办
    # 工单接入: a source of the county center with an order that failed and a dead callback.
    from disputes.models import Callback, InboundOrder, WorkOrderSource

    source = WorkOrderSource.objects.create(
        code="12345", name="12345热线", channel="hotline_12345", center=org.county_center
    )
    work_order = InboundOrder.objects.create(
        source=source, order_id="GD-1", body="{}", body_sha256="-", state="failed", reason="类别未映射"
    )
    callback = Callback.objects.create(order=work_order, step="accept", payload={}, state="dead")
    cases = [registered, submitted, in_progress, closed, mediated]
    numbers = [{"number": c.number} for c in cases]
    on = lambda case, **kw: [{"number": case.number, **{k: str(v) for k, v in kw.items()}}]  # noqa: E731
    return {
        "governance-region": [{"code": org.village_a1.code}],
        "grids-edit": [{"code": grid.code}],
        "inbox-read": [{"pk": notice.pk}],
        "grids-worker-edit": [{"pk": org["grid_worker"].pk}],
        "grids-patrol-report": [{"pk": patrol.pk}],
        "grids-report-detail": [{"pk": report.pk}],
        "grids-item-to-case": [{"pk": item.pk}],
        "mediation-organisation": [{"pk": med_org.pk}],
        "mediation-mediator-new": [{"pk": med_org.pk}],
        "mediation-mediator-edit": [{"pk": med_org.pk, "mediator_pk": zhao.pk}],
        "mediation-training-new": [{"pk": med_org.pk, "mediator_pk": zhao.pk}],
        "disputes-action": [
            {"number": submitted.number, "action": "accept"},
            {"number": registered.number, "action": "dispatch"},
        ],
        "disputes-attachment": on(registered, pk=attachment.pk),
        "disputes-extension-decide": on(in_progress, pk=extension.pk),
        "disputes-reveal": on(registered, pk=registered.parties.first().pk),
        "disputes-key-person-mark": on(registered, pk=registered.parties.last().pk),
        "disputes-key-person-remove": [{"pk": key_person.pk}],
        "disputes-supervision-answer": on(in_progress, pk=supervision.pk),
        "disputes-supervision-lift": on(in_progress, pk=supervision.pk),
        "mediation-recuse": on(mediated, pk=Assignment.objects.filter(case=mediated).first().pk),
        "mediation-session": on(mediated, pk=session.pk),
        "mediation-agreement-edit": on(draft_case, pk=draft.pk),
        "mediation-agreement-finalize": on(draft_case, pk=draft.pk),
        "mediation-agreement-correct": on(mediated, pk=agreement.pk),
        "mediation-agreement-docx": on(mediated, pk=agreement.pk),
        "mediation-agreement-pdf": on(mediated, pk=agreement.pk),
        "mediation-confirmation": on(mediated, pk=agreement.pk),
        "mediation-confirmation-decide": on(mediated, pk=confirmation.pk),
        "mediation-follow-up": on(mediated, pk=follow_up.pk),
        **{
            name: [{"token": token}]
            for name in ("citizen-mediation", "citizen-mediation-post", "citizen-mediation-confirm")
        },
        "citizen-mediation-photo": [{"token": token, "pk": photo.pk}],
        "visits-issue": [{"pk": visit_issue.pk}],
        "visits-issue-close": [{"pk": visit_issue.pk}],
        "visits-issue-convert": [{"pk": visit_issue.pk}],
        "visits-detail": [{"pk": visit.pk}],
        "visits-brief": [{"pk": visit.pk}],
        "visits-record": [{"pk": visit.pk}],
        "visits-cancel": [{"pk": visit.pk}],
        "visits-issue-add": [{"pk": visit.pk}],
        "briefings-detail": [{"pk": briefing.pk}],
        "briefings-edit": [{"pk": briefing.pk}],
        "briefings-issue": [{"pk": briefing.pk}],
        "briefings-correct": [{"pk": briefing.pk}],
        "briefings-docx": [{"pk": briefing.pk}],
        **{
            name: [{"code": "disputes-survey", "kind": "month", "period": f"{last_month:%Y-%m}"}]
            for name in (
                "report-table",
                "report-table-print",
                "report-table-export",
                "report-table-submit",
                "report-table-regenerate",
            )
        },
        # 码上办 (issue 16): a query code; without a proved phone the page sends back to the query form.
        **{name: [{"code": "K7M4Q9XP"}] for name in ("citizen-case", "citizen-rate", "citizen-note")},
        "disputes-warning": [{"pk": warning.pk}],
        "disputes-warning-close": [{"pk": warning.pk}],
        "disputes-warning-agenda": [{"pk": warning.pk}],
        "meetings-detail": [{"pk": meeting.pk}],
        "meetings-decision-add": [{"pk": meeting.pk}],
        "meetings-minutes": [{"pk": meeting.pk}],
        "meetings-docx": [{"pk": meeting.pk}],
        "meetings-decision-answer": [{"pk": decision.pk}],
        "disputes-consultation": [{"pk": consultation.pk}],
        "disputes-consultation-answer": [{"pk": consultation.pk}],
        "disputes-consultation-turn": [{"pk": consultation.pk}],
        "citizen-ask-detail": [{"code": consultation.code}],
        **{name: [{"code": followed}] for name in ("citizen-case", "citizen-note", "citizen-rate")},
        "disputes-poster": [{"code": org.village_a1.code}],
        "disputes-work-order": [{"pk": work_order.pk}],
        "disputes-callback-replay": [{"pk": callback.pk}],
        "api-inbound-orders": [{"source": source.code}],
        "api-inbound-order": [{"source": source.code, "order_id": work_order.order_id}],
        "governance-export-status": [{"pk": export.pk}],
        "governance-export-download": [{"pk": export.pk}],
        "_number": numbers,
        "_users": {name: org[name].pk for name in PERSONAS},
    }


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def urls_for(name: str, route: str, county: dict) -> tuple[list[str], list[str]]:
    """The real addresses of a pattern, and the same with each path value made odd."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return [fill(route, {})], []
    real = county.get(name) or (county["_number"] if [p for _c, p in params] == ["number"] else None)
    assert real, f"no seeded object for {name} ({route}): add one to seed()"
    odd = [
        fill(route, {**real[0], param: value})
        for converter, param in params
        for value in ODD_PATH_VALUES[converter or "str"]
    ]
    return [fill(route, values) for values in real], odd


def kind_of(field: lxml.html.HtmlElement) -> str:
    kind = (field.get("type") or field.tag).lower()
    name = field.get("name", "")
    if kind == "date" or name.endswith(("date", "_on", "due", "until", "_from", "_to")) or name in ("start", "end"):
        return "date"
    if kind == "month" or name == "month":
        return "month"
    if kind in ("select", "radio", "checkbox"):
        return "choice"
    if kind in ("text", "textarea", "search", "tel", "email", "password"):
        return "text"
    return kind  # datetime-local, number, hidden, file, submit


# Values tried one field at a time (they may pass the field's own check and reach a service).
ONE_AT_A_TIME = {
    "date": ODD_DATES,
    "month": ("0001-01", "9999-12"),
    "datetime-local": ODD_DATETIMES,
    "number": ODD_NUMBERS,
    "hidden": (HUGE, "abc"),
}
# Values tried in every field of a kind at once (a field refuses them itself, so one cannot hide another).
ALL_AT_ONCE = {"text": LONG, "choice": HUGE}


def form_cases(page_url: str, html: bytes, seen: set) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(method, action, data) for each form on the page not seen before: as rendered, every field NUL,
    every text field 100,000 characters, every choice a huge number, then one date or number field odd at a time."""
    try:
        document = lxml.html.fromstring(html)
    except Exception:  # not HTML (a download)
        return
    for form in document.forms:
        method = (form.get("method") or "get").lower()
        action = form.get("action") or page_url
        # Not the csrf token, nor a formset's row template (the page's script copies it).
        fields = [
            f
            for f in form.inputs
            if f.get("name") and f.get("name") != "csrfmiddlewaretoken" and "__prefix__" not in f.get("name")
        ]
        key = (method, action, tuple(sorted({f.get("name") for f in fields})))
        if action.startswith(("http", "/i18n/", "/logout/")) or key in seen:
            continue
        seen.add(key)
        base = [(k, v) for k, v in form.form_values() if k != "csrfmiddlewaretoken"]
        yield method, action, base
        yield method, action, [(k, NUL) for k, _v in base] or [("q", NUL)]
        for kind, value in ALL_AT_ONCE.items():
            names = {f.get("name") for f in fields if kind_of(f) == kind}
            if names:
                yield method, action, [(k, v) for k, v in base if k not in names] + [(n, value) for n in names]
        for field in fields:
            name = field.get("name")
            others = [(k, v) for k, v in base if k != name]
            for value in ONE_AT_A_TIME.get(kind_of(field), ()):
                yield method, action, [*others, (name, value)]


def send(client: Client, method: str, url: str, data: list[tuple[str, str]]):
    if method == "post":
        return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    separator = "&" if "?" in url else "?"
    return client.get(url + (separator + urlencode(data) if data else ""))


def describe(response) -> str:
    exc = getattr(response, "exc_info", None)
    return f"{exc[0].__name__}: {str(exc[1])[:200]}" if exc else ""


WALKS = [
    (name, persona)
    for name in sorted(ROUTES)
    for persona in PERSONAS
    if persona != "mediator" or name.startswith("mediation-")
]


@pytest.mark.parametrize(("name", "persona"), WALKS)
def test_no_odd_input_gives_a_500(county, db, name, persona, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(pk=county["_users"][persona]))
    failures = []

    def check(method: str, url: str, data: list[tuple[str, str]]):
        response = send(client, method, url, data)
        if response.status_code >= 500:
            shown = [(k, v if len(v) < 40 else f"<{len(v)} chars>") for k, v in data[-3:]]  # the odd ones last
            failures.append(f"{method.upper()} {url[:120]} {shown}: {response.status_code} {describe(response)}")
        return response

    real, odd = urls_for(name, ROUTES[name], county)
    for url in odd:
        if check("get", url, []).status_code == 405:
            check("post", url, [("version", "1")])
    first = check("get", real[0], [])
    if first.status_code != 405:
        for query in ODD_QUERIES:
            check("get", real[0], query)
    seen: set = set()
    for url in real:
        response = first if url == real[0] else check("get", url, [])
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for method, action, data in form_cases(url, response.content, seen):
                check(method, action, data)
    assert not failures, "\n".join(failures)


def test_a_100000_character_username_is_refused_cleanly(db):
    client = Client(raise_request_exception=False)
    response = client.post("/login/", {"username": LONG, "password": PASSWORD})
    assert response.status_code == 200
    assert "用户名" in response.content.decode()


@pytest.mark.parametrize("path", ["/cases/%00/", "/cases/?q=%00", "/login/?next=%00", "/grids/g/a%00b/edit/"])
def test_nul_in_path_or_query_is_refused_in_chinese(db, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()


def test_nul_in_a_posted_field_is_refused_in_chinese(db):
    response = Client(raise_request_exception=False).post("/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()


def test_nul_on_the_public_pages_links_back_to_the_public_home(db):
    response = Client(raise_request_exception=False).get("/m/follow/?code=%00")
    text = response.content.decode()
    assert response.status_code == 400 and "非法字符" in text
    assert 'href="/m/"' in text and "工作台" not in text
