"""Grid and grid-worker management, batch import. Township staff manage their township's grids,
county staff the county's: every query goes through `visible_to` / `worker_queryset`, so another
township's grid or worker is a 404."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from governance.models import User
from governance.scoping import jurisdiction
from governance.views import nav_required
from grids import services
from grids.forms import GridFilterForm, GridForm, ImportForm, WorkerCreateForm, WorkerEditForm, WorkerFilterForm
from grids.imports import UnreadableWorkbook, build_template, read_workbook
from grids.models import Grid, GridWorker

PAGE_SIZE = 50


def _attach_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _shown_once(response: HttpResponse) -> HttpResponse:
    """A page with a one-time password: never kept by the browser or a proxy."""
    add_never_cache_headers(response)
    response.headers["Cache-Control"] += ", no-store"
    return response


@nav_required("grids")
def grid_list(request: HttpRequest) -> HttpResponse:
    form = GridFilterForm(request.GET or None, user=request.user)
    workers = User.objects.only("id", "username", "full_name").order_by("full_name", "username")
    grids = (
        form.filter(Grid.objects.visible_to(request.user))
        .select_related("village__parent")
        .annotate(worker_count=Count("workers"))
        .prefetch_related(Prefetch("workers", queryset=workers))
        .order_by("code")
    )
    page = Paginator(grids, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grids/grid_list.html", {"page": page, "form": form, "region": jurisdiction(request.user)})


def _grid_form(request: HttpRequest, grid: Grid) -> HttpResponse:
    form = GridForm(request.POST if request.method == "POST" else None, instance=grid, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            grid = services.save_grid(grid=form.save(commit=False), by=request.user)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("网格“%(name)s”（%(code)s）已保存。") % {"name": grid.name, "code": grid.code})
            return redirect("grids-list")
    villages = {str(v.pk): v.code for v in form.fields["village"].queryset}
    return render(request, "grids/grid_form.html", {"form": form, "grid": grid, "village_codes": villages})


@nav_required("grids")
def grid_create(request: HttpRequest) -> HttpResponse:
    return _grid_form(request, Grid())


@nav_required("grids")
def grid_edit(request: HttpRequest, code: str) -> HttpResponse:
    grid = get_object_or_404(Grid.objects.visible_to(request.user).select_related("village"), code=code)
    return _grid_form(request, grid)


@nav_required("grids")
def worker_list(request: HttpRequest) -> HttpResponse:
    form = WorkerFilterForm(request.GET or None, user=request.user)
    grids = Grid.objects.only("id", "code", "name").order_by("code")
    workers = (
        form.filter(services.worker_queryset(request.user))
        .select_related("unit", "grid_worker")
        .annotate(grid_count=Count("grids", distinct=True))
        .prefetch_related(Prefetch("grids", queryset=grids))
        .order_by("unit__region__code", "full_name", "username")
    )
    page = Paginator(workers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grids/worker_list.html", {"page": page, "form": form, "region": jurisdiction(request.user)})


@nav_required("grids")
def worker_create(request: HttpRequest) -> HttpResponse:
    form = WorkerCreateForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            worker, password = services.create_grid_worker(
                data=services.NewWorker(
                    username=data["username"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    employment=data["employment"],
                    village=data["village"],
                    grids=list(data["grids"]),
                ),
                by=request.user,
            )
        except ValidationError as error:
            _attach_errors(form, error)
        except IntegrityError:
            form.add_error("username", _("用户名 %(u)s 刚被他人使用，请换一个。") % {"u": data["username"]})
        else:
            return _shown_once(render(request, "grids/worker_created.html", {"worker": worker, "password": password}))
    return render(request, "grids/worker_form.html", {"form": form, "worker": None})


@nav_required("grids")
def worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    worker = get_object_or_404(services.worker_queryset(request.user).select_related("unit", "grid_worker"), pk=pk)
    profile = GridWorker.objects.filter(user=worker).first()
    initial = {
        "full_name": worker.full_name,
        "phone": (profile.phone if profile else "") or worker.phone,
        "employment": profile.employment if profile else GridWorker.Employment.FULL_TIME,
        "is_active": profile.is_active if profile else worker.is_active,
        "grids": Grid.objects.visible_to(request.user).filter(workers=worker),
    }
    posted = request.POST if request.method == "POST" else None
    form = WorkerEditForm(posted, initial=initial, user=request.user, worker=worker)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_grid_worker(
                worker=worker,
                by=request.user,
                full_name=data["full_name"],
                phone=data["phone"],
                employment=data["employment"],
                is_active=data["is_active"],
                grids=list(data["grids"]),
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("网格员“%(name)s”的信息已保存。") % {"name": data["full_name"]})
            return redirect("grids-workers")
    other_grids = worker.grids.exclude(pk__in=Grid.objects.visible_to(request.user).values("pk"))
    return render(request, "grids/worker_form.html", {"form": form, "worker": worker, "other_grids": other_grids})


@nav_required("grids")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    check = None
    if request.method == "POST" and form.is_valid():
        try:
            check = read_workbook(form.cleaned_data["file"], request.user)
        except UnreadableWorkbook:
            form.add_error(
                "file", _("无法读取该文件：请确认是用 Excel 或 WPS 保存的 .xlsx 文件，没有加密，也没有损坏。")
            )
        else:
            if check.ok and check.empty:
                form.add_error("file", _("文件中没有要导入的数据：请从第3行起填写“网格”或“网格员”工作表。"))
            elif check.ok:
                try:
                    result = services.import_grids_and_workers(
                        grids=check.grids, workers=check.workers, by=request.user
                    )
                except (ValidationError, IntegrityError, PermissionDenied):
                    form.add_error(
                        None,
                        _("导入时数据已被他人修改（例如用户名刚被占用），本次未导入任何数据，请重新上传。"),
                    )
                else:
                    context = {"result": result, "check": check}
                    return _shown_once(render(request, "grids/import_result.html", context))
    return render(request, "grids/import_upload.html", {"form": form, "check": check})


@nav_required("grids")
def import_template(request: HttpRequest) -> FileResponse:
    return FileResponse(
        BytesIO(build_template(request.user)),
        as_attachment=True,
        filename=_("网格及网格员导入模板.xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
