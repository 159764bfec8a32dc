"""Liveness (/healthz/: the process answers) and readiness (/readyz/: it can do its work): the database, Redis
when configured, and at least one `kefu worker` alive. A load balancer sends work only to a ready node."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from kefu.errors import unavailable_from
from kefu.jobs.selectors import workers_alive

REDIS_TIMEOUT_S = 1.0


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure to reach it is the answer
        down = unavailable_from(exc)
        return down.message if down else f"数据库出错：{exc}"
    return None


def redis_problem() -> str | None:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis 无法连接（{exc}）：实时消息与多节点限流不可用"
    finally:
        client.close()
    return None


def workers_problem() -> str | None:
    if not workers_alive():
        return "没有正在运行的后台任务进程（kefu worker）：导入、月结与超时检测不会进行"
    return None


def readyz(request):
    checks = {"database": database_problem()}
    if settings.REDIS_URL:
        checks["redis"] = redis_problem()
    checks["workers"] = "无法确认（数据库不可用）" if checks["database"] else workers_problem()
    ready = not any(checks.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {
            name: {"ok": problem is None, **({"problem": problem} if problem else {})}
            for name, problem in checks.items()
        },
    }
    return JsonResponse(body, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})
