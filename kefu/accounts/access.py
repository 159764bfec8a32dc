"""Who may see and change what: the one place every selector and service asks.

Brands: an agent serves the brands of their team; a supervisor the brands of their team plus the brands an admin
granted them (人员 → 另行授权的品牌); an admin (or superuser) every brand. Nobody else sees anything.

Permissions: the table ``PERMISSIONS`` below, by role; the README's "角色与权限" section is this table. What is
not in it is open to every active staff member within the brands they serve (reading and working tickets, chats,
express cases, their own score sheets).
"""

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet

from kefu.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from kefu.accounts.models import User
    from kefu.brands.models import Brand

M = TypeVar("M", bound=Model)

AGENT, SUPERVISOR, ADMIN = "agent", "supervisor", "admin"
STAFF = (AGENT, SUPERVISOR, ADMIN)
LEADS = (SUPERVISOR, ADMIN)

# code → (what it lets a person do, the roles that may)
PERMISSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ticket.create": ("为所服务品牌登记工单", STAFF),
    "ticket.assign": ("把工单分派给他人", LEADS),
    "customer.read": ("查看所服务品牌的客户资料 (每次查看都记入查看记录)", STAFF),
    "customer.create": ("新建客户", STAFF),
    "customer.change": ("修改客户的联系资料 (姓名、称呼、电话、公司、地址)", STAFF),
    "customer.change_terms": ("修改客户的 VIP 等级、月结合同号与运费折扣 (记入审计日志)", LEADS),
    "customer.list": ("不带查询条件浏览客户名单", LEADS),
    "customer.full_phone": ("查看完整的电话号码", LEADS),
    "chat.take_over": ("接管他人的在线会话", LEADS),
    "chat.monitor": ("主管监控与考勤", LEADS),
    "qa.review": ("复核评分、答复申诉", LEADS),
    "express.import": ("导入运单与扫描数据", LEADS),
    "express.settlement": ("月结对账、下载对账单", LEADS),
    "rules.change": ("修改所服务品牌的规则（服务忌语、话术、SLA 时限；每次修改记入修改记录，可撤销）", LEADS),
    "brand.maintain": ("在后台管理中维护所服务品牌的服务时间、站点与业务员", LEADS),
    "brand.all": ("不受班组限制地查看所有品牌", (ADMIN,)),
}


def role_of(user: "User") -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return ADMIN if user.is_superuser else user.role


def can(user: "User", permission: str) -> bool:
    return role_of(user) in PERMISSIONS[permission][1]


def require(user: "User", permission: str) -> None:
    """Refuse a person who may not do ``permission``, in words they can act on."""
    if not can(user, permission):
        raise PermissionDenied(f"您没有权限{PERMISSIONS[permission][0]}")


def brands_for(user: "User") -> "QuerySet[Brand]":
    """The brands a person may see and act for (module docstring)."""
    from django.db.models import Q

    from kefu.brands.models import Brand

    role = role_of(user)
    if role is None:
        return Brand.objects.none()
    if can(user, "brand.all"):
        return Brand.objects.all()
    served = Q(teams__user=user) if user.team_id else Q(pk__in=[])
    if role == SUPERVISOR:
        served |= Q(granted_to=user)
    return Brand.objects.filter(pk__in=Brand.objects.filter(served).values("pk"))


def serves(user: "User", brand: "Brand | int") -> bool:
    brand_id = brand if isinstance(brand, int) else brand.pk
    return can(user, "brand.all") or brands_for(user).filter(pk=brand_id).exists()


def require_brand(user: "User", brand: "Brand | int", *, what: str = "") -> None:
    """Refuse what belongs to a brand the user does not serve (``what``: 该工单, 该会话 … for the message)."""
    if not serves(user, brand):
        raise PermissionDenied(f"{what}不属于您服务的品牌" if what else "您不服务该品牌")


def scoped(qs: "QuerySet[M]", user: "User", field: str = "brand") -> "QuerySet[M]":
    """``qs`` narrowed to rows of brands the user serves (``field`` leads from a row to its brand)."""
    if can(user, "brand.all"):
        return qs
    return qs.filter(**{f"{field}__in": brands_for(user)})


def get_for_user(
    qs: "QuerySet[M]", user: "User", what: str, *, ref: object = "", field: str = "brand", **lookup
) -> M:
    """One row by ``lookup``: not found when it does not exist, refused when it is another brand's
    (``what`` names the thing in Chinese, ``ref`` how the person asked for it)."""
    row = qs.filter(**lookup).first()
    if row is None:
        raise NotFound(f"没有找到{what} {ref}".strip(), field=next(iter(lookup), None))
    if not scoped(qs.filter(pk=row.pk), user, field).exists():
        raise PermissionDenied(f"该{what}不属于您服务的品牌")
    return row


def brand_get_for_user(code_or_name: str, user: "User") -> "Brand":
    from kefu.brands.selectors import brand_get

    brand = brand_get(code_or_name)
    require_brand(user, brand)
    return brand


def require_may_take(person: "User", brand: "Brand") -> None:
    """Refuse handing work of ``brand`` to someone who does not serve it."""
    if not serves(person, brand):
        raise PermissionDenied(f"{person} 不服务品牌“{brand.name}”，不能接手该品牌的工作")
