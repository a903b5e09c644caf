"""联席例会 / 会商研判: recording a meeting and its decisions, bad input refused with a message and
nothing saved, decisions chased like night-visit issues (reminders, supervision list, closure),
minutes printed and exported, scope per role."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import meetings as services
from disputes.models import EarlyWarning, Meeting, MeetingDecision, WarningKind
from governance.models import Notification, Reminder
from governance.reminders import run_overdue_scan
from tests.disputes.conftest import intake


@pytest.fixture
def meeting(org):
    case = intake(org)
    warning = EarlyWarning.objects.create(
        kind=WarningKind.GROUP, key="group:x", subject="group:x", township=org.town_a, title="甲镇群体性纠纷预警"
    )
    return services.record_meeting(
        by=org["township_officer"],
        data=services.MeetingData(
            kind=Meeting.Kind.JOINT,
            date=timezone.localdate(),
            chair="甲镇党委副书记",
            summary="研判甲镇一村排水沟纠纷",
            units=[org.police_a, org.center_a],
            cases=[case],
            warnings=[warning],
        ),
    )


def form_data(org, **extra) -> dict:
    data = {
        "kind": "consult",
        "date": timezone.localdate().isoformat(),
        "chair": "镇长",
        "units": [org.police_a.pk],
        "case_numbers": "",
        "summary": "会商研判",
    }
    return {**data, **extra}


def test_a_center_records_a_meeting_from_the_page(login, org):
    case = intake(org)
    response = login(org["township_officer"]).post(reverse("meetings-new"), form_data(org, case_numbers=case.number))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings-detail", args=[meeting.pk])
    assert (meeting.region, meeting.convened_by, list(meeting.cases.all())) == (org.town_a, org.center_a, [case])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"date": (timezone.localdate() + timedelta(days=400)).isoformat()}, "会议日期不能晚于今天之后30天"),
        ({"date": (timezone.localdate() - timedelta(days=400)).isoformat()}, "会议日期不能早于一年前"),
        ({"units": []}, "必填"),
        ({"case_numbers": "2026-999-00001"}, "找不到以下案件"),
    ],
)
def test_bad_meeting_input_is_refused_with_a_message(login, org, extra, message):
    response = login(org["township_officer"]).post(reverse("meetings-new"), form_data(org, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_decision_without_an_owner_is_refused(login, org, meeting):
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    client = login(org["township_officer"])
    response = client.post(reverse("meetings-decision-add", args=[meeting.pk]), {"text": "疏通排水沟", "due": due})
    assert response.status_code == 400
    assert "每项议定事项须有责任单位" in response.content.decode()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("meetings-decision-add", args=[meeting.pk]),
        {"text": "疏通排水沟", "owner_unit": org.police_a.pk, "due": past},
    )
    assert response.status_code == 400 and "办结期限不能早于" in response.content.decode()
    assert not MeetingDecision.objects.exists()
    client.post(
        reverse("meetings-decision-add", args=[meeting.pk]),
        {"text": "疏通排水沟", "owner_unit": org.police_a.pk, "due": due},
    )
    assert MeetingDecision.objects.get().owner_unit == org.police_a


def test_only_the_center_adds_decisions(org, meeting):
    with pytest.raises(services.ValidationError):
        services.add_decision(
            meeting=meeting, by=org["leader"], text="x", owner_unit=org.police_a, due=timezone.localdate()
        )


def test_a_decision_past_its_deadline_is_reminded_listed_and_closed(login, org, meeting):
    decision = services.add_decision(
        meeting=meeting,
        by=org["township_officer"],
        text="派出所约谈当事人",
        owner_unit=org.police_a,
        due=timezone.localdate(),
    )
    MeetingDecision.objects.filter(pk=decision.pk).update(due=timezone.localdate() - timedelta(days=1))
    run_overdue_scan()
    reminder = Reminder.objects.get(subject=f"meeting_decision:{decision.pk}")
    assert (reminder.kind, reminder.level) == ("meeting_decision", Reminder.Level.YELLOW)
    assert Notification.objects.filter(unit=org.police_a, title__contains="会议议定事项").count() == 1
    run_overdue_scan()
    assert Reminder.objects.filter(subject=f"meeting_decision:{decision.pk}").count() == 1
    page = login(org["county_officer"]).get(reverse("disputes-supervision")).content.decode()
    assert "派出所约谈当事人" in page
    assert "派出所约谈当事人" not in login(org["outsider"]).get(reverse("disputes-supervision")).content.decode()
    police = login(org["police"])
    assert police.get(reverse("meetings-detail", args=[meeting.pk])).status_code == 200
    police.post(reverse("meetings-decision-answer", args=[decision.pk]), {"answer": "已约谈，双方同意调解"})
    decision.refresh_from_db()
    assert (decision.status, decision.answered_by) == (MeetingDecision.Status.DONE, org["police"])
    assert "派出所约谈当事人" not in login(org["county_officer"]).get(reverse("disputes-supervision")).content.decode()


def test_a_leader_cannot_answer_a_decision(login, org, meeting):
    decision = services.add_decision(
        meeting=meeting, by=org["township_officer"], text="x", owner_unit=org.police_a, due=timezone.localdate()
    )
    login(org["leader"]).post(reverse("meetings-decision-answer", args=[decision.pk]), {"answer": "已阅"})
    decision.refresh_from_db()
    assert decision.status == MeetingDecision.Status.ASSIGNED


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("county_officer", True),
        ("leader", True),
        ("township_officer", True),
        ("township_leader", True),
        ("outsider", False),
        ("mediator", False),
    ],
)
def test_meetings_are_seen_in_their_jurisdiction(login, org, meeting, persona, sees, django_assert_max_num_queries):
    client = login(org[persona])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("meetings-detail", args=[meeting.pk]))
    assert response.status_code == (200 if sees else 404)
    assert (meeting.summary in client.get(reverse("meetings-list")).content.decode()) == sees


def test_the_minutes_print_and_export(login, org, meeting):
    services.add_decision(
        meeting=meeting,
        by=org["township_officer"],
        text="疏通排水沟",
        owner_unit=org.police_a,
        due=timezone.localdate() + timedelta(days=3),
    )
    client = login(org["township_officer"])
    page = client.get(reverse("meetings-minutes", args=[meeting.pk])).content.decode()
    assert "联席例会纪要" in page and "疏通排水沟" in page and "甲镇派出所" in page
    response = client.get(reverse("meetings-docx", args=[meeting.pk]))
    assert response.status_code == 200
    document = zipfile.ZipFile(BytesIO(response.content)).read("word/document.xml").decode()
    assert "疏通排水沟" in document and "甲镇党委副书记" in document and "甲镇群体性纠纷预警" in document


def test_a_warning_goes_on_a_new_meetings_agenda(login, org):
    warning = EarlyWarning.objects.create(
        kind=WarningKind.SPIKE, key="spike:y", subject="spike:y", township=org.town_a, title="甲镇一村高发预警"
    )
    client = login(org["township_officer"])
    assert "warning-to-meeting" in client.get(reverse("disputes-warning", args=[warning.pk])).content.decode()
    form = client.get(reverse("meetings-new"), {"warning": warning.pk}).content.decode()
    assert re.search(rf'name="warnings" value="{warning.pk}"[^>]*checked', form)
    client.post(reverse("meetings-new"), form_data(org, warnings=[warning.pk]))
    assert list(Meeting.objects.get().warnings.all()) == [warning]


def test_a_closed_decision_without_its_answerer_shows_no_none(login, org, meeting):
    """A decision closed when its answerer is unknown (the demo's, or an account since removed)
    shows the answer and the time, not the word None."""
    decision = services.add_decision(
        meeting=meeting,
        by=org["township_officer"],
        text="疏通排水沟",
        owner_unit=org.police_a,
        due=timezone.localdate(),
    )
    MeetingDecision.objects.filter(pk=decision.pk).update(
        status=MeetingDecision.Status.DONE, answer="已疏通", answered_by=None, closed_at=timezone.now()
    )
    html = login(org["township_officer"]).get(reverse("meetings-detail", args=[meeting.pk])).content.decode()
    assert "已疏通" in html and "None" not in html
