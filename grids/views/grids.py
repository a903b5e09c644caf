"""Grid and grid-worker management, batch import (being written)."""

from django.http import Http404


def grid_list(request, *args, **kwargs):  # placeholder until written
    raise Http404


def grid_create(request, *args, **kwargs):  # placeholder until written
    raise Http404


def grid_edit(request, *args, **kwargs):  # placeholder until written
    raise Http404


def worker_list(request, *args, **kwargs):  # placeholder until written
    raise Http404


def worker_create(request, *args, **kwargs):  # placeholder until written
    raise Http404


def worker_edit(request, *args, **kwargs):  # placeholder until written
    raise Http404


def import_upload(request, *args, **kwargs):  # placeholder until written
    raise Http404


def import_template(request, *args, **kwargs):  # placeholder until written
    raise Http404
