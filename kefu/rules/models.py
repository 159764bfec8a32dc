"""A brand's own rules: overrides of the shipped rulebooks (kefu/standards/rulebooks), and their history.

The YAML in the package is the shipped default; what a supervisor changes for a brand is a row here, merged
into the rulebook when it is read (kefu.rules.selectors). Every change appends a RuleChange with the state
before and after, so the history can be read and any change reverted.
"""

from django.conf import settings
from django.db import models

from kefu.timeutil import local_now


class RuleKind(models.TextChoices):
    FORBIDDEN = "forbidden", "服务忌语"
    PHRASE = "phrase", "话术"
    SLA = "sla", "SLA 时限"


class RuleOverride(models.Model):
    """One rule of one brand as the brand has it: a forbidden phrase (the rule in forbidden.yaml's format, or
    null: the shipped rule switched off), a situation's phrase variants (a list in phrasebook.yaml's format) or a
    ticket type's own SLA targets (a list in sla.yaml's format, each replacing the shipped one of its code)."""

    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="rule_overrides"
    )
    kind = models.CharField("种类", max_length=20, choices=RuleKind.choices)
    key = models.CharField("规则", max_length=60, help_text="忌语规则、话术情景或工单类型的编号")
    value = models.JSONField("内容", null=True, blank=True, help_text="为空表示停用该条出厂规则")
    changed_at = models.DateTimeField("修改时间", default=local_now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = verbose_name_plural = "品牌规则"
        ordering = ["brand", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["brand", "kind", "key"], name="rule_override_once")]

    def __str__(self) -> str:
        return f"{self.brand} · {self.get_kind_display()} · {self.key}"


class RuleChange(models.Model):
    """One change of a brand's rule, never edited: the override before and after ({"value": …}, or null when
    the brand had none and the shipped rule applied), who made it, when and why."""

    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("种类", max_length=20, choices=RuleKind.choices)
    key = models.CharField("规则", max_length=60)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField("时间", default=local_now)
    reason = models.CharField("理由", max_length=200)
    reverts = models.ForeignKey(
        "self", verbose_name="撤销的修改", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "规则修改记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["brand", "-id"], name="rule_change_brand_latest")]

    def __str__(self) -> str:
        return f"{self.brand} · {self.get_kind_display()} · {self.key} · {self.at:%Y-%m-%d %H:%M}"
