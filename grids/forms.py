"""Forms for grid and grid-worker management and the batch import. They validate and clean what
a person typed, offering only choices within the person's jurisdiction; grids/services.py writes."""

from __future__ import annotations

import json
from numbers import Real
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.forms import ChineseErrorsMixin
from governance.models import User
from governance.scoping import jurisdiction
from governance.uploads import XLSX, sniff
from governance.validators import validate_phone
from grids.models import Grid, GridWorker, Region
from grids.services import USERNAME_RE, grid_code_error

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

# China's rough extent (Mohe to Zengmu Ansha, Pamirs to Fuyuan): a boundary outside it was
# most likely pasted as [lat, lng] or in projected metres.
LNG_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)
MAX_BOUNDARY_CHARS = 500_000


def _position_error(position: Any, where: str) -> str | None:
    if not isinstance(position, list) or len(position) not in (2, 3):
        return _("%(where)s应为 [经度, 纬度] 两个数字。") % {"where": where}
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in position):
        return _("%(where)s应为 [经度, 纬度] 两个数字。") % {"where": where}
    lng, lat = position[0], position[1]
    if not (LNG_RANGE[0] <= lng <= LNG_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        return _(
            "%(where)s [%(lng)s, %(lat)s] 不在我国经纬度范围内（东经73°–136°，北纬3°–54°）；"
            "请确认按 [经度, 纬度] 的顺序填写，且使用经纬度（WGS-84/CGCS2000）而非投影坐标。"
        ) % {"where": where, "lng": lng, "lat": lat}
    return None


def _polygon_errors(rings: Any, prefix: str) -> list[str]:
    if not isinstance(rings, list) or not rings:
        return [_("%(p)s坐标应为由一个或多个环组成的数组。") % {"p": prefix}]
    errors = []
    for r, ring in enumerate(rings, start=1):
        where_ring = _("%(p)s第 %(r)d 个环") % {"p": prefix, "r": r}
        if not isinstance(ring, list) or len(ring) < 4:
            errors.append(_("%(w)s至少需要4个点（首尾为同一点）。") % {"w": where_ring})
            continue
        for n, position in enumerate(ring, start=1):
            error = _position_error(position, _("%(w)s的第 %(n)d 个点") % {"w": where_ring, "n": n})
            if error:
                errors.append(error)
                break
        else:
            if ring[0][:2] != ring[-1][:2]:
                errors.append(_("%(w)s没有闭合：最后一个点应与第一个点相同。") % {"w": where_ring})
    return errors


def validate_boundary(value: Any) -> dict | None:
    """A GeoJSON Polygon or MultiPolygon in longitude/latitude within China; a Feature (or a
    FeatureCollection of one Feature), as map tools export it, is unwrapped to its geometry.
    Returns the geometry to store."""
    if value is None:
        return None
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValidationError(_("FeatureCollection 中应只有一个要素（一个网格的边界）。"))
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _("边界应为 GeoJSON 的 Polygon（多边形）或 MultiPolygon（多个多边形），例如 %(example)s。")
            % {
                "example": '{"type": "Polygon", "coordinates": '
                "[[[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.90]]]}"
            }
        )
    coordinates = value.get("coordinates")
    if value["type"] == "Polygon":
        errors = _polygon_errors(coordinates, "")
    elif not isinstance(coordinates, list) or not coordinates:
        errors = [_("MultiPolygon 的坐标应为由一个或多个多边形组成的数组。")]
    else:
        errors = []
        for p, polygon in enumerate(coordinates, start=1):
            errors += _polygon_errors(polygon, _("第 %(p)d 个多边形的") % {"p": p})
    if errors:
        raise ValidationError(errors[:5])
    return {"type": value["type"], "coordinates": coordinates}


class BoundaryField(forms.JSONField):
    """A textarea of GeoJSON; a parse error is told with its line and column."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "class": "font-monospace small"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > MAX_BOUNDARY_CHARS:
                raise ValidationError(
                    _("边界数据过长（超过 %(n)d 个字符），请简化边界后再粘贴。") % {"n": MAX_BOUNDARY_CHARS}
                )
            if value.strip():
                try:
                    json.loads(value)
                except json.JSONDecodeError as error:
                    raise ValidationError(
                        _(
                            "边界不是有效的 JSON：第 %(line)d 行第 %(col)d 列附近有格式错误"
                            "（注意使用英文的引号、逗号和方括号）。"
                        )
                        % {"line": error.lineno, "col": error.colno}
                    ) from None
        return super().to_python(value)

    def clean(self, value: Any) -> Any:
        return validate_boundary(super().clean(value))


def jurisdiction_villages(user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).villages().select_related("parent").order_by("code")


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name if obj.parent else ''} {obj.name}（{obj.code}）".strip()


class GridChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.name}（{obj.code}）"


class GridForm(ChineseErrorsMixin, forms.ModelForm):
    village = VillageChoiceField(label=gettext_lazy("所属村（社区）"), queryset=Region.objects.none())
    households = forms.IntegerField(label=gettext_lazy("户数"), min_value=0, max_value=10_000_000, initial=0)
    population = forms.IntegerField(label=gettext_lazy("人口"), min_value=0, max_value=10_000_000, initial=0)
    boundary = BoundaryField(
        label=gettext_lazy("边界（GeoJSON，选填）"),
        required=False,
        help_text=gettext_lazy(
            "粘贴 GeoJSON 的 Polygon 或 MultiPolygon，坐标按 [经度, 纬度] 填写，环的首尾为同一点。"
            "暂不支持在地图上绘制，可用测绘或地图工具导出后粘贴。"
        ),
    )

    class Meta:
        model = Grid
        fields = ["village", "code", "name", "kind", "households", "population", "is_active", "boundary"]
        widgets = {"code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 15})}
        help_texts = {"code": gettext_lazy("所属村（社区）12位区划代码 + 3位序号，共15位数字，如 990101001001001。")}
        error_messages = {
            "code": {"unique": gettext_lazy("该网格编码已被其他网格使用，请换一个序号。")},
            "name": {"max_length": gettext_lazy("网格名称不能超过60个字。")},
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = jurisdiction_villages(user)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))

    def clean(self) -> dict:
        data = super().clean()
        village, code = data.get("village"), data.get("code")
        if village is not None and code and "code" not in self.errors:
            error = grid_code_error(code, village)
            if error:
                self.add_error("code", error)
        return data


def _drop_single_township(form: forms.Form, user: User) -> None:
    """Township staff work in one township: a township filter would offer only it."""
    region = jurisdiction(user)
    if region is None or region.level != Region.Level.COUNTY:
        del form.fields["township"]


class GridFilterForm(ChineseErrorsMixin, forms.Form):
    township = forms.ModelChoiceField(
        label=gettext_lazy("镇（街道）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    village = VillageChoiceField(
        label=gettext_lazy("村（社区）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    q = forms.CharField(label=gettext_lazy("网格名称或编码"), required=False, max_length=60)
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("active", gettext_lazy("启用")), ("inactive", gettext_lazy("停用"))],
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Region.objects.visible_to(user).townships().order_by("code")
        self.fields["village"].queryset = jurisdiction_villages(user)
        _drop_single_township(self, user)

    def filter(self, grids: QuerySet[Grid]) -> QuerySet[Grid]:
        if not self.is_bound or not self.is_valid():
            return grids
        data = self.cleaned_data
        if data.get("township"):
            grids = grids.within(data["township"])
        if data["village"]:
            grids = grids.filter(village=data["village"])
        if query := data["q"].strip():
            grids = grids.filter(Q(name__contains=query) | Q(code__startswith=query))
        if data["status"]:
            grids = grids.filter(is_active=data["status"] == "active")
        return grids


class WorkerFields(ChineseErrorsMixin, forms.Form):
    """What a grid worker's create and edit forms share."""

    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=40)
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)
    employment = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=GridWorker.Employment.choices,
        initial=GridWorker.Employment.FULL_TIME,
        widget=forms.RadioSelect,
    )
    grids = GridChoiceField(
        label=gettext_lazy("负责网格"),
        queryset=Grid.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个负责网格。")},
    )

    def __init__(self, *args, user: User, worker: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Active grids, and those the worker already covers (so saving does not drop a grid
        # that was switched off meanwhile).
        offered = (
            Q(is_active=True) | Q(pk__in=Grid.objects.filter(workers=worker).values("pk"))
            if worker
            else Q(is_active=True)
        )
        self.fields["grids"].queryset = (
            Grid.objects.visible_to(user).filter(offered).select_related("village__parent").order_by("code")
        )
        self.fields["grids"].error_messages["required"] = _("请至少选择一个负责网格。")

    def clean_phone(self) -> str:
        return validate_phone(self.cleaned_data["phone"])


class WorkerCreateForm(WorkerFields):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        help_text=gettext_lazy("登录用的账号名：字母、数字或 @ . + - _。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    village = VillageChoiceField(
        label=gettext_lazy("所在村（社区）"),
        queryset=Region.objects.none(),
        help_text=gettext_lazy(
            "账号归属该村（社区）的村（居）委会；没有村（居）委会单位的，归属所在镇（街道）综治中心。"
        ),
    )
    field_order = ["username", "full_name", "phone", "employment", "village", "grids"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["village"].queryset = jurisdiction_villages(user)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not USERNAME_RE.match(username):
            raise ValidationError(_("用户名只能包含字母、数字和 @ . + - _ 符号。"))
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("用户名 %(u)s 已被使用，请换一个。") % {"u": username})
        return username


class WorkerEditForm(WorkerFields):
    is_active = forms.BooleanField(
        label=gettext_lazy("在岗"),
        required=False,
        help_text=gettext_lazy("取消勾选即为离岗：账号随之停用，不能再登录。"),
    )
    field_order = ["full_name", "phone", "employment", "is_active", "grids"]

    def __init__(self, *args, user: User, worker: User, **kwargs) -> None:
        super().__init__(*args, user=user, worker=worker, **kwargs)
        # A worker may be taken off every grid here (e.g. while on leave).
        self.fields["grids"].required = False


class WorkerFilterForm(ChineseErrorsMixin, forms.Form):
    township = forms.ModelChoiceField(
        label=gettext_lazy("镇（街道）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    q = forms.CharField(label=gettext_lazy("姓名、用户名或手机号码"), required=False, max_length=60)
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("active", gettext_lazy("在岗")), ("inactive", gettext_lazy("离岗"))],
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Region.objects.visible_to(user).townships().order_by("code")
        _drop_single_township(self, user)

    def filter(self, workers: QuerySet[User]) -> QuerySet[User]:
        if not self.is_bound or not self.is_valid():
            return workers
        data = self.cleaned_data
        if data.get("township"):
            workers = workers.filter(unit__region__code__startswith=data["township"].prefix)
        if query := data["q"].strip():
            workers = workers.filter(
                Q(full_name__contains=query) | Q(username__icontains=query) | Q(phone__contains=query)
            )
        if data["status"]:
            workers = workers.filter(is_active=data["status"] == "active")
        return workers


class ImportForm(ChineseErrorsMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": gettext_lazy("请选择要上传的文件。"), "empty": gettext_lazy("上传的文件是空的。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = _("请选择要上传的文件。")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _("只能上传 .xlsx 格式的 Excel 文件；.xls 或 .et 文件请在 Excel/WPS 中“另存为” .xlsx 后再上传。")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("文件不能超过 5 MB（本文件 %(size).1f MB），请分成几个文件导入。")
                % {"size": upload.size / 1024 / 1024}
            )
        # The content must be an Excel workbook of bounded size unpacked (a zip bomb is refused here,
        # before openpyxl unpacks anything).
        unreadable = _("无法读取该文件：请确认是用 Excel 或 WPS 保存的 .xlsx 文件，没有加密，也没有损坏。")
        try:
            sniff(upload, {XLSX}, unreadable)
        except ValidationError as error:
            raise ValidationError(unreadable) if error.code in ("corrupt", "not_office") else error from None
        return upload
