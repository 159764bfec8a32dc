"""Imports: waybills, scans and face-sheet fees from files (command line or the import page), and scans
pushed by a sorting center."""

from __future__ import annotations

import csv
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q

from kefu.accounts import access
from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.errors import Conflict, ServiceError
from kefu.express import imports
from kefu.express.models import ImportJob
from kefu.jobs.services import job_enqueue
from kefu.timeutil import local_now

log = logging.getLogger("kefu.import")
PROGRESS_EVERY_S = 0.5


def import_file(
    *, brand: Brand, kind: str, path: Path | str, progress: bool = False
) -> imports.ImportSummary:
    """Import waybills, scans or face-sheet fees from a CSV/JSON file; see kefu.express.imports."""
    if kind not in imports.IMPORTERS:
        raise ServiceError(f"未知的导入类型：{kind}", field="kind")
    file = imports.open_file(path)
    importer = imports.IMPORTERS[kind](brand, file)
    return importer.run(imports.read_rows(file, progress=progress))


def scans_push(*, brand: Brand, rows: list[dict[str, Any]]) -> imports.ImportSummary:
    """A sorting center pushes a batch of scans; rows are numbered from 1 in the reply."""
    return imports.ScanImporter(brand).run((i, imports.canonical(r)) for i, r in enumerate(rows, start=1))


# ---------------------------------------------------------------- the import page: uploads run in the background


def import_job_create(*, brand: Brand, kind: str, upload: UploadedFile | None, actor: User) -> ImportJob:
    """Keep the uploaded file where every node reads it (KEFU_FILES_DIR/imports); import_job_start queues it."""
    access.require(actor, "express.import")
    access.require_brand(actor, brand)
    if kind not in imports.IMPORTERS:
        raise ServiceError("请选择要导入的数据类型", field="kind")
    if upload is None:
        raise ServiceError("请选择要导入的文件", field="file")
    name = Path(upload.name or "").name
    suffix = imports.file_suffix(name)
    if not upload.size:
        raise ServiceError("文件是空的", field="file")
    upload.seek(0)
    imports.check_text_head(upload.read(imports.SNIFF_BYTES), name)  # as `kefu import-*` checks a file
    upload.seek(0)
    job = ImportJob(
        path=str(Path("imports") / f"{uuid.uuid4().hex}{suffix}"),
        brand=brand,
        kind=kind,
        file_name=name[:200],
        size=upload.size,
        created_by=actor,
        created_at=local_now(),
    )
    job.file_path.parent.mkdir(parents=True, exist_ok=True)
    with job.file_path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job.save()
    return job


def import_job_run(job: ImportJob, *, beat: Callable[..., None] | None = None) -> ImportJob:
    """Import the job's file, writing its progress as it goes; a failure is recorded, never lost silently.

    ``beat`` is the durable job's progress (kefu.jobs), which renews its lease: the job that holds the lease
    may take over an import left running by a worker that died (``resume``)."""
    resumable = Q(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.FAILED]) | Q(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=local_now() - ImportJob.STALE_AFTER
    )
    if beat is not None:  # the durable job's lease says no other run of it is alive
        resumable |= Q(status=ImportJob.Status.RUNNING)
    claimed = ImportJob.objects.filter(pk=job.pk).filter(resumable)
    if not claimed.update(status=ImportJob.Status.RUNNING, heartbeat_at=local_now(), error="", done_bytes=0):
        raise Conflict("该文件正在导入或已导入完成", field="job")
    summary = imports.ImportSummary()  # replaced by the importer's own once it is made
    last = 0.0

    def counts(**extra: Any) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            read=summary.read,
            stored=summary.stored,
            skipped=summary.skipped,
            rejected_count=summary.rejected_count,
            heartbeat_at=local_now(),
            **extra,
        )

    def progress(done: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_S:
            last = time.monotonic()
            counts(done_bytes=done)
            if beat is not None:
                beat(done=done, total=job.size, force=True)

    try:
        file = imports.open_file(job.file_path)
        importer = imports.IMPORTERS[job.kind](job.brand, file)
        summary = importer.summary
        importer.run(imports.read_rows(file, progress=False, on_progress=progress))
    except Exception as exc:  # the rows written so far stay; running the job again skips them
        log.exception("导入失败：%s", job.file_name)
        if isinstance(exc, ServiceError):
            message = exc.message
        elif isinstance(exc, csv.Error):  # as `kefu import-*` says it
            message = f"{job.file_name} 无法按 CSV 读取（{exc}），请检查文件内容"
        else:
            message = f"导入中断（{type(exc).__name__}: {exc}），已存入的行保留，修正后重新导入会跳过它们"
        counts(status=ImportJob.Status.FAILED, error=message[:2000], finished_at=local_now())
    else:
        rejected = [{"line": line, "reason": reason} for line, reason in summary.rejected]
        counts(
            status=ImportJob.Status.DONE,
            done_bytes=job.size,
            rejected=rejected,
            finished_at=local_now(),
        )
    job.refresh_from_db()
    return job


def import_job_start(job: ImportJob, *, actor: User) -> None:
    """Queue the import as a durable job (kefu.jobs): a worker runs it, and resumes it if its worker dies."""
    access.require(actor, "express.import")
    access.require_brand(actor, job.brand)
    job_enqueue(kind="express.import", args={"import_job": job.pk}, brand=job.brand, actor=actor)
