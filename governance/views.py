from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from governance.bounds import query_month
from governance.dashboard import WINDOW_LABELS, build, chart_data, headline, window_params
from governance.forms import LoginForm, OwnPasswordChangeForm
from governance.models import AuditEvent, Heartbeat, Notification, NotificationRead, Role, Unit
from governance.navigation import NAV_BY_KEY
from governance.scoping import jurisdiction
from governance.services import record_audit, set_own_password
from governance.workdays import WARN_AHEAD_DAYS, unknown_years_ahead
from grids.models import Grid, Region


def nav_required(key: str):
    """Signed in and holding one of the roles the menu entry `key` names; otherwise 403, audited."""

    roles = NAV_BY_KEY[key].roles

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.role_codes & roles:
                record_audit(AuditEvent.Action.ACCESS_DENIED, request=request, user=request.user)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.nav_key = key  # read by tests/governance/test_routes.py (route table vs. menu table)
        return wrapped

    return decorator


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def month_param(request: HttpRequest) -> date:
    """The month a report page shows: `?month=YYYY-MM`, or this month when absent, malformed or out of range."""
    return query_month(request)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this when a locked account tries to sign in."""
    # An unbound form: binding it would authenticate (and count a failure) once more.
    form = LoginForm(request, initial={"username": (credentials or {}).get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("该账号因连续 %(n)d 次登录失败已被锁定，请 %(m)d 分钟后再试，或联系安全管理员解锁。") % {
        "n": settings.AXES_FAILURE_LIMIT,
        "m": minutes,
    }
    return render(request, "registration/login.html", {"form": form, "lockout_message": message}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    template_name = "registration/password_change.html"

    def form_valid(self, form: OwnPasswordChangeForm) -> HttpResponse:
        set_own_password(user=self.request.user, new_password=form.cleaned_data["new_password1"], request=self.request)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect("home")


@nav_required("home")
def home(request: HttpRequest) -> HttpResponse:
    # A grid worker's home leads with today's zero-report (his phone's first screen), not the
    # region's tiles; everyone else's shows the size of his jurisdiction.
    grid_worker = request.user.has_role(Role.GRID_WORKER)
    region = None if grid_worker else jurisdiction(request.user)
    summary = None
    if region is not None:
        summary = Region.objects.within(region).aggregate(
            townships=Count("pk", filter=Q(level=Region.Level.TOWNSHIP)),
            villages=Count("pk", filter=Q(level=Region.Level.VILLAGE)),
        )
        summary["grids"] = Grid.objects.visible_to(request.user).count()
    from disputes.worklists import work_counts

    # The system administrator must enter a year's holiday schedule before deadlines reach it.
    unknown_years = unknown_years_ahead(timezone.localdate()) if request.user.has_role(Role.SYSADMIN) else []
    # A leader's home leads with the dashboard: this month's figures of his county or township.
    lead = headline(request.user) if request.user.has_role(Role.LEADER) else None
    zero_today = None
    if grid_worker:
        from grids.zero_report import todays_reports

        zero_today = todays_reports(request.user)
    return render(
        request,
        "governance/home.html",
        {
            "region": region,
            "summary": summary,
            "work": work_counts(request.user),
            "unknown_years": unknown_years,
            "warn_ahead_days": WARN_AHEAD_DAYS,
            "headline": lead,
            "zero_today": zero_today,
            "today": timezone.localdate(),
        },
    )


@nav_required("regions")
def region_list(request: HttpRequest) -> HttpResponse:
    """The region tree of the person's jurisdiction: townships, their villages and grid counts."""
    region = jurisdiction(request.user)
    villages = (
        Region.objects.visible_to(request.user)
        .villages()
        .select_related("parent")
        .annotate(grid_count=Count("grids"))
        .order_by("code")
    )
    query = request.GET.get("q", "").strip()
    if query:
        villages = villages.filter(
            Q(name__contains=query) | Q(code__startswith=query) | Q(parent__name__contains=query)
        )
    page = Paginator(villages, 50).get_page(request.GET.get("page"))
    return render(request, "governance/region_list.html", {"region": region, "page": page, "q": query})


@nav_required("regions")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    village = get_object_or_404(Region.objects.visible_to(request.user).select_related("parent"), code=code)
    grids = Grid.objects.visible_to(request.user).filter(village=village).prefetch_related("workers")
    return render(request, "governance/region_detail.html", {"village": village, "grids": grids})


@nav_required("units")
def unit_list(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.select_related("region").annotate(staff_count=Count("staff")).order_by("kind", "code")
    region = jurisdiction(request.user)
    if region is not None:
        # Staff of a township see their township's units and the county-level ones they work with.
        units = units.filter(Q(region__code__startswith=region.prefix) | Q(region__level=Region.Level.COUNTY))
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "governance/unit_list.html", {"page": page, "kind": kind, "kinds": Unit.Kind.choices})


@nav_required("audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    username = request.GET.get("username", "").strip()
    if username:
        events = events.filter(username=username)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/audit_list.html",
        {"page": page, "action": action, "username": username, "actions": AuditEvent.Action.choices},
    )


def check_database(report: dict) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as exc:
        report["database"] = f"error: {exc.__class__.__name__}"
    return report["database"] == "ok"


def check_broker(report: dict) -> bool:
    report["broker"] = broker_status()
    return report["broker"] == "ok"


def check_scheduler(report: dict) -> bool:
    """Beat schedules a heartbeat each minute and a worker records it: an old (or absent) one means
    that reminders, zero-report checks and deliveries have stopped."""
    if report.get("database") != "ok":
        return False
    now = timezone.now()
    beats = dict(Heartbeat.objects.values_list("name", "at"))
    beat = beats.pop("heartbeat", None)
    if beat is None:
        report["last_heartbeat_age_seconds"] = None
        report["scheduler"] = "missing"
    else:
        age = (now - beat).total_seconds()
        report["last_heartbeat_age_seconds"] = round(age)
        report["scheduler"] = "ok" if age <= settings.HEARTBEAT_STALE_SECONDS else "stale"
    # The periodic scans (zero-report check, …): seconds since each last ran to the end.
    report["last_scan_age_seconds"] = {name: round((now - at).total_seconds()) for name, at in sorted(beats.items())}
    return report["scheduler"] == "ok"


def check_calendar(report: dict) -> bool:
    """Informative: a year within 90 days whose holidays are only estimated does not make this 503
    (deadlines are still counted, and marked 预估); the system administrator is warned elsewhere."""
    if report.get("database") == "ok":
        report["calendar"] = calendar_status()
    return True


# Each check writes its keys into the report and says whether it passed. `web` marks the checks
# the web process itself needs to serve pages: only the database (without Redis pages read the
# database, governance/cache.py). `/healthz?scope=web`, the web container's health check, answers
# 503 only for those, so a stopped beat or broker does not take every web container out of a
# load balancer; plain `/healthz` (monitoring, the on-call officer) answers 503 for any.
# `manage.py healthcheck <name>…` runs the named ones (the beat container's health check).
HEALTH_CHECKS: list[tuple[str, Callable[[dict], bool], bool]] = [
    ("database", check_database, True),
    ("broker", check_broker, False),
    ("scheduler", check_scheduler, False),
    ("calendar", check_calendar, False),
]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer and the on-call officer: database, broker, last periodic run."""
    report: dict = {"time": timezone.now().isoformat()}
    web_only = request.GET.get("scope") == "web"
    healthy = True
    started = time.monotonic()
    for _name, check, needed_by_web in HEALTH_CHECKS:
        passed = check(report)
        if needed_by_web or not web_only:
            healthy = healthy and passed
    report["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    return JsonResponse(report, status=200 if healthy else 503)


def calendar_status() -> dict:
    """Years within the next 90 days whose holiday schedule is only estimated (see workdays.py)."""
    years = unknown_years_ahead(timezone.localdate())
    return {"unknown_years": years, "status": "estimated" if years else "ok"}


def broker_status() -> str:
    from governance.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notices = Notification.objects.for_user(request.user).annotate(
        is_read=Exists(NotificationRead.objects.filter(notification=OuterRef("pk"), user=request.user))
    )
    page = Paginator(notices.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "governance/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    NotificationRead.objects.get_or_create(notification=notice, user=request.user)
    return redirect(
        notice.url if url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None) and notice.url else "inbox"
    )


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    unread = Notification.objects.unread_by(request.user).values_list("pk", flat=True)
    NotificationRead.objects.bulk_create(
        [NotificationRead(notification_id=pk, user=request.user) for pk in unread], ignore_conflicts=True
    )
    messages.success(request, _("已全部标为已读。"))
    return redirect("inbox")


# The wall display (大屏) reloads itself this often.
SCREEN_REFRESH_SECONDS = 300


@nav_required("dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    """领导驾驶舱: the indicators of the person's jurisdiction (or a place inside it) for a window."""
    board, problem = build(request.user, request.GET)
    if problem:
        messages.warning(request, problem)
    screen = request.GET.get("screen") == "1"
    kept = {k: v for k, v in request.GET.items() if k in ("place", "trend", "tile")}
    return render(
        request,
        "governance/dashboard.html",
        {
            "board": board,
            "charts": chart_data(board),
            "screen": screen,
            "refresh_seconds": SCREEN_REFRESH_SECONDS,
            "window_links": [
                (kind, label, urlencode({**kept, "w": kind}))
                for kind, label in WINDOW_LABELS.items()
                if kind != "custom"
            ],
            "this_query": urlencode({**kept, **window_params(board.window)}),
        },
    )


def _dashboard_file(request: HttpRequest, content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # A place's figures are not for a shared or browser cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@nav_required("dashboard")
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's numbers for the address's place and window, as a workbook."""
    from governance.dashboard_exports import file_stem, window_text, workbook

    board, problem = build(request.user, request.GET)
    content = workbook(board, problem)
    detail = f"领导驾驶舱 Excel：{board.place.name} {window_text(board)}"
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=detail)
    return _dashboard_file(
        request,
        content,
        f"{file_stem(board)}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@nav_required("dashboard")
def dashboard_brief(request: HttpRequest) -> HttpResponse:
    """A one-page A4 brief of the window for a leaders' meeting, as PDF."""
    from governance.dashboard_exports import brief_pdf, file_stem, window_text

    board, problem = build(request.user, request.GET)
    content = brief_pdf(board, problem)
    detail = f"领导驾驶舱简报 PDF：{board.place.name} {window_text(board)}"
    record_audit(AuditEvent.Action.EXPORT, request=request, user=request.user, detail=detail)
    return _dashboard_file(request, content, f"{file_stem(board)}-简报.pdf", "application/pdf")


def page_not_found(request, exception):
    """The public pages (码上办) get their own 404, without the staff site's links."""
    from django.views import defaults

    from governance.public_site import is_public

    if is_public(request):
        return render(request, "citizen/404.html", status=404)
    return defaults.page_not_found(request, exception)
