"""The 新建工单 form: what an agent types while a caller is on the line, checked in Chinese field by field.

It only shapes input for services.ticket_intake, which finds or creates the customer and opens the ticket.
"""

from __future__ import annotations

from typing import Any

from django import forms

from kefu.forms import ServiceErrorForm
from kefu.tickets.models import Channel, TicketType

# The contacts an agent records by hand; chat and outbound work open their tickets themselves.
RECORDED_CHANNELS = (Channel.PHONE, Channel.EMAIL, Channel.WALK_IN)


class NewTicketForm(ServiceErrorForm):
    brand = forms.ChoiceField(label="品牌")
    channel = forms.ChoiceField(label="来源", choices=[(c.value, c.label) for c in RECORDED_CHANNELS])
    type = forms.ChoiceField(label="类型")
    phone = forms.CharField(
        label="客户电话", required=False, max_length=30, help_text="按电话找到老客户，找不到时新建"
    )
    name = forms.CharField(label="客户姓名", required=False, max_length=50, help_text="新客户必填")
    waybill_number = forms.CharField(label="运单号", required=False, max_length=40)
    subject = forms.CharField(label="主题", max_length=200, error_messages={"required": "请填写工单主题"})
    description = forms.CharField(
        label="来电记录", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, brands, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = [(b.code, b.name) for b in brands]
        self.fields["type"].choices = [(t.code, t.name) for t in TicketType.objects.filter(active=True)]

    def intake(self) -> dict[str, Any]:
        """The arguments of services.ticket_intake."""
        data = self.cleaned_data
        customer = {"name": data["name"], "phone": data["phone"]} if data["phone"].strip() else None
        fields = ("brand", "type", "channel", "subject", "description", "waybill_number")
        return {**{k: data[k] for k in fields}, "customer": customer}
