from django.core.management import call_command

from governance.models import User


def test_create_admins_makes_three_separated_admins_once(db, capsys, client):
    call_command("create_admins")
    out = capsys.readouterr().out
    admins = {u.username: u for u in User.objects.all()}
    assert set(admins) == {"sysadmin", "secadmin", "auditor"}
    assert {name: set(u.role_codes) for name, u in admins.items()} == {
        "sysadmin": {"sysadmin"},
        "secadmin": {"security_admin"},
        "auditor": {"auditor"},
    }
    assert all(u.must_change_password and u.is_staff and not u.is_superuser for u in admins.values())

    password = out.split("sysadmin: ")[1].split("一次性密码 ")[1].split("（")[0]
    client.post("/login/", {"username": "sysadmin", "password": password})
    assert client.get("/")["Location"] == "/password/"

    call_command("create_admins")
    assert "已存在" in capsys.readouterr().out
    assert User.objects.count() == 3
