"""The menu: each entry names the roles that may use it. Views enforce the same roles through
`role_required`, reading from this one table, so a menu entry and its page cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from governance.models import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]
    group: str = ""  # a key of GROUPS: shown in that drop-down menu


# Drop-down menus, so that a center clerk's menu fits on one line.
GROUPS = {
    "mediation": _("人民调解"),
    "visits": _("平安夜访"),
    "grids": _("网格与零报告"),
    "analysis": _("分析研判"),
    "citizen": _("码上办"),
}


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    items: tuple[NavItem, ...]


R = Role
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("工作台"), "home", frozenset(Role.values)),
    NavItem(
        "dashboard",
        _("领导驾驶舱"),
        "dashboard",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
    ),
    NavItem(
        "briefings",
        _("信息通报"),
        "briefings",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="analysis",
    ),
    NavItem(
        "work",
        _("我的待办"),
        "disputes-work",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.HANDLER, R.MEDIATOR, R.LEADER}),
    ),
    NavItem(
        "supervision",
        _("督办清单"),
        "disputes-supervision",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
    ),
    NavItem(
        "warnings",
        _("预警"),
        "disputes-warnings",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="analysis",
    ),
    NavItem(
        "meetings",
        _("联席会商"),
        "meetings-list",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.HANDLER, R.MEDIATOR, R.LEADER}),
        group="analysis",
    ),
    NavItem(
        "report_tables",
        _("统计报表"),
        "report-tables",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="analysis",
    ),
    NavItem(
        "online",
        _("网上受理统计"),
        "disputes-online",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="citizen",
    ),
    NavItem(
        "work_orders",
        _("工单接入"),
        "disputes-work-orders",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.SYSADMIN, R.SECURITY_ADMIN}),
        group="analysis",
    ),
    NavItem("intake", _("受理登记"), "disputes-intake", frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF})),
    NavItem(
        "consultations",
        _("网上咨询"),
        "disputes-consultations",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="citizen",
    ),
    NavItem(
        "cases",
        _("案件台账"),
        "disputes-list",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.HANDLER, R.MEDIATOR, R.LEADER}),
    ),
    NavItem(
        "key_persons",
        _("重点人员"),
        "disputes-key-persons",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="analysis",
    ),
    NavItem("mediation", _("调解工作"), "mediation-work", frozenset({R.MEDIATOR}), group="mediation"),
    NavItem(
        "mediation_orgs",
        _("调解组织"),
        "mediation-organisations",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.MEDIATOR, R.LEADER}),
        group="mediation",
    ),
    NavItem(
        "subsidy",
        _("调解绩效与补贴"),
        "mediation-subsidy",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.MEDIATOR, R.LEADER}),
        group="mediation",
    ),
    NavItem(
        "visits",
        _("夜访安排"),
        "visits-calendar",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="visits",
    ),
    NavItem(
        "followups",
        _("夜访交办"),
        "visits-issues",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.HANDLER, R.MEDIATOR, R.LEADER}),
        group="visits",
    ),
    NavItem("reports", _("零报告"), "grids-reports", frozenset({R.GRID_WORKER})),
    NavItem("patrols", _("巡查日志"), "grids-patrols", frozenset({R.GRID_WORKER})),
    NavItem(
        "board",
        _("零报告督查"),
        "grids-board",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="grids",
    ),
    NavItem("grids", _("网格管理"), "grids-list", frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF}), group="grids"),
    # 码上办: the QR posters of every place of the jurisdiction (disputes/posters.py).
    NavItem(
        "posters",
        _("码上办二维码"),
        "disputes-posters",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER}),
        group="citizen",
    ),
    NavItem(
        "regions",
        _("区划与网格"),
        "governance-regions",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER, R.GRID_WORKER}),
        group="grids",
    ),
    NavItem(
        "units",
        _("单位与人员"),
        "governance-units",
        frozenset({R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.LEADER, R.SYSADMIN, R.SECURITY_ADMIN}),
    ),
    NavItem("accounts", _("账号管理"), "admin:governance_user_changelist", frozenset({R.SECURITY_ADMIN})),
    NavItem("config", _("系统配置"), "admin:index", frozenset({R.SYSADMIN})),
    NavItem("audit", _("安全审计"), "governance-audit", frozenset({R.AUDITOR, R.SECURITY_ADMIN})),
)
NAV_BY_KEY = {item.key: item for item in NAV_ITEMS}


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.role_codes & item.roles]


def menu_for(user) -> list[NavItem | NavGroup]:
    """The menu in order: a group becomes a drop-down where it has two or more entries for this
    person, and a plain entry where it has one."""
    items = items_for(user)
    menu: list[NavItem | NavGroup] = []
    for item in items:
        if not item.group:
            menu.append(item)
            continue
        members = tuple(i for i in items if i.group == item.group)
        if len(members) == 1:
            menu.append(item)
        elif members[0] is item:
            menu.append(NavGroup(item.group, GROUPS[item.group], members))
    return menu
