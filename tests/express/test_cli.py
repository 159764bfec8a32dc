"""`kefu waybill identify` and `kefu claim assess`: output and exit codes."""

import json

from kefu.cli import main
from kefu.express.cli import claim_main, waybill_main

from .test_claims import case


def test_waybill_identify_prints_candidates_and_exits_0(capsys):
    assert waybill_main(["identify", "sf1234567890123-1-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["number"] == "SF1234567890123"
    assert data["candidates"][0] == {
        "carrier": "SF",
        "name": "顺丰速运",
        "confidence": 1.0,
        "own": False,
        "format": "sf-standard",
        "check_digit_valid": None,
    }


def test_waybill_identify_accepts_a_number_split_by_spaces(capsys):
    assert waybill_main(["identify", "7312", "3456", "7890", "12"]) == 0
    assert json.loads(capsys.readouterr().out)["candidates"][0]["carrier"] == "ZTO"


def test_waybill_identify_ranks_ambiguous_numbers(capsys):
    assert waybill_main(["identify", "431234567890123"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["carrier"] for c in data["candidates"]] == ["STO", "YUNDA"]
    assert data["certain"] is False


def test_waybill_identify_with_no_fitting_format_exits_1(capsys):
    assert waybill_main(["identify", "12345"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data == {"number": "12345", "candidates": [], "certain": False}


def test_waybill_output_is_readable_chinese(capsys):
    waybill_main(["identify", "XTJ123456789012"])
    assert "信天捷快递" in capsys.readouterr().out


def test_waybill_usage_error_exits_2_with_one_chinese_line(capsys):
    assert waybill_main([]) == 2
    assert waybill_main(["guess", "SF1"]) == 2
    err = capsys.readouterr().err
    assert "用法" in err and "Traceback" not in err


def test_claim_assess_prints_the_decision(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(case(waybill={"insured": True}), ensure_ascii=False), encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["eligible"] is True
    assert data["amount"] == "512.00"
    assert {f["rule"] for f in data["fired"]} >= {"claimant", "time_limit", "loss_insured", "acknowledge"}


def test_claim_assess_reads_json_numbers_as_decimals(tmp_path, capsys):
    data = case(waybill={"fee": 0.1, "insured": True, "declared_value": 0.2})
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["amount"] == "0.30"


def test_claim_assess_refusal_still_exits_0(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(case(claim={"cause": "customer_fault"})), encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["eligible"] is False and data["refused_reason"]


def _assert_one_chinese_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])


def test_claim_assess_missing_file_exits_2(tmp_path, capsys):
    assert claim_main(["assess", str(tmp_path / "nope.json")]) == 2
    _assert_one_chinese_line(capsys.readouterr().err)


def test_claim_assess_invalid_json_exits_2(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text("{not json", encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 2
    _assert_one_chinese_line(capsys.readouterr().err)


def test_claim_assess_invalid_field_exits_2(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(case(claim={"reason": "theft"})), encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    _assert_one_chinese_line(err)
    assert "claim.reason" in err


def test_claim_assess_wrong_shape_exits_2(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert claim_main(["assess", str(path)]) == 2
    _assert_one_chinese_line(capsys.readouterr().err)


def test_claim_usage_error_exits_2(capsys):
    assert claim_main(["assess"]) == 2
    _assert_one_chinese_line(capsys.readouterr().err)


def test_kefu_command_dispatches_to_the_express_commands(capsys):
    assert main(["waybill", "identify", "JT0001234567890"]) == 0
    assert json.loads(capsys.readouterr().out)["candidates"][0]["carrier"] == "JT"
