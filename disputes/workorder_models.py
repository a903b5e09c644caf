"""Work orders from other systems (12345, 110, 信访, 法院): the sources, the raw messages they
send, and the answers we owe them (an outbox). Imported by disputes/models.py; the rules that
use them are in disputes/workorders.py."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Algorithm(models.TextChoices):
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256"
    HMAC_SM3 = "hmac-sm3", _("HMAC-SM3（国密）")


class Step(models.TextChoices):
    """The steps of ours a source may want to hear about (its status vocabulary maps each)."""

    ACCEPT = "accept", _("签收")
    RETURN = "return", _("退回")
    EXTENSION = "extension", _("延期申请")
    CLOSE = "close", _("办结")
    VISIT = "visit", _("回访")


class WorkOrderSource(models.Model):
    """A system that sends us work orders. Managed by the security administrator: its secrets
    (two may be active, for rotation) are shown once, stored encrypted."""

    code = models.SlugField(
        _("来源代码"), max_length=30, unique=True, help_text=_("接口地址中的来源标识，如 12345、110")
    )
    name = models.CharField(_("来源名称"), max_length=60)
    channel = models.CharField(_("对应渠道"), max_length=20)
    center = models.ForeignKey(
        "governance.Unit", verbose_name=_("接收中心"), on_delete=models.PROTECT, related_name="work_order_sources"
    )
    algorithm = models.CharField(_("签名算法"), max_length=20, choices=Algorithm.choices, default=Algorithm.HMAC_SHA256)
    secret_encrypted = models.TextField(_("当前密钥（加密）"), blank=True)
    previous_secret_encrypted = models.TextField(_("上一密钥（加密）"), blank=True)
    secret_set_at = models.DateTimeField(_("密钥更换时间"), null=True, blank=True)
    # {their category code: our Category.code}; {our Step: their status code}.
    category_map = models.JSONField(_("类别映射"), default=dict, blank=True)
    status_map = models.JSONField(_("状态映射"), default=dict, blank=True)
    callback_url = models.URLField(_("回调地址"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    paused_at = models.DateTimeField(_("回调暂停时间"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=255, blank=True)
    history = HistoricalRecords(excluded_fields=["secret_encrypted", "previous_secret_encrypted"])

    class Meta:
        verbose_name = _("工单来源")
        verbose_name_plural = _("工单来源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class InboundOrder(models.Model):
    """One work order as it arrived: the raw body is stored before anything else, answered 202
    with a receipt, and processed by a task into a case (or kept as failed, with the reason)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("待处理")
        DONE = "done", _("已转为案件")
        FAILED = "failed", _("处理失败")

    source = models.ForeignKey(WorkOrderSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="orders")
    order_id = models.CharField(_("来源单号"), max_length=64)
    receipt = models.UUIDField(_("回执号"), default=uuid.uuid4, unique=True, editable=False)
    body = models.TextField(_("原始报文"))
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(_("失败原因"), blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    case = models.OneToOneField(
        "disputes.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_order",
    )
    # What the source said, as it said it, shown on the case.
    source_category = models.CharField(_("来源类别"), max_length=60, blank=True)
    source_deadline = models.DateTimeField(_("来源办理时限"), null=True, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=20, blank=True)
    history = HistoricalRecords(excluded_fields=["body"])

    class Meta:
        verbose_name = _("来源工单")
        verbose_name_plural = _("来源工单")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "order_id"], name="one_order_per_source_id")]
        indexes = [models.Index(fields=["source", "state", "received_at"], name="inbound_order_state")]

    def __str__(self) -> str:
        return f"{self.source.code}:{self.order_id}"


class Callback(models.Model):
    """An answer owed to a source (签收, 退回, 延期申请, 办结, 回访), written in the same transaction
    as the step; a beat task sends it, signed, with retries; after the last try it is dead and can
    be replayed."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        DEAD = "dead", _("发送失败")

    order = models.ForeignKey(
        InboundOrder, verbose_name=_("来源工单"), on_delete=models.CASCADE, related_name="callbacks"
    )
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    payload = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), default=timezone.now)
    last_status = models.PositiveSmallIntegerField(_("最后应答码"), null=True, blank=True)
    last_error = models.CharField(_("最后错误"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回调")
        verbose_name_plural = _("回调")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"), name="callback_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.step}"
