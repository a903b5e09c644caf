import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent, User
from governance.validators import CharacterClassValidator, character_classes
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("abcd12#$", 3), ("Ab1#", 4), ("ABCD####", 2)],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_two_classes_are_refused_three_accepted():
    validator = CharacterClassValidator(min_classes=3)
    with pytest.raises(ValidationError) as exc:
        validator.validate("abcd1234")
    assert "3 类" in exc.value.messages[0]
    validator.validate("Abcd1234")


def change(client, old, new1, new2=None):
    return client.post(
        "/password/", {"old_password": old, "new_password1": new1, "new_password2": new2 if new2 is not None else new1}
    )


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab1#", "密码长度太短"),
        ("abcdefgh12", "大写字母、小写字母、数字、符号中的 3 类"),
        ("12345678", "密码只包含数字"),
        ("Password1", "这个密码太常见了"),
        (PASSWORD, "新密码不能与原密码相同"),
    ],
)
def test_weak_or_unchanged_password_is_refused_with_chinese_message(org, login, new_password, message):
    user = org["township_officer"]
    client = login(user)
    response = change(client, PASSWORD, new_password)
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_wrong_old_password_and_mismatch_are_explained(org, login):
    client = login(org["township_officer"])
    assert "原密码不正确" in change(client, "Wrong#2026x", "Good#Pass2027").content.decode()
    assert "两次输入的新密码不一致" in change(client, PASSWORD, "Good#Pass2027", "Good#Pass2028").content.decode()
    assert "此项为必填项" in change(client, "", "", "").content.decode()


def test_strong_password_is_saved_and_audited(org, login, client):
    user = org["township_officer"]
    login(user)
    response = change(client, PASSWORD, "Good#Pass2027")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Good#Pass2027")
    assert user.password_changed_at is not None
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.PASSWORD_CHANGED).count() == 1
    # Still signed in after the change (session hash updated).
    assert client.get("/").status_code == 200


def test_first_login_forces_a_password_change(db, client):
    user = make_user("newcomer", "township_staff", None, must_change_password=True)
    client.post("/login/", {"username": "newcomer", "password": PASSWORD})
    for path in ("/", "/regions/", "/units/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/password/"
    page = client.get("/password/")
    assert page.status_code == 200
    assert "请先修改密码" in page.content.decode()

    change(client, PASSWORD, "Fresh#Start2026")
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get("/").status_code == 200


def test_password_reset_by_security_admin_forces_change_again(org, login):
    target = org["police"]
    admin = login(org["security_admin"])
    response = admin.post(
        f"/admin/governance/user/{target.pk}/password/",
        {"password1": "Reset#Pass2026", "password2": "Reset#Pass2026"},
    )
    assert response.status_code == 302
    target = User.objects.get(pk=target.pk)
    assert target.must_change_password is True
    assert target.check_password("Reset#Pass2026")
    police = login(target, "Reset#Pass2026")
    assert police.get("/")["Location"] == "/password/"
