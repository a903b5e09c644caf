from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from governance.models import Role, Unit, User
from grids.models import Grid, Region
from visits.demo import COUNTY_LEADERS

DEMO_USERNAMES = {
    "county": Role.COUNTY_STAFF,
    "township": Role.TOWNSHIP_STAFF,
    "police": Role.HANDLER,
    "polhead": Role.HANDLER,
    "mediator": Role.MEDIATOR,
    "gridworker": Role.GRID_WORKER,
    "leader": Role.LEADER,
    "tleader": Role.LEADER,
    "sysadmin": Role.SYSADMIN,
    "secadmin": Role.SECURITY_ADMIN,
    "auditor": Role.AUDITOR,
}


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # pytest-django runs tests with DEBUG off; the demo loader is meant for DEBUG on.
    settings.DEBUG = True


def counts():
    return (
        Region.objects.townships().count(),
        Region.objects.villages().count(),
        Grid.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Region.history.count(),
    )


def test_seed_demo_builds_the_county_and_is_idempotent(db, capsys):
    call_command("seed_demo", stats_days=0)
    out = capsys.readouterr().out
    townships, villages, grids, _units, users, _history = counts()
    assert townships == 12 and villages == 156 and grids == 468
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)
    # One worker per grid (`gridworker` covers one); the night-visit leaders of visits/demo.py.
    assert users == len(DEMO_USERNAMES) + grids - 1 + len(COUNTY_LEADERS) + townships
    assert "Shifan@2026" in out and "township" in out

    for username, role in DEMO_USERNAMES.items():
        user = User.objects.get(username=username)
        assert user.role_codes == {role}
        assert user.check_password("Shifan@2026")
    assert not User.objects.filter(is_superuser=True).exists()
    # The "6+N": court, procuratorate, police, justice, grid, online platform and the N.
    sectors = set(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).values_list("sector", flat=True))
    assert {"court", "procuratorate", "police", "justice", "grid", "online", "petition"} <= sectors
    assert Unit.objects.filter(kind=Unit.Kind.MEDIATION).count() >= 12 + 5
    assert Unit.objects.filter(kind=Unit.Kind.TOWNSHIP_CENTER).count() == 12
    # Codes nest: every village code starts with its township's prefix.
    for village in Region.objects.villages().select_related("parent"):
        assert village.code.startswith(village.parent.prefix) and len(village.code) == 12
    assert User.objects.get(username="gridworker").grids.count() == 1

    before = counts()
    call_command("seed_demo", stats_days=0)
    assert counts() == before


def test_seed_demo_scale_grows_the_data(db):
    call_command("seed_demo", scale=2, stats_days=0)
    assert Grid.objects.count() == 156 * 3 * 2


def test_seed_demo_refuses_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stats_days=0)
    settings.DEBUG = True
    with pytest.raises(CommandError, match="0 到 1098"):
        call_command("seed_demo", stats_days=1099)
    settings.DEBUG = False
    assert not Region.objects.exists()
    call_command("seed_demo", force=True, stats_days=0)
    assert Region.objects.villages().count() == 156


def test_seed_demo_fills_a_year_of_statistics_that_match_a_live_count(db, capsys):
    import random

    from governance.models import DailyStat, StatFill
    from governance.stats import check_sample

    # By default from 1 January of last year, as far back as the cases go (this year against last).
    today = timezone.localdate()
    span = (today - date(today.year - 1, 1, 1)).days + 1
    call_command("seed_demo")
    assert f"每日统计：近 {span} 天，本次填充 {span} 天" in capsys.readouterr().out
    assert StatFill.objects.filter(state=StatFill.State.DONE).count() == span
    assert StatFill.objects.order_by("day").first().day == date(today.year - 1, 1, 1)
    assert DailyStat.objects.filter(metric="received").exists()
    assert DailyStat.objects.filter(metric="open_end").exists()
    days, mismatches = check_sample(10, rng=random.Random(3))
    assert len(days) == 10 and mismatches == []
    # Today's stocks, read from the timeline, are what the case lists show now: 在办, 在办超期 (仅看逾期).
    from django.db.models import Sum

    from disputes.models import Case

    today = DailyStat.objects.filter(day=timezone.localdate())
    stock = dict(today.values_list("metric").annotate(Sum("value")))
    assert stock["open_end"] == Case.objects.open().count()
    assert 0 < stock["overdue_end"] == Case.objects.overdue().count()
    assert 0 < stock["red_end"] <= stock["overdue_end"]
    call_command("seed_demo")  # adds nothing, so fills nothing again
    assert "本次填充 0 天 0 行" in capsys.readouterr().out
