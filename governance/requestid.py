"""Each request's id: taken from the proxy's X-Request-ID when well-formed, else generated; sent
back in the response header, put in every log line written while the request runs (the logging
filter below) and stored on the audit rows it causes (governance.services.record_audit)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only (a UUID, a hex id, nginx's $request_id): nothing that could
# forge a log line or overflow the audit column.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def current_request_id() -> str:
    request = current_request.get()
    return getattr(request, "request_id", "") if request is not None else ""


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request.request_id = given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        # Not reset on the way out: Django logs the response ("Not Found: …") after the middleware
        # chain returns; request_finished (below) ends it.
        current_request.set(request)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


@receiver(request_finished)
def forget_request(sender, **kwargs) -> None:
    current_request.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: tasks, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
