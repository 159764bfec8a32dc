"""Pickup orders (取件), seed 004 第一节 二: network, prohibited items, vehicle, price, window."""

from datetime import datetime
from decimal import Decimal as D

import pytest

from kefu.express.rules import (
    PickupRequest,
    Place,
    assess_pickup,
    check_network,
    match_items,
    pickup_window,
    quote,
    vehicle_need,
    zone_for,
)
from kefu.express.rules.money import SHANGHAI

HANGZHOU = Place("浙江省", "杭州市", "西湖区")
NOW = datetime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI)


def request(**changes):
    values = {
        "customer_name": "杭州某公司",
        "returning_customer": True,
        "origin": HANGZHOU,
        "destination": Place("广东省", "广州市", "天河区"),
        "item_name": "衣服",
        "pieces": 1,
        "weight_kg": D("1"),
        "dimensions_cm": None,
        "special_handling": "",
        "contact_name": "张三",
        "phone": "13800000000",
        "address": "西湖区文三路 1 号",
        "pickup_time": None,
    }
    values.update(changes)
    return PickupRequest(**values)


# ------------------------------------------------------------------ network


@pytest.mark.parametrize(
    "place",
    [
        Place("广东省", "广州市"),
        Place("广東", "廣州"),
        Place("西藏自治区", "拉萨市"),
        Place("西藏", "林芝市", "巴宜区"),
    ],
)
def test_destinations_inside_the_network(place):
    assert check_network(place) == (True, None)


@pytest.mark.parametrize(
    ("place", "word"),
    [
        (Place("西藏", "林芝市", "墨脱县"), "墨脱"),
        (Place("西藏自治区", "阿里地区", "噶尔县"), "阿里"),
        (Place("香港特别行政区"), "港澳台"),
        (Place("臺灣"), "港澳台"),
        (Place("四川省", "甘孜藏族自治州", "石渠县"), "石渠"),
        (Place("海南", "三沙市"), "三沙"),
    ],
)
def test_out_of_network_areas_are_explained(place, word):
    in_network, reason = check_network(place)
    assert not in_network
    assert word in reason and reason.startswith("非常抱歉")


def test_unknown_province_is_out_of_network():
    assert check_network(Place("火星"))[0] is False


# ------------------------------------------------------------------ items


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("打火机", "打火机"),
        ("两个火机", "打火机"),
        ("鞭炮", "烟花爆竹"),
        ("过年的烟花", "烟花爆竹"),
        ("汽油", "汽油"),
        ("仿真枪", "枪支弹药"),
        ("匕首", "管制刀具"),
        ("75%医用酒精", "酒精"),
        ("宠物小狗一只", "活体动物"),
        ("现金", "现金"),
        ("散装锂电池", "散装锂电池"),
        ("汽车蓄电池", "腐蚀性物品"),  # 《禁止寄递物品指导目录》十一 names 蓄电池
        ("打火機", "打火机"),  # traditional characters
        ("ｋ粉", "毒品"),  # full-width letter
    ],
)
def test_prohibited_items_and_common_variants(text, entry):
    matches = match_items(text)
    assert matches and matches[0].kind == "prohibited"
    assert matches[0].item == entry
    assert "不能为您寄递" in matches[0].message


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("充电宝", "电池"),
        ("手机电池", "电池"),
        ("香水", "液体"),
        ("两瓶白酒", "酒类"),
        ("10%酒精溶液", "酒精"),
        ("菜刀", "刀具"),
    ],
)
def test_restricted_items_need_checking_but_are_not_refused(text, entry):
    matches = match_items(text)
    assert [m.kind for m in matches] == ["restricted"]
    assert matches[0].item == entry
    assert "验视" in matches[0].message


@pytest.mark.parametrize("text", ["衣服", "书籍", "酒精湿巾", "无酒精饮料的包装盒", ""])
def test_ordinary_items_and_exceptions_do_not_match_a_prohibited_rule(text):
    assert not [m for m in match_items(text) if m.kind == "prohibited"]


def test_several_items_in_one_name_are_all_reported_prohibited_first():
    kinds = [(m.item, m.kind) for m in match_items("充电宝和鞭炮")]
    assert kinds == [("烟花爆竹", "prohibited"), ("电池", "restricted")]


# ------------------------------------------------------------------ vehicle


def test_light_small_parcel_needs_no_vehicle():
    assert vehicle_need(request(weight_kg=D("19.9"), dimensions_cm=(D(40), D(30), D(20)))) == (False, ())


@pytest.mark.parametrize(
    "changes",
    [
        {"weight_kg": D("20")},
        {"dimensions_cm": (D(60), D(50), D(40))},  # 120000 cm³
        {"dimensions_cm": (D(100), D(10), D(10))},  # longest side
        {"pieces": 5},
    ],
)
def test_vehicle_thresholds(changes):
    needed, reasons = vehicle_need(request(**changes))
    assert needed and reasons


# ------------------------------------------------------------------ zones and tariff


@pytest.mark.parametrize(
    ("destination", "zone"),
    [
        (Place("浙江", "杭州"), "same_city"),
        (Place("浙江省", "宁波市"), "intra_province"),
        (Place("上海市", "上海市"), "neighbouring"),
        (Place("广东省", "广州市"), "national"),
        (Place("新疆", "乌鲁木齐"), "remote"),
    ],
)
def test_zone_by_origin_and_destination(destination, zone):
    assert zone_for(HANGZHOU, destination)[0] == zone


def test_price_first_weight_only():
    price = quote(request(weight_kg=D("0.8")))
    assert price.total == D("15.00")
    assert price.chargeable_weight_kg == D("1.0")


def test_price_rounds_chargeable_weight_up_to_half_kilo():
    price = quote(request(weight_kg=D("2.3")))
    # national: 15.00 first kg + 1.5 kg × 8.00
    assert price.chargeable_weight_kg == D("2.5")
    assert price.additional_price == D("12.00")
    assert price.total == D("27.00")


def test_volumetric_weight_wins_when_larger():
    # 50×40×30 / 8000 = 7.5 kg > 2 kg actual
    price = quote(request(weight_kg=D("2"), dimensions_cm=(D(50), D(40), D(30))))
    assert price.volumetric_weight_kg == D("7.50")
    assert price.chargeable_weight_kg == D("7.5")
    assert price.total == D("67.00")


def test_rounding_step_and_divisor_are_data(rulebook):
    book = rulebook.with_overrides(
        {"tariff": {"chargeable_weight": {"round_up_step_kg": "1", "volumetric_divisor": 6000}}}
    )
    price = quote(request(weight_kg=D("2.1")), book)
    assert price.chargeable_weight_kg == D("3")
    assert price.total == D("31.00")
    volumetric = quote(request(weight_kg=D("1"), dimensions_cm=(D(30), D(20), D(10))), book)
    assert volumetric.volumetric_weight_kg == D("1.00")


def test_price_is_decimal_rounded_half_up(rulebook):
    book = rulebook.with_overrides({"tariff": {"rates": {"national": {"additional_per_kg": "3.33"}}}})
    price = quote(request(weight_kg=D("1.5")), book)
    assert price.additional_price == D("1.67")  # 0.5 × 3.33 = 1.665 → 1.67
    assert price.total == D("16.67")


# ------------------------------------------------------------------ pickup window


def test_order_before_cutoff_is_picked_up_within_two_hours():
    start, until, note = pickup_window(NOW)
    assert (start, until, note) == (NOW, datetime(2024, 5, 6, 12, 0, tzinfo=SHANGHAI), None)


def test_order_after_cutoff_is_picked_up_next_morning():
    start, until, _ = pickup_window(datetime(2024, 5, 6, 17, 30, tzinfo=SHANGHAI))
    assert start == datetime(2024, 5, 7, 8, 0, tzinfo=SHANGHAI)
    assert until == datetime(2024, 5, 7, 10, 0, tzinfo=SHANGHAI)


def test_order_before_opening_is_picked_up_after_opening():
    start, _, _ = pickup_window(datetime(2024, 5, 6, 6, 30, tzinfo=SHANGHAI))
    assert start == datetime(2024, 5, 6, 8, 0, tzinfo=SHANGHAI)


def test_agreed_pickup_time_is_kept_and_an_impossible_one_is_explained():
    later = datetime(2024, 5, 6, 15, 0, tzinfo=SHANGHAI)
    assert pickup_window(NOW, later)[:2] == (later, datetime(2024, 5, 6, 16, 0, tzinfo=SHANGHAI))
    start, _, note = pickup_window(datetime(2024, 5, 6, 18, 0, tzinfo=SHANGHAI), later)
    assert start == datetime(2024, 5, 7, 8, 0, tzinfo=SHANGHAI)
    assert "无法安排" in note


# ------------------------------------------------------------------ whole assessment


def test_assessment_of_a_normal_order():
    result = assess_pickup(request(pieces=2, weight_kg=D("3.2")), NOW)
    assert result.can_accept
    assert result.waybills_needed == 2
    assert result.price.total == D("35.00")  # national 15 + (3.5 − 1) kg × 8
    data = result.to_dict()
    assert data["price"]["total"] == "35.00"
    assert data["pickup_from"] == "2024-05-06T10:00:00+08:00"


def test_assessment_refuses_prohibited_item_and_out_of_network_destination():
    result = assess_pickup(request(item_name="鞭炮", destination=Place("西藏", "林芝", "墨脱")), NOW)
    assert not result.can_accept
    assert not result.in_network
    assert result.prohibited.item == "烟花爆竹"


def test_unsupported_special_handling_is_explained():
    result = assess_pickup(request(special_handling="需要冷链"), NOW)
    assert any("冷链" in n for n in result.special_handling_notes)
    assert assess_pickup(request(special_handling="易碎品，请轻放"), NOW).special_handling_notes == ()


def test_parse_pickup_from_form_data():
    from kefu.express.rules import InputError, parse_pickup

    parsed = parse_pickup(
        {
            "customer_name": "新客户",
            "returning_customer": False,
            "origin": {"province": "浙江", "city": "杭州"},
            "destination": {"province": "廣東", "city": "廣州"},
            "item_name": "衣服",
            "pieces": 2,
            "weight_kg": "3.2",
            "dimensions_cm": [30, 20, 10],
            "pickup_time": "2024-05-06T15:00:00",
        }
    )
    assert parsed.weight_kg == D("3.2")
    assert parsed.pickup_time == datetime(2024, 5, 6, 15, 0, tzinfo=SHANGHAI)
    assert assess_pickup(parsed, NOW).price.total == D("35.00")
    for bad in ({}, {"origin": {"province": "浙江"}, "destination": {}, "item_name": "x", "weight_kg": "1"}):
        with pytest.raises(InputError):
            parse_pickup(bad)
