def test_login_page_is_chinese(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "请使用本人账号登录" in response.content.decode()
