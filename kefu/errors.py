"""Errors a person can read. Services raise them; the API, pages and CLI turn them into replies."""


class ServiceError(Exception):
    """A request that cannot be carried out; `message` is Chinese, for people."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(ServiceError):
    status = 404

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, code="not_found", field=field)


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message: str = "您没有权限执行此操作"):
        super().__init__(message, code="forbidden")


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str, *, code: str = "conflict", field: str | None = None):
        super().__init__(message, code=code, field=field)
