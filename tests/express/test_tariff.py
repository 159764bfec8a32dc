"""The tariff arithmetic settlement re-prices waybills with: zone × chargeable weight, in Decimal fen."""

from decimal import Decimal as D

import pytest

from kefu.express.rules import InputError, Place, contract_price, quote_shipment, rate_between
from kefu.express.rules.tariff import chargeable_weight, price

FUZHOU = Place("福建", "福州")


@pytest.mark.parametrize(
    ("destination", "weight", "zone", "total"),
    [
        (Place("福建省", "福州市"), "1", "same_city", "8.00"),  # 8.00 first kg
        (Place("福建", "厦门"), "2", "intra_province", "13.00"),  # 10.00 + 1 kg × 3.00
        (Place("上海", "上海"), "3", "neighbouring", "22.00"),  # 12.00 + 2 kg × 5.00
        (Place("北京", "北京"), "1.5", "national", "19.00"),  # 15.00 + 0.5 kg × 8.00
        (Place("西藏", "拉萨"), "2", "remote", "37.00"),  # 22.00 + 1 kg × 15.00
    ],
)
def test_price_is_the_zones_first_weight_plus_each_further_kilogram(destination, weight, zone, total):
    quoted = quote_shipment(FUZHOU, destination, D(weight))
    assert (quoted.zone, quoted.total) == (zone, D(total))


@pytest.mark.parametrize(
    ("weight", "volume", "volumetric", "chargeable"),
    [
        ("2", None, "0", "2.0"),
        ("2", D(24000), "3", "3.0"),  # 24000 / 8000 = 3 kg beats 2 kg actual
        ("4", D(24000), "3", "4.0"),  # actual beats volumetric
        ("2.01", None, "0", "2.5"),  # rounded up to the next half kilo
        ("2.5", None, "0", "2.5"),  # exactly on the step stays
        ("0.01", None, "0", "0.5"),
        ("1", D(4001), "0.500125", "1.0"),  # a volumetric weight just over a step does not win here
        ("0.1", D(4001), "0.500125", "1.0"),  # …but rounds up to the next step when it does
    ],
)
def test_chargeable_weight_is_the_larger_of_actual_and_volumetric_rounded_up(
    weight, volume, volumetric, chargeable
):
    assert chargeable_weight(D(weight), volume) == (D(volumetric), D(chargeable))


def test_below_the_first_weight_costs_the_first_price():
    assert quote_shipment(FUZHOU, Place("上海"), D("0.3")).total == D("12.00")


def test_volumetric_weight_is_priced_when_it_wins():
    quoted = quote_shipment(FUZHOU, Place("上海"), D("1"), D(24000))
    assert quoted.chargeable_weight_kg == D("3.0") and quoted.total == D("22.00")


def test_additional_weight_charge_rounds_half_up_to_the_fen(rulebook):
    book = rulebook.with_overrides({"tariff": {"rates": {"neighbouring": {"additional_per_kg": "3.33"}}}})
    rate = rate_between(FUZHOU, Place("上海"), book)
    assert price(rate, D("1.5"), None, book).total == D("13.67")  # 12.00 + 0.5 × 3.33 = 1.665 → 1.67
    assert price(rate, D("2"), None, book).total == D("15.33")  # 1 × 3.33, nothing to round


@pytest.mark.parametrize(
    ("list_price", "discount", "expected"),
    [
        ("12.00", None, "12.00"),
        ("12.00", "0.85", "10.20"),
        ("15.50", "0.85", "13.18"),  # 13.175 → 13.18, half up
        ("15.30", "0.85", "13.01"),  # 13.005 → 13.01, half up
        ("22.00", "0.8333", "18.33"),  # 18.3326
        ("8.00", "1", "8.00"),
    ],
)
def test_contract_discount_rounds_half_up_to_the_fen(list_price, discount, expected):
    assert contract_price(D(list_price), None if discount is None else D(discount)) == D(expected)


@pytest.mark.parametrize("discount", ["0", "-0.1", "1.2"])
def test_a_discount_outside_zero_to_one_is_refused(discount):
    with pytest.raises(InputError):
        contract_price(D("12.00"), D(discount))


def test_rates_are_read_from_the_rulebook(rulebook):
    book = rulebook.with_overrides({"tariff": {"rates": {"same_city": {"first_price": "6.50"}}}})
    assert quote_shipment(FUZHOU, Place("福建", "福州"), D("1"), None, book).total == D("6.50")
