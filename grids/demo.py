"""The demo county 示范县: a fictional county with the shape of a real one (GB/T 2260-style codes
under the unused province code 99, so they can never clash with a real division)."""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history

from grids.models import Grid, Region

COUNTY_CODE = "990101"
COUNTY_NAME = "示范县"

# (name, kind); 街道 hold 社区, 镇 and 乡 hold 村 (the seat of a 镇 has two 社区 too).
TOWNSHIPS: tuple[tuple[str, str], ...] = (
    ("城关镇", Region.Kind.TOWN),
    ("新华街道", Region.Kind.SUBDISTRICT),
    ("东城街道", Region.Kind.SUBDISTRICT),
    ("青山镇", Region.Kind.TOWN),
    ("白沙镇", Region.Kind.TOWN),
    ("石桥镇", Region.Kind.TOWN),
    ("柳河镇", Region.Kind.TOWN),
    ("龙泉镇", Region.Kind.TOWN),
    ("凤凰镇", Region.Kind.TOWN),
    ("清水镇", Region.Kind.TOWN),
    ("马坪乡", Region.Kind.TOWNSHIP),
    ("桃源乡", Region.Kind.TOWNSHIP),
)
VILLAGES_PER_TOWNSHIP = 13
GRIDS_PER_VILLAGE = 3

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_PLACES = (
    "家庄",
    "家湾",
    "家坪",
    "家寨",
    "岭",
    "家桥",
    "家坝",
    "家冲",
    "家沟",
    "家店",
    "家营",
    "家岗",
    "家院",
)
_COMMUNITIES = (
    "文昌",
    "和平",
    "建设",
    "人民",
    "解放",
    "幸福",
    "向阳",
    "光明",
    "振兴",
    "育才",
    "滨河",
    "金桥",
    "永安",
)
_NUMERALS = "一二三四五六七八九十"


def village_names(township_index: int, kind: str) -> list[tuple[str, str]]:
    """13 names for one township, distinct within it, the same on every run."""
    if kind == Region.Kind.SUBDISTRICT:
        return [(f"{_COMMUNITIES[j]}社区", Region.Kind.COMMUNITY) for j in range(VILLAGES_PER_TOWNSHIP)]
    names: list[tuple[str, str]] = []
    if kind == Region.Kind.TOWN:
        names = [(f"{_COMMUNITIES[township_index % 7 + j]}社区", Region.Kind.COMMUNITY) for j in range(2)]
    j = 0
    while len(names) < VILLAGES_PER_TOWNSHIP:
        surname = _SURNAMES[(township_index * 3 + j) % len(_SURNAMES)]
        place = _PLACES[(township_index + j * 5) % len(_PLACES)]
        names.append((f"{surname}{place}村", Region.Kind.VILLAGE))
        j += 1
    return names


def grid_name(village: Region, number: int) -> str:
    numeral = _NUMERALS[number - 1] if number <= len(_NUMERALS) else str(number)
    return f"{village.name}第{numeral}网格"


def seed_regions(*, scale: int = 1) -> Region:
    """Create what is missing of the county, its townships, villages and grids; return the county."""
    county, _created = Region.objects.get_or_create(
        code=f"{COUNTY_CODE}000000",
        defaults={"name": COUNTY_NAME, "level": Region.Level.COUNTY, "kind": Region.Kind.COUNTY},
    )
    existing = set(Region.objects.within(county).values_list("code", flat=True))
    townships = []
    for i, (name, kind) in enumerate(TOWNSHIPS, start=1):
        code = f"{COUNTY_CODE}{i:03d}000"
        if code not in existing:
            townships.append(Region(code=code, name=name, level=Region.Level.TOWNSHIP, kind=kind, parent=county))
    bulk_create_with_history(townships, Region)

    by_code = {r.code: r for r in Region.objects.within(county).townships()}
    villages = []
    for i, (_name, kind) in enumerate(TOWNSHIPS, start=1):
        township = by_code[f"{COUNTY_CODE}{i:03d}000"]
        for j, (name, village_kind) in enumerate(village_names(i, kind), start=1):
            code = f"{COUNTY_CODE}{i:03d}{j:03d}"
            if code not in existing:
                villages.append(
                    Region(code=code, name=name, level=Region.Level.VILLAGE, kind=village_kind, parent=township)
                )
    bulk_create_with_history(villages, Region)

    existing_grids = set(Grid.objects.within(county).values_list("code", flat=True))
    grids = []
    for village in Region.objects.within(county).villages():
        for n in range(1, GRIDS_PER_VILLAGE * scale + 1):
            code = f"{village.code}{n:03d}"
            if code not in existing_grids:
                grids.append(Grid(code=code, name=grid_name(village, n), village=village))
    bulk_create_with_history(grids, Grid, batch_size=1000)
    return county
