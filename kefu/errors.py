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


class Unavailable(ServiceError):
    """kefu cannot answer now (the database is busy or unreachable, Redis is down): nothing was written, try again."""

    status = 503

    def __init__(self, message: str, *, code: str = "unavailable", retry_after: int = 5):
        super().__init__(message, code=code)
        self.retry_after = retry_after


def unavailable_from(exc: BaseException) -> Unavailable | None:
    """A failure of what kefu stands on (database, pool, Redis) as a 503 a person can read; None for a bug."""
    from django.db import InterfaceError, OperationalError

    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the pool comes with psycopg[pool]
        PoolTimeout = ()
    if isinstance(exc, PoolTimeout):
        return Unavailable("服务繁忙：数据库连接已用满，请稍后重试")
    if isinstance(exc, OperationalError) and "locked" in str(exc):
        return Unavailable("服务繁忙：数据库正忙于其他写入，请稍后重试")
    if isinstance(exc, OperationalError | InterfaceError):
        return Unavailable("数据库暂时无法连接，请稍后重试；若持续出现请联系管理员", retry_after=10)
    try:
        from redis.exceptions import ConnectionError as RedisDown
        from redis.exceptions import TimeoutError as RedisSlow
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, RedisDown | RedisSlow | ConnectionRefusedError):
        return Unavailable("实时服务 (Redis) 暂时无法连接，请稍后重试", code="realtime_unavailable")
    return None
