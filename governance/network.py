"""The client's address, as the lockout (django-axes) and the audit log see it.

Behind PROXY_COUNT reverse proxies, each proxy appends the address it received the request from
to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right; everything left of
it was written by the client and cannot be trusted. With no proxy, REMOTE_ADDR is the client."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # The request did not come through every proxy (or one strips the header): only the
        # peer's own address is known for sure.
        return remote
    return _valid(forwarded[-count]) or remote


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
