"""访前调查准备: the village's open cases, key persons, recent patrols and reports, unfinished issues."""

from datetime import timedelta

from django.utils import timezone

from disputes.models import Status
from disputes.services import PartyData
from grids.models import Grid, PatrolLog, ZeroReport
from tests.disputes.conftest import advance, intake
from tests.visits.conftest import held, issue, plan
from visits import services
from visits.brief import build_brief


def _village_data(org):
    today = timezone.localdate()
    grid = Grid.objects.get(code=f"{org.village_a1.code}001")
    open_case = advance(org, intake(org), Status.IN_PROGRESS)
    closed_case = advance(org, intake(org, summary="已调解的旧纠纷"), Status.CLOSED)
    other_village = intake(org, village=org.village_a2, summary="二村的纠纷")
    # Three cases with the same person make them a key person (重点人员).
    key = PartyData(role="applicant", name="赵铁柱", phone="13700137000")
    for n in range(3):
        last = intake(org, summary=f"赵铁柱反映第{n}次", parties=[key])
    PatrolLog.objects.create(
        worker=org["grid_worker"],
        grid=grid,
        date=today - timedelta(days=3),
        checked="巡查河堤",
        findings="发现排水沟堵塞",
    )
    PatrolLog.objects.create(worker=org["grid_worker"], grid=grid, date=today - timedelta(days=60), checked="很久以前")
    ZeroReport.objects.create(
        village=org.village_a1,
        date=today - timedelta(days=1),
        is_zero=True,
        reporter=org["grid_worker"],
        submitted_at=timezone.now(),
    )
    earlier = held(org, days_ago=14)
    unfinished = issue(org, earlier, services.Ending.ASSIGN, summary="路灯未修")
    issue(org, earlier, services.Ending.RESOLVE, summary="当场答复的低保问题")
    return open_case, closed_case, other_village, last, unfinished


def test_the_brief_holds_what_the_leader_needs(org, django_assert_max_num_queries):
    open_case, closed_case, other_village, last, unfinished = _village_data(org)
    visit = plan(org, date=timezone.localdate() + timedelta(days=1), leaders=[org["leader"]])
    with django_assert_max_num_queries(6):
        brief = build_brief(visit)
    numbers = {c.number for c in brief.cases}
    assert open_case.number in numbers and last.number in numbers
    assert closed_case.number not in numbers and other_village.number not in numbers
    # 张三 and 李四 are parties of three cases in the year too (one of them in 二村): listed persons
    # with a case in this village are in its brief, wherever the case that listed them was.
    persons = {p["name"]: p for p in brief.key_persons}
    assert set(persons) == {"赵铁柱", "张三", "李四"}
    assert persons["赵铁柱"]["phone"] == "137****7000"
    assert [p.checked for p in brief.patrols] == ["巡查河堤"]
    assert len(brief.reports) == 1 and brief.reports[0].is_zero
    assert [i.summary for i in brief.unfinished] == [unfinished.summary]


def test_the_brief_page_prints_masked_data(org, login):
    _village_data(org)
    visit = plan(org, date=timezone.localdate() + timedelta(days=1), leaders=[org["leader"]])
    page = login(org["leader"]).get(f"/visits/{visit.pk}/brief/").content.decode()
    assert "平安夜访访前调查准备" in page and "赵铁柱" in page and "137****7000" in page
    assert "13700137000" not in page
    assert "路灯未修" in page and "巡查河堤" in page and "data-print" in page
