"""Brands served by the contact center, and the working-calendar years loaded by an admin."""

import datetime as dt

from django.db import models

from kefu.brands.rules import new_identity_secret
from kefu.timeutil import local_now


class Brand(models.Model):
    """A brand the contact center answers for; tickets, queues and scripts belong to one."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("品牌名称", max_length=50, unique=True)
    greeting_name = models.CharField(
        "问候语中的名称", max_length=50, help_text="开始语中报出的名称，如“欧飞”"
    )
    hotline = models.CharField("服务热线", max_length=30, blank=True)
    profile = models.CharField(
        "服务规范", max_length=30, default="generic", help_text="kefu.standards 的话术与忌语规范编号"
    )
    service_start = models.TimeField("服务开始时间", default=dt.time(9, 0))
    service_end = models.TimeField(
        "服务结束时间", default=dt.time(21, 0), help_text="与开始时间相同表示 24 小时服务"
    )
    open_on_holidays = models.BooleanField("节假日照常服务", default=True)
    overflow_after_seconds = models.PositiveIntegerField(
        "溢出等待（秒）",
        null=True,
        blank=True,
        help_text="先只分配给本品牌的首选班组，客户等待超过这么多秒后也分配给其他服务本品牌的班组；留空表示一开始就分配给所有班组",
    )
    leave_message_after_seconds = models.PositiveIntegerField(
        "排队多久后可留言（秒）",
        default=300,
        help_text="在线客户排队超过这么多秒仍未接入时，可以选择留言（002 在线沟通礼仪：避免让客户等待超过5分钟）；非服务时间或无坐席签入时随时可以留言",
    )
    identity_secret = models.CharField(
        "身份验证密钥",
        max_length=64,
        default=new_identity_secret,
        editable=False,
        help_text="品牌网站用它为已登录客户的身份签名 (HMAC-SHA256)，在线客服据此确认客户身份；只有管理员可见，泄露后请重新生成",
    )

    class Meta:
        verbose_name = verbose_name_plural = "品牌"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CalendarYear(models.Model):
    """A year's official holiday schedule (国务院办公厅通知), loaded for years chinese-calendar does not cover."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    schedule = models.JSONField(
        "安排", help_text='{"holidays": {"2027-01-01": "new_year", …}, "workdays": ["…"]}'
    )
    source = models.CharField("来源", max_length=200)
    loaded_at = models.DateTimeField("载入时间", default=local_now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排"

    def save(self, *args, **kwargs):
        # loaded_at keys the calendar cache: every change, in the admin too, gives it a new value
        self.loaded_at = local_now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "loaded_at"}
        super().save(*args, **kwargs)
