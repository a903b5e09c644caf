from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from governance import export_views, report_views, views

admin.site.site_header = _("系统管理")
admin.site.site_title = _("系统管理")
admin.site.index_title = _("配置与账号")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("2fa/", include("governance.twofactor_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("regions/", views.region_list, name="governance-regions"),
    path("regions/<str:code>/", views.region_detail, name="governance-region"),
    path("units/", views.unit_list, name="governance-units"),
    path("audit/", views.audit_list, name="governance-audit"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard-export"),
    path("dashboard/brief.pdf", views.dashboard_brief, name="dashboard-brief"),
    path("reports/briefings/", include("governance.briefing_views")),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("exports/", export_views.export_list, name="governance-exports"),
    path("exports/<int:pk>/status/", export_views.export_status, name="governance-export-status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="governance-export-download"),
    path("healthz", views.healthz, name="healthz"),
    path("reports/tables/", report_views.table_list, name="report-tables"),
    path("reports/tables/<slug:code>/<slug:kind>/<slug:period>/", report_views.table_detail, name="report-table"),
    path(
        "reports/tables/<slug:code>/<slug:kind>/<slug:period>/submit/",
        report_views.table_submit,
        name="report-table-submit",
    ),
    path(
        "reports/tables/<slug:code>/<slug:kind>/<slug:period>/regenerate/",
        report_views.table_regenerate,
        name="report-table-regenerate",
    ),
    path(
        "reports/tables/<slug:code>/<slug:kind>/<slug:period>/print/",
        report_views.table_print,
        name="report-table-print",
    ),
    path(
        "reports/tables/<slug:code>/<slug:kind>/<slug:period>/export.xlsx",
        report_views.table_export,
        name="report-table-export",
    ),
    path("cases/", include("disputes.urls")),
    path("warnings/", include("disputes.warning_urls")),
    path("meetings/", include("disputes.meeting_urls")),
    path("grids/", include("grids.urls")),
    path("mediation/", include("mediation.urls")),
    path("visits/", include("visits.urls")),
    path("admin/", admin.site.urls),
    # The public pages (码上办): their own templates, no staff session (governance/public_site.py).
    path("m/", include("disputes.citizen_urls")),
    # Work orders from other systems (12345, 110, 信访, 法院): signed JSON, no session.
    path("api/v1/", include("disputes.workorder_urls")),
]
if settings.BENCH_VIEWS:  # scripts/bench_pages.py's yardsticks (governance/bench_views.py); never in production
    urlpatterns.append(path("bench/", include("governance.bench_views")))
# MEDIA_ROOT (case attachments: IDs, contracts, photos) is never served as a folder, not even with
# DEBUG on: each file downloads through a view that checks login and the case's scope
# (disputes-attachment).
handler404 = "governance.views.page_not_found"
