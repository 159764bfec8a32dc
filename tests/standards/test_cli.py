"""`kefu check|script|qa`, called in-process with argv lists."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kefu.standards.cli import check_main, qa_main, script_main

SAMPLES = Path(__file__).parent / "samples"


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    return lines[0]


# ---------------------------------------------------------------- check


def test_check_clean_text_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main(["您好，请问有什么可以帮您？"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"ok": True, "blocking": False, "violations": [], "rewritten": "您好，请问有什么可以帮您？"}


def test_check_forbidden_phrase_exits_1_with_violations(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main(["--channel", "chat", "--profile", "欧飞", "你问我，我问谁？"]) == 1
    raw = capsys.readouterr().out
    out = json.loads(raw)
    assert out["ok"] is False and out["violations"] and out["blocking"] is True
    assert {"rule_id", "start", "end", "severity", "message", "fix_text"} <= set(out["violations"][0])
    assert out["rewritten"] == "这个问题我帮您核实一下。"
    assert "\\u" not in raw  # Chinese printed as is


def test_check_reads_stdin_when_text_is_absent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("你问我，我问谁？"))
    assert check_main([]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_check_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main(["--profile", "nobody", "您好"]) == 2
    assert "未知的品牌配置" in one_line_error(capsys)


def test_check_bad_channel_exits_2_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main(["--channel", "fax", "您好"]) == 2
    assert "--channel 不能是“fax”，可选：phone、chat、email" in one_line_error(capsys)


# ---------------------------------------------------------------- script


def test_script_renders_festive_opening(capsys: pytest.CaptureFixture[str]) -> None:
    assert script_main(["opening", "--profile", "欧飞", "--at", "2026-10-01T09:30"]) == 0
    assert capsys.readouterr().out.strip() == "节日好，欧飞，很高兴为您服务！"


def test_script_fills_agent_customer_number_and_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        script_main(["opening", "--profile", "xintianjie", "--agent", "1024", "--at", "2026-03-10T09:00"])
        == 0
    )
    assert capsys.readouterr().out.strip() == "您好！信天捷快递，1024号为您服务，请问有什么可以帮您？"
    assert script_main(["read_back", "--number", "13800138000"]) == 0
    assert "1380 0138 000" in capsys.readouterr().out
    assert script_main(["supervisor_request", "--customer", "王先生", "--step", "2"]) == 0
    assert capsys.readouterr().out.startswith("王先生，您的问题是属于我的职责范围内的")


def test_script_list_shows_situations_and_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert script_main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "opening" in out and "closing" in out and "abusive" in out
    assert "oufei" in out and "欧飞" in out and "不凡商城" in out


def test_script_default_time_is_now(capsys: pytest.CaptureFixture[str]) -> None:
    assert script_main(["closing", "--profile", "fangbiao"]) == 0
    assert capsys.readouterr().out.strip() == "感谢您的来电，欢迎再次拨打，再见。"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["nonsense"], "未知的话术情景"),
        (["opening", "--profile", "nobody"], "未知的品牌配置"),
        (["opening", "--at", "next tuesday"], "--at"),
        (["opening", "--step", "two"], "--step 应为整数，收到“two”"),
        ([], "缺少情景"),
    ],
)
def test_script_bad_input_exits_2_with_one_chinese_line(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert script_main(argv) == 2
    assert fragment in one_line_error(capsys)


# ---------------------------------------------------------------- qa


def test_qa_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main([str(SAMPLES / "chat_bad.json")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["passed"] is False
    assert any(i["criterion"] == "supervisor_retention" and i["turn"] == 8 for i in out["items"])


def test_qa_table_output_is_aligned_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main([str(SAMPLES / "phone_bad.json"), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("质检得分：") and "不合格" in lines[0]
    assert lines[1].split()[:4] == ["结果", "项目", "扣分", "位置"]
    assert any("第8句" in line and "扣分" in line for line in lines)


def test_qa_good_sample_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main([str(SAMPLES / "phone_good.json"), "--format", "table"]) == 0
    assert "100 / 100（合格" in capsys.readouterr().out


def test_qa_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main([str(tmp_path / "missing.json")]) == 2
    assert "找不到文件" in one_line_error(capsys)
    assert qa_main([str(tmp_path)]) == 2
    assert "是一个目录" in one_line_error(capsys)
    (tmp_path / "binary.json").write_bytes(bytes(range(256)))
    assert qa_main([str(tmp_path / "binary.json")]) == 2
    assert "不是 UTF-8 编码的文本文件" in one_line_error(capsys)


def test_qa_invalid_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert qa_main([str(bad)]) == 2
    assert "不是有效的 JSON" in one_line_error(capsys)


def test_qa_malformed_transcript_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"channel": "phone", "turns": [{"speaker": "robot", "text": "hi"}]}), encoding="utf-8"
    )
    assert qa_main([str(bad)]) == 2
    assert "turns[0].speaker" in one_line_error(capsys)


def test_qa_missing_argument_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main([]) == 2
    assert "缺少参数" in one_line_error(capsys)


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main(["--help"]) == 0
    assert "对话记录" in capsys.readouterr().out
