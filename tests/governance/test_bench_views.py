"""The benchmark's yardsticks (governance/bench_views.py) exist only with BENCH_VIEWS, and the
changelist of cases there is a superuser's only: business data stays out of /admin/."""

from __future__ import annotations

import pytest
from django.conf import settings

from governance.models import User
from tests.disputes.conftest import intake


def test_off_by_default(org, login):
    assert settings.BENCH_VIEWS is False
    client = login(org["county_officer"])
    assert client.get("/bench/bare/").status_code == 404
    assert client.get("/bench/admin/disputes/case/").status_code == 404
    assert login(org["sysadmin"]).get("/admin/disputes/case/").status_code == 404  # the real admin has no cases


@pytest.mark.urls("tests.governance.bench_urls")
def test_the_bare_view_and_the_changelist(org, login, client):
    case = intake(org)
    assert client.get("/bench/bare/").content == b"ok"
    officer = login(org["county_officer"])
    assert officer.get("/bench/bare/").status_code == 200
    assert officer.get("/bench/admin/disputes/case/").status_code == 302  # to the admin's sign-in: not a superuser
    admin = User.objects.create_superuser("benchadmin", password="Bench#Admin#Zq81", must_change_password=False)
    client.force_login(admin)
    page = client.get("/bench/admin/disputes/case/?q=" + case.number)
    assert page.status_code == 200 and case.number in page.content.decode()
