"""The project's addresses plus the benchmark-only ones (BENCH_VIEWS), for tests/governance/test_bench_views.py."""

from django.urls import include, path

from governance.urls import urlpatterns as project

urlpatterns = [*project, path("bench/", include("governance.bench_views"))]
