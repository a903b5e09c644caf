"""Behind PROXY_COUNT reverse proxies the lockout and the audit log record the client's address,
taken from X-Forwarded-For by governance.network.client_ip — not the proxy's."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from governance.models import AuditEvent
from governance.network import client_ip

PROXY = "172.18.0.5"


def fail_login(client, **headers):
    return client.post("/login/", {"username": "police", "password": "Wrong#2026"}, REMOTE_ADDR=PROXY, **headers)


def test_lockout_and_audit_see_the_client_behind_the_proxy(org, client, settings):
    settings.PROXY_COUNT = 1
    # The client may send its own X-Forwarded-For; the proxy appends the address it saw.
    fail_login(client, HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.ip_address == "10.1.2.3"
    assert AccessAttempt.objects.get(username="police").ip_address == "10.1.2.3"


def test_without_proxies_the_header_is_ignored(org, client, settings):
    settings.PROXY_COUNT = 0
    fail_login(client, HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED).ip_address == PROXY
    assert AccessAttempt.objects.get(username="police").ip_address == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "10.1.2.3", "10.1.2.3"),
        (2, "6.6.6.6, 10.1.2.3, 172.18.0.9", "10.1.2.3"),
        (2, "10.1.2.3", PROXY),  # fewer hops than proxies: only the peer is certain
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_takes_the_address_the_last_trusted_proxy_saw(settings, count, forwarded, expected):
    settings.PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
