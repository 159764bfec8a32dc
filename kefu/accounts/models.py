"""People: agents with 工号, teams, departments that tickets are handed to, API tokens."""

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from kefu.timeutil import local_now


class Team(models.Model):
    """A group of agents serving one or more brands; the seed allows one agent on 小休 at a time."""

    name = models.CharField("名称", max_length=50, unique=True)
    brands = models.ManyToManyField("brands.Brand", verbose_name="服务品牌", blank=True, related_name="teams")
    max_on_break = models.PositiveSmallIntegerField(
        "同时小休人数上限", default=1, help_text="000 工作操守 3.6: 每次只能有一位员工离开岗位"
    )
    chat_capacity = models.PositiveSmallIntegerField(
        "每人同时接待会话数",
        default=3,
        help_text="系统自动分配时，每位坐席同时进行中和待接起的会话最多这么多（在线客服通常 3–5 个）",
    )
    accept_seconds = models.PositiveSmallIntegerField(
        "接起时限（秒）", default=20, help_text="分配给坐席后这么多秒内未接起，转给下一位坐席"
    )
    ready_on_sign_in = models.BooleanField(
        "签入即就绪",
        default=False,
        help_text="勾选后坐席签入直接进入“就绪”；不勾选则先“已签入”，准备好后自己点“就绪”",
    )
    wrap_up_seconds = models.PositiveIntegerField(
        "话后处理时长（秒）",
        default=120,
        help_text="会话结束后的话后处理超过这么久自动转为“就绪”（坐席可延长一次）；0 表示不自动结束",
    )

    class Meta:
        verbose_name = verbose_name_plural = "班组"

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department outside the contact center that tickets are handed off to (营业部, 分拨中心 …)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: an agent, a supervisor or an administrator."""

    class Role(models.TextChoices):
        AGENT = "agent", "坐席"
        SUPERVISOR = "supervisor", "主管"
        ADMIN = "admin", "管理员"

    agent_no = models.CharField("工号", max_length=10, null=True, blank=True, unique=True)
    display_name = models.CharField("姓名", max_length=30, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.AGENT)
    team = models.ForeignKey(Team, verbose_name="班组", null=True, blank=True, on_delete=models.SET_NULL)
    granted_brands = models.ManyToManyField(
        "brands.Brand",
        verbose_name="另行授权的品牌",
        blank=True,
        related_name="granted_to",
        help_text="主管除本班组服务的品牌外还可查看的品牌；坐席只看本班组的品牌，管理员看全部",
    )

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        constraints = [
            models.CheckConstraint(
                name="agent_has_agent_no",
                condition=~Q(role="agent") | Q(agent_no__isnull=False),
                violation_error_message="坐席必须有工号",
            )
        ]

    def __str__(self) -> str:
        name = self.display_name or self.username
        return f"{name}({self.agent_no})" if self.agent_no else name

    @property
    def is_supervisor(self) -> bool:
        """A supervisor or an admin (kefu.accounts.access: LEADS)."""
        from kefu.accounts import access

        return access.role_of(self) in access.LEADS


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A bearer token for the JSON API (`Authorization: Bearer <key>`)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=50, default="api")
    key = models.CharField("令牌", max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField("创建时间", default=local_now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"
