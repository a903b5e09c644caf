"""Grids and grid workers: what saving a grid, creating or changing a grid worker, and a batch
import do. Each runs in one transaction, checks the person's jurisdiction itself (the forms
narrow the choices; this is the rule), and leaves history with the person as its author.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.accounts import current_request, record_account_created
from governance.management.commands.create_admins import temporary_password
from governance.models import Role, Unit, User
from governance.services import grant_role
from grids.models import Grid, GridWorker, Region, grid_code_error

if TYPE_CHECKING:
    from collections.abc import Iterable

# ---------------------------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------------------------

# Django's username rule (letters of any script, digits and @ . + - _).
USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")


def _check_village(village: Region, by: User) -> None:
    if not Region.objects.visible_to(by).villages().filter(pk=village.pk).exists():
        raise PermissionDenied(_("所选村（社区）不在您的管辖范围内。"))


def save_grid(*, grid: Grid, by: User) -> Grid:
    """Create or change a grid. Its village must be in the person's jurisdiction, and its code
    must nest under the village's code."""
    with transaction.atomic():
        _check_village(grid.village, by)
        error = grid_code_error(grid.code, grid.village)
        if error:
            raise ValidationError({"code": error})
        if grid.pk is not None and not Grid.objects.visible_to(by).filter(pk=grid.pk).exists():
            raise PermissionDenied(_("该网格不在您的管辖范围内。"))
        grid._history_user = by
        grid.save()
    return grid


# ---------------------------------------------------------------------------------------------
# Grid workers
# ---------------------------------------------------------------------------------------------


def worker_queryset(by: User):
    """Grid workers (accounts holding the role) whose unit lies in the person's jurisdiction."""
    from governance.scoping import region_q

    return User.objects.with_role(Role.GRID_WORKER).filter(region_q(by, "unit__region"))


def worker_units(villages: Iterable[Region]) -> dict[int, Unit | None]:
    """The unit a new grid worker of each village belongs to: the village committee (村/居委会),
    else the township center. Two queries whatever the number of villages."""
    villages = list(villages)
    if not villages:
        return {}
    committees = {}
    for unit in Unit.objects.filter(kind=Unit.Kind.VILLAGE, region__in=villages, is_active=True).order_by("code"):
        committees.setdefault(unit.region_id, unit)
    centers = {}
    township_ids = {v.parent_id for v in villages}
    for unit in Unit.objects.filter(
        kind=Unit.Kind.TOWNSHIP_CENTER, region_id__in=township_ids, is_active=True
    ).order_by("code"):
        centers.setdefault(unit.region_id, unit)
    return {v.pk: committees.get(v.pk) or centers.get(v.parent_id) for v in villages}


def no_unit_message(village: Region) -> str:
    return _("%(village)s 没有村（居）委会单位，所在镇（街道）也没有综治中心单位，请先请系统管理员建立单位。") % {
        "village": village.name
    }


def set_worker_grids(*, worker: User, grids: Iterable[Grid], by: User) -> None:
    """The grids `worker` covers within the person's jurisdiction become exactly `grids`; grids
    outside it are left as they are. Changed from the grid's side, so each grid's history
    (which tracks `workers`) records the change and its author."""
    scope = Grid.objects.visible_to(by)
    wanted = {g.pk: g for g in grids}
    if scope.filter(pk__in=wanted).count() != len(wanted):
        raise PermissionDenied(_("所选网格不在您的管辖范围内。"))
    current = {g.pk: g for g in scope.filter(workers=worker)}
    for pk in wanted.keys() - current.keys():
        grid = wanted[pk]
        grid._history_user = by
        grid.workers.add(worker)
    for pk in current.keys() - wanted.keys():
        grid = current[pk]
        grid._history_user = by
        grid.workers.remove(worker)


@dataclass(frozen=True)
class NewWorker:
    username: str
    full_name: str
    phone: str
    employment: str
    village: Region
    grids: list[Grid]


def create_grid_worker(
    *, data: NewWorker, by: User, unit: Unit | None = None, password: str = "", password_hash: str = ""
) -> tuple[User, str]:
    """A new grid worker: an account in the 网格员 role with a one-time password (returned, to be
    shown once; they must change it at first login), its profile, and its grids."""
    password = password or temporary_password()
    with transaction.atomic():
        _check_village(data.village, by)
        if unit is None:
            unit = worker_units([data.village])[data.village.pk]
        if unit is None:
            raise ValidationError({"village": no_unit_message(data.village)})
        if User.objects.filter(username__iexact=data.username).exists():
            raise ValidationError({"username": _("用户名 %(u)s 已被使用，请换一个。") % {"u": data.username}})
        user = User(
            username=data.username,
            full_name=data.full_name,
            phone=data.phone,
            unit=unit,
            must_change_password=True,
            password=password_hash or make_password(password),
        )
        user._history_user = by
        user.save()
        record_account_created(user=user, by=by, request=current_request())
        grant_role(user=user, role=Role.GRID_WORKER)
        profile = GridWorker(user=user, employment=data.employment, phone=data.phone, is_active=True)
        profile._history_user = by
        profile.save()
        set_worker_grids(worker=user, grids=data.grids, by=by)
    return user, password


def update_grid_worker(
    *,
    worker: User,
    by: User,
    full_name: str,
    phone: str,
    employment: str,
    is_active: bool,
    grids: Iterable[Grid] | None,
) -> GridWorker:
    """Change a grid worker. An inactive worker (离岗) cannot sign in any more. `grids=None`
    leaves the grids as they are."""
    with transaction.atomic():
        user = worker_queryset(by).select_for_update(of=("self",)).get(pk=worker.pk)
        user.full_name, user.phone, user.is_active = full_name, phone, is_active
        user._history_user = by
        user.save(update_fields=["full_name", "phone", "is_active"])
        profile = GridWorker.objects.filter(user=user).first() or GridWorker(user=user)
        profile.employment, profile.phone, profile.is_active = employment, phone, is_active
        profile._history_user = by
        profile.save()
        if grids is not None:
            set_worker_grids(worker=user, grids=grids, by=by)
    return profile


# ---------------------------------------------------------------------------------------------
# Batch import (the workbook is read and checked in grids/imports.py)
# ---------------------------------------------------------------------------------------------

# Hashing a password costs ~0.4 s (PBKDF2); a file may create this many accounts at most so
# that the request ends well within the server's timeout.
MAX_NEW_WORKERS = 200


@dataclass
class GridRow:
    row: int
    code: str
    name: str
    village: Region
    kind: str
    households: int
    population: int
    existing: Grid | None = None


@dataclass
class WorkerRow:
    row: int
    username: str
    full_name: str
    phone: str
    employment: str
    grid_codes: list[str]
    existing: User | None = None
    unit: Unit | None = None


@dataclass
class ImportResult:
    grids_created: int = 0
    grids_updated: int = 0
    workers_created: int = 0
    workers_updated: int = 0
    # (username, full name, one-time password) of each new account, to be shown once.
    passwords: list[tuple[str, str, str]] = field(default_factory=list)


def import_grids_and_workers(*, grids: list[GridRow], workers: list[WorkerRow], by: User) -> ImportResult:
    """Apply a checked workbook: grids created or updated by code, then workers created or
    updated by username. All or nothing: any failure rolls the whole file back."""
    result = ImportResult()
    new_workers = [w for w in workers if w.existing is None]
    passwords = [temporary_password() for _w in new_workers]
    # PBKDF2 releases the GIL: hash the new accounts' passwords side by side, before the
    # transaction, so locks are not held while hashing.
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = list(pool.map(make_password, passwords))
    secrets_by_row = {w.row: (p, h) for w, p, h in zip(new_workers, passwords, hashes, strict=True)}

    with transaction.atomic():
        by_code: dict[str, Grid] = {}
        for row in grids:
            # Re-read an existing grid under a lock: fields the file does not name (boundary,
            # 启用) keep what a concurrent edit just saved.
            grid = Grid.objects.select_for_update().get(pk=row.existing.pk) if row.existing else Grid(code=row.code)
            grid.name, grid.village, grid.kind = row.name, row.village, row.kind
            grid.households, grid.population = row.households, row.population
            save_grid(grid=grid, by=by)
            by_code[grid.code] = grid
            if row.existing is None:
                result.grids_created += 1
            else:
                result.grids_updated += 1
        missing = {c for w in workers for c in w.grid_codes} - by_code.keys()
        by_code.update({g.code: g for g in Grid.objects.visible_to(by).filter(code__in=missing)})

        for row in workers:
            row_grids = [by_code[c] for c in row.grid_codes]
            if row.existing is None:
                password, password_hash = secrets_by_row[row.row]
                data = NewWorker(
                    row.username, row.full_name, row.phone, row.employment, row_grids[0].village, row_grids
                )
                create_grid_worker(data=data, by=by, unit=row.unit, password=password, password_hash=password_hash)
                result.workers_created += 1
                result.passwords.append((row.username, row.full_name, password))
            else:
                profile = GridWorker.objects.filter(user=row.existing).first()
                update_grid_worker(
                    worker=row.existing,
                    by=by,
                    full_name=row.full_name or row.existing.full_name,
                    phone=row.phone,
                    employment=row.employment,
                    is_active=profile.is_active if profile else row.existing.is_active,
                    grids=row_grids,
                )
                result.workers_updated += 1
    return result
