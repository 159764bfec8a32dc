"""Every `kefu …` example in the README works as written, options where the README places them.

Each example is read from the README and given concrete values for its placeholders (B, FILE, N, …), keeping
the order of its words; optional parts in brackets are included. It then runs, through the console script's
entry point, on a migrated test database holding two brands and their stations; `kefu serve` is only parsed.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from kefu import cli
from tests.express.test_claims import case

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLES = ROOT / "tests" / "standards" / "samples"

# README example → the runs that try it (argv after `kefu`). `B` is a brand that has its own waybills.
EXAMPLES: dict[str, list[str]] = {
    "kefu serve": ["serve"],
    "kefu serve [--host H] [--port P] [--workers N] [--no-worker]": [
        "serve --host 0.0.0.0 --port 8123 --workers 4 --no-worker"
    ],
    "kefu worker [--processes N] [--once]": ["worker --once"],
    "kefu worker": ["worker --once"],
    "kefu migrate": ["migrate"],
    "kefu <command> --help": ["calendar --help", "calendar add-working-hours --help"],
    "kefu help <command>": ["help calendar"],
    "kefu demo-data": ["demo-data"],
    "kefu demo-data [--tickets N]": ["demo-data --tickets 20"],
    "kefu calendar is-workday 2026-10-10": ["calendar is-workday 2026-10-10"],
    "kefu calendar add-working-days 2026-09-30T16:00 3": ["calendar add-working-days 2026-09-30T16:00 3"],
    "kefu calendar add-working-hours 2026-09-30T16:00 8 [--brand B]": [
        "calendar add-working-hours 2026-09-30T16:00 8",
        "calendar add-working-hours 2026-09-30T16:00 8 --brand xintianjie",
    ],
    "kefu calendar load-year FILE": ["calendar load-year 2027.yaml"],
    "kefu calendar load-year": ["calendar load-year 2027.yaml"],
    "kefu calendar show-year 2027": ["calendar show-year 2027"],
    "kefu sla due --brand B --type 投诉 --at 2026-09-30T16:00 [--scope domestic|hmt|international]": [
        f"sla due --brand xintianjie --type 投诉 --at 2026-09-30T16:00 --scope {scope}"
        for scope in ("domestic", "hmt", "international")
    ],
    "kefu sla sweep": ["sla sweep"],
    "kefu check [--channel phone|chat|email] [--profile P] [TEXT]": [
        f"check --channel {channel} --profile oufei 您好，很高兴为您服务"
        for channel in ("phone", "chat", "email")
    ],
    "kefu script SITUATION --profile P --at 2026-10-01T09:30 [--agent 1024] [--customer 王先生]": [
        "script opening --profile oufei --at 2026-10-01T09:30 --agent 1024 --customer 王先生"
    ],
    "kefu script --list": ["script --list"],
    "kefu qa FILE.json [--format table]": ["qa 对话.json --format table"],
    "kefu waybill identify NUMBER": ["waybill identify SF1234567890123"],
    "kefu claim assess FILE.json": ["claim assess 理赔.json"],
    "kefu import-waybills|import-scans|import-fees FILE [--brand B]": [
        "import-waybills 运单.csv --brand xintianjie",
        "import-scans 扫描.csv --brand xintianjie",
        "import-fees 面单费用.csv --brand xintianjie",
    ],
    "kefu import-waybills 运单.csv": ["import-waybills 运单.csv"],
    "kefu import-scans 扫描.csv": ["import-scans 扫描.csv"],
    "kefu import-fees 面单费用.csv": ["import-fees 面单费用.csv"],
    "kefu settle --month 2026-10 [--xlsx FILE]": ["settle --month 2026-10 --xlsx 月结.xlsx"],
    "kefu settle --month 2026-10 --xlsx 月结.xlsx": ["settle --month 2026-10 --xlsx 月结.xlsx"],
    "kefu express-sweep": ["express-sweep"],
    "kefu rules export|import|diff --brand B [FILE]": [
        "rules export --brand oufei --out 导出.yaml",
        "rules diff --brand oufei 规则.yaml",
        "rules import --brand oufei 规则.yaml --reason 版本库",
    ],
    "kefu rules export|import|diff --brand B": ["rules export --brand oufei"],
    "kefu unlock-login": ["unlock-login"],
    "kefu unlock-login [--username U | --address IP]": [
        "unlock-login --username agent_a",
        "unlock-login --address 10.0.0.9",
    ],
    "kefu sent-not-arrived --station CODE [--since D --until D] [--open-tickets]": [
        "sent-not-arrived --station FQ01 --since 2026-11-17 --until 2026-11-23 --open-tickets"
    ],
    "kefu sent-not-arrived --station FQ01 [--since 2026-11-17 --until 2026-11-23] [--open-tickets]": [
        "sent-not-arrived --station FQ01",
        "sent-not-arrived --station FQ01 --since 2026-11-17 --until 2026-11-23 --open-tickets",
    ],
}
PARSE_ONLY = {"serve"}  # it would start serving; its argument errors are run in tests/test_cli.py
RUNS = [(example, run) for example, runs in EXAMPLES.items() for run in runs]


def readme_examples() -> set[str]:
    """Every `kefu …` in backticks and every `kefu …` line of a code block, as the README writes it."""
    # (an answer kefu prints, `kefu calendar show-year：…`, is not an example)
    inline = {m.replace("\\|", "|") for m in re.findall(r"`(kefu [^`：]+)`", README)}
    blocks = re.findall(r"^```\n(.*?)^```", README, re.M | re.S)
    lines = {line.split("#")[0].strip() for block in blocks for line in block.splitlines()}
    return {
        " ".join(example.split()) for example in inline | {line for line in lines if line.startswith("kefu ")}
    }


def test_every_readme_example_is_tried():
    assert readme_examples() == set(EXAMPLES)


@pytest.fixture
def world(cast, tmp_path, monkeypatch):
    """Stations, files and a current directory for the examples."""
    from kefu.express.models import Station

    for code, name, city in [("FQ01", "福清站", "福州"), ("SH01", "上海分拨中心", "上海")]:
        Station.objects.create(brand=cast.brand_b, code=code, name=name, province=city, city=city)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "运单.csv").write_text(
        "运单号,寄件人,寄件人电话,始发站,目的站,品名,件数,重量,运费,付款方式,月结合同号,收寄时间\n"
        "XTJ100000000001,王小明,13800138000,FQ01,SH01,衣服,1,1.2,12.00,寄付,,2026-10-05 09:00\n",
        encoding="utf-8",
    )
    (tmp_path / "扫描.csv").write_text(
        "number,kind,at,station\nXTJ100000000001,到达,2026-10-06T08:00:00+08:00,SH01\n", encoding="utf-8"
    )
    (tmp_path / "面单费用.csv").write_text(
        "number,contract_code,amount,month\nXTJ100000000001,YJ-001,12.00,2026-10\n", encoding="utf-8"
    )
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nsource: 测试用安排\nholidays:\n  2027-01-01: new_year\nworkdays: []\n", encoding="utf-8"
    )
    (tmp_path / "规则.yaml").write_text(
        "brand: oufei\nforbidden:\n  ask_me_who: null\nphrases: {}\n", encoding="utf-8"
    )
    shutil.copy(SAMPLES / "phone_good.json", tmp_path / "对话.json")
    (tmp_path / "理赔.json").write_text(json.dumps(case(), ensure_ascii=False), encoding="utf-8")
    return tmp_path


def kefu(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


@pytest.mark.parametrize(("example", "run"), RUNS, ids=[run for _, run in RUNS])
def test_the_example_works_as_written(world, example, run, capsys):
    argv = run.split()
    if argv[0] in PARSE_ONLY:
        name = argv[0].replace("-", "_")
        command = load_command_class(get_commands()[name], name)
        command.create_parser("kefu", argv[0]).parse_args(argv[1:])
        return
    assert kefu(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    if run == "calendar is-workday 2026-10-10":  # the answer the README shows
        info = json.loads(out)
        assert (info["workday"], info["makeup_workday"], info["source"]) == (True, True, "chinese_calendar")
    if run == "calendar add-working-days 2026-09-30T16:00 3":
        assert json.loads(out)["result"] == "2026-10-10T16:00:00+08:00"
    if run.startswith("settle"):
        assert (world / "月结.xlsx").stat().st_size > 0
