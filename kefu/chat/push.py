"""Realtime pushes, sent only after the transaction commits (a rolled-back write is never announced).

A push is a courtesy to the screens, never the record: what was written is in the database, every message with
its sequence number, and a screen that missed a push catches up from there (kefu.chat.consumers). So a push
that cannot be sent after a commit — Redis gone, a socket's queue full — is logged, and the request that
committed still answers as the success it is. Before a write that only makes sense with live delivery (a chat
start), ``realtime_problem()`` says whether the channel layer can be reached at all.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from kefu.errors import ServiceError

log = logging.getLogger(__name__)

REALTIME_UNAVAILABLE = "实时消息服务暂时无法连接，在线客服暂停接入。请稍后再试，或拨打客服热线。"
PING_TIMEOUT = 0.5  # seconds: a chat start waits at most this long to learn Redis is not there


CUSTOMER, DESK = "customer", "desk"


def chat_group(session_id: int, side: str) -> str:
    """One side of a chat: the customer's page (CUSTOMER) or the desks that watch it (DESK). A push goes to
    the side that needs it — a customer's own message is not sent back to their page, which has its ack."""
    return f"chat.{session_id}.{side}"


def push_chat(session_id: int, payload: dict, *, to: tuple[str, ...] = (CUSTOMER, DESK)) -> None:
    for side in to:
        push(chat_group(session_id, side), "chat.event", payload)


def brand_group(brand_id: int) -> str:
    return f"brand.{brand_id}"


def board_group(brand_id: int) -> str:
    """The supervisors' boards that show ``brand_id``: one payload per brand and change, not per supervisor."""
    return f"board.{brand_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def push_mine(session_id: int, *agent_ids: int | None, sender: str = "") -> None:
    """The agents' own conversation lists (every kefu page of theirs) read again: a conversation of theirs
    changed (a message, taken, ended, taken over). ``sender`` says who wrote, when it was a message."""
    for agent_id in {a for a in agent_ids if a is not None}:
        push(agent_group(agent_id), "desk.mine", {"type": "mine", "session": session_id, "sender": sender})


def push(group: str, event_type: str, payload: dict | Callable[[], dict | None]) -> None:
    """Send ``payload`` to ``group`` once the transaction commits. A callable payload is computed then, once,
    outside the transaction (a screen pop's card, a board); returning None sends nothing."""

    def send() -> None:
        try:
            body = payload() if callable(payload) else payload
            if body is not None:
                _group_send(group, {"type": event_type, "payload": body})
        except Exception as exc:  # the write is committed; the screens catch up from it
            _failed(group, event_type, exc)

    transaction.on_commit(send)


def _failed(group: str, event_type: str, exc: BaseException) -> None:
    log.warning("实时推送失败（%s → %s）：%s；界面将按已存储的消息补齐", event_type, group, exc)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this thread runs database work for it (asgiref's sync_to_async)."""
    from asgiref.sync import SyncToAsync

    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid() or not loop.is_running():
        return None
    return loop


class _Outbox:
    """The pushes of one server process, sent by one task on its event loop in the order they were committed
    (so a chat's messages leave in number order and no screen sees a hole that is not one)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop, self.queue = loop, asyncio.Queue()
        self.task = loop.create_task(self.run())

    async def run(self) -> None:
        while True:
            group, message = await self.queue.get()
            layer = get_channel_layer()
            try:
                if layer is not None:
                    await layer.group_send(group, message)
            except Exception as exc:  # the write is committed; the screens catch up from it
                _failed(group, message["type"], exc)


_outboxes: dict[asyncio.AbstractEventLoop, _Outbox] = {}


def _enqueue(loop: asyncio.AbstractEventLoop, group: str, message: dict) -> None:
    outbox = _outboxes.get(loop)
    if outbox is None or outbox.task.done():
        for old in [lp for lp in _outboxes if lp.is_closed()]:  # a test's finished loop
            del _outboxes[old]
        outbox = _outboxes[loop] = _Outbox(loop)
    outbox.queue.put_nowait((group, message))


def _group_send(group: str, message: dict) -> None:
    """Hand the push to the server's event loop and go on: the thread that committed (which every socket's
    database work shares) never waits for Redis. Outside a server (a command, a test) it is sent at once."""
    loop = _server_loop()
    if loop is None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)
        return
    loop.call_soon_threadsafe(_enqueue, loop, group, message)


# ---------------------------------------------------------------- the supervisors' boards

_changed = threading.local()


def board_changed(*, brands: Iterable[int] = (), agents: Iterable[int] = ()) -> None:
    """The boards showing these brands (or the brands of these agents' teams) are out of date.

    After the commit the board is computed once per brand — however many changes the transaction made and
    however many supervisors watch — and sent to the brand's board group; each board's socket shows the parts
    of the brands its supervisor serves (kefu.chat.consumers.DeskConsumer)."""
    if not hasattr(_changed, "brands"):
        _changed.brands, _changed.agents = set(), set()
    _changed.brands.update(brands)
    _changed.agents.update(agents)
    transaction.on_commit(_send_boards)


def _send_boards() -> None:
    # The first callback of a commit sends for every change of the transaction; the others find nothing left.
    # (Brands left over from a rolled-back transaction are sent with the next commit: a board computed again.)
    brands, agents = getattr(_changed, "brands", set()), getattr(_changed, "agents", set())
    if not brands and not agents:
        return
    _changed.brands, _changed.agents = set(), set()
    try:
        from kefu.accounts.models import Team
        from kefu.chat.selectors import board_parts

        if agents:
            brands |= set(
                Team.brands.through.objects.filter(team__user__in=agents).values_list("brand_id", flat=True)
            )
        for brand_id, part in board_parts(brands).items():
            _group_send(board_group(brand_id), {"type": "board.update", "payload": part})
    except Exception as exc:  # the changes are committed; the boards refresh on their own within a minute
        log.warning("主管监控推送失败（品牌 %s）：%s", sorted(brands), exc)
    _send_queues(brands)


def _send_queues(brands: set[int]) -> None:
    """What changed a brand's board changed its queue: every customer waiting in it is told their place."""
    from kefu.chat import queue

    try:
        for session_id, place in queue.waiting(brands).items():
            payload = {"session": session_id, "type": "queue", **place}
            _group_send(chat_group(session_id, CUSTOMER), {"type": "chat.event", "payload": payload})
    except Exception as exc:  # committed; each page still counts down and asks again when it reconnects
        log.warning("排队位置推送失败（品牌 %s）：%s", sorted(brands), exc)


# ---------------------------------------------------------------- reachability


class RealtimeUnavailable(ServiceError):
    """A write that needs live delivery, refused before anything is written: 503, try again later."""

    status = 503

    def __init__(self, message: str = REALTIME_UNAVAILABLE, *, retry_after: int = 30):
        super().__init__(message, code="realtime_unavailable")
        self.retry_after = retry_after


_clients: dict[tuple, object] = {}


def _redis_hosts() -> list[dict]:
    layer = settings.CHANNEL_LAYERS.get("default", {})
    if "redis" not in layer.get("BACKEND", "").lower():
        return []
    from channels_redis.utils import decode_hosts

    return decode_hosts(layer.get("CONFIG", {}).get("hosts"))


def _client(host: dict):
    import redis

    key = tuple(sorted((k, str(v)) for k, v in host.items()))
    client = _clients.get(key)
    if client is None:
        options = {
            k: v for k, v in host.items() if k not in ("address", "socket_timeout", "socket_connect_timeout")
        }
        if "address" in host:
            client = redis.Redis.from_url(
                host["address"], socket_connect_timeout=PING_TIMEOUT, socket_timeout=PING_TIMEOUT, **options
            )
        else:
            client = redis.Redis(socket_connect_timeout=PING_TIMEOUT, socket_timeout=PING_TIMEOUT, **options)
        _clients[key] = client
    return client


def realtime_problem() -> str | None:
    """None when the channel layer can carry pushes now; else what is wrong, in Chinese, for a person.

    The in-memory layer (one process, no Redis) is always there. With Redis, every host of the layer must answer
    a PING within PING_TIMEOUT. For the readiness endpoint and for every chat start.
    """
    for host in _redis_hosts():
        if (
            "address" not in host and "host" not in host
        ):  # a sentinel set-up: its pool knows how to find Redis
            continue
        try:
            _client(host).ping()
        except Exception as exc:  # any failure to answer means no live delivery
            where = host.get("address") or f"{host.get('host')}:{host.get('port', 6379)}"
            log.warning("实时消息服务 (Redis %s) 无法连接：%s", _without_password(str(where)), exc)
            return REALTIME_UNAVAILABLE
    return None


def _without_password(address: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.password:
        return address.replace(f":{parts.password}@", ":***@")
    return address
