"""A leader opens a warning and puts it on the agenda of a meeting still to be held; the meeting's
page then links the warning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import meetings
from disputes.models import EarlyWarning, Meeting, WarningKind
from tests.browser.test_zero_report import sign_in
from tests.factories import build_org

pytestmark = pytest.mark.browser


def test_a_leader_puts_a_warning_on_a_meetings_agenda(transactional_db, browser, live_server, screenshot):
    org = build_org()
    warning = EarlyWarning.objects.create(
        kind=WarningKind.SPIKE, key="spike:b", subject="spike:b", township=org.town_a, title="甲镇一村劳资纠纷高发预警"
    )
    coming = meetings.record_meeting(
        by=org["township_officer"],
        data=meetings.MeetingData(
            kind=Meeting.Kind.JOINT,
            date=timezone.localdate() + timedelta(days=3),
            chair="甲镇党委副书记",
            summary="月度联席例会（计划）",
            units=[org.police_a],
        ),
    )

    leader = sign_in(browser, live_server, "township_leader")
    leader.get_by_role("button", name="分析研判").click()
    leader.get_by_role("link", name="预警", exact=True).first.click()
    leader.get_by_role("link", name="甲镇一村劳资纠纷高发预警").click()
    leader.get_by_label("尚未召开的会议").select_option(str(coming.pk))
    screenshot("warning-agenda", leader)
    leader.get_by_role("button", name="列入所选会议议程").click()
    leader.wait_for_url(f"**/meetings/{coming.pk}/")
    assert "预警已列入" in leader.content()
    assert "甲镇一村劳资纠纷高发预警" in leader.get_by_test_id("agenda-warnings").inner_text()
    assert list(coming.warnings.all()) == [warning]
    screenshot("meeting-agenda", leader)
