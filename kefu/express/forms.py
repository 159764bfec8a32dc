"""Forms of the express pages: they read what an agent typed and say in Chinese what is missing.

They only shape input for the services; what the input means is decided there and in the rules.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms

from kefu.errors import ServiceError
from kefu.express.models import Claim, Station
from kefu.express.rules import complaint_types, problem_parcel_kinds
from kefu.timeutil import local_days

# a browser date picker; its value must be ISO (2026-11-24) whatever the language
DAY_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ServiceErrorForm(forms.Form):
    """A form that shows a service's error next to the field it names (or above the form)."""

    # the services' and the rules' field names → this form's fields
    error_fields: dict[str, str] = {}

    def add_service_error(self, exc: ServiceError) -> None:
        field = exc.field if exc.field in self.fields else None
        for prefix, name in self.error_fields.items():
            if field is None and exc.field and exc.field.startswith(prefix):
                field = name
        self.add_error(field, exc.message)


class QueryForm(ServiceErrorForm):
    number = forms.CharField(label="运单号", required=False, max_length=40)
    sender_phone = forms.CharField(label="寄件人电话", required=False, max_length=20)
    sender_name = forms.CharField(label="寄件人姓名", required=False, max_length=50)
    date = forms.DateField(label="寄件日期", required=False, widget=DAY_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(str(data.get(k) or "").strip() for k in ("number", "sender_phone", "sender_name")):
            self.add_error("number", "请填写运单号；客户没有单号时，请填写寄件人电话或姓名")
        return data


class ProblemReportForm(ServiceErrorForm):
    waybill_number = forms.CharField(
        label="运单号", max_length=40, error_messages={"required": "请填写运单号"}
    )
    kind = forms.ChoiceField(label="问题类型")
    station = forms.ModelChoiceField(
        label="上报站点", queryset=Station.objects.none(), required=False, empty_label="运单目的站"
    )
    eta = forms.CharField(
        label="预计到达时间", required=False, max_length=40, help_text="错发异地件告知客户时要用"
    )
    note = forms.CharField(label="情况说明", required=False, max_length=500)

    def __init__(self, *args: Any, brand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, k.name) for k in problem_parcel_kinds()]
        self.fields["station"].queryset = Station.objects.filter(brand=brand)


class ProblemStepForm(ServiceErrorForm):
    step = forms.IntegerField(min_value=1)
    choice = forms.CharField(label="处理方式", required=False, max_length=30)
    note = forms.CharField(label="备注", required=False, max_length=500)


ROLE_CHOICES = [
    ("sender", "寄件人"),
    ("beneficiary", "寄件人指定的受益人"),
    ("recipient", "收件人"),
    ("other", "其他人"),
]
REASON_CHOICES = [
    ("loss", "快件丢失"),
    ("damage", "快件损毁"),
    ("mismatch", "内件不符"),
    ("delay", "快件延误"),
]
CAUSE_CHOICES = [
    ("", "尚未查明"),
    ("carrier", "运输或网点原因"),
    ("packaging", "包装原因"),
    ("customer_fault", "顾客的责任"),
    ("item_nature", "物品本身的原因"),
    ("force_majeure", "不可抗力"),
]
EXTENT_CHOICES = [("total", "完全损毁"), ("partial", "部分损毁")]
MISMATCH_CHOICES = [("item", "品名不符"), ("quantity", "数量短少"), ("weight", "重量短少")]
PACKAGED_CHOICES = [("courier", "业务员包装"), ("customer", "客户自行包装")]


class ClaimForm(ServiceErrorForm):
    waybill_number = forms.CharField(
        label="运单号", max_length=40, error_messages={"required": "请填写运单号"}
    )
    claimant_name = forms.CharField(
        label="索赔人", max_length=50, error_messages={"required": "请填写索赔人姓名"}
    )
    claimant_role = forms.ChoiceField(label="索赔人身份", choices=ROLE_CHOICES)
    reason = forms.ChoiceField(label="索赔因素", choices=Claim.Reason.choices)
    cause = forms.ChoiceField(label="损失原因", choices=CAUSE_CHOICES, required=False)
    packaged_by = forms.ChoiceField(label="包装", choices=PACKAGED_CHOICES)
    extent = forms.ChoiceField(label="损毁程度", choices=EXTENT_CHOICES, required=False)
    mismatch_kind = forms.ChoiceField(label="内件不符", choices=MISMATCH_CHOICES, required=False)
    lost_percent = forms.DecimalField(
        label="损失或短少比例（%）", required=False, min_value=Decimal("0.01"), max_value=Decimal(100)
    )
    proved_loss = forms.DecimalField(
        label="实际损失（元，未保价时）", required=False, min_value=Decimal(0), decimal_places=2
    )

    error_fields = {
        "claim.damage": "lost_percent",
        "claim.mismatch": "lost_percent",
        "claim.proved_loss": "proved_loss",
        "claim.claimant": "claimant_name",
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reason, percent = data.get("reason"), data.get("lost_percent")
        if reason == "damage" and data.get("extent") == "partial" and percent is None:
            self.add_error("lost_percent", "部分损毁请填写损失比例")
        if reason == "mismatch" and data.get("mismatch_kind") in ("quantity", "weight") and percent is None:
            self.add_error("lost_percent", "数量或重量短少请填写短少比例")
        return data

    def claim(self) -> dict[str, Any]:
        """The claim part of the engine's input (kefu/express/rules/claims.py)."""
        data = self.cleaned_data
        ratio = str(data["lost_percent"] / 100) if data.get("lost_percent") is not None else None
        claim: dict[str, Any] = {
            "claimant": {"name": data["claimant_name"].strip(), "role": data["claimant_role"]},
            "reason": data["reason"],
            "cause": data.get("cause") or None,
        }
        if data["reason"] == "damage":
            extent = data.get("extent") or "total"
            claim["damage"] = {
                "extent": extent,
                **({"value_lost_ratio": ratio} if extent == "partial" else {}),
            }
        if data["reason"] == "mismatch":
            kind = data.get("mismatch_kind") or "item"
            claim["mismatch"] = {"kind": kind, **({"ratio": ratio} if kind != "item" else {})}
        if data.get("proved_loss") is not None:
            claim["proved_loss"] = str(data["proved_loss"])
        return claim

    def waybill_facts(self) -> dict[str, Any]:
        return {"packaged_by": self.cleaned_data["packaged_by"]}


class ClaimStateForm(ServiceErrorForm):
    to = forms.ChoiceField(label="变为", choices=[(s.value, s.label) for s in Claim.State])
    amount = forms.DecimalField(label="金额（元）", required=False, min_value=Decimal(0), decimal_places=2)
    note = forms.CharField(label="说明", required=False, max_length=500)


class ComplaintForm(ServiceErrorForm):
    type = forms.ChoiceField(label="投诉类型")
    subtype = forms.ChoiceField(label="延误类型", required=False)
    waybill_number = forms.CharField(label="运单号", required=False, max_length=40)
    description = forms.CharField(
        label="投诉内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "请填写投诉内容"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = complaint_types()
        self.fields["type"].choices = [(k.code, k.name) for k in kinds]
        self.fields["subtype"].choices = [("", "—")] + [
            (code, name) for k in kinds for code, (name, _example) in k.subtypes.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = next((k for k in complaint_types() if k.code == data.get("type")), None)
        if kind and kind.subtypes and not data.get("subtype"):
            self.add_error("subtype", f"{kind.name}请选择延误类型")
        if kind and not kind.subtypes:
            data["subtype"] = ""
        return data


class ArrivalsForm(ServiceErrorForm):
    """有发无到: which station compares its arrivals, and the days the parcels were sent on."""

    station = forms.ModelChoiceField(
        label="本站点（应到站点）", queryset=Station.objects.none(), empty_label=None
    )
    since = forms.DateField(label="发出日期从", widget=DAY_INPUT)
    until = forms.DateField(label="到（含当天）", widget=DAY_INPUT)
    MAX_DAYS = 31

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(brand=brand).order_by("code")

    @classmethod
    def defaults(cls, brand: Any, today: date) -> dict[str, Any]:
        """The last seven days up to yesterday: what was sent before today and has still not arrived."""
        first = Station.objects.filter(brand=brand).order_by("code").first()
        return {
            "station": first.pk if first else None,
            "since": today - timedelta(days=7),
            "until": today - timedelta(days=1),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", "结束日期不能早于开始日期")
            elif (until - since).days >= self.MAX_DAYS:
                self.add_error("until", f"一次最多核对 {self.MAX_DAYS} 天")
        return data

    def period(self) -> tuple[datetime, datetime]:
        return local_days(self.cleaned_data["since"], self.cleaned_data["until"])
