"""Benchmark-only addresses, mounted under /bench/ only when BENCH_VIEWS is on (never in
production): the yardsticks scripts/bench_pages.py times the pages against.

- `/bench/bare/`: a view that renders nothing and reads nothing, behind the whole middleware stack
  (sessions, CSRF, authentication, second factor, password age, audit, CSP, history, axes,
  no-store). Its time is the floor every page pays; a bare WSGI app beside Django would only
  measure gunicorn.
- `/bench/admin/`: Django admin's changelist of the case table, with the columns, filter, search
  and ordering of our case list, on its own AdminSite so the real `/admin/` keeps no business data
  (三权分立). Only a superuser (created by the benchmark in its throwaway copy) may use it.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from disputes.models import Case


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


class BenchAdminSite(admin.AdminSite):
    site_url = None

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class BenchCaseAdmin(admin.ModelAdmin):
    list_display = ("number", "received_at", "township", "village", "category", "risk_level", "status", "lead_unit")
    list_select_related = ("township", "village", "category", "risk_level", "lead_unit")
    list_filter = ("status",)
    search_fields = ("number", "summary", "parties__name")
    ordering = ("-received_at", "-id")
    list_per_page = 20
    show_full_result_count = True


site = BenchAdminSite(name="bench-admin")
site.register(Case, BenchCaseAdmin)

urlpatterns = [
    path("bare/", bare, name="bench-bare"),
    path("admin/", site.urls),
]
