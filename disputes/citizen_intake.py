"""A citizen's own report (码上办 · 我要反映): the place of a poster, the plain words a citizen uses
for the category, the photos a citizen may send, and the submission itself, which becomes a case
waiting for acceptance (待受理) on the channel 网上/扫码 at the center of the place, through the
same intake as the desk's (disputes.services._create_case: duplicate warnings, key persons, flags).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import services
from disputes.citizen import case_code, display_code
from disputes.models import Attachment, Case, CaseCode, Category, Channel, Party
from governance.delivery import sms_gateway
from governance.models import Unit
from grids.models import Region

# The version of the privacy notice (templates/citizen/_privacy_notice.html) a citizen
# acknowledges; kept with the case's code. Change it whenever the notice's wording changes.
PRIVACY_NOTICE_VERSION = "2026-12"

# What a citizen calls the dispute → the Category the clerk would pick (disputes/reference.py).
# "" (说不清) leaves the category for the clerk to choose at acceptance.
PLAIN_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("neighbour", gettext_lazy("邻里纠纷"), "neighbourhood"),
    ("family", gettext_lazy("婚姻家庭"), "marriage_family"),
    ("land", gettext_lazy("土地山林"), "land_contract"),
    ("wages", gettext_lazy("劳资欠薪"), "labour"),
    ("debt", gettext_lazy("借钱欠债"), "private_lending"),
    ("property", gettext_lazy("小区物业"), "property_mgmt"),
    ("consumer", gettext_lazy("买东西、消费"), "consumer"),
    ("traffic", gettext_lazy("交通事故"), "traffic"),
    ("medical", gettext_lazy("看病就医"), "medical"),
    ("demolition", gettext_lazy("征地拆迁"), "expropriation"),
    ("pollution", gettext_lazy("环境污染"), "environment"),
    ("house", gettext_lazy("买房交房"), "housing_delivery"),
    ("other", gettext_lazy("其他"), "other"),
    ("unsure", gettext_lazy("说不清"), ""),
)
PLAIN_TO_CODE = {word: code for word, _label, code in PLAIN_CATEGORIES}


def report_places() -> list[Region]:
    """Every township and village of the county, in code order (the form's place select)."""
    return list(
        Region.objects.filter(level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE])
        .select_related("parent")
        .order_by("code")
    )


def poster_place(code: str) -> Region | None:
    """The place a poster's QR names (`?place=`): any region of the county, or None."""
    code = (code or "").strip()
    if len(code) != 12 or not code.isdigit():
        return None
    return Region.objects.filter(code=code).select_related("parent").first()


def from_county_poster(origin: str) -> bool:
    """The report came from the county center's own poster (its QR names the county)."""
    poster = poster_place(origin)
    return poster is not None and poster.level == Region.Level.COUNTY


def receiving_center(place: Region, *, via_county: bool = False) -> Unit | None:
    """Who takes a report in: the township center of the place; the county center for a report
    made from the county center's own poster, or where the township has no center."""
    county = Unit.objects.filter(kind=Unit.Kind.COUNTY_CENTER, is_active=True).first()
    if via_county or place.level == Region.Level.COUNTY:
        return county
    township = place if place.level == Region.Level.TOWNSHIP else place.parent
    center = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP_CENTER, region=township, is_active=True).first()
    return center or county


def check_photos(uploads: Sequence[UploadedFile]) -> None:
    if len(uploads) > settings.CITIZEN_PHOTOS_PER_REPORT:
        raise ValidationError(_("最多上传 %(n)d 张照片。") % {"n": settings.CITIZEN_PHOTOS_PER_REPORT}, code="too_many")
    for upload in uploads:
        services.check_citizen_photo(upload)


@dataclass
class OtherParty:
    """The other side, as far as the citizen knows it (every field optional)."""

    name: str = ""
    phone: str = ""
    address: str = ""


def submit_online_case(
    *,
    name: str,
    phone: str,
    place: Region,
    summary: str,
    plain_category: str,
    mediation: str,
    other: OtherParty | None = None,
    photos: Sequence[UploadedFile] = (),
    people_involved: int = 2,
    urgent: bool = False,
    via_county: bool = False,
    notice_version: str = PRIVACY_NOTICE_VERSION,
) -> Case:
    """网上/扫码: a citizen's report, the phone already proved by SMS code and the privacy notice
    acknowledged. A case in 待受理 at the center of the place, the citizen its applicant, the other
    party its respondent if named, the photos its attachments, its query code made; all or nothing.
    The query code goes to the citizen's phone once the case is saved."""
    if place.level == Region.Level.COUNTY:
        raise ValidationError({"place": _("请选择纠纷发生在哪个镇（街道）或村（社区）。")})
    if mediation not in CaseCode.Mediation.values:
        raise ValidationError({"mediation": _("请选择网上调解或到场调解。")})
    if plain_category not in PLAIN_TO_CODE:
        raise ValidationError({"category": _("所选项不存在或不可用，请重新选择。")})
    check_photos(photos)
    center = receiving_center(place, via_county=via_county)
    if center is None:
        raise ValidationError({"place": _("该地尚未设立综治中心，请拨打县综治中心电话反映。")})
    code = PLAIN_TO_CODE[plain_category]
    category = Category.objects.filter(code=code, is_active=True).first() if code else None
    parties = [services.PartyData(role=Party.Role.APPLICANT, name=name, phone=phone)]
    if other is not None and (other.name or other.phone or other.address):
        parties.append(
            services.PartyData(
                role=Party.Role.RESPONDENT,
                name=other.name or _("（姓名不详）"),
                phone=other.phone,
                address=other.address,
            )
        )
    village = place if place.level == Region.Level.VILLAGE else None
    data = services.IntakeData(
        channel=Channel.ONLINE,
        township=place.parent if village is not None else place,
        village=village,
        summary=summary,
        category=category,
        parties=parties,
        people_involved=people_involved,
        may_turn_criminal=urgent,
        attachments=[(photo, Attachment.Kind.PHOTO) for photo in photos],
    )
    with transaction.atomic():
        case = services.take_in_citizen_report(data=data, intake_unit=center)
        public = case_code(case, mediation=mediation, consented_at=timezone.now(), notice_version=notice_version)
        transaction.on_commit(lambda: send_query_code(phone, public.code))
    return case


def send_query_code(phone: str, code: str) -> None:
    """The query code by SMS, so the citizen keeps it even if the page is closed."""
    text = _(
        "【%(site)s】您反映的矛盾纠纷已提交，查询码 %(code)s。请凭查询码和本手机号在“矛盾纠纷·码上办”查询办理进度。"
    ) % {"site": settings.SITE_TITLE, "code": display_code(code)}
    sms_gateway().send(phone, text)
