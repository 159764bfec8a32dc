"""后台管理 for supervisors: the service hours of the brands they serve, their stations and couriers — and
nothing of another brand; an agent does not get in; the admin keeps everything."""

import pytest

from kefu.accounts.models import Team, User
from kefu.express.models import Courier, Station


@pytest.fixture
def world(cast):
    lead_b = User.objects.create_user(
        "sup_b", password="pw-123456", role=User.Role.SUPERVISOR, team=Team.objects.get(name="B 组")
    )
    fq = Station.objects.create(brand=cast.brand_b, code="FQ01", name="福清站", province="福建")
    bj = Station.objects.create(brand=cast.brand_a, code="BJ01", name="北京站", province="北京")
    Courier.objects.create(station=fq, name="陈师傅", phone="13600000001", area="音西")
    return cast, lead_b, fq, bj


def test_a_supervisor_maintains_their_brands_stations_and_couriers_only(client, world):
    cast, lead_b, fq, bj = world
    client.force_login(lead_b)  # not a staff member: a supervisor
    index = client.get("/admin/").content.decode()
    assert "站点" in index and "业务员" in index and "品牌" in index
    assert "人员" not in index and "节假日安排" not in index  # the admin's
    listing = client.get("/admin/express/station/").content.decode()
    assert "福清站" in listing and "北京站" not in listing
    assert (
        client.get(f"/admin/express/station/{bj.pk}/change/").status_code == 302
    )  # not theirs: back to the index
    page = client.post(
        f"/admin/express/station/{fq.pk}/change/",
        {
            "brand": cast.brand_b.pk, "code": "FQ01", "name": "福清音西站", "province": "福建", "city": "福州",
            "district": "", "address": "", "phone": "",
            "couriers-TOTAL_FORMS": "2", "couriers-INITIAL_FORMS": "1", "couriers-MIN_NUM_FORMS": "0",
            "couriers-MAX_NUM_FORMS": "1000",
            "couriers-0-id": fq.couriers.get().pk, "couriers-0-station": fq.pk, "couriers-0-name": "陈师傅",
            "couriers-0-phone": "13600000001", "couriers-0-area": "音西", "couriers-0-active": "on",
            "couriers-1-station": fq.pk, "couriers-1-name": "林师傅", "couriers-1-phone": "13600000002",
            "couriers-1-area": "龙田",
        },
    )  # fmt: skip
    assert page.status_code == 302, page.content.decode()[:2000]
    fq.refresh_from_db()
    assert fq.name == "福清音西站" and sorted(fq.couriers.values_list("area", flat=True)) == ["音西", "龙田"]
    new = client.post(
        "/admin/express/station/add/",
        {"brand": cast.brand_a.pk, "code": "X1", "name": "越权站", "province": "北京",
         "couriers-TOTAL_FORMS": "0", "couriers-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert (
        new.status_code == 200 and not Station.objects.filter(code="X1").exists()
    )  # brand A is not a choice


def test_a_supervisor_changes_service_hours_not_the_rest_of_a_brand(client, world):
    cast, lead_b, _, _ = world
    client.force_login(lead_b)
    assert client.get(f"/admin/brands/brand/{cast.brand_a.pk}/change/").status_code == 302
    form = client.get(f"/admin/brands/brand/{cast.brand_b.pk}/change/").content.decode()
    assert 'name="service_start"' in form and 'name="profile"' not in form and 'name="code"' not in form
    client.post(
        f"/admin/brands/brand/{cast.brand_b.pk}/change/",
        {"service_start": "08:00", "service_end": "22:00", "open_on_holidays": "on", "profile": "generic",
         "leave_message_after_seconds": "300"},
    )  # fmt: skip
    cast.brand_b.refresh_from_db()
    assert (str(cast.brand_b.service_start), cast.brand_b.profile) == ("08:00:00", "xintianjie")
    assert client.get("/admin/brands/brand/add/").status_code == 403


def test_an_agent_does_not_get_in_and_the_admin_sees_every_brand(client, world):
    cast, *_ = world
    client.force_login(cast.agent_a)
    assert client.get("/admin/express/station/").status_code == 302  # to the admin's login
    client.force_login(cast.admin)
    listing = client.get("/admin/express/station/").content.decode()
    assert "福清站" in listing and "北京站" in listing
