import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from governance.models import AuditEvent
from governance.services import grant_role


def test_role_grants_are_recorded(org):
    grant_role(user=org["police"], role="mediator")
    grants = AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_GRANTED, username="police")
    assert list(grants.values_list("detail", flat=True).order_by("id")) == [
        "部门经办人（handler）",
        "人民调解员（mediator）",
    ]
    assert org["police"].has_role("mediator")


def test_audit_rows_cannot_be_changed_through_the_model(db):
    event = AuditEvent.objects.create(action=AuditEvent.Action.EXPORT, username="x")
    event.detail = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_audit_rows_cannot_be_changed_in_the_database(db):
    AuditEvent.objects.create(action=AuditEvent.Action.EXPORT, username="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(detail="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().detail == ""


def test_audit_page_filters_by_action(org, login):
    AuditEvent.objects.create(action=AuditEvent.Action.EXPORT, username="someone")
    body = login(org["auditor"]).get("/audit/?action=export").content.decode()
    assert "someone" in body
    assert "导出数据" in body
