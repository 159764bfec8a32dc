"""A brand's rules for automation: the same export, diff and import as `kefu rules` and the 规则 pages."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kefu.rules import selectors, services

router = Router(tags=["规则"])


class RulesIn(Schema):
    """A brand's changes to the shipped rulebooks, in the format `GET /api/rules/{brand}` answers."""

    forbidden: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict, description="忌语规则编号 → 规则 (forbidden.yaml 的格式)，null 表示停用出厂规则"
    )
    phrases: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="话术情景 → 话术列表 (text、when、source)"
    )
    sla: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="工单类型代码 → 本品牌的时限 (sla.yaml 的格式)"
    )


class RulesOut(RulesIn):
    brand: str


class ImportIn(RulesIn):
    reason: str = Field(..., min_length=1, max_length=200, description="记入修改记录的理由")


class DiffOut(Schema):
    section: str = Field(..., description="forbidden、phrases 或 sla")
    key: str
    change: str = Field(..., description="新增、修改或恢复出厂")


class ImportOut(Schema):
    changes: int = Field(..., description="导入的修改数")


@router.get("/{brand}", response=RulesOut, summary="导出品牌对出厂规则的修改")
def export_rules(request: HttpRequest, brand: str):
    return selectors.export(selectors.brand_for_rules(brand, request.user))


@router.post("/{brand}/diff", response=list[DiffOut], summary="导入这些规则会改动什么 (不做修改)")
def diff_rules(request: HttpRequest, brand: str, payload: RulesIn):
    found = selectors.brand_for_rules(brand, request.user)
    return [
        {"section": s, "key": k, "change": c}
        for s, k, c in selectors.diff(found, {"brand": found.code, **payload.dict()})
    ]


@router.put("/{brand}", response=ImportOut, summary="按给出的规则设定品牌的修改 (全部成功或全不生效)")
def import_rules(request: HttpRequest, brand: str, payload: ImportIn):
    found = selectors.brand_for_rules(brand, request.user)
    data = payload.dict()
    reason = data.pop("reason")
    changes = services.rules_import(
        brand=found, data={"brand": found.code, **data}, actor=request.user, reason=reason
    )
    return {"changes": len(changes)}
