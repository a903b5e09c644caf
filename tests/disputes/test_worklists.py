"""我的待办: each list is in the order of the deadline it is about, and a list longer than its
first rows links to the case list filtered to exactly its cases."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from disputes.models import Case, Status
from disputes.worklists import ROWS_PER_LIST, worklists_for


def test_the_return_visits_come_by_their_visit_date_not_the_handling_deadline(org, make_case):
    """待回访 falls due 30 days after closure: the case closed first is the most urgent, whatever
    its (long past) handling deadline said."""
    now = timezone.now()
    first, second, third = (make_case(Status.EVALUATED) for _n in range(3))
    for case, closed_days_ago, handle_due_days_ago in ((first, 40, 1), (second, 20, 30), (third, 5, 60)):
        Case.objects.filter(pk=case.pk).update(
            closed_at=now - timedelta(days=closed_days_ago),
            handle_due=timezone.localdate() - timedelta(days=handle_due_days_ago),
        )
    to_visit = next(w for w in worklists_for(org["township_officer"]) if w.key == "to_visit")
    assert [c.pk for c in to_visit.cases] == [first.pk, second.pk, third.pk]


def test_a_long_list_links_to_all_its_cases(org, make_case, login):
    for _n in range(ROWS_PER_LIST + 1):
        make_case(Status.REGISTERED)
    client = login(org["township_officer"])
    page = client.get("/cases/work/").content.decode()
    section = page.split('data-testid="worklist-to_dispatch"')[1].split("</section>")[0]
    assert f"共 {ROWS_PER_LIST + 1} 件" in section and f"显示最紧急的 {ROWS_PER_LIST} 件" in section
    link = section.split('data-testid="worklist-all"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "status=registered" in link
    listed = client.get(link).content.decode()
    assert f"共 {ROWS_PER_LIST + 1} 条" in listed or f"共 {ROWS_PER_LIST + 1} 件" in listed


def test_the_return_visit_lists_link_to_exactly_their_cases(org, make_case, login):
    """待回访 and 待归档 are both 已评价: the ledger's 回访 filter tells them apart."""
    waiting = [make_case(Status.EVALUATED) for _n in range(ROWS_PER_LIST + 1)]
    visited = make_case(Status.EVALUATED)
    Case.objects.filter(pk=visited.pk).update(visited_at=timezone.now())
    lists = {w.key: w for w in worklists_for(org["township_officer"])}
    client = login(org["township_officer"])
    listed = client.get(lists["to_visit"].link)
    assert listed.context["page"].paginator.count == ROWS_PER_LIST + 1
    shown = {c.number for c in listed.context["page"].object_list}
    assert visited.number not in shown and shown <= {c.number for c in waiting}
    archive = client.get(lists["to_archive"].link)
    assert [c.number for c in archive.context["page"].object_list] == [visited.number]
