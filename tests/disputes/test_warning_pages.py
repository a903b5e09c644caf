"""预警 pages: the list, a warning with its cases, closing it; the open-warnings block on the
dashboard, a leader's home and the supervision list; scope per role and fixed query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import EarlyWarning, WarningKind
from tests.disputes.conftest import intake


def raise_warning(org, town, village, title: str) -> EarlyWarning:
    warning = EarlyWarning.objects.create(
        kind=WarningKind.SPIKE,
        key=f"spike:{title}",
        subject=f"spike:{title}",
        township=town,
        village=village,
        title=title,
    )
    return warning


@pytest.fixture
def warnings(org):
    a = raise_warning(org, org.town_a, org.village_a1, "甲镇一村近7天发生邻里纠纷3件")
    a.cases.add(intake(org))
    b = raise_warning(org, org.town_b, org.village_b1, "乙镇一村近7天发生土地纠纷4件")
    return a, b


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("county_officer", True, True),
        ("leader", True, True),
        ("township_officer", True, False),
        ("township_leader", True, False),
        ("outsider", False, True),
    ],
)
def test_the_list_and_the_blocks_show_the_jurisdictions_warnings(
    login, org, warnings, persona, sees_a, sees_b, django_assert_max_num_queries
):
    client = login(org[persona])
    with django_assert_max_num_queries(20):
        page = client.get(reverse("disputes-warnings")).content.decode()
    for url in (reverse("disputes-warnings"), reverse("dashboard"), reverse("disputes-supervision")):
        page = client.get(url).content.decode()
        assert (warnings[0].title in page) == sees_a, url
        assert (warnings[1].title in page) == sees_b, url
    for warning, sees in zip(warnings, (sees_a, sees_b), strict=True):
        assert client.get(reverse("disputes-warning", args=[warning.pk])).status_code == (200 if sees else 404)


def test_a_leaders_home_shows_the_open_warnings(login, org, warnings):
    page = login(org["leader"]).get(reverse("home")).content.decode()
    assert warnings[0].title in page and warnings[1].title in page
    warnings[0].state = EarlyWarning.State.CLOSED
    warnings[0].save(update_fields=["state"])
    page = login(org["leader"]).get(reverse("home")).content.decode()
    assert warnings[0].title not in page


@pytest.mark.parametrize("persona", ["police", "mediator", "grid_worker", "sysadmin"])
def test_other_roles_are_refused(login, org, warnings, persona):
    client = login(org[persona])
    assert client.get(reverse("disputes-warnings")).status_code == 403
    assert client.get(reverse("disputes-warning", args=[warnings[0].pk])).status_code == 403


def test_the_detail_lists_the_cases_the_person_may_open(login, org, warnings, django_assert_max_num_queries):
    client = login(org["township_officer"])
    with django_assert_max_num_queries(20):
        page = client.get(reverse("disputes-warning", args=[warnings[0].pk])).content.decode()
    assert warnings[0].cases.get().number in page
    assert "warning-close" in page
    assert (
        "warning-close"
        not in login(org["leader"]).get(reverse("disputes-warning", args=[warnings[0].pk])).content.decode()
    )


def test_closing_without_a_note_is_refused_with_a_message(login, org, warnings):
    client = login(org["township_officer"])
    url = reverse("disputes-warning-close", args=[warnings[0].pk])
    response = client.post(url, {"note": ""}, follow=True)
    assert "请填写处置情况" in response.content.decode()
    warnings[0].refresh_from_db()
    assert warnings[0].state == EarlyWarning.State.OPEN
    client.post(url, {"note": "已组织村调委会调处"})
    warnings[0].refresh_from_db()
    assert (warnings[0].state, warnings[0].close_note) == (EarlyWarning.State.CLOSED, "已组织村调委会调处")


def test_the_outsider_cannot_close_another_townships_warning(login, org, warnings):
    response = login(org["outsider"]).post(reverse("disputes-warning-close", args=[warnings[0].pk]), {"note": "越权"})
    assert response.status_code == 404
    warnings[0].refresh_from_db()
    assert warnings[0].state == EarlyWarning.State.OPEN


@pytest.mark.parametrize("volume", [1, 12])
def test_the_list_and_the_meetings_cost_the_same_at_any_volume(login, org, volume, django_assert_max_num_queries):
    """The warnings list, the meetings list and the supervision list's warnings block: a fixed
    number of queries whether one or twelve warnings and meetings (with decisions) are listed."""
    from django.utils import timezone

    from disputes import meetings as services
    from disputes.models import Meeting

    for n in range(volume):
        warning = raise_warning(org, org.town_a, org.village_a1, f"甲镇一村第{n}次高发")
        warning.cases.add(intake(org))
        meeting = services.record_meeting(
            by=org["township_officer"],
            data=services.MeetingData(
                kind=Meeting.Kind.JOINT,
                date=timezone.localdate(),
                chair="镇长",
                summary=f"第{n}次会商",
                units=[org.police_a, org.center_a],
                cases=[],
                warnings=[warning],
            ),
        )
        services.add_decision(
            meeting=meeting, by=org["township_officer"], text="议定", owner_unit=org.police_a, due=timezone.localdate()
        )
    client = login(org["township_officer"])
    # Measured at both volumes: 5, 6 and 11 queries (one more where the session is saved).
    for name, most in (("disputes-warnings", 6), ("meetings-list", 7), ("disputes-supervision", 12)):
        client.get(reverse(name))  # warm the per-process memos
        with django_assert_max_num_queries(most):
            response = client.get(reverse(name))
        assert response.status_code == 200, name
    assert "第0次会商" in client.get(reverse("meetings-list")).content.decode()
