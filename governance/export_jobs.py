"""Exports in the background: a person asks, a Celery task writes the file chunk by chunk while the
page shows its progress, the person downloads it for a day, then a beat task removes it.

Any export can use it: an `ExportKind` (what the file holds, who may ask, how it is written) is
named in `settings.EXPORT_KINDS`; the view that asks calls `request_export`, the task calls
`run_export_job`. The rules live here:

- *Who*: the kind's menu entry names the roles that may ask (governance/navigation.py), checked
  when asking, when the task runs and when downloading; the three administrators hold none.
- *Which rows*: the person's own, as the kind's `write` reads them with the person's scoping
  (`visible_to`). The job keeps the person's scope at the time of the request (`scope_of`: unit,
  roles, jurisdiction); when it differs at run or download time (moved to another township,
  a role taken away), the job fails or the file is withdrawn: a file never holds rows of a scope
  the person no longer has, nor of one they did not have when they asked.
- *Whose file*: only the person who asked downloads it; anybody else gets 404.
- *How long*: EXPORT_KEEP_HOURS (24) after it is written; `expire_export_jobs` (beat) removes it.
- *Audit*: the request and each download are `AuditEvent` rows (action 导出数据).
- *Redis is an optimisation*: when the broker does not answer, the job is kept, marked as
  waiting with a message, and `expire_export_jobs` sends it again once the broker answers.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.crypto import blind_index, decrypt, encrypt
from governance.models import AuditEvent, ExportJob
from governance.navigation import NAV_BY_KEY
from governance.scoping import region_prefix
from governance.services import record_audit

if TYPE_CHECKING:
    from governance.models import User

log = logging.getLogger(__name__)

EXPORT_DIR = "exports"  # under the default storage (MEDIA_ROOT), never served as a folder
# Running longer than this means the worker died under it (the task's hard limit is lower).
STALE_RUNNING = timedelta(hours=2)
# Not yet handed to the broker for this long: try again (the broker was down when asked).
RESEND_AFTER = timedelta(minutes=1)
HISTORY_DAYS = 30  # finished jobs stay listed (without their file) this long


class Progress:
    """What a kind's writer reports: the expected total once, then rows written after each chunk.
    One UPDATE of the job row per call, so the page's progress bar moves."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.rows = 0

    def start(self, total: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(rows_total=total)

    def advance(self, rows: int) -> None:
        self.rows = rows
        ExportJob.objects.filter(pk=self.job_id).update(rows_written=rows)


@dataclass(frozen=True)
class ExportKind:
    """What one kind of export is. `write(user, params, path, progress)` writes the file at `path`
    with the rows `user` may see, reports progress, and returns the number of rows written."""

    label: str  # shown on 我的导出 and in the audit log: 案件台账
    nav_key: str  # the menu entry whose roles may ask for it
    extension: str  # of the file name: xlsx
    write: Callable[[User, dict, Path, Progress], int]
    file_stem: str = ""  # of the downloaded file's name (the label when blank), before the time

    def allows(self, user: User) -> bool:
        return user.is_active and bool(user.role_codes & NAV_BY_KEY[self.nav_key].roles)


class ExportRefused(Exception):
    """A request that cannot be taken; the message is for the person."""


def export_kind(name: str) -> ExportKind:
    return import_string(settings.EXPORT_KINDS[name])


def may_export(user: User) -> bool:
    """Whether any export is open to this person (我的导出 is theirs)."""
    return any(export_kind(name).allows(user) for name in settings.EXPORT_KINDS)


def scope_of(user: User) -> str:
    """What decides the rows a person sees beyond per-case grants: unit, roles, jurisdiction."""
    roles = ",".join(sorted(user.role_codes))
    return f"{user.unit_id or '-'}|{roles}|{region_prefix(user) or '-'}"[:255]


def fingerprint(kind: str, params: dict) -> str:
    return blind_index(kind + "\n" + json.dumps(params, sort_keys=True, ensure_ascii=False))


def job_params(job: ExportJob) -> dict:
    return json.loads(decrypt(job.params) or "{}")


def live_jobs(user: User):
    return ExportJob.objects.filter(user=user, state__in=ExportJob.LIVE_STATES)


def request_export(*, user: User, kind: str, params: dict, title: str, request: HttpRequest) -> tuple[ExportJob, bool]:
    """The job for this person, kind and filter: the one already queued or running, or a new one
    (saved, audited, then sent to the broker). Returns (job, created)."""
    spec = export_kind(kind)
    if not spec.allows(user):
        raise ExportRefused(_("您没有导出该内容的权限。"))
    mark = fingerprint(kind, params)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                user=user,
                kind=kind,
                title=title[:255],
                params=encrypt(json.dumps(params, ensure_ascii=False)),
                fingerprint=mark,
                scope=scope_of(user),
            )
            record_audit(
                AuditEvent.Action.EXPORT,
                request=request,
                user=user,
                detail=f"申请导出{spec.label}（任务 {job.pk}）：{title}",
            )
    except IntegrityError:  # the same request is queued or running (a double click): that one
        return live_jobs(user).get(kind=kind, fingerprint=mark), False
    send(job)
    return job, True


def send(job: ExportJob) -> bool:
    """Hand the job to the broker; when it does not answer, keep the job waiting with a message
    (`expire_export_jobs` tries again) rather than fail the request."""
    from governance.tasks import run_export

    try:
        run_export.apply_async((job.pk,), retry=False)
    except Exception as exc:  # kombu/redis raise their own connection errors; any of them means "not sent"
        log.warning("export job %s not queued: broker did not answer (%s)", job.pk, exc.__class__.__name__)
        job.error = gettext_noop("任务队列暂时无法连接，导出请求已保存，恢复后将自动开始。")
        ExportJob.objects.filter(pk=job.pk).update(error=job.error)
        return False
    job.enqueued_at, job.error = timezone.now(), ""
    ExportJob.objects.filter(pk=job.pk).update(enqueued_at=job.enqueued_at, error="")
    return True


def run_export_job(job_id: int) -> str:
    """Claim the job (a duplicate message finds it claimed and stops), write the file under the
    default storage, and record the outcome."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=now, error=""
    )
    if not claimed:
        return "not queued"
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    spec, user = export_kind(job.kind), job.user
    if not spec.allows(user) or scope_of(user) != job.scope:
        return _fail(job, gettext_noop("您的岗位或单位在申请导出后已变更，请重新导出。"))

    name = f"{EXPORT_DIR}/{job.pk}-{secrets.token_hex(8)}.{spec.extension}"
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        rows = spec.write(user, job_params(job), partial, Progress(job.pk))
        os.replace(partial, target)
    except Exception:
        log.exception("export job %s failed", job.pk)
        partial.unlink(missing_ok=True)
        return _fail(job, gettext_noop("导出失败，请稍后重试；如仍失败，请缩小筛选范围后分批导出。"))
    finished = timezone.now()
    stamp = timezone.localtime(job.created_at)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE,
        rows_written=rows,
        rows_total=rows,
        file=name,
        params="",  # the filter (perhaps a searched ID number) is not kept once it has served
        file_size=target.stat().st_size,
        filename=f"{spec.file_stem or spec.label}-{stamp:%Y%m%d-%H%M}.{spec.extension}",
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    return "done"


def _fail(job: ExportJob, message: str) -> str:
    """`message` is the Chinese source text; pages translate it when they show it."""
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.FAILED, error=message, finished_at=timezone.now(), params=""
    )
    return "failed"


def downloadable(job: ExportJob, user: User) -> bool:
    """Whether `user` may have the job's file now: their own, written, not expired, and asked under
    the scope they still hold."""
    return (
        job.user_id == user.pk
        and job.state == ExportJob.State.DONE
        and bool(job.file)
        and job.expires_at is not None
        and job.expires_at > timezone.now()
        and export_kind(job.kind).allows(user)
        and scope_of(user) == job.scope
    )


def remove_file(job: ExportJob) -> None:
    if job.file:
        default_storage.delete(job.file.name)


def expire_export_jobs(now=None) -> dict[str, int]:
    """Beat, every few minutes: remove files past their day, fail jobs whose worker died, send
    again jobs the broker did not take, and forget finished jobs after HISTORY_DAYS."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(state=ExportJob.State.DONE, expires_at__lte=now):
        remove_file(job)
        expired += ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.DONE).update(
            state=ExportJob.State.EXPIRED, file="", params=""
        )
    stale = ExportJob.objects.filter(state=ExportJob.State.RUNNING, started_at__lt=now - STALE_RUNNING).update(
        state=ExportJob.State.FAILED, error=gettext_noop("导出中断，请重新导出。"), finished_at=now, params=""
    )
    resent = 0
    for job in ExportJob.objects.filter(
        state=ExportJob.State.QUEUED, enqueued_at__isnull=True, created_at__lt=now - RESEND_AFTER
    ):
        resent += send(job)
    old = ExportJob.objects.exclude(state__in=ExportJob.LIVE_STATES).filter(
        created_at__lt=now - timedelta(days=HISTORY_DAYS)
    )
    for job in old.exclude(file=""):
        remove_file(job)
    forgotten, _detail = old.delete()
    return {"expired": expired, "stale": stale, "resent": resent, "forgotten": forgotten}
