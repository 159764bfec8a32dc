"""kefu.typed: what people type into a search box, folded to the forms records keep."""

from kefu import typed
from kefu.customers.rules import typed_phone


def test_names_are_looked_up_as_typed_and_in_simplified_characters():
    assert typed.name_forms("陳志強") == ["陳志強", "陈志强"]
    assert typed.name_forms(" 张华 ") == ["张华", "張華"], "and the other way"
    assert typed.name_forms("ＡＢＣ") == ["ABC"], "a name without Chinese characters needs one lookup"
    assert typed.name_forms("   ") == []


def test_numbers_lose_spaces_and_width_and_gain_upper_case():
    assert typed.code(" yt 1234\u200b5678 ") == "YT12345678"
    assert typed.code("ＳＦ１２３") == "SF123"
    assert typed.width("查件　 3") == "查件 3", "an ideographic space is a space; runs become one"


def test_a_phone_is_read_from_spaces_dashes_plus86_and_full_width_digits():
    for text in (
        "157 2511 7525",
        "157-2511-7525",
        "+86 157 2511 7525",
        "１５７２５１１７５２５",
        "0086-15725117525",
    ):
        assert typed_phone(text, min_digits=7) == "15725117525", text
    assert typed_phone("1572", min_digits=7) == "", "too few digits"
    assert typed_phone("XTJ123456789012", min_digits=7) == "", "a waybill number holds digits too"
    assert typed_phone("福州市鼓楼区88号", min_digits=4) == ""
