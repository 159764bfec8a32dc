"""The kinds of job kefu runs: each app registers its own in AppConfig.ready() (kind → label and handler).

A handler is ``handler(job, progress) -> dict``: it does the work for ``job.args``, reports its progress through
``progress`` (which also renews the lease) and returns what the job's page shows when it is done. It must be safe
to run again after an interruption (see kefu.jobs.models)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from kefu.errors import ServiceError

if TYPE_CHECKING:
    from kefu.jobs.models import Job
    from kefu.jobs.services import Progress


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    handler_path: str

    @property
    def handler(self) -> Callable[[Job, Progress], dict[str, Any] | None]:
        return import_string(self.handler_path)


KINDS: dict[str, Kind] = {}


def register(name: str, label: str, handler_path: str) -> None:
    KINDS[name] = Kind(name, label, handler_path)


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ServiceError(f"未知的后台任务类型：{name}", field="kind") from None
