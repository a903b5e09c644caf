"""The ledger export (being written)."""

from django.http import HttpRequest, HttpResponse


def ledger_export(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
