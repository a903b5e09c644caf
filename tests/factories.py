"""A small county for tests: 甲镇 (where the personas work) and 乙镇 (where the outsider works)."""

from __future__ import annotations

from dataclasses import dataclass

from governance.models import Role, Unit, User
from governance.services import ensure_role_groups
from grids.models import Grid, Region

PASSWORD = "Test#Pass2026"


@dataclass
class Org:
    county: Region
    town_a: Region
    town_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region
    county_center: Unit
    center_a: Unit
    center_b: Unit
    police_a: Unit
    mediation_a: Unit
    users: dict[str, User]

    def __getitem__(self, persona: str) -> User:
        return self.users[persona]


def region(code: str, name: str, level: str, kind: str, parent: Region | None = None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, kind=kind, parent=parent)


def make_user(username: str, role: str | None, unit: Unit | None, **extra) -> User:
    groups = ensure_role_groups()
    extra.setdefault("must_change_password", False)
    user = User.objects.create_user(username=username, password=PASSWORD, unit=unit, full_name=username, **extra)
    if role:
        user.groups.add(groups[role])
    return user


# Hashing strength is not under test; the password rules are (validators, not hashers).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def restore_reference_data() -> None:
    """Reload the rows the data migrations load: a transactional test's flush removed them."""
    from disputes.models import Category, RiskLevel, StageLimit, StatutoryLimit, TimeLimitRule
    from disputes.reference import load_reference_data, load_time_limits
    from governance.indicator_data import load_indicators, load_weights_and_bands
    from governance.models import Indicator, ReportColumn, ReportForm, ReportRow, ScoreBand
    from governance.report_data import load_report_forms

    load_reference_data(Category, RiskLevel)
    load_time_limits(StatutoryLimit, TimeLimitRule, StageLimit, RiskLevel)
    load_indicators(Indicator)
    load_weights_and_bands(Indicator, ScoreBand)
    load_report_forms(ReportForm, ReportRow, ReportColumn)


def build_org() -> Org:
    restore_reference_data()
    L, K = Region.Level, Region.Kind
    county = region("990101000000", "示范县", L.COUNTY, K.COUNTY)
    town_a = region("990101001000", "甲镇", L.TOWNSHIP, K.TOWN, county)
    town_b = region("990101002000", "乙镇", L.TOWNSHIP, K.TOWN, county)
    village_a1 = region("990101001001", "甲镇一村", L.VILLAGE, K.VILLAGE, town_a)
    village_a2 = region("990101001002", "甲镇二村", L.VILLAGE, K.VILLAGE, town_a)
    village_b1 = region("990101002001", "乙镇一村", L.VILLAGE, K.VILLAGE, town_b)
    for village in (village_a1, village_a2, village_b1):
        for n in (1, 2):
            Grid.objects.create(code=f"{village.code}{n:03d}", name=f"{village.name}第{n}网格", village=village)

    UK = Unit.Kind
    county_center = Unit.objects.create(code="C-CENTER", name="示范县综治中心", kind=UK.COUNTY_CENTER, region=county)
    county_lead = Unit.objects.create(code="C-LEAD", name="示范县委县政府", kind=UK.LEADERSHIP, region=county)
    center_a = Unit.objects.create(code="A-CENTER", name="甲镇综治中心", kind=UK.TOWNSHIP_CENTER, region=town_a)
    center_b = Unit.objects.create(code="B-CENTER", name="乙镇综治中心", kind=UK.TOWNSHIP_CENTER, region=town_b)
    lead_a = Unit.objects.create(code="A-LEAD", name="甲镇党委政府", kind=UK.LEADERSHIP, region=town_a)
    police_a = Unit.objects.create(
        code="A-POLICE", name="甲镇派出所", kind=UK.DEPARTMENT, sector=Unit.Sector.POLICE, region=town_a
    )
    mediation_a = Unit.objects.create(code="A-MED", name="甲镇人民调解委员会", kind=UK.MEDIATION, region=town_a)
    village_unit = Unit.objects.create(code="A1-VC", name="甲镇一村村民委员会", kind=UK.VILLAGE, region=village_a1)

    R = Role
    users = {
        "county_officer": make_user("county_officer", R.COUNTY_STAFF, county_center),
        "township_officer": make_user("township_officer", R.TOWNSHIP_STAFF, center_a),
        "police": make_user("police", R.HANDLER, police_a),
        "mediator": make_user("mediator", R.MEDIATOR, mediation_a),
        "grid_worker": make_user("grid_worker", R.GRID_WORKER, village_unit),
        "leader": make_user("leader", R.LEADER, county_lead),
        "township_leader": make_user("township_leader", R.LEADER, lead_a),
        "outsider": make_user("outsider", R.TOWNSHIP_STAFF, center_b),
        "sysadmin": make_user("sysadmin", R.SYSADMIN, county_center, is_staff=True),
        "security_admin": make_user("security_admin", R.SECURITY_ADMIN, county_center, is_staff=True),
        "auditor": make_user("auditor", R.AUDITOR, county_center, is_staff=True),
    }
    Grid.objects.get(code=f"{village_a1.code}001").workers.add(users["grid_worker"])
    return Org(
        county,
        town_a,
        town_b,
        village_a1,
        village_a2,
        village_b1,
        county_center,
        center_a,
        center_b,
        police_a,
        mediation_a,
        users,
    )


PERSONAS = (
    "county_officer",
    "township_officer",
    "police",
    "mediator",
    "grid_worker",
    "leader",
    "township_leader",
    "outsider",
    "sysadmin",
    "security_admin",
    "auditor",
)
