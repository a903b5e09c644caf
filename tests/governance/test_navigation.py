"""Every page for every role: allowed (200), refused (403) or not found (404)."""

import re

import pytest

from governance.models import AuditEvent

CASES = {"work", "cases"}
MEDIATION = {"mediation_orgs", "subsidy"}
VISITS = {"visits", "followups"}  # 平安夜访, 夜访交办
KEY_PERSONS = {"key_persons"}  # 重点人员名单: centers and leaders only
DASHBOARD = {"dashboard", "report_tables"}  # 领导驾驶舱 and 统计报表: leaders and center staff
BRIEFINGS = {"briefings"}  # 信息通报: leaders read, center staff draft and issue
WARNINGS = {"warnings", "meetings"}  # 预警, 联席会商: centers and leaders
CITIZEN = {"online", "consultations", "posters"}  # 码上办: centers and leaders
WORK_ORDERS = {"work_orders"}  # 工单接入: center staff; the figures also for two administrators
CENTER = (
    DASHBOARD
    | {"home", "regions", "units", "intake", "board", "grids", "supervision"}
    | CASES
    | MEDIATION
    | VISITS
    | KEY_PERSONS
    | BRIEFINGS
    | WARNINGS
    | CITIZEN
    | WORK_ORDERS
)
NAV = {
    "county_officer": CENTER,
    "township_officer": CENTER,
    "police": {"home", "followups", "meetings"} | CASES,
    "mediator": {"home", "mediation", "followups", "meetings"} | CASES | MEDIATION,
    "grid_worker": {"home", "regions", "reports", "patrols"},
    "leader": {"home", "regions", "units", "board", "supervision"}
    | CASES
    | MEDIATION
    | VISITS
    | KEY_PERSONS
    | WARNINGS
    | DASHBOARD
    | BRIEFINGS
    | CITIZEN,
    "township_leader": {"home", "regions", "units", "board", "supervision"}
    | CASES
    | MEDIATION
    | VISITS
    | KEY_PERSONS
    | WARNINGS
    | DASHBOARD
    | BRIEFINGS
    | CITIZEN,
    "outsider": CENTER,
    "sysadmin": {"home", "units", "config"} | WORK_ORDERS,
    "security_admin": {"home", "units", "accounts", "audit"} | WORK_ORDERS,
    "auditor": {"home", "audit"},
}

# path → persona → expected status. 990101001001 is 甲镇一村; 990101001002 is 甲镇二村.
PAGES = {
    "/": dict.fromkeys(NAV, 200),
    "/dashboard/": {p: 200 if "dashboard" in NAV[p] else 403 for p in NAV},
    "/password/": dict.fromkeys(NAV, 200),
    "/regions/": {p: 200 if "regions" in NAV[p] else 403 for p in NAV},
    "/units/": {p: 200 if "units" in NAV[p] else 403 for p in NAV},
    "/audit/": {p: 200 if "audit" in NAV[p] else 403 for p in NAV},
    "/cases/key-persons/": {p: 200 if "key_persons" in NAV[p] else 403 for p in NAV},
    "/reports/briefings/": {p: 200 if "briefings" in NAV[p] else 403 for p in NAV},
    "/regions/990101001001/": {
        **{p: 200 if "regions" in NAV[p] else 403 for p in NAV},
        "outsider": 404,
    },
    "/regions/990101001002/": {
        **{p: 200 if "regions" in NAV[p] else 403 for p in NAV},
        "outsider": 404,
        "grid_worker": 404,
    },
    "/regions/990101002001/": {
        **{p: 200 if "regions" in NAV[p] else 403 for p in NAV},
        "township_officer": 404,
        "township_leader": 404,
        "grid_worker": 404,
    },
    "/admin/": {p: 200 if p in {"sysadmin", "security_admin", "auditor"} else 302 for p in NAV},
}


def test_menu_shows_each_role_only_its_entries(persona, login):
    name, user = persona
    body = login(user).get("/", follow=True).content.decode()
    shown = set(re.findall(r'data-nav="([a-z_]+)"', body))
    assert shown == NAV[name]


@pytest.mark.parametrize("path", PAGES)
def test_page_answers_each_role_as_expected(persona, login, path):
    name, user = persona
    response = login(user).get(path)
    assert response.status_code == PAGES[path][name], (name, path)
    if response.status_code == 403:
        assert "无权访问" in response.content.decode()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, user=user, path=path).exists()
    if response.status_code == 404:
        assert "不在您的工作范围内" in response.content.decode()


@pytest.mark.parametrize("path", [p for p in PAGES if p != "/healthz"])
def test_anonymous_is_sent_to_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_township_home_is_chinese_and_shows_jurisdiction(org, login):
    body = login(org["township_officer"]).get("/").content.decode()
    assert "您好" in body
    assert "您的工作范围：甲镇" in body
    assert "工作台" in body


def test_english_is_chosen_only_by_the_switch(org, login, client):
    login(org["township_officer"])
    assert "工作台" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Workbench" in body
    assert "工作台" not in body
