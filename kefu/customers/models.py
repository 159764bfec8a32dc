"""Customers of a brand, and the log of every opening of a customer's record."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Right

from kefu.timeutil import local_now


class Customer(models.Model):
    """A customer profile, found by phone, name, company or contract code (月结客户)."""

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"
        UNKNOWN = "", "未知"

    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True, default="")
    title = models.CharField(
        "职务称呼", max_length=20, blank=True, help_text="如 经理、处长；话术中称“王经理”"
    )
    phone = models.CharField("电话", max_length=20, db_index=True)
    # 尾号: the last four digits, kept by the database so that "the number ending 5678" is an index lookup
    phone_tail = models.GeneratedField(
        expression=Right("phone", 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
        verbose_name="电话尾号",
    )
    company = models.CharField("公司", max_length=100, blank=True, db_index=True)
    contract_code = models.CharField("月结合同号", max_length=30, blank=True, db_index=True)
    contract_discount = models.DecimalField(
        "月结运费折扣",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="与月结客户协商的运费折扣，如 0.85 为按价目表打八五折；留空按价目表原价。月结时按此核对每票运费。",
    )
    vip_level = models.PositiveSmallIntegerField(
        "VIP 等级", default=0, help_text="0 为普通客户，数字越大优先级越高"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField("建档时间", default=local_now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "客户"
        constraints = [
            models.UniqueConstraint(fields=["brand", "phone"], name="customer_unique_phone_per_brand"),
            models.CheckConstraint(name="customer_vip_level_range", condition=models.Q(vip_level__lte=5)),
            models.CheckConstraint(
                name="customer_contract_discount_range",
                condition=models.Q(contract_discount__isnull=True)
                | models.Q(contract_discount__gt=0, contract_discount__lte=1),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def salutation(self) -> str:
        """王先生 / 李女士 / 张经理, as the seeds address customers (003 服务语言规范)."""
        surname = self.name[:1]
        if self.title:
            return f"{surname}{self.title}"
        return surname + {"male": "先生", "female": "女士"}.get(self.gender, "先生/女士")


class CustomerAccessLog(models.Model):
    """Every opening of a customer's record (000 工作操守 3.9: no browsing customer data without need).

    The row outlives the customer: deleting a customer keeps who looked, when and where, with the customer's
    id, name and brand copied here."""

    customer = models.ForeignKey(
        Customer,
        verbose_name="客户",
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_log",
    )
    customer_ref = models.PositiveBigIntegerField("客户编号", db_index=True)
    customer_name = models.CharField("客户姓名", max_length=50)
    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT)
    at = models.DateTimeField("时间", default=local_now, editable=False)
    via = models.CharField("查看途径", max_length=100, help_text="页面或接口，如 工单页 T20261201-0001")
    reason = models.CharField("用途", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户资料查看记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} 查看 {self.customer_name}"
