"""Customer endpoints: parse, call one service or selector, shape the reply."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kefu.accounts.access import brand_get_for_user
from kefu.apijson import ObjectId
from kefu.customers import services
from kefu.customers.schemas import CustomerIn, CustomerOut, CustomerPatch, TimelineOut
from kefu.customers.selectors import customer_get_for_user, customer_search, customer_timeline
from kefu.tickets.idempotency import key_header, run_once

router = Router(tags=["客户"])


def _open(request: HttpRequest, customer_id: int, via: str):
    return services.customer_open(
        customer=customer_get_for_user(customer_id, request.user), user=request.user, via=via
    )


@router.post("", response={201: CustomerOut}, summary="新建客户 (支持 Idempotency-Key)")
def create_customer(request: HttpRequest, payload: CustomerIn, idempotency_key: str | None = key_header()):
    def action():
        data = payload.dict()
        brand = brand_get_for_user(data.pop("brand"), request.user)
        customer = services.customer_create(brand=brand, actor=request.user, **data)
        return 201, CustomerOut.build(customer, request.user).model_dump()

    status, body = run_once(
        user=request.user, key=idempotency_key, payload=payload.dict(), action=action, scope="customers"
    )
    return Status(status, body)


@router.get(
    "",
    response=list[CustomerOut],
    summary="按电话、姓名、公司或月结合同号查找客户 (坐席须给出查询条件)",
)
def search_customers(
    request: HttpRequest, q: str = "", brand: str = "", limit: int = Query(50, ge=1, le=200)
):
    return [CustomerOut.build(c, request.user) for c in customer_search(request.user, q, brand=brand)[:limit]]


@router.get("/{customer_id}", response=CustomerOut, summary="客户资料 (查看会被记录)")
def get_customer(request: HttpRequest, customer_id: ObjectId):
    return CustomerOut.build(_open(request, customer_id, "API 客户资料"), request.user)


@router.patch(
    "/{customer_id}", response=CustomerOut, summary="修改客户资料 (VIP 与月结条款限主管，均记入审计日志)"
)
def update_customer(request: HttpRequest, customer_id: ObjectId, payload: CustomerPatch):
    customer = services.customer_update(
        customer=customer_get_for_user(customer_id, request.user),
        actor=request.user,
        **payload.dict(exclude_unset=True),
    )
    return CustomerOut.build(customer, request.user)


@router.get(
    "/{customer_id}/timeline",
    response=list[TimelineOut],
    summary="客户的工单、通话、会话与运单时间线 (查看会被记录)",
)
def timeline(request: HttpRequest, customer_id: ObjectId):
    return customer_timeline(_open(request, customer_id, "API 客户时间线"))
