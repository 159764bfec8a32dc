"""The import page: a supervisor uploads a file, it is imported in the background with a progress bar,
bad rows are listed by line; a failed or interrupted import can be run again without storing anything twice."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.errors import Conflict, PermissionDenied
from kefu.express.models import FeeRecord, ImportJob, Scan
from kefu.express.services import import_job_create, import_job_run
from kefu.jobs.services import jobs_run_queued
from kefu.timeutil import local_now

SCANS = "运单号,扫描类型,扫描时间,站点\nXTJ300000000001,收件,2026-10-05 10:00,FQ01\nXTJ300000000001,丢了,2026-10-05 11:00,FQ01\n"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = settings.FILES_DIR = tmp_path


def upload(text: str, name: str = "扫描.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_only_supervisors_import(net, cast, client):
    client.force_login(cast.agent_b)
    assert client.get("/express/imports/").status_code == 403
    with pytest.raises(PermissionDenied):
        import_job_create(brand=net.brand, kind="scans", upload=upload(SCANS), actor=cast.agent_b)


def test_a_bad_upload_is_refused_in_chinese(net, cast, client):
    client.force_login(cast.supervisor)
    page = text(client.post("/express/imports/", {"kind": "scans"}))
    assert "请选择要导入的文件" in page
    page = text(client.post("/express/imports/", {"kind": "scans", "file": upload("x", "扫描.xlsx")}))
    assert "只支持 .csv、.json、.jsonl 文件" in page
    assert not ImportJob.objects.exists()


def test_an_upload_is_imported_in_the_background_and_its_summary_shown(net, cast, client):
    net.waybill("XTJ300000000001")
    client.force_login(cast.supervisor)
    reply = client.post("/express/imports/", {"kind": "scans", "file": upload(SCANS)})
    job = ImportJob.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/express/imports/{job.pk}/"
    assert "排队中" in text(client.get(f"/express/imports/{job.pk}/"))  # nothing imported in the request
    assert not Scan.objects.exists()
    # what a worker does (tests/express_django/test_durable_jobs.py runs a real one)
    assert jobs_run_queued() == 1
    job.refresh_from_db()
    assert (job.status, job.read, job.stored, job.rejected_count) == ("done", 2, 1, 1), job.error
    page = text(client.get(f"/express/imports/{job.pk}/"))
    assert "导入完成" in page and 'aria-valuenow="100"' in page
    assert "未知的扫描类型：丢了" in page and '<td class="num">3</td>' in page
    assert 'hx-trigger="every 1s"' not in page  # finished: the page stops polling
    assert Scan.objects.count() == 1
    assert "扫描.csv" in text(client.get("/express/imports/"))


def test_a_running_import_polls_and_shows_its_progress(net, cast, client):
    job = import_job_create(brand=net.brand, kind="scans", upload=upload(SCANS), actor=cast.supervisor)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", done_bytes=job.size // 2, read=1, heartbeat_at=local_now()
    )
    client.force_login(cast.supervisor)
    part = text(client.get(f"/express/imports/{job.pk}/", headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 1s"' in part and f"导入中 {job.size // 2 * 100 // job.size}%" in part
    assert "<html" not in part  # htmx gets only the progress part


@pytest.mark.parametrize("kind", ["scans", "fees"])  # the fee importer reads the file as it is made
def test_a_failed_import_says_why_and_runs_again_when_fixed(net, cast, client, kind):
    net.waybill("XTJ300000000001")
    body = (
        SCANS
        if kind == "scans"
        else "number,contract_code,amount,month\nXTJ300000000001,YJ-001,12.00,2026-10\n"
    )
    job = import_job_create(brand=net.brand, kind=kind, upload=upload(body), actor=cast.supervisor)
    kept = job.file_path.read_bytes()
    job.file_path.unlink()  # the stored file went missing
    import_job_run(job)
    job.refresh_from_db()
    assert job.status == "failed" and "找不到文件" in job.error
    client.force_login(cast.supervisor)
    page = text(client.get(f"/express/imports/{job.pk}/"))
    assert "导入失败" in page and "找不到文件" in page and "重新导入" in page
    job.file_path.write_bytes(kept)
    assert import_job_run(job).status == "done"
    with pytest.raises(Conflict):  # done: a second run is refused, nothing is stored twice
        import_job_run(job)
    assert (Scan if kind == "scans" else FeeRecord).objects.count() == 1


def test_an_interrupted_import_is_shown_as_such_and_resumes_without_duplicates(net, cast, client):
    net.waybill("XTJ300000000001")
    job = import_job_create(brand=net.brand, kind="scans", upload=upload(SCANS), actor=cast.supervisor)
    import_job_run(job)  # everything stored once ...
    ImportJob.objects.filter(pk=job.pk).update(  # ... then seen as a server that stopped mid-way
        status="running", heartbeat_at=local_now() - timedelta(minutes=3)
    )
    client.force_login(cast.supervisor)
    page = text(client.get(f"/express/imports/{job.pk}/"))
    assert "已中断" in page and "重新导入" in page and "hx-trigger" not in page
    reply = client.post(f"/express/imports/{job.pk}/rerun/", follow=True)
    assert "已重新开始导入" in text(reply)
    assert jobs_run_queued() == 1
    again = ImportJob.objects.get(pk=job.pk)
    assert (again.status, again.stored, again.skipped) == ("done", 0, 1)
    assert Scan.objects.count() == 1
