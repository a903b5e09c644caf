"""Printable documents of a case (being written)."""

from django.http import HttpRequest, HttpResponse


def case_receipt(request: HttpRequest, number: str) -> HttpResponse:
    raise NotImplementedError


def dispatch_order(request: HttpRequest, number: str) -> HttpResponse:
    raise NotImplementedError
