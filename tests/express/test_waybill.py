"""Waybill numbers: every carrier format, normalisation, ranking, S10 check digit."""

import pytest

from kefu.express.rules import identify_waybill, normalise_waybill, s10_check_digit, s10_is_valid

POSITIVE = [
    ("SF1234567890123", "SF"),
    ("SF12345678901AB", "SF"),
    ("YT1234567890123", "YTO"),
    ("JT0001234567890", "JT"),
    ("JDVA00123456789", "JD"),
    ("JD0100123456789", "JD"),
    ("DPK123456789012", "DEPPON"),
    ("73123456789012", "ZTO"),
    ("76123456789012", "ZTO"),
    ("78123456789012", "ZTO"),
    ("312345678901234", "YUNDA"),
    ("5123456789012", "YUNDA"),
    ("77123456789012", "STO"),
    ("7712345678901234", "STO"),
    ("77123456789012345", "STO"),
    ("1123456789012", "EMS"),
    ("8123456789012", "EMS"),
    ("9123456789012", "EMS"),
    ("RR123456785CN", "EMS"),
    ("XTJ123456789012", "XTJ"),
]


@pytest.mark.parametrize(("number", "carrier"), POSITIVE)
def test_each_published_format_is_recognised(number, carrier):
    result = identify_waybill(number)
    assert result.best is not None
    assert result.best.carrier == carrier
    assert result.certain


NEGATIVE = [
    "SF123456789012",  # one character short
    "YT123456789012A",  # letter in the digits
    "JT123456789012",  # 12 digits
    "JDVA0012345678",  # 10 digits after the two letters
    "DPK12345678901",  # 11 digits
    "77123456789",  # STO too short
    "77123456789012345678",  # STO too long
    "72123456789012",  # ZTO prefix 72 is not published
    "79123456789012",  # ZTO prefix 79 is not published
    "612345678901234",  # 15 digits starting 6
    "2123456789012",  # 13 digits starting 2
    "RR123456785US",  # S10 of another country's post
    "XTJ12345678901",  # own brand, 11 digits
    "HELLO",
    "",
]


@pytest.mark.parametrize("number", NEGATIVE)
def test_numbers_of_no_format_have_no_candidate(number):
    result = identify_waybill(number)
    assert result.candidates == ()
    assert not result.certain


def test_all_digit_number_fitting_two_carriers_is_ranked_not_certain():
    # 43 + 13 digits: STO (77/43 + 12–15 digits) and Yunda (15 digits starting 3/4) both fit.
    result = identify_waybill("431234567890123")
    assert [c.carrier for c in result.candidates] == ["STO", "YUNDA"]
    assert not result.certain
    first, second = result.candidates
    assert first.confidence > second.confidence
    assert abs(first.confidence + second.confidence - 1) < 0.001


def test_prior_weight_from_data_can_change_the_ranking(rulebook):
    book = rulebook.with_overrides(
        {
            "waybill": {
                "carriers": [
                    {
                        "code": "STO",
                        "name": "申通快递",
                        "prior": 0.01,
                        "formats": [{"id": "sto", "prefixes": ["43"], "body": "digits", "length": [14, 17]}],
                    },
                    {
                        "code": "YUNDA",
                        "name": "韵达快递",
                        "prior": 1.0,
                        "formats": [{"id": "yd", "prefixes": ["3", "4"], "body": "digits", "length": 15}],
                    },
                ]
            }
        }
    )
    assert [c.carrier for c in identify_waybill("431234567890123", book).candidates] == ["YUNDA", "STO"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sf1234567890123", "SF1234567890123"),
        ("SF 1234 5678 9012 3", "SF1234567890123"),
        ("SF1234567890123-1-1", "SF1234567890123"),
        ("SF1234567890123-2", "SF1234567890123"),
        ("ＳＦ１２３４５６７８９０１２３", "SF1234567890123"),
        ("  7312 3456 7890 12\n", "73123456789012"),
        ("xtj123456789012-1-3", "XTJ123456789012"),
    ],
)
def test_input_is_normalised_before_matching(raw, expected):
    assert normalise_waybill(raw) == expected
    assert identify_waybill(raw).number == expected
    assert identify_waybill(raw).candidates


def test_s10_check_digit_follows_upu_weights():
    # 1·8+2·6+3·4+4·2+5·3+6·5+7·9+8·7 = 204; 204 mod 11 = 6; 11−6 = 5
    assert s10_check_digit("12345678") == 5
    assert s10_is_valid("RR123456785CN")
    assert not s10_is_valid("RR123456784CN")


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("00000000", 5),  # sum 0 → 11 → 5
        ("00300000", 0),  # sum 12, remainder 1 → 10 → 0
        ("00000001", 4),  # sum 7 → 4
        ("47312482", 9),  # UPU S10 example RA473124829CB
    ],
)
def test_s10_check_digit_special_cases(serial, check):
    assert s10_check_digit(serial) == check


def test_s10_with_a_failing_check_digit_is_still_a_candidate_but_not_certain():
    result = identify_waybill("RR123456784CN")
    assert [c.carrier for c in result.candidates] == ["EMS"]
    assert result.candidates[0].check_digit_valid is False
    assert not result.certain
    valid = identify_waybill("rr 123456785 cn")
    assert valid.candidates[0].check_digit_valid is True
    assert valid.certain


def test_own_brand_is_flagged():
    assert identify_waybill("XTJ123456789012").best.own
    assert not identify_waybill("SF1234567890123").best.own


def test_to_dict_has_the_published_shape():
    data = identify_waybill("sf1234567890123-1-1").to_dict()
    assert data["number"] == "SF1234567890123"
    assert data["candidates"][0]["carrier"] == "SF"
    assert data["candidates"][0]["name"] == "顺丰速运"
    assert data["certain"] is True


def test_validating_s10_check_digit_ranks_higher(rulebook):
    # a second carrier whose (made-up) format admits the same strings, with no check digit
    twin = {
        "code": "TWIN",
        "name": "对照公司",
        "prior": 0.9,
        "formats": [
            {
                "id": "twin",
                "segments": [{"chars": "letters", "count": 2}, {"chars": "digits", "count": 9}],
                "suffixes": ["CN"],
            }
        ],
    }
    carriers = [c for c in rulebook.waybill["carriers"]] + [twin]
    book = rulebook.with_overrides({"waybill": {"carriers": carriers}})
    valid = identify_waybill("RR123456785CN", book)
    invalid = identify_waybill("RR123456784CN", book)
    assert [c.carrier for c in valid.candidates] == ["EMS", "TWIN"]
    assert [c.carrier for c in invalid.candidates] == ["TWIN", "EMS"]
    assert not valid.certain and not invalid.certain
