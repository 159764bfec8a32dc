"""WebSocket consumers: thin, every write goes through a service; messages are acked only after commit.

The consumers are asynchronous: what a socket is sent (pushes, acks, catch-ups) goes out on the server's event
loop at once, and only the database work (services, selectors) runs in Django's thread for it. A push to one
screen never waits behind another customer's write.
"""

import json
import re

from channels.db import database_sync_to_async as db
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from kefu import cleantext
from kefu.accounts import access
from kefu.chat import limits, queue, services
from kefu.chat.models import ChatMessage
from kefu.chat.push import CUSTOMER, DESK, agent_group, board_group, brand_group, chat_group
from kefu.chat.selectors import chat_messages, message_payload, session_for_token, session_for_user
from kefu.customers.models import Customer
from kefu.customers.services import customer_open
from kefu.errors import ServiceError, unavailable_from

# A frame longer than this is not read: a message of services.MAX_BODY characters with its envelope fits in it.
MAX_FRAME = 6 * services.MAX_BODY + 1000  # room for every character escaped as a six-character JSON \u escape
_CLIENT_ID = re.compile(r'"client_id"\s*:\s*"([^"\\]{1,64})"')


class Frames(AsyncJsonWebsocketConsumer):
    """What arrives on a socket is anyone's bytes: a frame that is not a JSON object, is too long or does not
    say what kefu expects is answered with an error frame (a Chinese message), the socket stays open, and
    nothing reaches the logs as a traceback."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.refuse("只接受文本格式的 JSON 消息")
            return
        if len(text_data) > MAX_FRAME:
            # the widget puts the client id first: the customer sees the error beside that message
            found = _CLIENT_ID.search(text_data[:300])
            await self.refuse(
                f"消息过长，最长 {services.MAX_BODY} 字，未发送",
                code="too_large",
                client_id=found.group(1) if found else None,
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.refuse("消息格式无效：应为 JSON")
            return
        if not isinstance(content, dict):
            await self.refuse("消息格式无效：应为 JSON 对象")
            return
        try:
            cleantext.check(content)  # a NUL would be a server error on PostgreSQL
        except cleantext.ControlCharacters as exc:
            client_id = content.get("client_id")
            await self.refuse(
                exc.message, code=exc.code, client_id=client_id if isinstance(client_id, str) else None
            )
            return
        client_id = content.get("client_id")
        client_id = client_id if isinstance(client_id, str) else None
        try:
            await self.receive_json(content, **kwargs)
        except (KeyError, ValueError, TypeError, AttributeError):
            await self.refuse("消息格式无效", client_id=client_id)
        except Exception as exc:
            # the database or its pool could not answer in time: nothing was written, the socket stays open
            # and the page sends the message again after retry_after seconds
            busy = unavailable_from(exc)
            if busy is None:
                raise
            await self.send_json(
                {
                    "type": "error",
                    "code": busy.code,
                    "message": busy.message,
                    "client_id": client_id,
                    "retry_after": busy.retry_after,
                }
            )

    async def refuse(self, message: str, *, code: str = "invalid", client_id: str | None = None) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, "client_id": client_id})


def _stored(session_id: int, after: int, before: int | None) -> list[dict]:
    messages = ChatMessage.objects.filter(session_id=session_id, seq__gt=after)
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return [message_payload(m) for m in messages.select_related("author").order_by("seq")]


class CatchUp:
    """Every message reaches the screen once and in order, pushed or not.

    A push can be lost on its way (a socket's queue full in the channel layer, Redis restarting, a server
    process killed between its commit and its push); the message itself is stored with its number (seq, 1, 2,
    3 … per session, no holes). The consumer remembers the last number it sent for each session: a push that
    arrives after a hole first sends the stored messages of the hole, a push already sent is not sent again, and
    a screen that finds a hole itself (or reconnects) asks for what was stored after the last number it has.
    """

    def remember(self, session_id: int, seq: int) -> None:
        if not hasattr(self, "sent"):
            self.sent: dict[int, int] = {}
        self.sent[session_id] = max(self.sent.get(session_id, 0), seq)

    async def send_stored(self, session_id: int, *, after: int, before: int | None = None) -> None:
        """The stored messages numbered after ``after`` (and before ``before``), in order."""
        for payload in await db(_stored)(session_id, after, before):
            await self.send_json({"session": session_id, "type": "message", "message": payload})
            self.remember(session_id, payload["seq"])

    async def fill_before(self, session_id: int, seq: int) -> None:
        """Before showing message ``seq`` (the customer's own, acknowledged), the stored ones this socket has
        not been sent yet; a push of them arriving later is then a repeat, not sent again."""
        last = getattr(self, "sent", {}).get(session_id)
        if last is not None and seq > last + 1:
            await self.send_stored(session_id, after=last, before=seq)
        self.remember(session_id, seq)

    async def deliver_message(self, payload: dict) -> None:
        session_id, seq = payload["session"], payload["message"]["seq"]
        last = getattr(self, "sent", {}).get(session_id)
        if last is not None:
            if seq <= last:
                return  # sent already (from the store, or twice through the layer)
            if seq > last + 1:
                await self.send_stored(session_id, after=last, before=seq)
        await self.send_json(payload)
        self.remember(session_id, seq)


class RefusedConsumer(AsyncWebsocketConsumer):
    """A socket opened on a path kefu has no socket for: closed before it is accepted (not a server error)."""

    async def connect(self):
        await self.close(code=4404)


def _history(session) -> dict:
    session.refresh_from_db()
    place, closed = queue.for_session(session)
    return {
        "type": "history",
        "state": session.state,
        "rating": session.rating,
        "agent": session.agent_id,  # a chat nobody took (a left message) is not rated
        "agent_read_seq": session.agent_read_seq,
        "messages": [message_payload(m) for m in chat_messages(session)],
        # where the customer is in the queue (after their first message), and whether they may leave a message
        "queue": place,
        "closed": closed,
    }


def _customer_message(session, client_id: str, body: str) -> dict:
    limits.hit("message", str(session.pk))
    message, _ = services.chat_customer_message(session=session, client_id=client_id, body=body)
    return message_payload(message)


class CustomerChatConsumer(CatchUp, Frames):
    """ws/chat/<token>/: the customer's side of one conversation."""

    async def connect(self):
        try:
            self.session = await db(session_for_token)(self.scope["url_route"]["kwargs"]["token"])
        except ServiceError:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(chat_group(self.session.pk, CUSTOMER), self.channel_name)
        await self.accept()
        history = await db(_history)(self.session)
        await self.send_json(history)
        self.remember(self.session.pk, history["messages"][-1]["seq"] if history["messages"] else 0)

    async def disconnect(self, code):
        if hasattr(self, "session"):
            await self.channel_layer.group_discard(chat_group(self.session.pk, CUSTOMER), self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        try:
            if kind == "message":
                stored = await db(_customer_message)(
                    self.session, str(content.get("client_id", "")), str(content.get("body", ""))
                )
                # The row is committed: only now is the customer told it arrived (with the message as stored:
                # the page gets no push of its own messages), after any message before it not yet sent here.
                await self.fill_before(self.session.pk, stored["seq"])
                await self.send_json(
                    {
                        "type": "ack",
                        "client_id": stored["client_id"],
                        "seq": stored["seq"],
                        "id": stored["id"],
                        "message": stored,
                    }
                )
            elif kind == "typing":
                await db(services.chat_typing)(session=self.session, who=ChatMessage.Sender.CUSTOMER)
            elif kind == "read":
                await db(services.chat_mark_read)(
                    session=self.session, reader=ChatMessage.Sender.CUSTOMER, seq=int(content.get("seq", 0))
                )
            elif kind == "sync":
                # the page found a hole in the numbers (or has been quiet a while): what was stored after it
                await self.send_stored(self.session.pk, after=int(content.get("after", 0)))
            else:
                await self.refuse("不支持的消息类型")
        except ServiceError as exc:
            client_id = content.get("client_id")
            await self.send_json(
                {
                    "type": "error",
                    "client_id": client_id if isinstance(client_id, str) else None,
                    **exc.to_dict(),
                }
            )

    async def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.CUSTOMER:
            return
        if payload.get("type") == "message":
            await self.deliver_message(payload)
            return
        await self.send_json(payload)


def _desk_rights(user) -> tuple[set[int], bool, bool]:
    return (
        set(access.brands_for(user).values_list("pk", flat=True)),
        access.can(user, "customer.full_phone"),
        access.can(user, "chat.monitor"),
    )


def _log_pop(user, customer_id: int, ticket: str) -> bool:
    """The desk's own line in the customer's access log for a pop it shows; False: it may not show it."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return False
    try:
        customer_open(customer=customer, user=user, via=f"来电弹屏 {ticket}")
    except ServiceError:
        return False
    return True


def _typing_or_read(user, session_id: int, kind: str, seq: int) -> None:
    session = session_for_user(session_id, user)
    if session.agent_id != user.pk:
        return
    if kind == "typing":
        services.chat_typing(session=session, who=ChatMessage.Sender.AGENT)
    else:
        services.chat_mark_read(session=session, reader=ChatMessage.Sender.AGENT, seq=seq)


class DeskConsumer(CatchUp, Frames):
    """ws/desk/: an agent's or supervisor's screen — screen pops, offers taken by others, watched chats."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        # What this screen may be shown, decided once here: no query per push.
        self.brand_ids, self.full_phone, self.monitors = await db(_desk_rights)(user)
        self.groups_joined = [agent_group(user.pk)] + [brand_group(pk) for pk in sorted(self.brand_ids)]
        if self.monitors:
            self.groups_joined += [board_group(pk) for pk in sorted(self.brand_ids)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        try:
            if kind == "watch":
                # Sent on opening the socket and again whenever the page finds a hole in the numbers (or has
                # been quiet a while): whatever was stored after the last number the page has.
                session_id, after = int(content["session"]), int(content.get("after", 0))
                group = chat_group(session_id, DESK)
                if group not in self.groups_joined:
                    session_id = (await db(session_for_user)(session_id, self.user)).pk  # once per socket
                    await self.channel_layer.group_add(group, self.channel_name)
                    self.groups_joined.append(group)
                await self.send_stored(session_id, after=after)
                self.remember(session_id, after)
            elif kind in ("typing", "read"):
                await db(_typing_or_read)(
                    self.user, int(content["session"]), kind, int(content.get("seq", 0))
                )
            else:
                await self.refuse("不支持的消息类型")
        except ServiceError as exc:
            await self.refuse(exc.message, code=exc.code)

    async def offer_new(self, event):
        """Screen pop of work given to this desk's agent (selectors.pop_payload, sent to the agent's group);
        this desk writes the access log for its agent and shows it."""
        payload = event["payload"]
        if self.user.pk != payload["agent"] or payload["brand"] not in self.brand_ids:
            return
        if payload["customer"] and not await db(_log_pop)(self.user, payload["customer"], payload["ticket"]):
            return
        html = payload["html"]["full" if self.full_phone else "masked"]
        await self.send_json({"type": "pop", "offer": payload["offer"], "html": html})

    async def offer_gone(self, event):
        await self.send_json(event["payload"])

    async def desk_mine(self, event):
        """One of this agent's conversations changed: their conversation list reads itself again."""
        await self.send_json(event["payload"])

    async def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.AGENT:
            return
        if payload.get("type") == "message":
            await self.deliver_message(payload)
            return
        await self.send_json(payload)

    async def board_update(self, event):
        """A brand's part of the supervisor board, computed once for every board (selectors.board_parts)."""
        part = event["payload"]
        if self.monitors and part["brand"]["id"] in self.brand_ids:
            await self.send_json({"type": "board", **part})

    async def board_wait(self, event):
        """A live chat's customer started waiting, or was answered."""
        payload = event["payload"]
        if self.monitors and payload["brand"] in self.brand_ids:
            await self.send_json({"type": "board_wait", **payload})
