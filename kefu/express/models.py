"""Express delivery records: stations, couriers, waybills and scans, pickup orders, claims, settlements.

Seed 004_4ea5f35392de9aaf.txt: 第一节 (取件), 第二节 (查询), 第四节 (理赔), 第五篇 二 (月结, 问题件, 有发无到).
"""

import operator
from collections.abc import Iterable
from datetime import timedelta
from functools import reduce
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from kefu.timeutil import local_now

MONEY = {"max_digits": 12, "decimal_places": 2}


class Station(models.Model):
    """A station (站点/营业部/分拨中心) of a brand's network; scans happen at stations."""

    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="stations"
    )
    code = models.CharField("站点代码", max_length=20)
    name = models.CharField("站点名称", max_length=50)
    province = models.CharField("省份", max_length=20)
    city = models.CharField("城市", max_length=20, blank=True)
    district = models.CharField("区县", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站点"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="station_code_unique_per_brand")
        ]

    def __str__(self) -> str:
        return self.name


class Courier(models.Model):
    """A courier (业务员) of a station who collects in an area (pickups are dispatched by area)."""

    station = models.ForeignKey(
        Station, verbose_name="站点", on_delete=models.PROTECT, related_name="couriers"
    )
    name = models.CharField("姓名", max_length=30)
    phone = models.CharField("电话", max_length=20)
    area = models.CharField(
        "负责区域", max_length=50, help_text="区县或街道名，取件地址含此名称时派给该业务员"
    )
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "业务员"
        ordering = ["station", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.area}）"


class Payment(models.TextChoices):
    SENDER = "sender", "寄付"
    RECIPIENT = "recipient", "到付"
    MONTHLY = "monthly", "月结"


class Waybill(models.Model):
    """A waybill (运单/面单). The number is unique per brand and fits the brand's own format."""

    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="waybills"
    )
    number = models.CharField("运单号", max_length=40)
    sender_name = models.CharField("寄件人", max_length=50, blank=True)
    sender_phone = models.CharField("寄件人电话", max_length=20, blank=True)
    sender_address = models.CharField("寄件地址", max_length=200, blank=True)
    recipient_name = models.CharField("收件人", max_length=50, blank=True)
    recipient_phone = models.CharField("收件人电话", max_length=20, blank=True)
    recipient_address = models.CharField("收件地址", max_length=200, blank=True)
    origin = models.ForeignKey(Station, verbose_name="始发站", on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(
        Station, verbose_name="目的站", on_delete=models.PROTECT, related_name="+"
    )
    item_name = models.CharField("品名", max_length=100, blank=True)
    pieces = models.PositiveIntegerField("件数", default=1)
    weight_kg = models.DecimalField("重量（公斤）", max_digits=9, decimal_places=2)
    volume_cm3 = models.DecimalField(
        "体积（立方厘米）", max_digits=12, decimal_places=0, null=True, blank=True
    )
    declared_value = models.DecimalField("声明价值", null=True, blank=True, **MONEY)
    insured = models.BooleanField("已保价", default=False)
    freight = models.DecimalField("运费", **MONEY)
    insurance_fee = models.DecimalField("保价费", default=0, **MONEY)
    payment = models.CharField("付款方式", max_length=10, choices=Payment.choices, default=Payment.SENDER)
    contract_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="月结客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_waybills",
        db_index=False,  # covered by the (contract_customer, shipped_at) index
    )
    shipped_at = models.DateTimeField("收寄时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "运单"
        ordering = ["-shipped_at"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "number"], name="waybill_number_unique_per_brand"),
            models.CheckConstraint(
                name="waybill_monthly_has_customer",
                condition=~Q(payment="monthly") | Q(contract_customer__isnull=False),
            ),
            models.CheckConstraint(
                name="waybill_fees_not_negative", condition=Q(freight__gte=0, insurance_fee__gte=0)
            ),
        ]
        indexes = [
            models.Index(fields=["contract_customer", "shipped_at"]),
            # a customer's waybills newest first (the workspace's card and timeline), 无单号查询 by phone or name
            models.Index(fields=["sender_phone", "shipped_at"], name="waybill_sender_phone_idx"),
            models.Index(fields=["recipient_phone", "shipped_at"], name="waybill_recipient_phone_idx"),
            models.Index(fields=["sender_name", "shipped_at"], name="waybill_sender_name_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_fee(self):
        return self.freight + self.insurance_fee


class ScanKind(models.TextChoices):
    PICKED_UP = "收件", "收件"
    DEPARTED = "发出", "发出"
    ARRIVED = "到达", "到达"
    OUT_FOR_DELIVERY = "派送", "派送"
    SIGNED = "签收", "签收"
    PROBLEM = "问题件", "问题件"


class BulkRowId(models.BigAutoField):
    """The id of a million-row table: on SQLite a plain INTEGER PRIMARY KEY, without AUTOINCREMENT.

    AUTOINCREMENT makes SQLite read and rewrite sqlite_sequence for every inserted row (a fifth of a
    scan import's time); without it a new row takes max(id)+1, which only differs when the newest row
    has been deleted, and scans are never deleted. PostgreSQL keeps its identity column.
    """

    def db_type_suffix(self, connection):
        return None if connection.vendor == "sqlite" else super().db_type_suffix(connection)


def one_of(field: str, values: Iterable[str]) -> Q:
    """field = a OR field = b …: SQLite builds a temporary table for a CHECK's IN (…) on every insert."""
    return reduce(operator.or_, (Q(**{field: value}) for value in values))


class Scan(models.Model):
    """One scan (巴枪扫描) of a waybill at a station; the same scan imported twice is stored once."""

    id = BulkRowId(primary_key=True)

    # The FK columns are covered by the composite indexes below: fewer indexes, faster bulk imports.
    waybill = models.ForeignKey(
        Waybill, verbose_name="运单", on_delete=models.CASCADE, related_name="scans", db_index=False
    )
    kind = models.CharField("扫描类型", max_length=10, choices=ScanKind.choices)
    at = models.DateTimeField("扫描时间")
    station = models.ForeignKey(
        Station, verbose_name="站点", on_delete=models.PROTECT, related_name="scans", db_index=False
    )
    next_station = models.ForeignKey(
        Station,
        db_index=False,
        verbose_name="下一站",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="发出扫描时发往的站点（用于有发无到核对）",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "扫描记录"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["waybill", "kind", "at", "station"], name="scan_unique"),
            models.CheckConstraint(name="scan_kind_valid", condition=one_of("kind", ScanKind.values)),
        ]
        indexes = [
            # 有发无到 looks up departures by next station; only 发出 scans name one, so the others stay out.
            models.Index(
                fields=["next_station", "kind", "at"],
                name="scan_next_station_idx",
                condition=Q(next_station__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.waybill_id} {self.kind}"


class FeeRecord(models.Model):
    """A fee written on a face sheet (面单) by the station, reconciled against waybills at settlement.

    The same file imported twice stores nothing twice (unique by file fingerprint and line), while
    a number written twice on the sheets is kept so that settlement can list it as a duplicate.
    """

    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("运单号", max_length=40)
    contract_code = models.CharField("月结合同号", max_length=30)
    amount = models.DecimalField("面单费用", **MONEY)
    month = models.DateField("月份", help_text="该月 1 日")
    source = models.CharField("来源文件指纹", max_length=64)
    line = models.PositiveIntegerField("行号")

    class Meta:
        verbose_name = verbose_name_plural = "面单费用记录"
        constraints = [
            models.UniqueConstraint(fields=["brand", "source", "line"], name="fee_record_unique_line")
        ]
        # settlement looks records up by (brand, month, number) for every waybill of the month
        indexes = [models.Index(fields=["brand", "month", "number"])]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"


class PickupOrder(models.Model):
    """A pickup order (取件) with the answers given at once (004 第一节 二)."""

    class Status(models.TextChoices):
        REFUSED = "refused", "不能受理"
        DISPATCHED = "dispatched", "已通知业务员"
        UNASSIGNED = "unassigned", "待分派"
        PICKED_UP = "picked_up", "已取件"
        CANCELLED = "cancelled", "已取消"

    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pickup_orders",
    )
    customer_name = models.CharField("客户名称", max_length=100)
    returning_customer = models.BooleanField("老客户", default=False)
    origin = models.CharField("寄件地区", max_length=60)
    destination = models.CharField("目的地", max_length=60)
    item_name = models.CharField("品名", max_length=100)
    pieces = models.PositiveIntegerField("件数")
    weight_kg = models.DecimalField("重量（公斤）", max_digits=9, decimal_places=2)
    dimensions_cm = models.CharField("尺寸（厘米）", max_length=40, blank=True)
    special_handling = models.CharField("特殊要求", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    phone = models.CharField("电话", max_length=20)
    address = models.CharField("取件地址", max_length=200)
    requested_time = models.DateTimeField("约定取件时间", null=True, blank=True)
    assessment = models.JSONField("受理判断", default=dict)
    # none for a refused order: it is neither priced nor given a pickup time
    price = models.DecimalField("报价", null=True, blank=True, **MONEY)
    pickup_from = models.DateTimeField("预计取件开始", null=True, blank=True)
    pickup_until = models.DateTimeField("预计取件截止", null=True, blank=True, db_index=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    courier = models.ForeignKey(
        Courier, verbose_name="业务员", null=True, blank=True, on_delete=models.PROTECT
    )
    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pickup_order",
    )
    created_at = models.DateTimeField("下单时间")
    picked_up_at = models.DateTimeField("取件时间", null=True, blank=True)
    late_notified_at = models.DateTimeField("已告知延迟", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "取件订单"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer_name} {self.item_name}"


class Claim(models.Model):
    """A claim (理赔): a ticket of type 理赔 with the engine's decision and its state."""

    class State(models.TextChoices):
        FILED = "filed", "已申告"
        ACKNOWLEDGED = "acknowledged", "已受理"
        PROPOSED = "proposed", "已提出方案"
        AGREED = "agreed", "已达成一致"
        PAID = "paid", "已赔付"
        REFUSED = "refused", "不予赔偿"

    class Reason(models.TextChoices):
        LOSS = "loss", "快件丢失"
        DAMAGE = "damage", "快件损毁"
        MISMATCH = "mismatch", "内件不符"
        DELAY = "delay", "快件延误"

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="claim"
    )
    waybill = models.ForeignKey(Waybill, verbose_name="运单", on_delete=models.PROTECT, related_name="claims")
    claimant_name = models.CharField("索赔人", max_length=50)
    reason = models.CharField("索赔因素", max_length=20, choices=Reason.choices)
    request = models.JSONField("申告内容", default=dict)
    decision = models.JSONField("判定结果", default=dict)
    eligible = models.BooleanField("可赔")
    amount = models.DecimalField("判定金额", **MONEY)
    agreed_amount = models.DecimalField("约定金额", null=True, blank=True, **MONEY)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.FILED)
    filed_at = models.DateTimeField("申告时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = verbose_name_plural = "理赔"
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                name="claim_state_valid",
                condition=Q(state__in=["filed", "acknowledged", "proposed", "agreed", "paid", "refused"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_state_display()}"


# A claim moves filed → acknowledged → proposed → agreed → paid, or is refused on the way (004 A.5).
CLAIM_FLOW = {
    Claim.State.FILED: {Claim.State.ACKNOWLEDGED, Claim.State.REFUSED},
    Claim.State.ACKNOWLEDGED: {Claim.State.PROPOSED, Claim.State.REFUSED},
    Claim.State.PROPOSED: {Claim.State.AGREED, Claim.State.REFUSED},
    Claim.State.AGREED: {Claim.State.PAID},
}


class Settlement(models.Model):
    """One monthly settlement run (月结) of a brand."""

    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份", help_text="该月 1 日")
    created_at = models.DateTimeField("结算时间")
    waybills = models.PositiveIntegerField("运单数", default=0)
    total = models.DecimalField("费用合计", default=0, **MONEY)
    problems = models.PositiveIntegerField("差异条数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "月结"
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["brand", "month"], name="settlement_unique_month")]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.month:%Y-%m}"


class Statement(models.Model):
    """A contract customer's statement for the month: 收件 and 派件 totals, and the recorded total."""

    settlement = models.ForeignKey(
        Settlement, verbose_name="月结", on_delete=models.CASCADE, related_name="statements"
    )
    customer = models.ForeignKey("customers.Customer", verbose_name="月结客户", on_delete=models.PROTECT)
    area = models.CharField("区域", max_length=50, help_text="负责收款的业务员所在站点")
    waybills = models.PositiveIntegerField("运单数")
    incoming_total = models.DecimalField("收件费用", **MONEY)
    outgoing_total = models.DecimalField("派件费用", **MONEY)
    total = models.DecimalField("合计", **MONEY)
    recorded_total = models.DecimalField("面单记录合计", **MONEY)
    problems = models.PositiveIntegerField("差异条数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "月结对账单"
        ordering = ["area", "customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "customer"], name="statement_unique_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.total}"


class Discrepancy(models.Model):
    """One line that does not reconcile: fee differs, missing on either side, written twice, or priced off the tariff."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", "金额不符"
        NOT_RECORDED = "not_recorded", "面单漏记"
        NO_WAYBILL = "no_waybill", "系统无此运单"
        DUPLICATE = "duplicate", "重复记录"
        TARIFF = "tariff", "运费与价目表不符"

    statement = models.ForeignKey(
        Statement,
        verbose_name="对账单",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discrepancies",
    )
    settlement = models.ForeignKey(
        Settlement, verbose_name="月结", on_delete=models.CASCADE, related_name="discrepancies"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    number = models.CharField("运单号", max_length=40)
    contract_code = models.CharField("月结合同号", max_length=30, blank=True)
    system_amount = models.DecimalField("系统费用", null=True, blank=True, **MONEY)
    recorded_amount = models.DecimalField("面单费用", null=True, blank=True, **MONEY)
    expected_amount = models.DecimalField(
        "价目表运费", null=True, blank=True, help_text="按价目表（及合同折扣）重新计算的运费", **MONEY
    )
    detail = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["kind", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def difference(self):
        """System amount minus the tariff (or face-sheet) amount: positive when the waybill charges more."""
        other = self.expected_amount if self.expected_amount is not None else self.recorded_amount
        if self.system_amount is None or other is None:
            return None
        return self.system_amount - other


class ProblemParcel(models.Model):
    """A problem parcel (问题件) handled between the destination and the origin station (004 第五篇 二 (二)).

    `steps` is the kind's plan from the rulebook, copied when the parcel is reported, with each step's
    state (see kefu/express/rules/problems.py); steps are done in order through services.problem_advance.
    """

    waybill = models.ForeignKey(
        Waybill, verbose_name="运单", on_delete=models.PROTECT, related_name="problems"
    )
    kind = models.CharField("问题类型", max_length=30)
    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="problem_parcel"
    )
    reported_by = models.ForeignKey(
        Station, verbose_name="上报站点", on_delete=models.PROTECT, related_name="+"
    )
    origin = models.ForeignKey(Station, verbose_name="发出站点", on_delete=models.PROTECT, related_name="+")
    steps = models.JSONField("处理步骤", default=list, help_text="每步：站点、动作、状态、处理人、时间、备注")
    choice = models.CharField(
        "处理方式", max_length=30, blank=True, help_text="坐席记录的选择，如超区件的到站自提或转出"
    )
    notice_values = models.JSONField("告知客户用语参数", default=dict, blank=True)
    created_at = models.DateTimeField("上报时间")

    class Meta:
        verbose_name = verbose_name_plural = "问题件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.waybill_id} {self.kind}"


class ArrivalFollowUp(models.Model):
    """A waybill sent to a station that never arrived there (有发无到), followed up once (004 第五篇 二 (三)).

    One row per receiving station and waybill, so comparing the same days again opens nothing twice;
    the ticket is the one opened for the origin station, listing all its missing parcels.
    """

    station = models.ForeignKey(
        Station, verbose_name="应到站点", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    waybill = models.ForeignKey(Waybill, verbose_name="运单", on_delete=models.PROTECT, related_name="+")
    origin = models.ForeignKey(Station, verbose_name="发出站点", on_delete=models.PROTECT, related_name="+")
    departed_at = models.DateTimeField("发出时间")
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name="跟进工单", on_delete=models.PROTECT, related_name="arrival_follow_ups"
    )
    created_at = models.DateTimeField("跟进时间")

    class Meta:
        verbose_name = verbose_name_plural = "有发无到跟进"
        constraints = [
            models.UniqueConstraint(fields=["station", "waybill"], name="arrival_follow_up_once_per_station")
        ]

    def __str__(self) -> str:
        return f"{self.waybill_id} → {self.station_id}"


class ImportJob(models.Model):
    """A file uploaded on the import page and imported in the background, with its progress and summary.

    The file is kept, so an interrupted import can be run again: rows already stored are skipped.
    """

    class Kind(models.TextChoices):
        WAYBILLS = "waybills", "运单"
        SCANS = "scans", "扫描记录"
        FEES = "fees", "面单费用"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("数据类型", max_length=10, choices=Kind.choices)
    file_name = models.CharField("文件名", max_length=200)
    path = models.CharField("保存位置", max_length=300)
    size = models.PositiveBigIntegerField("文件大小（字节）")
    done_bytes = models.PositiveBigIntegerField("已读取（字节）", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    read = models.PositiveIntegerField("读取行数", default=0)
    stored = models.PositiveIntegerField("新存入", default=0)
    skipped = models.PositiveIntegerField("已存在跳过", default=0)
    rejected_count = models.PositiveIntegerField("拒收行数", default=0)
    rejected = models.JSONField("拒收明细", default=list, blank=True, help_text="前 1000 行：行号与原因")
    error = models.TextField("失败原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间")
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    # a running import writes its progress every half second; silence as long as a job's lease means its
    # worker stopped (kefu.jobs then resumes it)
    STALE_AFTER = timedelta(seconds=settings.JOB_LEASE_SECONDS)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def interrupted(self) -> bool:
        return (
            self.status == self.Status.RUNNING
            and self.heartbeat_at is not None
            and local_now() - self.heartbeat_at > self.STALE_AFTER
        )

    @property
    def seconds(self) -> int | None:
        """How long the import took, from upload to the end."""
        return (
            None if self.finished_at is None else round((self.finished_at - self.created_at).total_seconds())
        )

    @property
    def file_path(self) -> Path:
        """The kept upload, under KEFU_FILES_DIR (the directory every node shares); rows from before it hold an
        absolute path, which the join leaves as it is."""
        return Path(settings.FILES_DIR) / self.path

    @property
    def can_rerun(self) -> bool:
        return self.status == self.Status.FAILED or self.interrupted

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done_bytes * 100 // self.size) if self.size else 0
