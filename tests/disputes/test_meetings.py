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


def test_a_past_meeting_cannot_have_discussed_what_came_after_it(org):
    case = intake(org)  # received today
    warning = EarlyWarning.objects.create(
        kind=WarningKind.GROUP,
        key="group:later",
        subject="group:later",
        township=org.town_a,
        title="甲镇群体性纠纷预警",
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    for extra, message in (({"cases": [case]}, "会议日期之后才登记"), ({"warnings": [warning]}, "会议日期之后才生成")):
        data = services.MeetingData(
            kind=Meeting.Kind.JOINT, date=yesterday, chair="主任", summary="研判", units=[org.police_a], **extra
        )
        with pytest.raises(services.ValidationError, match=message):
            services.record_meeting(by=org["township_officer"], data=data)
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


def test_a_unit_given_a_decision_sees_its_own_part_only(login, org, meeting):
    """The police station attended and owns one decision: it sees the proceedings and its decision,
    not the warning (its title names parties), not the mediation committee's decision, not the
    minutes. The committee, which did not attend, does not see the proceedings either."""
    for text, unit in (("派出所约谈当事人", org.police_a), ("调委会组织调解", org.mediation_a)):
        services.add_decision(
            meeting=meeting, by=org["township_officer"], text=text, owner_unit=unit, due=timezone.localdate()
        )
    police = login(org["police"])
    page = police.get(reverse("meetings-detail", args=[meeting.pk])).content.decode()
    assert "派出所约谈当事人" in page and meeting.summary in page
    assert "调委会组织调解" not in page and "甲镇群体性纠纷预警" not in page and "minutes-print" not in page
    assert police.get(reverse("meetings-minutes", args=[meeting.pk])).status_code == 404
    assert police.get(reverse("meetings-docx", args=[meeting.pk])).status_code == 404
    assert meeting.summary not in police.get(reverse("meetings-list")).content.decode()
    committee = login(org["mediator"])
    page = committee.get(reverse("meetings-detail", args=[meeting.pk])).content.decode()
    assert "调委会组织调解" in page and "派出所约谈当事人" not in page and meeting.summary not in page
    whole = login(org["township_officer"]).get(reverse("meetings-detail", args=[meeting.pk])).content.decode()
    assert "调委会组织调解" in whole and "派出所约谈当事人" in whole and "甲镇群体性纠纷预警" in whole


def test_a_decision_goes_to_a_unit_of_the_meetings_jurisdiction_only(login, org, meeting):
    client = login(org["township_officer"])
    form = client.get(reverse("meetings-detail", args=[meeting.pk])).content.decode()
    assert "甲镇派出所" in form and "乙镇综治中心" not in form
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(
        reverse("meetings-decision-add", args=[meeting.pk]), {"text": "x", "owner_unit": org.center_b.pk, "due": due}
    )
    assert response.status_code == 400 and not MeetingDecision.objects.exists()
    with pytest.raises(services.ValidationError, match="会议召开地区"):
        services.add_decision(meeting=meeting, by=org["township_officer"], text="x", owner_unit=org.center_b, due=None)


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


def _coming(org, by="township_officer", days=3):
    return services.record_meeting(
        by=org[by],
        data=services.MeetingData(
            kind=Meeting.Kind.JOINT,
            date=timezone.localdate() + timedelta(days=days),
            chair="主任",
            summary="计划召开",
            units=[org.police_a],
        ),
    )


def test_a_leader_puts_a_warning_on_a_coming_meetings_agenda_once(login, org):
    warning = EarlyWarning.objects.create(
        kind=WarningKind.SPIKE, key="spike:z", subject="spike:z", township=org.town_a, title="甲镇一村高发预警"
    )
    coming, county = _coming(org), _coming(org, by="county_officer")
    client = login(org["township_leader"])
    page = client.get(reverse("disputes-warning", args=[warning.pk])).content.decode()
    # The township leader may use the township's meeting, not the county's; he records no meeting.
    assert f'value="{coming.pk}"' in page and f'value="{county.pk}"' not in page and "warning-to-meeting" not in page
    response = client.post(reverse("disputes-warning-agenda", args=[warning.pk]), {"meeting": coming.pk})
    assert response.url == reverse("meetings-detail", args=[coming.pk])
    assert list(coming.warnings.all()) == [warning]
    assert services.put_on_agenda(meeting=coming, warning=warning, by=org["leader"]) is False  # there already
    assert coming.warnings.count() == 1


@pytest.mark.parametrize(
    ("who", "which", "message"),
    [
        ("township_leader", "county", "只能列入本辖区尚未召开的会议"),  # the county's meeting
        ("leader", "held", "只能列入本辖区尚未召开的会议"),  # held yesterday
        ("police", "coming", "找不到该预警"),  # not a leader nor center staff
        ("leader", "closed", "该预警已处置"),
    ],
)
def test_putting_a_warning_on_an_agenda_is_refused(login, org, who, which, message):
    warning = EarlyWarning.objects.create(
        kind=WarningKind.SPIKE, key="spike:r", subject="spike:r", township=org.town_a, title="甲镇一村高发预警"
    )
    meetings = {"coming": _coming(org), "county": _coming(org, by="county_officer"), "held": _coming(org, days=-1)}
    if which == "closed":
        EarlyWarning.objects.filter(pk=warning.pk).update(state=EarlyWarning.State.CLOSED)
        warning.refresh_from_db()
    meeting = meetings.get(which, meetings["coming"])
    with pytest.raises(services.ValidationError, match=message):
        services.put_on_agenda(meeting=meeting, warning=warning, by=org[who])
    assert not Meeting.warnings.through.objects.exists()
    client = login(org[who])
    response = client.post(reverse("disputes-warning-agenda", args=[warning.pk]), {"meeting": meeting.pk})
    assert response.status_code in (302, 403, 404) and not Meeting.warnings.through.objects.exists()
    for odd in ("", "abc", "9" * 30, "1\x00"):
        client.post(reverse("disputes-warning-agenda", args=[warning.pk]), {"meeting": odd})
    assert not Meeting.warnings.through.objects.exists()


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
