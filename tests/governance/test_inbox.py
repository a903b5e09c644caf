import re

from governance.models import Notification, NotificationRead


def unread_badge(client) -> int:
    match = re.search(r'data-testid="unread-count">(\d+)<', client.get("/").content.decode())
    return int(match.group(1)) if match else 0


def test_unit_notices_reach_each_person_of_the_unit(org, login):
    Notification.objects.create(unit=org.police_a, title="新转办案件：2026-001-00001", url="/cases/")
    Notification.objects.create(user=org["mediator"], title="只给调解员")
    police = login(org["police"])
    assert unread_badge(police) == 1
    body = police.get("/inbox/").content.decode()
    assert "新转办案件" in body and "只给调解员" not in body
    assert unread_badge(login(org["mediator"])) == 1
    assert unread_badge(login(org["township_officer"])) == 0


def test_reading_is_per_person_and_follows_the_link(org, login):
    notice = Notification.objects.create(unit=org.police_a, title="新转办案件", url="/cases/")
    from tests.factories import make_user

    colleague = make_user("police2", "handler", org.police_a)
    police = login(org["police"])
    response = police.post(f"/inbox/{notice.pk}/read/")
    assert response["Location"] == "/cases/"
    assert unread_badge(police) == 0
    assert unread_badge(login(colleague)) == 1
    police.post(f"/inbox/{notice.pk}/read/")
    assert NotificationRead.objects.filter(user=org["police"]).count() == 1


def test_read_all_and_foreign_notices(org, login):
    for n in range(3):
        Notification.objects.create(unit=org.police_a, title=f"n{n}")
    other = Notification.objects.create(unit=org.center_b, title="乙镇的")
    police = login(org["police"])
    assert police.post(f"/inbox/{other.pk}/read/").status_code == 404
    police.post("/inbox/read-all/")
    assert unread_badge(police) == 0
    assert not NotificationRead.objects.filter(notification=other).exists()


def test_inbox_query_count_is_fixed(org, login, django_assert_max_num_queries):
    Notification.objects.create(unit=org.police_a, title="first")
    police = login(org["police"])
    with django_assert_max_num_queries(15) as small:
        police.get("/inbox/")
    Notification.objects.bulk_create([Notification(unit=org.police_a, title=f"n{n}") for n in range(60)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        police.get("/inbox/")
