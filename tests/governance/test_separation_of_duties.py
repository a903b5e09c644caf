"""三权分立 in the account pages: an administrator role is never combined with another role, nobody
changes their own roles, other administrators' accounts and passwords are out of reach, and every
grant, revocation, creation and reset is audited with who did it, from where, to whom."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from governance.accounts import check_role_change
from governance.models import AuditEvent, Role, User
from governance.services import grant_role
from tests.factories import PASSWORD


def change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "unit": user.unit_id or "",
        "title": user.title,
        "groups": [g.pk for g in user.groups.all()],
        "is_staff": "on" if user.is_staff else "",
        "must_change_password": "on" if user.must_change_password else "",
    }
    if user.is_unit_head:
        data["is_unit_head"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def group(role: str) -> Group:
    return Group.objects.get(name=role)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_security_admin_cannot_give_himself_business_roles(org, login):
    secadmin = org["security_admin"]
    client = login(secadmin)
    response = client.post(
        f"/admin/governance/user/{secadmin.pk}/change/",
        change_form(
            secadmin, groups=[group(Role.SECURITY_ADMIN).pk, group(Role.COUNTY_STAFF).pk, group(Role.AUDITOR).pk]
        ),
    )
    assert response.status_code in (200, 302)
    assert fresh(secadmin).role_codes == {Role.SECURITY_ADMIN}
    # So the cases stay closed to him.
    assert client.get("/cases/").status_code == 403
    assert client.get("/cases/export.xlsx").status_code == 403


def test_nobody_changes_their_own_roles_by_any_path(org):
    secadmin = org["security_admin"]
    with pytest.raises(ValidationError, match="不能修改自己的角色"):
        check_role_change(by=secadmin, user=secadmin, before={Role.SECURITY_ADMIN}, after={Role.HANDLER})


@pytest.mark.parametrize(
    ("persona", "role"),
    [("security_admin", Role.COUNTY_STAFF), ("auditor", Role.SYSADMIN), ("police", Role.AUDITOR)],
)
def test_an_administrator_role_is_never_combined_whatever_the_path(org, persona, role):
    user = org[persona]
    before = set(fresh(user).role_codes)
    # The refusal aborts the change's transaction (a savepoint here, the request's in the admin).
    with pytest.raises(ValidationError, match="三权分立"), transaction.atomic():
        grant_role(user=user, role=role)
    with pytest.raises(ValidationError, match="三权分立"), transaction.atomic():
        group(role).user_set.add(user)
    assert fresh(user).role_codes == before


def test_administrator_roles_are_not_offered_in_the_account_pages(org, login):
    client = login(org["security_admin"])
    police = org["police"]
    response = client.post(
        f"/admin/governance/user/{police.pk}/change/",
        change_form(police, groups=[group(Role.HANDLER).pk, group(Role.SECURITY_ADMIN).pk]),
    )
    assert response.status_code == 200  # the form again, with the error
    assert fresh(police).role_codes == {Role.HANDLER}
    page = client.get(f"/admin/governance/user/{police.pk}/change/").content.decode()
    assert f'value="{group(Role.COUNTY_STAFF).pk}"' in page
    assert f'value="{group(Role.AUDITOR).pk}"' not in page


@pytest.mark.parametrize("target", ["auditor", "sysadmin", "security_admin"])
def test_security_admin_cannot_reset_administrators_passwords(org, login, target):
    client = login(org["security_admin"])
    user = org[target]
    url = f"/admin/governance/user/{user.pk}/password/"
    form = client.get(url, follow=True)
    assert "reset_admin_password" in form.content.decode() or "修改密码" in form.content.decode()
    assert 'name="password1"' not in form.content.decode()
    client.post(url, {"password1": "Taken#Over2026", "password2": "Taken#Over2026"})
    assert fresh(user).check_password(PASSWORD)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, username="security_admin").exists()


def test_other_administrators_accounts_are_view_only(org, login):
    client = login(org["security_admin"])
    auditor = org["auditor"]
    client.post(f"/admin/governance/user/{auditor.pk}/change/", change_form(auditor, full_name="改名", is_staff=""))
    auditor = fresh(auditor)
    assert auditor.full_name == "auditor" and auditor.is_staff


def test_reset_admin_password_command_on_the_server(org, capsys):
    auditor = org["auditor"]
    User.objects.filter(pk=auditor.pk).update(is_active=False)
    call_command("reset_admin_password", "auditor")
    password = capsys.readouterr().out.split("一次性密码 ")[1].split("（")[0]
    auditor = fresh(auditor)
    assert auditor.check_password(password) and auditor.must_change_password and auditor.is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET, username="auditor")
    assert event.detail == "manage.py reset_admin_password" and event.ip_address is None
    with pytest.raises(CommandError, match="不是管理员账号"):
        call_command("reset_admin_password", "police")


def test_grants_creations_and_resets_are_audited_with_who_and_where(org, login):
    client = login(org["security_admin"])
    police = org["police"]
    response = client.post(
        f"/admin/governance/user/{police.pk}/change/",
        change_form(police, groups=[group(Role.MEDIATOR).pk]),
    )
    assert response.status_code == 302
    assert fresh(police).role_codes == {Role.MEDIATOR}
    rows = AuditEvent.objects.filter(username="police", action__in=["role_granted", "role_revoked"])
    assert {(e.action, e.detail, e.actor, e.ip_address) for e in rows.filter(actor="security_admin")} == {
        ("role_granted", "人民调解员（mediator）", "security_admin", "127.0.0.1"),
        ("role_revoked", "部门经办人（handler）", "security_admin", "127.0.0.1"),
    }

    response = client.post(
        "/admin/governance/user/add/",
        {"username": "newclerk", "full_name": "新人", "password1": "Fresh#Clerk2026", "password2": "Fresh#Clerk2026"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CREATED, username="newclerk")
    assert (created.actor, created.ip_address) == ("security_admin", "127.0.0.1")

    client.post(
        f"/admin/governance/user/{police.pk}/password/",
        {"password1": "Reset#Pass2026", "password2": "Reset#Pass2026"},
    )
    reset = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET, username="police")
    assert (reset.actor, reset.ip_address) == ("security_admin", "127.0.0.1")


def test_the_auditor_sees_who_did_it(org, login):
    grant = AuditEvent.objects.create(
        action=AuditEvent.Action.ROLE_GRANTED, username="police", actor="security_admin", detail="mediator"
    )
    body = login(org["auditor"]).get("/audit/?action=role_granted").content.decode()
    assert "操作人" in body and f"<td>{grant.actor}</td>" in body
