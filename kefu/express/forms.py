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
from kefu.express.rules import InputError, Place, complaint_types, problem_parcel_kinds
from kefu.express.rules.divisions import check_place, divisions
from kefu.express.rules.phone import check_phone
from kefu.express.rules.pickup import (
    check_dimensions,
    check_pickup_time,
    check_pieces,
    check_weight,
    parse_number,
    parse_pickup_time,
    parse_pieces,
)
from kefu.express.rules.text import place_key
from kefu.forms import ServiceErrorForm
from kefu.timeutil import local_days

# a browser date picker; its value must be ISO (2026-11-24) whatever the language
DAY_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


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


def _place_fields(prefix: str, name: str) -> dict[str, forms.Field]:
    return {
        f"{prefix}_province": forms.CharField(
            label=f"{name}省份", max_length=30, error_messages={"required": f"请选择{name}的省份"}
        ),
        f"{prefix}_city": forms.CharField(label="城市", required=False, max_length=30),
        f"{prefix}_district": forms.CharField(label="区县", required=False, max_length=30),
    }


class PickupForm(ServiceErrorForm):
    """取件下单 (004 第一节 二 2): what the agent types while the customer is on the line.

    Each field is checked by the same pure rules the service applies (kefu/express/rules: divisions, phone,
    pickup limits and time), so every mistake is shown beside its field at once, in Chinese."""

    customer_name = forms.CharField(label="客户名称", required=False, max_length=100)
    returning = forms.BooleanField(label="老客户（电话已建档时自动识别）", required=False)
    locals().update(_place_fields("origin", "寄件地"))
    locals().update(_place_fields("dest", "目的地"))
    item_name = forms.CharField(label="品名", max_length=100, error_messages={"required": "请填写品名"})
    pieces = forms.CharField(label="件数", max_length=10, error_messages={"required": "请填写件数"})
    weight_kg = forms.CharField(
        label="重量（公斤）", max_length=20, error_messages={"required": "请填写重量"}
    )
    length = forms.CharField(label="长", required=False, max_length=10)
    width = forms.CharField(label="宽", required=False, max_length=10)
    height = forms.CharField(label="高", required=False, max_length=10)
    special_handling = forms.CharField(label="特殊操作要求", required=False, max_length=200)
    contact_name = forms.CharField(
        label="联系人", max_length=50, error_messages={"required": "请填写取件联系人"}
    )
    phone = forms.CharField(label="电话", max_length=30, error_messages={"required": "请填写联系电话"})
    pickup_time = forms.CharField(label="约定取件时间", required=False, max_length=30)
    address = forms.CharField(label="取件地址", max_length=200, error_messages={"required": "请填写取件地址"})

    error_fields = {
        "origin.province": "origin_province",
        "origin.city": "origin_city",
        "origin.district": "origin_district",
        "destination.province": "dest_province",
        "destination.city": "dest_city",
        "destination.district": "dest_district",
        "origin": "origin_province",
        "destination": "dest_province",
        "dimensions_cm": "length",
    }

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        # the 省市区 picker (static/express/pickup.js): each place field offers the names of the one above it
        for prefix in ("origin", "dest"):
            for part, listed in (
                ("province", "xp-provinces"),
                ("city", f"xp-{prefix}-cities"),
                ("district", f"xp-{prefix}-districts"),
            ):
                attrs = self.fields[f"{prefix}_{part}"].widget.attrs
                attrs.update({"list": listed, "autocomplete": "off", "data-place": f"{prefix} {part}"})
        self.fields["pickup_time"].widget.input_type = "datetime-local"
        self.fields["pieces"].widget.attrs["inputmode"] = "numeric"
        self.fields["weight_kg"].widget.attrs["inputmode"] = "decimal"
        for side in ("length", "width", "height"):
            self.fields[side].widget.attrs.update(
                {"size": "4", "inputmode": "decimal", "aria-label": self.fields[side].label}
            )

    def _check(self, name: str, check: Any) -> Any:
        """Run one pure check; its InputError goes beside the field it names."""
        try:
            return check()
        except InputError as exc:
            self.add_service_error(ServiceError(exc.message, field=exc.field or name))
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for prefix, key in (("origin", "origin"), ("dest", "destination")):
            if data.get(f"{prefix}_province"):
                place = Place(
                    *(data.get(f"{prefix}_{part}", "") for part in ("province", "city", "district"))
                )
                self._check(f"{prefix}_province", lambda p=place, k=key: check_place(p, k))
        if data.get("phone"):
            self._check("phone", lambda: check_phone(data["phone"]))
        if data.get("pieces"):
            self._check("pieces", lambda: check_pieces(parse_pieces(data["pieces"])))
        if data.get("weight_kg"):
            self._check("weight_kg", lambda: check_weight(parse_number(data["weight_kg"], "weight_kg")))
        sides = [data.get(k, "") for k in ("length", "width", "height")]
        if any(sides):
            if not all(sides):
                self.add_error("length", "请填写长、宽、高三项，或都不填")
            else:
                self._check(
                    "length",
                    lambda: check_dimensions(tuple(parse_number(v, "dimensions_cm") for v in sides)),
                )
        if data.get("pickup_time"):
            self._check(
                "pickup_time",
                lambda: check_pickup_time(parse_pickup_time(data["pickup_time"]), self.now),
            )
        return data

    def pickup_data(self) -> dict[str, Any]:
        """The service's input (kefu/express/rules/pickup.py parse_pickup)."""
        data = self.cleaned_data
        sides = [data.get(k, "") for k in ("length", "width", "height")]
        return {
            "customer_name": data.get("customer_name", ""),
            "returning_customer": bool(data.get("returning")),
            "origin": {p: data.get(f"origin_{p}", "") for p in ("province", "city", "district")},
            "destination": {p: data.get(f"dest_{p}", "") for p in ("province", "city", "district")},
            "item_name": data["item_name"],
            "pieces": data["pieces"],
            "weight_kg": data["weight_kg"],
            "dimensions_cm": sides if all(sides) else None,
            "special_handling": data.get("special_handling", ""),
            "contact_name": data["contact_name"],
            "phone": data["phone"],
            "address": data["address"],
            "pickup_time": data.get("pickup_time") or None,
        }


def pickup_places(form: PickupForm) -> dict[str, Any]:
    """The picker's lists for what is chosen now (so it works before its script has loaded, or without it)."""
    tree = divisions()
    value = form.data.get if form.is_bound else (lambda _key, default="": default)
    lists: dict[str, Any] = {"provinces": list(tree)}
    for prefix in ("origin", "dest"):
        province = next((p for p in tree if place_key(p) == place_key(value(f"{prefix}_province", ""))), None)
        cities = tree.get(province or "", {})
        city = next((c for c in cities if place_key(c) == place_key(value(f"{prefix}_city", ""))), None)
        lists[f"{prefix}_cities"] = list(cities)
        lists[f"{prefix}_districts"] = list(cities.get(city or "", ()))
    return lists
