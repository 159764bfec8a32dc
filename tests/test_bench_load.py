"""bench/load.py's figures: percentiles by nearest rank, and what a phase counts as a success or an error."""

import importlib.util
import sys
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "bench_load", Path(__file__).parent.parent / "bench" / "load.py"
)
load = importlib.util.module_from_spec(spec)
sys.modules["bench_load"] = load  # dataclasses look their module up
spec.loader.exec_module(load)


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 1 … 100, unsorted
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 99) == 99
    assert load.percentile(values, 100) == 100
    assert load.percentile([3.0, 1.0, 2.0], 50) == 2
    assert (
        load.percentile([5.0] * 10 + [900.0], 99) == 900
    )  # 1 slow answer in 11 is above the 99th percentile
    assert load.percentile([7.0], 99) == 7
    assert load.percentile([], 99) is None
    with pytest.raises(ValueError):
        load.percentile([1.0], 0)


def test_only_2xx_answers_count_as_throughput_and_latency():
    stats = load.PhaseStats()
    stats.answer(200, 0.010, b"[]")
    stats.answer(201, 0.030, b"{}")
    stats.answer(500, 0.001, "<h1>服务器错误</h1>\n database is locked".encode())
    stats.failure("timeout", "no answer within 30 s")
    stats.elapsed = 2.0
    summary = stats.summary()
    assert summary["ok"] == 2
    assert summary["rps"] == 1.0
    assert summary["p50_ms"] == 10.0
    assert summary["p99_ms"] == 30.0  # the fast 500 is not a latency
    assert summary["errors"] == 2
    assert summary["statuses"] == {"200": 1, "201": 1, "500": 1}
    assert summary["error_samples"]["HTTP 500"] == ["<h1>服务器错误</h1> database is locked"]
    assert summary["connection_errors"] == {"timeout": 1}
    assert load._errors(summary) == "1 × HTTP 500, 1 × timeout"
