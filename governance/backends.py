"""The password backend: Django's ModelBackend, reading the signed-in person with their unit and
its region, and (on PostgreSQL) the names of their roles, in the one query every request makes
anyway. The jurisdiction every page scopes by and the roles every menu and rule asks would
otherwise cost three more queries per request; they are read afresh on each request as before,
so a role revoked or a unit changed counts from the next request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import OuterRef


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from governance.models import User

        users = User._default_manager.select_related("unit__region")
        if connection.vendor == "postgresql":
            from django.contrib.postgres.expressions import ArraySubquery

            users = users.annotate(role_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")))
        user = users.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if hasattr(user, "role_names"):
            user.__dict__["role_codes"] = frozenset(user.role_names)  # User.role_codes, already read
        return user
