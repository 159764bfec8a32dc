"""The form an agent fills in to end a chat: resolved, or pending with the promise made (000 二 (一); 002 一（二）2)."""

from __future__ import annotations

from django import forms

from kefu.accounts.models import Department
from kefu.chat.services import Pending


class EndChatForm(forms.Form):
    outcome = forms.ChoiceField(
        label="会话结果",
        choices=[("resolved", "已解决"), ("pending", "未解决，已向客户作出承诺")],
        error_messages={"required": "请选择会话结果：已解决，或未解决但已作出承诺"},
    )
    department = forms.ModelChoiceField(
        label="转交部门", queryset=Department.objects.all(), to_field_name="code", required=False
    )
    promised_at = forms.DateTimeField(
        label="承诺答复时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "承诺答复时间的格式不对，请从日历中选择"},
    )
    promise = forms.CharField(label="向客户承诺的内容", required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "pending":
            if not data.get("department"):
                self.add_error("department", "请选择转交的部门")
            if not data.get("promised_at"):
                self.add_error("promised_at", "请填写承诺答复客户的时间")
        return data

    def first_error(self) -> str:
        return next(e for errors in self.errors.values() for e in errors)

    def pending(self) -> Pending | None:
        data = self.cleaned_data
        if data["outcome"] != "pending":
            return None
        return Pending(
            department=data["department"], promised_at=data["promised_at"], promise=data["promise"]
        )
