"""Units and demo logins of the demo county (see grids/demo.py for its regions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from governance.models import Role, Unit, User
from governance.services import ensure_role_groups
from grids.models import Grid, Region

DEMO_PASSWORD = "Shifan@2026"

K, S = Unit.Kind, Unit.Sector
COUNTY_DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    # (code suffix, name, kind, sector)
    ("COURT", "示范县人民法院", K.DEPARTMENT, S.COURT),
    ("PROCURATORATE", "示范县人民检察院", K.DEPARTMENT, S.PROCURATORATE),
    ("POLICE", "示范县公安局", K.DEPARTMENT, S.POLICE),
    ("JUSTICE", "示范县司法局", K.DEPARTMENT, S.JUSTICE),
    ("GRID", "示范县网格化服务管理中心", K.DEPARTMENT, S.GRID),
    ("ONLINE", "示范县“码上办”社会治理线上平台", K.DEPARTMENT, S.ONLINE),
    ("PETITION", "示范县信访局", K.DEPARTMENT, S.PETITION),
    ("HRSS", "示范县人力资源和社会保障局", K.DEPARTMENT, S.HUMAN_RESOURCES),
    ("HOUSING", "示范县住房和城乡建设局", K.DEPARTMENT, S.HOUSING),
    ("LAND", "示范县自然资源局", K.DEPARTMENT, S.NATURAL_RESOURCES),
    ("HEALTH", "示范县卫生健康局", K.DEPARTMENT, S.HEALTH),
    ("MARKET", "示范县市场监督管理局", K.DEPARTMENT, S.MARKET),
    ("AGRI", "示范县农业农村局", K.DEPARTMENT, S.AGRICULTURE),
    ("TRANSPORT", "示范县交通运输局", K.DEPARTMENT, S.TRANSPORT),
    ("CIVIL", "示范县民政局", K.DEPARTMENT, S.CIVIL_AFFAIRS),
    ("EDU", "示范县教育局", K.DEPARTMENT, S.EDUCATION),
    ("WOMEN", "示范县妇女联合会", K.DEPARTMENT, S.WOMEN),
    ("UNION", "示范县总工会", K.DEPARTMENT, S.LABOUR_UNION),
    # 行业性专业性人民调解委员会 and studios serving the whole county.
    ("MED-HEALTH", "示范县医疗纠纷人民调解委员会", K.MEDIATION, S.HEALTH),
    ("MED-TRAFFIC", "示范县道路交通事故纠纷人民调解委员会", K.MEDIATION, S.TRANSPORT),
    ("MED-LABOUR", "示范县劳动争议人民调解委员会", K.MEDIATION, S.HUMAN_RESOURCES),
    ("MED-PROPERTY", "示范县物业纠纷人民调解委员会", K.MEDIATION, S.HOUSING),
    ("MED-FAMILY", "示范县婚姻家庭纠纷人民调解委员会", K.MEDIATION, S.WOMEN),
    ("MED-COURT", "示范县人民法院诉前调解中心", K.MEDIATION, S.COURT),
    ("MED-LAWYER", "示范县律师调解工作室", K.MEDIATION, S.JUSTICE),
)
# Per township: its center, leadership, police station, justice office, mediation committee.
TOWNSHIP_UNITS: tuple[tuple[str, str, str, str, str], ...] = (
    # (code suffix, name pattern, kind, sector, parent code suffix at county level)
    ("CENTER", "{t}综治中心", K.TOWNSHIP_CENTER, "", "CENTER"),
    ("LEAD", "{t}党（工）委、政府（办事处）", K.LEADERSHIP, "", "LEAD"),
    ("POLICE", "{short}派出所", K.DEPARTMENT, S.POLICE, "POLICE"),
    ("JUSTICE", "{short}司法所", K.DEPARTMENT, S.JUSTICE, "JUSTICE"),
    ("MED", "{t}人民调解委员会", K.MEDIATION, S.JUSTICE, "JUSTICE"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    unit_code: str | None
    title: str
    is_unit_head: bool = False


def demo_logins(county: Region) -> tuple[DemoLogin, ...]:
    c = county.prefix
    t = f"{c}001"  # 城关镇
    return (
        DemoLogin("county", "陈立华", Role.COUNTY_STAFF, f"{c}-CENTER", "县综治中心受理员"),
        DemoLogin("township", "李秀梅", Role.TOWNSHIP_STAFF, f"{t}-CENTER", "镇综治中心专职工作人员"),
        DemoLogin("police", "王建国", Role.HANDLER, f"{t}-POLICE", "社区民警"),
        DemoLogin("polhead", "马振华", Role.HANDLER, f"{t}-POLICE", "派出所所长", is_unit_head=True),
        DemoLogin("mediator", "赵德明", Role.MEDIATOR, f"{t}-MED", "专职人民调解员"),
        DemoLogin("gridworker", "刘小芳", Role.GRID_WORKER, f"{t}001-VC", "专职网格员"),
        DemoLogin("leader", "周国强", Role.LEADER, f"{c}-LEAD", "县委常委、政法委书记"),
        DemoLogin("tleader", "孙志刚", Role.LEADER, f"{t}-LEAD", "镇党委副书记、政法委员"),
        DemoLogin("sysadmin", "吴运维", Role.SYSADMIN, f"{c}-CENTER", "系统管理员"),
        DemoLogin("secadmin", "郑安全", Role.SECURITY_ADMIN, f"{c}-CENTER", "安全管理员"),
        DemoLogin("auditor", "钱审计", Role.AUDITOR, f"{c}-CENTER", "审计管理员"),
    )


def _short(township: Region) -> str:
    for suffix in ("街道", "镇", "乡"):
        if township.name.endswith(suffix):
            return township.name[: -len(suffix)]
    return township.name


def seed_units(county: Region) -> None:
    c = county.prefix
    wanted: list[Unit] = [
        Unit(code=f"{c}-CENTER", name=f"{county.name}综治中心", kind=K.COUNTY_CENTER, region=county),
        Unit(
            code=f"{c}-LEAD",
            name=f"中共{county.name}委、{county.name}人民政府",
            kind=K.LEADERSHIP,
            region=county,
        ),
    ]
    wanted += [
        Unit(code=f"{c}-{code}", name=n, kind=k, sector=s, region=county) for code, n, k, s in COUNTY_DEPARTMENTS
    ]
    existing = set(Unit.objects.filter(code__startswith=c).values_list("code", flat=True))
    bulk_create_with_history([u for u in wanted if u.code not in existing], Unit)

    county_units = {u.code: u for u in Unit.objects.filter(region=county)}
    townships = list(Region.objects.within(county).townships())
    wanted = []
    for township in townships:
        for code, pattern, kind, sector, parent in TOWNSHIP_UNITS:
            wanted.append(
                Unit(
                    code=f"{township.prefix}-{code}",
                    name=pattern.format(t=township.name, short=_short(township)),
                    kind=kind,
                    sector=sector,
                    region=township,
                    parent=county_units[f"{c}-{parent}"],
                )
            )
    # A 人民法庭 for every third township, and one 个人调解工作室 named after its mediator.
    for township in townships[::3]:
        wanted.append(
            Unit(
                code=f"{township.prefix}-COURT",
                name=f"示范县人民法院{_short(township)}人民法庭",
                kind=K.DEPARTMENT,
                sector=S.COURT,
                region=township,
                parent=county_units[f"{c}-COURT"],
            )
        )
    wanted.append(
        Unit(
            code=f"{townships[0].prefix}-MED-STUDIO",
            name="老赵调解工作室",
            kind=K.MEDIATION,
            sector=S.JUSTICE,
            region=townships[0],
            parent=county_units[f"{c}-JUSTICE"],
        )
    )
    # Each village/community committee (村/居委会) is a unit: it reports and receives tasks.
    for village in Region.objects.within(county).villages().select_related("parent"):
        if village.kind == Region.Kind.COMMUNITY:
            committee = village.name.removesuffix("社区") + "社区居民委员会"
        else:
            committee = village.name + "民委员会"
        wanted.append(
            Unit(
                code=f"{village.code}-VC",
                name=f"{village.parent.name}{committee}",
                kind=K.VILLAGE,
                region=village,
            )
        )
    existing = set(Unit.objects.filter(code__startswith=c).values_list("code", flat=True))
    bulk_create_with_history([u for u in wanted if u.code not in existing], Unit, batch_size=500)


def seed_logins(county: Region, password: str = DEMO_PASSWORD) -> list[tuple[DemoLogin, User]]:
    groups = ensure_role_groups()
    units = {u.code: u for u in Unit.objects.filter(code__in=[d.unit_code for d in demo_logins(county)])}
    result = []
    for demo in demo_logins(county):
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "full_name": demo.full_name,
                    "unit": units.get(demo.unit_code),
                    "title": demo.title,
                    "is_unit_head": demo.is_unit_head,
                    "phone": "",
                    # Demo accounts skip the forced first change so the demo opens straight away.
                    "must_change_password": False,
                    "is_staff": demo.role in {Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR},
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
                user.groups.add(groups[demo.role])
        result.append((demo, user))
    gridworker = next(user for demo, user in result if demo.role == Role.GRID_WORKER)
    first_grid = Grid.objects.filter(village=gridworker.unit.region).order_by("code").first()
    if first_grid is not None and not first_grid.workers.filter(pk=gridworker.pk).exists():
        first_grid.workers.add(gridworker)
    return result
