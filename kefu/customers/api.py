"""Customer endpoints: parse, call one service or selector, shape the reply."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kefu.brands.selectors import brand_get
from kefu.customers import services
from kefu.customers.schemas import CustomerIn, CustomerOut, CustomerPatch, TimelineOut
from kefu.customers.selectors import customer_get_for_user, customer_search, customer_timeline

router = Router(tags=["客户"])


@router.post("", response={201: CustomerOut}, summary="新建客户")
def create_customer(request: HttpRequest, payload: CustomerIn):
    data = payload.dict()
    customer = services.customer_create(brand=brand_get(data.pop("brand")), **data)
    return Status(201, CustomerOut.build(customer, request.user))


@router.get("", response=list[CustomerOut], summary="按电话、姓名、公司或月结合同号查找客户")
def search_customers(request: HttpRequest, q: str = "", brand: str = "", limit: int = Query(50, le=200)):
    return [CustomerOut.build(c, request.user) for c in customer_search(request.user, q, brand=brand)[:limit]]


@router.get("/{customer_id}", response=CustomerOut, summary="客户资料 (查看会被记录)")
def get_customer(request: HttpRequest, customer_id: int):
    customer = services.customer_open(
        customer=customer_get_for_user(customer_id, request.user), user=request.user, reason="API 查看"
    )
    return CustomerOut.build(customer, request.user)


@router.patch("/{customer_id}", response=CustomerOut, summary="修改客户资料")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    customer = services.customer_update(
        customer=customer_get_for_user(customer_id, request.user), **payload.dict(exclude_unset=True)
    )
    return CustomerOut.build(customer, request.user)


@router.get(
    "/{customer_id}/timeline", response=list[TimelineOut], summary="客户的工单、通话、会话与运单时间线"
)
def timeline(request: HttpRequest, customer_id: int):
    return customer_timeline(customer_get_for_user(customer_id, request.user))
