"""Express's durable jobs (kefu.jobs): an uploaded file's import and a month's settlement, run by a worker.

Both are safe to run again after an interruption: an import skips the rows it already stored, a settlement
replaces its month in one transaction."""

from datetime import date

from django.urls import reverse

from kefu.express.models import ImportJob
from kefu.express.services import import_job_run
from kefu.express.settlement import settle_month
from kefu.jobs.models import Job
from kefu.jobs.services import Progress


def run_import(job: Job, progress: Progress) -> dict:
    upload = ImportJob.objects.select_related("brand").get(pk=job.args["import_job"])
    if upload.status != ImportJob.Status.DONE:  # done already: the worker died before it said so
        upload = import_job_run(upload, beat=progress)
    return {"url": reverse("express_import_job", args=[upload.pk]), "status": upload.status}


def run_settlement(job: Job, progress: Progress) -> dict:
    month = date.fromisoformat(job.args["month"])
    settlement = settle_month(
        brand=job.brand,
        month=month,
        actor=job.created_by,
        on_step=lambda done, total, note: progress(done=done, total=total, note=note, force=True),
    )
    return {
        "url": reverse("express_settlement", args=[f"{month:%Y-%m}"]),
        "waybills": settlement.waybills,
        "problems": settlement.problems,
    }
