"""挂牌督办 end to end, and the supervision list's sections."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from disputes import services
from disputes.models import HANDLING_STATUSES, Case, Status, Supervision, sign_late_q
from governance.models import Notification


def later(days=5):
    return timezone.localdate() + timedelta(days=days)


def test_leader_lists_unit_answers_leader_lifts(org, make_case, django_capture_on_commit_callbacks):
    case = make_case(Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        supervision = services.supervise_case(
            case=case, by=org["leader"], instruction="三日内化解，防止激化", due=later()
        )
    assert Notification.objects.filter(unit=org.police_a, title__contains="挂牌督办").exists()
    with pytest.raises(services.TransitionRefused, match="只有承办单位"):
        services.answer_supervision(supervision=supervision, by=org["township_officer"], answer="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_supervision(supervision=supervision, by=org["police"], answer="已约双方明日调解")
    supervision.refresh_from_db()
    assert supervision.state == "answered" and supervision.answered_by == org["police"]
    assert Notification.objects.filter(user=org["leader"], title__contains="督办已回复").exists()
    with pytest.raises(services.TransitionRefused, match="只有督办领导"):
        services.lift_supervision(supervision=supervision, by=org["police"])
    services.lift_supervision(supervision=supervision, by=org["leader"])
    supervision.refresh_from_db()
    assert supervision.state == "lifted"
    actions = list(case.events.values_list("action", flat=True))
    assert {"supervise", "supervision_answer", "supervision_lift"} <= set(actions)


def test_listing_is_refused_outside_the_rules(org, make_case):
    case = make_case(Status.IN_PROGRESS)
    for persona in ("township_officer", "police"):
        with pytest.raises(services.TransitionRefused):
            services.supervise_case(case=case, by=org[persona], instruction="x", due=later())
    with pytest.raises(ValidationError):
        services.supervise_case(case=case, by=org["leader"], instruction="", due=later())
    with pytest.raises(ValidationError):
        services.supervise_case(case=case, by=org["leader"], instruction="x", due=timezone.localdate())
    services.supervise_case(case=case, by=org["township_leader"], instruction="限期办结", due=later())
    with pytest.raises(services.TransitionRefused, match="已在挂牌督办中"):
        services.supervise_case(case=case, by=org["leader"], instruction="again", due=later())
    closed = make_case(Status.CLOSED)
    with pytest.raises(services.TransitionRefused):
        services.supervise_case(case=closed, by=org["leader"], instruction="x", due=later())
    assert Supervision.objects.count() == 1


def test_supervision_list_sections(org, login, make_case):
    overdue = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=overdue.pk).update(handle_due=timezone.localdate() - timedelta(days=10))
    stale = make_case(Status.SUBMITTED)
    Case.objects.filter(pk=stale.pk).update(received_at=timezone.now() - timedelta(days=10))
    unsigned = make_case(Status.DISPATCHED)
    Case.objects.filter(pk=unsigned.pk).update(sign_due=timezone.now() - timedelta(days=9))
    fresh = make_case(Status.DISPATCHED)
    services.supervise_case(case=overdue, by=org["leader"], instruction="尽快", due=later())
    body = login(org["leader"]).get("/cases/supervision/").content.decode()
    for case in (overdue, stale, unsigned):
        assert case.number in body
    assert fresh.number not in body
    assert "挂牌" in body and "逾期" in body
    assert overdue.number not in login(org["outsider"]).get("/cases/supervision/").content.decode()
    assert login(org["police"]).get("/cases/supervision/").status_code == 403


def test_listing_through_the_pages(org, login, make_case):
    case = make_case(Status.IN_PROGRESS)
    leader = login(org["leader"])
    assert "挂牌督办" in leader.get(f"/cases/{case.number}/").content.decode()
    bad = leader.post(f"/cases/{case.number}/supervise/", {"supervise-instruction": "", "supervise-due": ""})
    assert bad.status_code == 400 and "此项为必填项" in bad.content.decode()
    leader.post(
        f"/cases/{case.number}/supervise/", {"supervise-instruction": "本周内办结", "supervise-due": str(later())}
    )
    supervision = Supervision.objects.get()
    police = login(org["police"])
    page = police.get(f"/cases/{case.number}/").content.decode()
    assert "本周内办结" in page and "回复督办" in page
    police.post(f"/cases/{case.number}/supervision/{supervision.pk}/answer/", {"answer-answer": "已处理"})
    supervision.refresh_from_db()
    assert supervision.state == "answered"
    assert "挂牌" in police.get("/cases/").content.decode()


def test_supervision_list_queries_are_fixed(org, login, make_case, django_assert_max_num_queries):
    leader = login(org["leader"])
    make_case(Status.IN_PROGRESS)
    with django_assert_max_num_queries(40) as small:
        leader.get("/cases/supervision/")
    for _n in range(8):
        case = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=case.pk).update(handle_due=timezone.localdate() - timedelta(days=3))
        services.supervise_case(case=case, by=org["leader"], instruction="x", due=later())
    with django_assert_max_num_queries(len(small.captured_queries)):
        leader.get("/cases/supervision/")


def test_a_section_shows_its_most_urgent_rows_and_links_to_the_case_list_of_all_of_them(
    org, login, make_case, monkeypatch
):
    """Each section lists its first rows and its count; the case list behind its link holds exactly
    the section's cases (the listed ones too are counted, not just the rows shown)."""
    monkeypatch.setattr("disputes.supervision.SECTION_ROWS", 2)
    now, today = timezone.now(), timezone.localdate()
    sections: dict[str, list[Case]] = {"overdue": [], "not_accepted": [], "not_signed": []}
    for n in range(3):
        overdue = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=overdue.pk).update(handle_due=today - timedelta(days=10 + n))
        services.supervise_case(case=overdue, by=org["leader"], instruction="尽快", due=later())
        sections["overdue"].append(overdue)
        stale = make_case(Status.SUBMITTED)
        Case.objects.filter(pk=stale.pk).update(received_at=now - timedelta(days=10 + n))
        sections["not_accepted"].append(stale)
        unsigned = make_case(Status.DISPATCHED)
        Case.objects.filter(pk=unsigned.pk).update(sign_due=now - timedelta(days=9 + n))
        sections["not_signed"].append(unsigned)
    # Neither late nor overdue: in no section, and in none of the linked lists.
    others = [make_case(Status.SUBMITTED), make_case(Status.DISPATCHED), make_case(Status.IN_PROGRESS)]
    leader = login(org["leader"])
    response = leader.get("/cases/supervision/")
    page = response.content.decode()
    assert response.context["listed"].total == 3 and len(response.context["listed"].rows) == 2
    assert "共 3 件，按督办期限显示前 2 件" in page
    for section in response.context["sections"]:
        expected = sections[section.key]
        assert section.total == 3 and len(section.cases) == 2, section.key
        assert section.more and f'data-testid="more-{section.key}"' in page
        listed = leader.get(section.more)
        assert listed.status_code == 200
        numbers = {case.number for case in listed.context["page"].object_list}
        assert numbers == {case.number for case in expected}, section.key
        assert not numbers & {case.number for case in others}


def test_a_county_sees_each_townships_counts_and_narrows_the_list_to_one(org, login, make_case):
    today = timezone.localdate()
    for township, village, n in ((org.town_a, org.village_a1, 2), (org.town_b, org.village_b1, 1)):
        for _n in range(n):
            case = make_case(Status.IN_PROGRESS)
            Case.objects.filter(pk=case.pk).update(
                handle_due=today - timedelta(days=5), township=township, village=village
            )
    leader = login(org["leader"])
    response = leader.get("/cases/supervision/")
    rows = {row.township.name: row for row in response.context["summary"]}
    assert rows["甲镇"].counts["overdue"] == 2 and rows["乙镇"].counts["overdue"] == 1
    assert [row.township.name for row in response.context["summary"]] == ["甲镇", "乙镇"]  # the busiest first
    assert f'href="?township={org.town_b.pk}"' in response.content.decode()
    narrowed = leader.get("/cases/supervision/", {"township": org.town_b.pk})
    overdue = next(s for s in narrowed.context["sections"] if s.key == "overdue")
    assert overdue.total == 1 and {c.township for c in overdue.cases} == {org.town_b}
    assert narrowed.context["summary"] == []
    for odd in ("abc", "9" * 40, str(org.village_a1.pk)):  # not a township of the county: no filter
        response = leader.get("/cases/supervision/", {"township": odd})
        assert response.status_code == 200 and response.context["township"] is None
    # A township's own list has no summary and no filter.
    township = login(org["township_officer"]).get("/cases/supervision/")
    assert township.context["summary"] == [] and 'data-testid="supervision-filter"' not in township.content.decode()


def test_a_section_that_fits_has_no_link(org, login, make_case):
    overdue = make_case(Status.IN_PROGRESS)
    Case.objects.filter(pk=overdue.pk).update(handle_due=timezone.localdate() - timedelta(days=10))
    response = login(org["leader"]).get("/cases/supervision/")
    section = next(s for s in response.context["sections"] if s.key == "overdue")
    assert [c.pk for c in section.cases] == [overdue.pk] and section.total == 1 and section.more == ""
    assert 'data-testid="more-overdue"' not in response.content.decode()


@pytest.mark.parametrize(
    ("section", "index"),
    [
        ("overdue", "case_handling_due_scoped"),
        ("not_accepted", "case_unaccepted_scoped"),
        ("not_signed", "case_unsigned_scoped"),
    ],
)
def test_each_section_can_be_counted_from_its_index_alone(org, make_case, section, index):
    """A section's count (28,615 overdue of a million cases for the county) needs only its partial
    index: the index's predicate implies the section's status, and it holds every column of
    `disputes_case` the count reads — the section's own and those of the person's scoping
    (township, lead unit, id) — so PostgreSQL answers it with an index-only scan. (A plan test
    cannot force that choice: disabling index scans disables index-only scans too.)"""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL indexes")
    now, today = timezone.now(), timezone.localdate()
    conditions = {
        "overdue": Q(status__in=HANDLING_STATUSES, handle_due__lt=today),
        "not_accepted": Q(status=Status.SUBMITTED, received_at__date__lt=today),
        "not_signed": sign_late_q(now),
    }
    statuses = {"overdue": {"dispatched", "in_progress"}, "not_accepted": {"submitted"}, "not_signed": {"dispatched"}}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT array_agg(a.attname), pg_get_expr(i.indpred, i.indrelid)
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE c.relname = %s GROUP BY i.indpred, i.indrelid""",
            [index],
        )
        columns, predicate = cursor.fetchone()
    assert set(re.findall(r"'(\w+)'", predicate)) == statuses[section]
    for persona in ("county_officer", "township_officer", "leader", "police", "mediator"):
        cases = Case.objects.visible_to(org[persona]).filter(conditions[section])
        sql = cases.order_by().values("pk").query.sql_with_params()[0]
        read = set(re.findall(r'"disputes_case"\."(\w+)"', sql))
        assert read - {"status"} <= set(columns), (persona, read - set(columns))


def test_the_sections_are_read_in_four_queries(org, make_case, django_assert_max_num_queries):
    """The listed cases, then every section's count, first rows' ids and rows, each in one query
    (before: a count and a rows query per section); each section still in its own order."""
    from disputes.supervision import supervision_sections

    now, today = timezone.now(), timezone.localdate()
    for n in range(2):
        overdue = make_case(Status.IN_PROGRESS)
        Case.objects.filter(pk=overdue.pk).update(handle_due=today - timedelta(days=5 - n))
        stale = make_case(Status.SUBMITTED)
        Case.objects.filter(pk=stale.pk).update(received_at=now - timedelta(days=10 - n))
        unsigned = make_case(Status.DISPATCHED)
        Case.objects.filter(pk=unsigned.pk).update(
            sign_due=now - timedelta(days=9 - n), handle_due=today - timedelta(days=1)
        )
    leader = org["leader"]
    leader.refresh_from_db()
    supervision_sections(leader)
    # SQLite (the embedded default) refuses limits inside a UNION: one query per section there.
    with django_assert_max_num_queries(4 if connection.features.supports_slicing_ordering_in_compound else 6):
        _listed, sections = supervision_sections(leader)
    orders = {"overdue": ("handle_due", "id"), "not_accepted": ("received_at", "id"), "not_signed": ("sign_due", "id")}
    for section in sections:
        keys = [[getattr(case, f) for f in orders[section.key]] for case in section.cases]
        assert keys == sorted(keys) and section.total == len(section.cases), section.key
    assert [s.total for s in sections] == [4, 2, 2]  # an unsigned case past its handling deadline is overdue too
