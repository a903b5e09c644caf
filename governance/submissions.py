"""One submission, one object: create forms carry a token issued when the form is rendered
(`SubmissionTokenField`); `submit_once` claims the token in the same transaction that creates the
object. A second post with the same token - sent twice, or five times at once - finds the claim
(waiting on the unique index while the first is still in flight) and is sent to the object the
first one created."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from governance.models import Submission, User

T = TypeVar("T")
# The name of the hidden field on every create form.
TOKEN_FIELD = "submission"


class SubmissionTokenField(forms.UUIDField):
    """A hidden field holding a new token each time the form is rendered unbound."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)


class AlreadySubmitted(Exception):
    """This form was already submitted; `url` is the object that submission created."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def submit_once(*, by: User, token: uuid.UUID | None, create: Callable[[], T], url_of: Callable[[T], str]) -> T:
    """`create()` once per token; a repeated token raises AlreadySubmitted with the first object's address.
    Without a token (a client that sends none) the object is simply created."""
    if token is None:
        return create()
    try:
        with transaction.atomic():
            # The claim comes first: a concurrent post of the same token blocks here on the unique
            # index until this transaction ends, then fails - it never starts creating.
            claim = Submission.objects.create(token=token, user=by)
            created = create()
            claim.url = url_of(created)[:200]
            claim.save(update_fields=["url"])
            return created
    except IntegrityError:
        earlier = Submission.objects.filter(token=token).first()
        if earlier is None:
            raise  # another constraint of the object being created
        # Another person's token (a copied form) leads back to the form, not to their object.
        raise AlreadySubmitted(earlier.url if earlier.user_id == by.pk else "") from None


def already_submitted(request: HttpRequest, url: str) -> HttpResponse:
    messages.info(request, _("该表单已经提交过，没有重复创建；下面是上次提交的结果。"))
    return redirect(url or request.path)


def repeated_submission(request: HttpRequest, prefix: str = "") -> HttpResponse | None:
    """A post whose token was used before (the form sent again after it succeeded): the redirect to
    what it created, before the form is even validated; None for a first post. `prefix`: the form's."""
    try:
        token = uuid.UUID(request.POST.get(f"{prefix}-{TOKEN_FIELD}" if prefix else TOKEN_FIELD, ""))
    except ValueError:
        return None
    earlier = Submission.objects.filter(token=token, user=request.user).only("url").first()
    return already_submitted(request, earlier.url) if earlier is not None else None
