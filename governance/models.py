"""The organisation core: units, staff and their roles, the security audit log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """Roles are Django groups of the same name; a person may hold several."""

    COUNTY_STAFF = "county_staff", _("县综治中心工作人员")
    TOWNSHIP_STAFF = "township_staff", _("镇街综治中心工作人员")
    HANDLER = "handler", _("部门经办人")
    MEDIATOR = "mediator", _("人民调解员")
    GRID_WORKER = "grid_worker", _("网格员")
    LEADER = "leader", _("领导")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


# Roles that see every case and report of their unit's region (county ⊃ township ⊃ village).
REGIONAL_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.LEADER})
# 三权分立: the three administrators see configuration, accounts or the audit log, never cases.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(Role.values) - ADMIN_ROLES


class Unit(models.Model):
    """An organisation that takes part in the work: a center, a department of the 6+N, a
    mediation organisation. Cases are dispatched to units; staff belong to one."""

    class Kind(models.TextChoices):
        COUNTY_CENTER = "county_center", _("县综治中心")
        TOWNSHIP_CENTER = "township_center", _("镇（街道）综治中心")
        LEADERSHIP = "leadership", _("党委政府")
        DEPARTMENT = "department", _("职能部门")
        MEDIATION = "mediation", _("调解组织")
        VILLAGE = "village", _("村（居）委会")

    class Sector(models.TextChoices):
        """The "6+N": the grid, court, procuratorate, police, justice and the online platform,
        and every other force."""

        GRID = "grid", _("网格")
        COURT = "court", _("法院")
        PROCURATORATE = "procuratorate", _("检察院")
        POLICE = "police", _("公安")
        JUSTICE = "justice", _("司法行政")
        ONLINE = "online", _("线上平台")
        PETITION = "petition", _("信访")
        HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障")
        HOUSING = "housing", _("住房和城乡建设")
        NATURAL_RESOURCES = "natural_resources", _("自然资源")
        HEALTH = "health", _("卫生健康")
        MARKET = "market", _("市场监督管理")
        AGRICULTURE = "agriculture", _("农业农村")
        TRANSPORT = "transport", _("交通运输")
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        EDUCATION = "education", _("教育")
        WOMEN = "women", _("妇联")
        LABOUR_UNION = "labour_union", _("工会")
        OTHER = "other", _("其他")

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=80)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices, db_index=True)
    sector = models.CharField(_("所属条线"), max_length=20, choices=Sector.choices, blank=True)
    region = models.ForeignKey(
        "grids.Region", verbose_name=_("所在（服务）区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffManager(UserManager):
    def with_role(self, role: str) -> models.QuerySet:
        return self.filter(groups__name=role)

    def unit_audience(self, unit_id: int) -> models.QuerySet:
        """Who a notice to a unit reaches: its staff holding a business role (`receives_unit_notices`),
        never an administrator who happens to be attached to the unit (三权分立)."""
        business = self.model.groups.through.objects.filter(
            user_id=models.OuterRef("pk"), group__name__in=BUSINESS_ROLES
        )
        return self.filter(models.Exists(business), unit_id=unit_id)

    def receiving_notices(self) -> models.QuerySet:
        """Who business notices reach: everyone but the three administrators (三权分立: they see
        no business data, so neither red cards nor digests with citizens' disputes)."""
        return self.exclude(groups__name__in=ADMIN_ROLES)


class User(AbstractUser):
    """A member of staff. Roles are group memberships; jurisdiction comes from the unit."""

    full_name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    title = models.CharField(_("职务"), max_length=40, blank=True)
    is_unit_head = models.BooleanField(
        _("单位负责人"), default=False, help_text=_("黄牌、红牌提醒同时发给单位负责人。")
    )
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=True, help_text=_("新建或重置密码的账号首次登录时必须修改密码。")
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    reactivated_at = models.DateTimeField(
        _("重新启用时间"),
        null=True,
        blank=True,
        help_text=_("安全管理员重新启用账号的时间；长期未用的停用从此时重新计算。"),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = StaffManager()

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        # One query per request, then cached on the instance.
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def receives_unit_notices(self) -> bool:
        """Notices to the person's unit are business: for business roles only (see `unit_audience`)."""
        return bool(self.role_codes & BUSINESS_ROLES)

    @property
    def is_administrator(self) -> bool:
        """One of the three separated administrators (三权分立)."""
        return self.has_role(*ADMIN_ROLES)

    def set_password(self, raw_password: str | None) -> None:
        # Every way a password is set (own change, reset, creation) restarts the 90-day clock.
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self) -> bool:
        """等保2.0: a password older than PASSWORD_MAX_AGE_DAYS must be changed."""
        from django.conf import settings

        since = self.password_changed_at or self.date_joined
        return timezone.now() - since > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)

    def sees_region(self) -> bool:
        """Whether this person sees everything in their unit's region (center staff, leaders)."""
        return self.has_role(*REGIONAL_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [label for value, label in Role.choices if value in self.role_codes]


class AuditEvent(models.Model):
    """Security events (登录、锁定、越权、导出、查看敏感信息、授权、配置变更). Append-only: the
    application never updates or deletes a row; on PostgreSQL a trigger refuses it as well, and
    the application's database role may only insert and read (`manage.py grant_app_role`). Rows
    are kept at least RETENTION_DAYS (等保2.0: logs kept ≥ 6 months); only older ones are purged."""

    RETENTION_DAYS = 180

    class Action(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")
        LOGOUT = "logout", _("退出登录")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        ACCESS_DENIED = "access_denied", _("越权访问被拒绝")
        EXPORT = "export", _("导出数据")
        REVEAL = "reveal", _("查看敏感信息")
        ROLE_GRANTED = "role_granted", _("授予角色")
        ROLE_REVOKED = "role_revoked", _("撤销角色")
        OTP_ENROLLED = "otp_enrolled", _("绑定动态口令")
        OTP_ENROL_FAILED = "otp_enrol_failed", _("绑定动态口令失败")
        OTP_VERIFIED = "otp_verified", _("动态口令验证成功")
        OTP_FAILED = "otp_failed", _("动态口令验证失败")
        OTP_RECOVERY_USED = "otp_recovery_used", _("使用恢复码")
        OTP_RESET = "otp_reset", _("重置动态口令")
        NOT_FOUND = "not_found", _("访问范围外或不存在的对象")
        ADMIN_ADDITION = "admin_addition", _("配置新增")
        ADMIN_CHANGE = "admin_change", _("配置修改")
        ADMIN_DELETION = "admin_deletion", _("配置删除")
        PURGED = "audit_purged", _("清理过期审计日志")
        KEY_PERSON = "key_person", _("重点人员标记变更")
        KEY_PERSON_VIEW = "key_person_view", _("查看重点人员名单")
        ACCOUNT_CREATED = "account_created", _("新建账号")
        PASSWORD_RESET = "password_reset", _("重置密码")
        ACCOUNT_DISABLED = "account_disabled", _("停用账号")
        ACCOUNT_ENABLED = "account_enabled", _("启用账号")
        PUBLIC_REFUSED = "public_refused", _("公众服务请求被拒绝")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("事件"), max_length=20, choices=Action.choices, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    path = models.CharField(_("访问路径"), max_length=255, blank=True)
    detail = models.CharField(_("说明"), max_length=255, blank=True)
    # The id of the request that caused the event (X-Request-ID), also in every log line of it.
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, db_index=True)
    # Who did it when it was done to someone else (a grant, a reset); blank for one's own
    # actions (login) and for server commands and scheduled tasks, which say so in `detail`.
    actor = models.CharField(_("操作人"), max_length=150, blank=True, db_index=True)

    class Meta:
        verbose_name = _("安全审计日志")
        verbose_name_plural = _("安全审计日志")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class SecondFactorFailures(models.Model):
    """Wrong one-time codes in a row for one account (rules in governance/twofactor.py).

    Counted apart from django-axes' password failures, which a right password clears: otherwise
    whoever holds the password could sign in again after every four guesses at the code."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveSmallIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.count}"


class Heartbeat(models.Model):
    """The last time a periodic task ran to the end; /healthz reports its age."""

    name = models.CharField(max_length=60, unique=True)
    at = models.DateTimeField()
    # What the run depended on, for a task whose later runs may skip work while it holds (the
    # overdue scan's full pass: its day and the time-limit inputs, disputes/scan.py).
    state = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("运行心跳")
        verbose_name_plural = _("运行心跳")

    def __str__(self) -> str:
        return self.name


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: User) -> NotificationQuerySet:
        """Notices to the person and, for business roles, to their unit."""
        if not user.is_authenticated or user.is_administrator:
            return self.none()  # 三权分立: administrators get no business notice
        condition = models.Q(user=user)
        if user.unit_id is not None and user.receives_unit_notices:
            condition |= models.Q(unit_id=user.unit_id, user__isnull=True)
        return self.filter(condition)

    def unread_by(self, user: User) -> NotificationQuerySet:
        return self.for_user(user).exclude(pk__in=NotificationRead.objects.filter(user=user).values("notification_id"))


class Notification(models.Model):
    """An in-app notice to a unit (everyone in it) or one person."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("接收单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        User, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # Set when a delivery run claims the notice for email/SMS (a conditional update, so once only).
    dispatched_at = models.DateTimeField(_("外发时间"), null=True, blank=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(user__isnull=False), name="notification_has_recipient"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """One reminder the overdue scan sent: at most one per (subject, kind, level, day), enforced
    by the database, so repeated or concurrent scans never send twice."""

    class Level(models.TextChoices):
        DUE_SOON = "due_soon", _("临期")
        YELLOW = "yellow", _("黄牌")
        RED = "red", _("红牌")
        DIGEST = "digest", _("每日汇总")

    subject = models.CharField(_("对象"), max_length=40, help_text=_("如 case:123、visit_issue:45、unit:7"))
    kind = models.CharField(_("提醒类型"), max_length=20)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    day = models.DateField(_("日期"))
    created_at = models.DateTimeField(_("发出时间"), default=timezone.now)

    class Meta:
        verbose_name = _("超期提醒")
        verbose_name_plural = _("超期提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Also the index the scan looks up what was sent by (subject first); a (day, level)
            # index only slowed the writing of a day's red cards.
            models.UniqueConstraint(fields=["subject", "kind", "level", "day"], name="reminder_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind} {self.level} {self.day}"


class CalendarYear(models.Model):
    """A year whose official schedule (the State Council's 放假安排 notice) the system administrator
    entered: its days are `CalendarDay` rows, and the year counts as known rather than estimated
    (governance/workdays.py), even when its notice moves no weekend."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(
        _("依据"),
        max_length=200,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"),
    )
    entered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(_("%(year)d年放假安排")) % {"year": self.year}

    def delete(self, *args, **kwargs):
        from governance.workdays import forget_overrides

        result = super().delete(*args, **kwargs)  # its days go with it (CASCADE)
        forget_overrides()
        return result


class CalendarDay(models.Model):
    """An exception to the working-day calendar: a holiday or a 调休 working day. The statutory
    calendar comes from the chinesecalendar library; rows here override it and cover the years
    it does not know yet (the State Council publishes each year's schedule in November/December)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"), help_text=_("勾选＝上班（如调休上班的周末）；不勾选＝放假"))
    name = models.CharField(_("名称"), max_length=40, blank=True, help_text=_("如：春节、国庆节调休"))
    schedule = models.ForeignKey(
        CalendarYear,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="days",
        verbose_name=_("所属年度安排"),
        help_text=_("由年度放假安排录入的日期；单独添加的日期（如县里临时放假）为空"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def save(self, *args, **kwargs) -> None:
        from governance.workdays import forget_overrides

        super().save(*args, **kwargs)
        forget_overrides()

    def delete(self, *args, **kwargs):
        from governance.workdays import forget_overrides

        result = super().delete(*args, **kwargs)
        forget_overrides()
        return result


class NotificationRead(models.Model):
    """Who has read a notice: a unit's notice is read or unread for each of its people."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "user"], name="read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notification_id}"


class Delivery(models.Model):
    """One attempt to send a notice outside the application (email, SMS), with its result."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Result(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("发送地址"), max_length=120)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    detail = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.address} {self.result}"


class Submission(models.Model):
    """One use of a create form: the token the form carried when it was rendered, and where the
    object it created lives. The token is unique in the database, so a second post of the same form
    (a double click, a resent request, five at once) creates nothing and is sent to the first one's
    object (governance/submissions.py)."""

    token = models.UUIDField(_("表单令牌"), unique=True)
    user = models.ForeignKey(User, verbose_name=_("提交人"), on_delete=models.CASCADE, related_name="+")
    url = models.CharField(_("创建的对象"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return str(self.token)


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords (never the passwords), so that none of the last
    few is chosen again (governance.validators.PasswordHistoryValidator keeps it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


# --- Daily statistics (governance/stats.py fills them; each app contributes its metrics) ------


class StatLevel(models.TextChoices):
    """Where a step was handled: the level of the acting unit's region (小事不出村、大事不出镇)."""

    VILLAGE = "village", _("村居")
    TOWNSHIP = "township", _("乡镇街道")
    COUNTY = "county", _("县")


class DailyStatQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DailyStatQuerySet:
        """Rows of the person's jurisdiction: one region-code prefix condition (governance.scoping)."""
        from governance.scoping import region_prefix

        prefix = region_prefix(user)
        return self.none() if prefix is None else self.filter(region_code__startswith=prefix)


class DailyStat(models.Model):
    """One counted figure of one day, never typed in: built by governance.stats.fill_day from the
    records. A row per (day, place, handling level, category, channel, colour, metric); blank
    dimension values mean "not applicable" (a zero-report has no channel)."""

    day = models.DateField(_("日期"))
    # The grid's code where the record has a grid, else the village's, else the township's, so
    # the jurisdiction rule (a code prefix) scopes the rows.
    region_code = models.CharField(_("区划/网格代码"), max_length=15)
    level = models.CharField(_("办理层级"), max_length=10, choices=StatLevel.choices, blank=True)
    category = models.CharField(_("纠纷类别"), max_length=30, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=20, blank=True)
    colour = models.CharField(_("风险等级"), max_length=20, blank=True)
    metric = models.CharField(_("指标"), max_length=40)
    value = models.IntegerField(_("数值"))

    objects = DailyStatQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [
            # A day's rows are replaced as a whole; a second copy of a row cannot exist.
            models.UniqueConstraint(
                fields=["day", "region_code", "level", "category", "channel", "colour", "metric"],
                name="daily_stat_one_row",
            )
        ]
        indexes = [
            # The dashboard's read: a metric over a day range under a code prefix (LIKE 'p%' needs
            # the pattern operator class on PostgreSQL; other databases ignore opclasses).
            models.Index(
                fields=["metric", "day", "region_code"],
                name="daily_stat_metric_day_region",
                opclasses=["varchar_ops", "date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_code} {self.metric}={self.value}"


class StatFill(models.Model):
    """The fill state of one day: `started` while (or if a run died while) it is being filled,
    `done` once its rows were replaced in one transaction."""

    class State(models.TextChoices):
        STARTED = "started", _("填充中")
        DONE = "done", _("已完成")

    day = models.DateField(_("日期"), unique=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    # When the last run began reading: a record written after this (less a margin) and dated on
    # the day makes the day dirty (governance.stats.dirty_days).
    started_at = models.DateTimeField(_("开始时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        verbose_name = _("统计填充状态")
        verbose_name_plural = _("统计填充状态")
        indexes = [models.Index(fields=["state", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.state}"


class Indicator(models.Model):
    """One figure of the leaders' dashboard and its 口径, as data the county reads and adjusts in
    /admin/: what is counted over what, on which date, against which target. Evaluated from the
    DailyStat rows by governance.indicators.evaluate; the term syntax is parsed there too."""

    class Unit(models.TextChoices):
        COUNT = "count", _("件")
        PERCENT = "percent", _("%")

    class DateBasis(models.TextChoices):
        # From daily rows every metric is summed on the day its own row is dated (a case's receipt,
        # the approval of its closure, the evaluation...). The basis names the date that places the
        # indicator's numerator in the window: the 口径说明 says it, and a drill-down filters the
        # case list on that date.
        RECEIVED = "received", _("受理日期")
        CLOSED = "closed", _("办结日期")
        EVALUATED = "evaluated", _("评价日期")
        EVENT = "event", _("事项发生日期")

    class Mode(models.TextChoices):
        FLOW = "flow", _("流量（窗口内发生的数量）")
        COHORT = "cohort", _("批次（窗口内受理案件的后续结果）")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("越高越好")
        LOWER = "lower", _("越低越好")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    unit = models.CharField(_("单位"), max_length=10, choices=Unit.choices)
    numerator = models.CharField(
        _("分子"),
        max_length=200,
        help_text=_(
            "每日统计指标，用“+”相加，如 closed_resolved + closed_partial；存量指标（如 open_end）默认取窗口末日，"
            "写 open_end@start 取窗口开始前一日；places:villages_visited 计窗口内出现过的不同地点数。"
        ),
    )
    numerator_filter = models.CharField(
        _("分子筛选"),
        max_length=200,
        blank=True,
        help_text=_("按维度筛选，如 level=village 或 level=village,township；多个维度用“;”分隔。"),
    )
    denominator = models.CharField(_("分母"), max_length=200, blank=True, help_text=_("写法同分子；单位为%时必填。"))
    denominator_filter = models.CharField(_("分母筛选"), max_length=200, blank=True)
    date_basis = models.CharField(_("统计日期"), max_length=10, choices=DateBasis.choices)
    mode = models.CharField(_("口径类型"), max_length=10, choices=Mode.choices, default=Mode.FLOW)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    target = models.DecimalField(_("目标值"), max_digits=8, decimal_places=1, null=True, blank=True)
    good_at = models.DecimalField(
        _("绿色阈值"), max_digits=8, decimal_places=1, null=True, blank=True, help_text=_("达到此值为绿色。")
    )
    warn_at = models.DecimalField(
        _("黄色阈值"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("达到此值为黄色，未达到为红色。"),
    )
    explanation = models.TextField(_("口径说明"), help_text=_("显示在数字旁边，用群众和领导都能读懂的话写。"))
    beside = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("并列显示"),
        help_text=_("与本指标并排显示的指标，如满意率旁显示参评率。"),
    )
    # The township (village) ranking's weighted score (governance.indicators.score): 0 leaves the
    # indicator out of the score.
    weight = models.DecimalField(
        _("排名权重"),
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("参与镇（街道）、村（社区）综合得分排名的权重；为 0 时不计入得分。需有绿色、黄色阈值。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("统计指标")
        verbose_name_plural = _("统计指标")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from governance.indicators import check_definition

        check_definition(self)


class ScoreBand(models.Model):
    """A band of the ranking's weighted score (优秀 / 良好 / 一般 / 较差), as data: a place whose score
    reaches `min_score` (and no higher band's) is in this band; its tone colours it."""

    class Tone(models.TextChoices):
        GOOD = "good", _("绿色")
        WARN = "warn", _("黄色")
        BAD = "bad", _("红色")

    name = models.CharField(_("等次"), max_length=20, unique=True)
    min_score = models.DecimalField(
        _("最低得分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    tone = models.CharField(_("颜色"), max_length=10, choices=Tone.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("得分等次")
        verbose_name_plural = _("得分等次")
        ordering = ["-min_score"]
        constraints = [models.UniqueConstraint(fields=["min_score"], name="score_band_one_floor")]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_score}"


class ExportJob(models.Model):
    """One person's request for a file (the case ledger, …), written in the background by a Celery
    task (governance/export_jobs.py). The filter is kept encrypted (a search term may be an ID or
    phone number); only the person who asked may download the file, and only for a day."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导出")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    LIVE_STATES = (State.QUEUED, State.RUNNING)

    user = models.ForeignKey(User, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(_("导出内容"), max_length=40)  # a key of settings.EXPORT_KINDS
    title = models.CharField(_("说明"), max_length=255, blank=True)  # the filter, numbers masked
    params = models.TextField(_("导出条件"), blank=True)  # JSON, encrypted (governance.crypto)
    # The same kind and filter asked twice while the first runs gives the first (see the constraint).
    fingerprint = models.CharField(max_length=64)
    # The person's unit, roles and jurisdiction when they asked; the task and the download refuse
    # a job whose person has changed since (governance.export_jobs.scope_of).
    scope = models.CharField(max_length=255)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("已写行数"), default=0)
    file = models.FileField(_("文件"), blank=True, max_length=200)
    file_size = models.PositiveBigIntegerField(_("文件大小"), null=True, blank=True)
    filename = models.CharField(_("文件名"), max_length=120, blank=True)
    error = models.CharField(_("提示"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("送入队列时间"), null=True, blank=True)  # null: the broker did not answer
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_job_user_recent"),
            models.Index(fields=["state", "expires_at"], name="export_job_state_expiry"),
        ]
        constraints = [
            # A double click: the second insert fails and the request answers with the first job.
            models.UniqueConstraint(
                fields=["user", "kind", "fingerprint"],
                condition=models.Q(state__in=["queued", "running"]),
                name="export_job_one_live_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.user_id} {self.state}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)


# --- Drafted reports (信息通报: 日报, 周专报, 月分析研判报告; governance/briefings.py) -------------------


class BriefingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> BriefingQuerySet:
        """The reports of the person's jurisdiction: a county sees its townships' too."""
        from governance.scoping import region_q

        return self.filter(region_q(user, "region"))


class Briefing(models.Model):
    """One report of a period for a jurisdiction. A draft's figures are re-counted whenever it is
    saved; issuing counts them a last time and freezes them with the report, gives it the next
    期号 of its kind, jurisdiction and year, and records who issued it and when. An issued report
    never changes: a correction is a new report that names the one it corrects."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("日报")
        WEEKLY = "weekly", _("周专报")
        MONTHLY = "monthly", _("月分析研判报告")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")

    kind = models.CharField(_("报告类型"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey("grids.Region", verbose_name=_("所辖区域"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    title = models.CharField(_("标题"), max_length=120)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    # The period's figures as the report shows them (governance.briefings.count_figures); frozen at issue.
    figures = models.JSONField(_("数据"), default=dict)
    typical_cases = models.JSONField(_("典型案例编号"), default=list)  # case numbers the clerk chose
    dynamics = models.TextField(_("工作动态"), blank=True)
    analysis = models.TextField(_("分析研判"), blank=True)
    next_steps = models.TextField(_("下步打算"), blank=True)
    report_to = models.CharField(_("报送"), max_length=200, blank=True)
    copy_to = models.CharField(_("抄送"), max_length=200, blank=True)
    issuing_unit = models.ForeignKey(Unit, verbose_name=_("编发单位"), on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的报告"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_note = models.TextField(_("更正说明"), blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    number = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最后修改"), default=timezone.now)
    issued_by = models.ForeignKey(
        User, verbose_name=_("签发人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    objects = BriefingQuerySet.as_manager()

    class Meta:
        verbose_name = _("信息通报")
        verbose_name_plural = _("信息通报")
        ordering = ["-period_start", "kind", "-id"]
        constraints = [
            # 期号 run per kind, jurisdiction and year; two issues at once cannot take the same one.
            models.UniqueConstraint(fields=["kind", "region", "year", "number"], name="briefing_one_number"),
            # One report per kind, place and period (a second click opens the first); later ones correct it.
            models.UniqueConstraint(
                fields=["kind", "region", "period_start"],
                condition=models.Q(corrects__isnull=True),
                name="briefing_one_per_period",
            ),
            models.UniqueConstraint(
                fields=["corrects"], condition=models.Q(state="draft"), name="briefing_one_draft_correction"
            ),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(number__isnull=False, issued_at__isnull=False),
                name="briefing_issued_has_number",
            ),
        ]
        indexes = [models.Index(fields=["region", "-period_start"], name="briefing_region_period")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def number_label(self) -> str:
        """第N期 of its year, or (草稿) before issue."""
        if self.number is None:
            return str(_("（草稿，未编号）"))
        return str(_("%(y)d年第%(n)d期")) % {"y": self.year, "n": self.number}


# --- official report tables (统计报表; rules in governance/report_tables.py) --------------------------


class ReportForm(models.Model):
    """An official table's form (矛盾纠纷排查调处情况表…): its rows and columns are rows of their own,
    so a county adds its province's form in /admin/ without code."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("表名"), max_length=60)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    kinds = models.CharField(
        _("报送周期"), max_length=40, default="month", help_text=_("逗号分隔：month, quarter, half, year")
    )
    due_day = models.PositiveSmallIntegerField(
        _("报送期限（次月几日前）"), default=5, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    note = models.TextField(_("填表说明"), blank=True)
    filing_from = models.DateField(
        _("起报日期"),
        null=True,
        blank=True,
        help_text=_("从此日起的各期应当报送，逾期的进入督办清单并每日提醒；空则不催报"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("统计报表样式")
        verbose_name_plural = _("统计报表样式")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ReportLine(models.Model):
    """What a row or a column contributes to its cells: metrics (the indicators' notation,
    `closed_resolved + closed_partial`), a dimension filter (`level=village`), a denominator for a
    rate, or that its cells are typed by the clerk."""

    form = models.ForeignKey(ReportForm, verbose_name=_("报表"), on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    code = models.SlugField(_("代码"), max_length=40)
    label = models.CharField(_("名称"), max_length=60)
    group = models.CharField(_("合并表头"), max_length=60, blank=True)
    terms = models.CharField(_("指标"), max_length=200, blank=True)
    filter = models.CharField(_("筛选"), max_length=200, blank=True)
    denominator = models.CharField(_("分母"), max_length=200, blank=True)
    denominator_filter = models.CharField(_("分母筛选"), max_length=200, blank=True)
    typed = models.BooleanField(_("人工填报"), default=False)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        """The metrics and filters must read as the indicators' do (governance.indicators)."""
        from django.core.exceptions import ValidationError

        from governance.indicators import parse_filter, parse_terms

        errors = {}
        for name in ("terms", "filter", "denominator", "denominator_filter"):
            parse = parse_filter if name.endswith("filter") else parse_terms
            if getattr(self, name).strip():
                try:
                    parse(getattr(self, name))
                except ValidationError as error:
                    errors[name] = error.messages
        if errors:
            raise ValidationError(errors)


class ReportRow(ReportLine):
    per_category = models.BooleanField(
        _("按纠纷类别展开"), default=False, help_text=_("每个启用的纠纷类别重复一次，并按该类别筛选")
    )

    class Meta(ReportLine.Meta):
        verbose_name = _("报表行")
        verbose_name_plural = _("报表行")
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="report_row_code_unique")]


class ReportColumn(ReportLine):
    class Span(models.TextChoices):
        PERIOD = "period", _("本期")
        YEAR = "year", _("年度累计")

    span = models.CharField(_("统计时段"), max_length=10, choices=Span.choices, default=Span.PERIOD)
    sums_typed = models.BooleanField(
        _("人工数为各列之和"), default=False, help_text=_("小计列：人工填报的数取前面各列之和")
    )
    own_level = models.CharField(
        _("由本级计算"),
        max_length=10,
        choices=StatLevel.choices,
        blank=True,
        help_text=_("该列只由此层级的填报单位计算（如“县”列只在县级表中计算）"),
    )

    class Meta(ReportLine.Meta):
        verbose_name = _("报表列")
        verbose_name_plural = _("报表列")
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="report_column_code_unique")]


class ReportFiling(models.Model):
    """One unit's table for one period. Its versions (ReportVersion) are the frozen submissions;
    a second one is a 重新生成 (已更正)."""

    class Kind(models.TextChoices):
        MONTH = "month", _("月报")
        QUARTER = "quarter", _("季报")
        HALF = "half", _("半年报")
        YEAR = "year", _("年报")

    form = models.ForeignKey(ReportForm, verbose_name=_("报表"), on_delete=models.PROTECT)
    region = models.ForeignKey("grids.Region", verbose_name=_("填报区划"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("填报单位"), on_delete=models.PROTECT)
    kind = models.CharField(_("周期"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    due = models.DateField(_("报送期限"))
    submitted_at = models.DateTimeField(_("首次上报时间"))
    corrected = models.BooleanField(_("已更正"), default=False)

    class Meta:
        verbose_name = _("报表报送")
        verbose_name_plural = _("报表报送")
        ordering = ["-start", "region__code"]
        constraints = [
            # A second submission of the same period is refused, even by two clicks at once.
            models.UniqueConstraint(fields=["form", "region", "kind", "start"], name="report_filing_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.region_id} {self.kind} {self.start}"

    @property
    def late(self) -> bool:
        return timezone.localdate(self.submitted_at) > self.due


class ReportVersion(models.Model):
    """A frozen submission: the layout and every cell's value as they were, the definitions'
    version, 制表人, 签发人, who submitted it and when, and for a 重新生成 the reason."""

    filing = models.ForeignKey(ReportFiling, verbose_name=_("报送"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    layout = models.JSONField(_("表样"))
    cells = models.JSONField(_("数据"))
    definition_version = models.CharField(_("口径版本"), max_length=20)
    preparer = models.CharField(_("制表人"), max_length=30)
    signer = models.CharField(_("签发人"), max_length=30)
    submitted_by = models.ForeignKey(User, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("上报时间"))
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    remark = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("报表版本")
        verbose_name_plural = _("报表版本")
        ordering = ["filing", "-number"]
        constraints = [models.UniqueConstraint(fields=["filing", "number"], name="report_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.filing} v{self.number}"


class PublicAttempt(models.Model):
    """One request of the public pages that a limit counts (an SMS code asked for, a report sent,
    a query-code lookup, a wrong code): by phone (its blind index) and by address. Kept in the
    database, so the limits hold across every web process and survive a Redis outage
    (governance/throttle.py); refused attempts are kept too, and audited."""

    action = models.CharField(_("操作"), max_length=20)
    phone_index = models.CharField(_("手机号索引"), max_length=64, blank=True)
    address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    allowed = models.BooleanField(_("是否放行"), default=True)

    class Meta:
        verbose_name = _("公众服务请求")
        verbose_name_plural = _("公众服务请求")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["action", "phone_index", "at"], name="public_attempt_phone"),
            models.Index(fields=["action", "address", "at"], name="public_attempt_address"),
            models.Index(fields=["action", "at"], name="public_attempt_all"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class ThrottleGate(models.Model):
    """One row per limited action, locked while a request counts and records its attempt, so two
    processes cannot both pass the last free place (governance/throttle.py)."""

    action = models.CharField(max_length=20, unique=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.action


class PhoneCode(models.Model):
    """A one-time SMS code sent to a citizen's phone (governance/phone_codes.py). Only a keyed hash
    of the code is kept; it expires, allows a few tries, and is used once."""

    phone_index = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    purpose = models.CharField(_("用途"), max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        default_permissions = ()
        indexes = [models.Index(fields=["phone_index", "purpose", "created_at"], name="phone_code_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
