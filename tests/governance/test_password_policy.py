"""等保2.0 password and session policy: no reuse of the last five passwords (hashes kept only), a
forced change after 90 days, well-known patterns refused, a 12-hour absolute session lifetime,
and accounts unused for 90 days disabled until the security administrator re-enables them."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from governance.accounts import disable_inactive_accounts
from governance.models import AuditEvent, PasswordHistory, User
from tests.factories import PASSWORD


def change(client, old, new):
    return client.post("/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_none_of_the_last_five_passwords_again(org, login):
    user = org["township_officer"]
    client = login(user)
    chain = [PASSWORD, "Second#Pass27", "Third#Pass27", "Fourth#Pass27", "Fifth#Pass27", "Sixth#Pass27"]
    for old, new in itertools.pairwise(chain):
        assert change(client, old, new).status_code == 302
    for reused in chain[1:5]:  # the last five are Second … Sixth (the current one)
        response = change(client, chain[-1], reused)
        assert "不能与最近 5 次使用过的密码相同" in response.content.decode()
    # The sixth-last is allowed again.
    assert change(client, chain[-1], chain[0]).status_code == 302
    kept = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(kept) == 5
    assert all(identify_hasher(encoded) and not any(p in encoded for p in chain) for encoded in kept)


@pytest.mark.parametrize(
    "password",
    [
        "Admin@123",
        "Password123!",
        "Qwerty123!",
        "P@ssw0rd2026",
        "Asdf#12345",
        "1qaz2wsX!",
        "Shifan@2026",
        "示范县2026!",
    ],
)
def test_well_known_patterns_are_refused(org, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, org["police"])
    assert any("常见的弱口令模式" in m for m in refused.value.messages)


def test_well_known_pattern_is_explained_on_the_change_page(org, login):
    client = login(org["police"])
    assert "常见的弱口令模式" in change(client, PASSWORD, "Shifan@2026").content.decode()
    validate_password("Heping#Lu2027", org["police"])  # an ordinary strong password passes


def test_password_older_than_ninety_days_must_be_changed(org, login):
    user = org["police"]
    client = login(user)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    response = client.get("/")
    assert response["Location"] == "/password/"
    assert "超过 90 天" in client.get("/password/").content.decode()
    assert change(client, PASSWORD, "Renewed#Pass27").status_code == 302
    assert client.get("/").status_code == 200


def test_a_session_ends_twelve_hours_after_sign_in_however_active(org, login):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(org["police"])
        assert client.get("/").status_code == 200
        for _ in range(28):  # a request every 25 minutes keeps the 30-minute idle timer alive: 11 h 40 min
            clock.shift(timedelta(minutes=25))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=25))  # 12 h 5 min after sign-in
        response = client.get("/cases/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert client.get("/")["Location"].startswith("/login/")
        assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, username="police").exists()
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600  # the default


def test_unused_accounts_are_disabled_and_re_enabling_sticks(org, login):
    now = timezone.now()
    long_ago = now - timedelta(days=91)
    User.objects.update(date_joined=long_ago, last_login=long_ago)
    User.objects.filter(username="county_officer").update(last_login=now - timedelta(days=10))
    police = org["police"]

    call_command("disable_inactive_accounts")
    assert not User.objects.get(pk=police.pk).is_active
    assert User.objects.get(username="county_officer").is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_DISABLED, username="police")
    assert "90" in event.detail and event.actor == ""
    refused = Client().post("/login/", {"username": "police", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session

    # The security administrator himself is re-enabled on the server (reset_admin_password).
    User.objects.filter(username="security_admin").update(is_active=True, last_login=now, password_changed_at=now)
    admin = login(org["security_admin"])
    response = admin.post(
        "/admin/governance/user/", {"action": "enable_accounts", "_selected_action": [police.pk], "index": 0}
    )
    assert response.status_code == 302
    police = User.objects.get(pk=police.pk)
    assert police.is_active and police.reactivated_at is not None
    enabled = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ENABLED, username="police")
    assert (enabled.actor, enabled.ip_address) == ("security_admin", "127.0.0.1")

    assert "police" not in disable_inactive_accounts()  # the next nightly run leaves it alone
    assert User.objects.get(pk=police.pk).is_active
    assert "police" in disable_inactive_accounts(now + timedelta(days=91))  # unused again since


def test_the_disabling_runs_every_night(db):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "governance.tasks.disable_inactive_accounts" in tasks
    from governance.tasks import disable_inactive_accounts as task

    assert task() == []
