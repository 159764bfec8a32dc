"""Durable jobs: a job runs once however many messages carry it, a worker killed mid-job is resumed by the lease
and its dead run cannot write, and a real `kefu worker` process killed with SIGKILL mid-import (or mid-settlement)
resumes in another one without storing a row twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from kefu.express.models import Discrepancy, FeeRecord, ImportJob, Scan, Settlement, Statement
from kefu.express.services import import_job_create, import_job_start
from kefu.express.settlement import settlement_queue
from kefu.jobs import services
from kefu.jobs.models import Job
from kefu.jobs.services import LeaseLost, Progress, job_run, jobs_run_queued, jobs_sweep
from kefu.timeutil import local_now
from tests.conftest import SUITE_CLOCK

SCAN_HEADER = "运单号,扫描类型,扫描时间,站点\n"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = settings.FILES_DIR = tmp_path


def scans_upload(rows: int) -> SimpleUploadedFile:
    start = datetime(2026, 10, 5, 10)  # noqa: DTZ001 - a time as written in the file
    body = SCAN_HEADER + "".join(
        f"XTJ300000000001,收件,{start + timedelta(seconds=i):%Y-%m-%d %H:%M:%S},FQ01\n" for i in range(rows)
    )
    return SimpleUploadedFile("扫描.csv", body.encode(), content_type="text/csv")


def queued_import(net, cast, rows: int) -> ImportJob:
    net.waybill("XTJ300000000001")
    upload = import_job_create(
        brand=net.brand, kind="scans", upload=scans_upload(rows), actor=cast.supervisor
    )
    import_job_start(upload, actor=cast.supervisor)
    return upload


def test_a_job_runs_once_however_many_messages_carry_it(net, cast):
    upload = queued_import(net, cast, 3)
    job = Job.objects.get()
    assert (job.kind, job.status, job.brand, job.created_by) == (
        "express.import",
        "queued",
        net.brand,
        cast.supervisor,
    )
    assert job_run(job.pk).status == "done"
    assert job_run(job.pk) is None  # the broker's redelivery, or the sweep's message: nothing happens
    upload.refresh_from_db()
    assert (upload.status, upload.stored, Scan.objects.count()) == ("done", 3, 3)


def test_a_job_whose_worker_died_is_resumed_after_its_lease_and_the_dead_run_cannot_write(
    net, cast, settings
):
    queued_import(net, cast, 3)
    job = Job.objects.get()
    # a worker took it and died: the row says running, with a lease that has run out
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=1, lease_until=local_now() - timedelta(seconds=1)
    )
    dead = Job.objects.get(pk=job.pk)
    assert jobs_sweep() == 1  # a message is sent again
    assert jobs_run_queued() == 1
    resumed = Job.objects.get(pk=job.pk)
    assert (resumed.status, resumed.attempts) == ("done", 2)
    with pytest.raises(LeaseLost):  # the dead run, had it woken up, can write nothing more
        Progress(dead)(done=1, force=True)
    assert Scan.objects.count() == 3
    assert jobs_sweep() == 0  # done: nothing to resume


def test_a_job_interrupted_too_often_stops_and_says_why(net, cast, settings):
    queued_import(net, cast, 3)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=settings.JOB_MAX_ATTEMPTS, lease_until=local_now() - timedelta(seconds=1)
    )
    ended = job_run(job.pk)
    assert ended.status == "failed" and f"运行了 {settings.JOB_MAX_ATTEMPTS} 次都中断了" in ended.error
    assert not Scan.objects.exists()


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_before_anything_is_queued():
    from kefu.errors import ServiceError

    with pytest.raises(ServiceError, match="未知的后台任务类型"):
        services.job_enqueue(kind="express.nothing")
    assert not Job.objects.exists()


def _worker(tmp_path: Path, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": url,
        "KEFU_SECRET_KEY": settings.SECRET_KEY,  # messages are signed: every node shares the key
        "KEFU_VAR_DIR": str(tmp_path / name),
        "KEFU_FILES_DIR": str(tmp_path),
        "KEFU_JOB_LEASE_SECONDS": "2",
        "KEFU_JOB_PROCESSES": "1",
    }
    env.pop("KEFU_REDIS_URL", None)
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL takes the cluster's processes with it
    )


def _wait(what, seconds: float = 60, *, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := what():
            return value
        time.sleep(every)
    state = list(Job.objects.values("status", "attempts", "lease_until", "done", "total", "error"))
    raise AssertionError(
        f"等待超时：{state} {list(ImportJob.objects.values('status', 'stored', 'skipped', 'error'))}"
    )


def _stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


# Leases and killed workers, not dates (the data's own are fixed): pinned to the suite's moment, so the clock
# reruns of `make test` skip these slow two.
@pytest.mark.clock(SUITE_CLOCK)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_resumed_by_another_without_a_row_twice(net, cast, tmp_path):
    rows = 100_000  # five batches: the kill lands while four are still to come
    upload = queued_import(net, cast, rows)
    first = _worker(tmp_path, "first")
    try:
        # the first batch committed (its progress line may come later: it is written twice a second)
        _wait(lambda: Scan.objects.exists(), every=0.02)
    finally:
        os.killpg(
            first.pid, signal.SIGKILL
        )  # the node dies: no goodbye, the lease simply stops being renewed
        first.wait()
    assert 0 < Scan.objects.count() < rows, "the kill came after the import had ended: make the file bigger"
    second = _worker(tmp_path, "second")
    try:
        time.sleep(2.5)  # the dead worker's lease (2 s) runs out
        assert jobs_sweep() == 1  # the minute's sweep, on any node
        job = _wait(lambda: Job.objects.filter(status="done").first(), seconds=120)
    finally:
        _stop(second)
    upload.refresh_from_db()
    assert (upload.status, job.attempts) == ("done", 2), (tmp_path / "second.log").read_text()
    assert Scan.objects.count() == rows  # every row once: the second run skipped what the first stored
    assert upload.stored + upload.skipped == rows


def month_of_waybills(net, n: int) -> int:
    """n 月结 waybills of October 2026 priced as the tariff prices them; every 10th face sheet differs and every
    25th is missing. Returns the discrepancies a settlement must list."""
    net.waybills((f"XTJ7{i:011d}" for i in range(n)), payment="monthly", customer=net.contract)
    FeeRecord.objects.bulk_create(
        [
            FeeRecord(
                brand=net.brand,
                number=f"XTJ7{i:011d}",
                contract_code="YJ-001",
                amount=Decimal("13.00" if i % 10 == 0 else "12.00"),
                month=date(2026, 10, 1),
                source="test",
                line=i + 1,
            )
            for i in range(n)
            if i % 25
        ],
        batch_size=5000,
    )
    return sum(1 for i in range(n) if i % 25 == 0 or i % 10 == 0)


@pytest.mark.clock(SUITE_CLOCK)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_settlement_is_resumed_by_another_and_the_month_is_settled_once(
    net, cast, tmp_path
):
    rows = 50_000
    expected = month_of_waybills(net, rows)
    settlement_queue(brand=net.brand, month=date(2026, 10, 1), actor=cast.supervisor)
    first = _worker(tmp_path, "first")
    try:
        # past its first step (the month's totals), still reading: the progress bar says so
        _wait(lambda: Job.objects.filter(status="running", done__gte=1).exists(), every=0.02)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert not Settlement.objects.exists(), "the kill came after the settlement was written: more waybills"
    assert Job.objects.get().status == "running"  # as the dead worker left it
    second = _worker(tmp_path, "second")
    try:
        time.sleep(2.5)  # the dead worker's lease (2 s) runs out
        assert jobs_sweep() == 1
        job = _wait(lambda: Job.objects.filter(status="done").first(), seconds=120)
    finally:
        _stop(second)
    assert job.attempts == 2 and job.result["waybills"] == rows, (tmp_path / "second.log").read_text()
    settlement = Settlement.objects.get()  # one month, written once
    assert (settlement.waybills, settlement.problems, settlement.total) == (
        rows,
        expected,
        Decimal(12 * rows),
    )
    assert Statement.objects.get().problems == expected
    assert Discrepancy.objects.filter(settlement=settlement).count() == expected
