"""The password backend: Django's ModelBackend, reading the signed-in person with their unit and
its region in the query that every request makes anyway (the jurisdiction every page scopes by
would otherwise cost two more queries per request)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from governance.models import User

        user = User._default_manager.select_related("unit__region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
