"""People's mediation (人民调解): organisations and their mediators, the mediation of a case
(assignments, sessions, agreements, performance, judicial confirmation) and the per-case subsidy.

Which step is allowed when lives in `mediation/rules.py`; what a step does in `mediation/services.py`.
A final agreement never changes (人民调解法 Art. 29-31): the model refuses it, a correction is a
new version.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# A confirmation window closing within this many days shows in the mediator's work list.
CONFIRMATION_WARNING_DAYS = 10


def mediation_due(start: date) -> date:
    """人民调解工作若干规定 Art. 36: mediation should end within one month of accepting the
    dispute. The limit is the statutory-limit table's row (disputes.StatutoryLimit "mediation")."""
    from disputes.deadlines import add_limit, statutory

    limit = statutory("mediation")
    return add_limit(start, limit.amount, limit.unit)


def confirmation_deadline(signed_on: date) -> date:
    """人民调解法 Art. 33: both parties apply to the court within 30 days of the agreement taking
    effect (the table's row "judicial_confirmation")."""
    from disputes.deadlines import add_limit, statutory

    limit = statutory("judicial_confirmation")
    return add_limit(signed_on, limit.amount, limit.unit)


class Organisation(models.Model):
    """A mediation organisation; cases are dispatched to its unit (governance.Unit of kind MEDIATION)."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("村（社区）人民调解委员会")
        TOWNSHIP = "township", _("镇（街道）人民调解委员会")
        INDUSTRY = "industry", _("行业性专业性人民调解委员会")
        PERSONAL = "personal", _("个人调解工作室")
        LAWYER = "lawyer", _("律师调解工作室")
        COURT = "court", _("诉前调解组织")

    class Field(models.TextChoices):
        MEDICAL = "medical", _("医疗")
        TRAFFIC = "traffic", _("道路交通")
        LABOUR = "labour", _("劳动争议")
        PROPERTY = "property", _("物业")
        FAMILY = "family", _("婚姻家庭")
        LAND = "land", _("土地征收")
        CONSUMER = "consumer", _("消费")
        OTHER = "other", _("其他")

    unit = models.OneToOneField(
        "governance.Unit",
        verbose_name=_("对应单位"),
        on_delete=models.PROTECT,
        related_name="mediation_org",
        limit_choices_to={"kind": "mediation"},
    )
    kind = models.CharField(_("组织类型"), max_length=10, choices=Kind.choices, db_index=True)
    field = models.CharField(_("行业领域"), max_length=10, choices=Field.choices, blank=True)
    region = models.ForeignKey(
        "grids.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="mediation_orgs"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")
        ordering = ["unit__code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="industry") | ~models.Q(field=""), name="industry_org_has_field"
            )
        ]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name

    def clean(self) -> None:
        if self.kind == self.Kind.INDUSTRY and not self.field:
            raise ValidationError({"field": _("行业性专业性调委会须注明行业领域。")})
        if self.unit_id and self.unit.kind != "mediation":
            raise ValidationError({"unit": _("只能关联类型为“调解组织”的单位。")})


class Mediator(models.Model):
    class Employment(models.TextChoices):
        FULL_TIME = "full", _("专职")
        PART_TIME = "part", _("兼职")

    class Background(models.TextChoices):
        FIVE_ELDERS = "five_elders", _("“五老”人员")
        LAWYER = "lawyer", _("律师")
        LEGAL_WORKER = "legal_worker", _("基层法律服务工作者")
        RETIRED_JUDGE = "retired_judge", _("退休法官")
        RETIRED_PROSECUTOR = "retired_prosecutor", _("退休检察官")
        RETIRED_POLICE = "retired_police", _("退休民警")
        CADRE = "cadre", _("村（社区）干部")
        DEPUTY = "deputy", _("人大代表、政协委员")
        PROFESSIONAL = "professional", _("行业专家（医学、心理等）")
        OTHER = "other", _("其他")

    user = models.OneToOneField(
        "governance.User",
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_profile",
    )
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employment = models.CharField(_("专兼职"), max_length=4, choices=Employment.choices, default=Employment.PART_TIME)
    background = models.CharField(_("人员来源"), max_length=20, choices=Background.choices, default=Background.OTHER)
    specialties = models.ManyToManyField(
        "disputes.Category", verbose_name=_("擅长纠纷类别"), blank=True, related_name="mediators"
    )
    certificate_no = models.CharField(_("调解员证号"), max_length=40, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        verbose_name = _("人民调解员")
        verbose_name_plural = _("人民调解员")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("主任")
        MEMBER = "member", _("委员")
        MEDIATOR = "mediator", _("调解员")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("调解组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    mediator = models.ForeignKey(
        Mediator, verbose_name=_("调解员"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("职务"), max_length=10, choices=Role.choices, default=Role.MEDIATOR)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组成人员")
        verbose_name_plural = _("组成人员")
        ordering = ["organisation", "role", "mediator__name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "mediator"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.mediator} {self.get_role_display()}"


class Training(models.Model):
    """培训记录与证书."""

    mediator = models.ForeignKey(Mediator, verbose_name=_("调解员"), on_delete=models.CASCADE, related_name="trainings")
    date = models.DateField(_("培训日期"))
    title = models.CharField(_("培训内容"), max_length=120)
    organiser = models.CharField(_("主办单位"), max_length=80, blank=True)
    hours = models.PositiveSmallIntegerField(_("学时"), default=0)
    certificate = models.CharField(_("证书名称及编号"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.mediator} {self.title}"


class Difficulty(models.TextChoices):
    SIMPLE = "simple", _("简易纠纷")
    ORDINARY = "ordinary", _("一般纠纷")
    DIFFICULT = "difficult", _("疑难复杂纠纷")
    MAJOR = "major", _("重大纠纷")


class Mediation(models.Model):
    """The mediation of one case by the organisation it was dispatched to: the clock of Art. 36
    and, when it fails, why and where the parties were told to go."""

    case = models.OneToOneField(
        "disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="mediation"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="mediations"
    )
    difficulty = models.CharField(_("难易程度"), max_length=10, choices=Difficulty.choices, default=Difficulty.ORDINARY)
    started_on = models.DateField(_("受理调解日期"))
    due_on = models.DateField(_("调解期限"))
    extended = models.BooleanField(_("经双方同意延长"), default=False)
    extension_note = models.CharField(_("延长说明"), max_length=200, blank=True)
    failed_at = models.DateTimeField(_("调解终止时间"), null=True, blank=True)
    failure_reason = models.TextField(_("调解不成的原因"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("调解")
        verbose_name_plural = _("调解")
        indexes = [models.Index(fields=["organisation", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.organisation_id}"

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days


class Assignment(models.Model):
    """A mediator named on a case by the organisation; withdrawn on a party's request (回避)."""

    case = models.ForeignKey(
        "disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="assignments"
    )
    mediator = models.ForeignKey(
        Mediator, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="assignments"
    )
    is_lead = models.BooleanField(_("主持调解"), default=False)
    assigned_by = models.ForeignKey(
        "governance.User", verbose_name=_("指派人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("回避时间"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("回避理由"), max_length=200, blank=True)
    requested_by = models.CharField(_("申请回避的当事人"), max_length=80, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指派调解员")
        verbose_name_plural = _("指派调解员")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "mediator"], condition=models.Q(withdrawn_at__isnull=True), name="one_active_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.mediator}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Session(models.Model):
    """调解笔录: one sitting of the mediation."""

    class Result(models.TextChoices):
        AGREED = "agreed", _("达成调解协议")
        CONTINUE = "continue", _("未达成协议，择期继续调解")
        FAILED = "failed", _("调解不成")

    case = models.ForeignKey("disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("次序"))
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=120)
    mediators = models.CharField(_("调解员"), max_length=200)
    participants = models.CharField(_("参加人员"), max_length=300)
    rights_notified = models.BooleanField(_("已告知当事人权利义务"), default=False)
    statements = models.JSONField(_("各方陈述"), default=list, help_text=_("[{'party': 姓名, 'text': 陈述}]"))
    process = models.TextField(_("调解经过"), blank=True)
    result = models.CharField(_("调解结果"), max_length=10, choices=Result.choices)
    recorded_by = models.ForeignKey(
        "governance.User", verbose_name=_("记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("调解笔录")
        verbose_name_plural = _("调解笔录")
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="unique_session_number")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number}"


class AgreementFinal(ValidationError):
    """A final agreement cannot be changed; correct it with a new version."""


class AgreementQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        if self.filter(status=Agreement.Status.FINAL).exists():
            raise AgreementFinal(_("调解协议书已生效，不能修改；如需更正，请制作新版本。"))
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Agreement.Status.FINAL).exists():
            raise AgreementFinal(_("调解协议书已生效，不能删除。"))
        return super().delete()


class Agreement(models.Model):
    """人民调解协议书 (人民调解法 Art. 28-29, 人民调解工作若干规定 Art. 34). A draft is edited; once
    final it never changes: a correction is a new version that supersedes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FINAL = "final", _("已生效")

    case = models.ForeignKey(
        "disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="agreements"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="agreements"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("依据的调解笔录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    number = models.CharField(_("协议书编号"), max_length=40, blank=True)
    facts = models.TextField(_("纠纷主要事实"))
    issues = models.TextField(_("争议事项"))
    responsibility = models.TextField(_("各方责任"))
    terms = models.TextField(_("协议内容"))
    performance_manner = models.CharField(_("履行方式"), max_length=200)
    performance_place = models.CharField(_("履行地点"), max_length=200)
    performance_deadline = models.DateField(_("履行期限"), null=True, blank=True)
    mediator_names = models.CharField(_("人民调解员"), max_length=120)
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("制作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("制作时间"), default=timezone.now)
    signed_on = models.DateField(_("签订（生效）日期"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        "governance.User",
        verbose_name=_("确认生效人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finalized_at = models.DateTimeField(_("确认生效时间"), null=True, blank=True)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("人民调解协议书")
        verbose_name_plural = _("人民调解协议书")
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="unique_agreement_version"),
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="draft"), name="one_draft_agreement"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(signed_on__isnull=False), name="final_agreement_signed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.FINAL:
                raise AgreementFinal(_("调解协议书已生效，不能修改；如需更正，请制作新版本。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk, status=self.Status.FINAL).exists():
            raise AgreementFinal(_("调解协议书已生效，不能删除。"))
        return super().delete(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL

    @property
    def confirmation_deadline(self) -> date | None:
        """人民调解法 Art. 33: the last day to apply for judicial confirmation."""
        return confirmation_deadline(self.signed_on) if self.signed_on else None


class Obligation(models.Model):
    """One duty the agreement puts on a party, with its due date. Part of the agreement's text:
    fixed once the agreement is final. How it went is recorded on its follow-ups."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("协议书"), on_delete=models.CASCADE, related_name="obligations"
    )
    obligor = models.CharField(_("履行义务人"), max_length=80)
    content = models.CharField(_("履行内容"), max_length=300)
    due_on = models.DateField(_("履行期限"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("履行义务")
        verbose_name_plural = _("履行义务")
        ordering = ["agreement", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.obligor}: {self.content}"

    def save(self, *args, **kwargs) -> None:
        if Agreement.objects.filter(pk=self.agreement_id, status=Agreement.Status.FINAL).exists():
            raise AgreementFinal(_("调解协议书已生效，履行义务不能修改。"))
        super().save(*args, **kwargs)


class FollowUp(models.Model):
    """回访 on performance (人民调解工作若干规定 Art. 39), scheduled from an obligation's due date."""

    class Result(models.TextChoices):
        PERFORMED = "performed", _("已履行")
        PARTIAL = "partial", _("部分履行")
        NOT_PERFORMED = "not_performed", _("未履行")

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("履行义务"), on_delete=models.PROTECT, related_name="followups"
    )
    due_on = models.DateField(_("回访日期"), db_index=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        "governance.User", verbose_name=_("回访人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("履行情况"), max_length=15, choices=Result.choices, blank=True)
    note = models.CharField(_("回访情况"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("履行回访")
        verbose_name_plural = _("履行回访")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.obligation_id} {self.due_on}"


class Confirmation(models.Model):
    """司法确认: both parties apply to the court within 30 days of the agreement (人民调解法 Art. 33)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("审查中")
        CONFIRMED = "confirmed", _("裁定确认有效")
        REJECTED = "rejected", _("裁定驳回申请")

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("协议书"), on_delete=models.PROTECT, related_name="confirmation"
    )
    court = models.CharField(_("受理法院"), max_length=80)
    applied_on = models.DateField(_("申请日期"))
    decision = models.CharField(_("法院裁定"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "governance.User", verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.get_decision_display()}"


class SubsidyRate(models.Model):
    """一案一补: the amount the justice bureau pays per case mediated successfully, by difficulty
    and optionally by dispute category; the newest rate in force on the closing day applies."""

    difficulty = models.CharField(_("难易程度"), max_length=10, choices=Difficulty.choices)
    category = models.ForeignKey(
        "disputes.Category",
        verbose_name=_("纠纷类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示适用于所有类别"),
    )
    amount = models.DecimalField(_("补贴标准（元/件）"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("执行日期"))
    set_by = models.ForeignKey(
        "governance.User", verbose_name=_("设定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一案一补标准")
        verbose_name_plural = _("一案一补标准")
        ordering = ["difficulty", "category", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="subsidy_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_difficulty_display()} {self.category or ''} {self.amount}"


# --- 网上调解 (online mediation, issue 16): the case's thread, the parties' invitations and their
# confirmations of the agreement. The rules are in mediation/online.py.


class Invitation(models.Model):
    """One party asked by SMS to join the case's online thread. The SMS carries a link with a random
    token (only its hash is kept); the party still proves, by SMS code, the phone the case has for
    them. A new invitation to the same party closes the earlier one."""

    case = models.ForeignKey(
        "disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="mediation_invitations"
    )
    party = models.ForeignKey(
        "disputes.Party", verbose_name=_("当事人"), on_delete=models.CASCADE, related_name="mediation_invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The blind index of the party's phone when the SMS went out: a phone changed since opens nothing.
    phone_index = models.CharField(max_length=64)
    sent_by = models.ForeignKey("governance.User", verbose_name=_("邀请人"), on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("链接有效期至"))
    joined_at = models.DateTimeField(_("加入时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("网上调解邀请")
        verbose_name_plural = _("网上调解邀请")
        ordering = ["case", "sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"], condition=models.Q(revoked_at__isnull=True), name="one_open_invitation_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.party_id} {self.sent_at:%Y-%m-%d}"


class Message(models.Model):
    """One message of the online thread: from a mediator (a staff user) or from a party, text and/or
    a photo (kept as a case attachment, its kind sniffed from the content)."""

    case = models.ForeignKey(
        "disputes.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="mediation_messages"
    )
    author = models.ForeignKey(
        "governance.User", verbose_name=_("调解员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party = models.ForeignKey(
        "disputes.Party",
        verbose_name=_("当事人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_messages",
    )
    text = models.TextField(_("内容"), blank=True)
    photo = models.ForeignKey(
        "disputes.Attachment", verbose_name=_("照片"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("网上调解消息")
        verbose_name_plural = _("网上调解消息")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="mediation_message_case_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author__isnull=False, party__isnull=True)
                | models.Q(author__isnull=True, party__isnull=False),
                name="message_has_one_author",
            ),
            models.CheckConstraint(
                condition=~models.Q(text="") | models.Q(photo__isnull=False), name="message_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M}"


class Signature(models.Model):
    """A party's confirmation of a final agreement with an SMS code: its signature (签字确认（短信
    验证）). Only a party with a row here is shown as having signed."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("协议书"), on_delete=models.PROTECT, related_name="signatures"
    )
    party = models.ForeignKey("disputes.Party", verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    phone_masked = models.CharField(_("验证手机号"), max_length=20)
    # The one-time code that was used: its row (kept while the code log is) and its keyed hash.
    phone_code = models.ForeignKey(
        "governance.PhoneCode", verbose_name=_("短信验证码"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("协议书签字确认")
        verbose_name_plural = _("协议书签字确认")
        ordering = ["agreement", "confirmed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.party_id}"
